"""The credential document (docs/credentials.md, "The document"): building it from claims
and reading it back strictly.

Reading is strict on purpose. Every byte of the document is hashed and signed, so two
spellings of the same fact (a null instead of an absent member, an upper-case UUID, a time
with a fraction) would be two different credentials; accepting only the one spelling we
issue keeps "well formed" meaning "exactly what an iWORKZ issuer produces", and gives a
verifier one precise reason when it is not.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from eth_utils import to_checksum_address

from domain.credentials.canonical import (
    CanonicalizationError,
    canonical_bytes,
    document_hash,
    plain_json,
)

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
IWORKZ_CONTEXT = "https://iworkz.jp/ns/credentials/v1"
CONTEXTS = (VC_CONTEXT, IWORKZ_CONTEXT)
VERIFIABLE_CREDENTIAL = "VerifiableCredential"
STATUS_ENTRY_TYPE = "BitstringStatusListEntry"
STATUS_PURPOSE = "revocation"
SIGNATURE_PROOF_TYPE = "EthereumEip712Signature2021"
ANCHOR_PROOF_TYPE = "IworkzMerkleAnchor2026"
PROOF_PURPOSE = "assertionMethod"
# did:pkh names the key by its address; the "1" is fixed by the contract whatever chain
# anchors the credential (the EIP-712 domain carries no chain id either).
DID_PKH_PREFIX = "did:pkh:eip155:1:"
DID_PKH_FRAGMENT = "#blockchainAccountId"

_TIME = re.compile(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\Z")
_UUID = re.compile(r"\A[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
_ADDRESS = re.compile(r"\A0x[0-9a-fA-F]{40}\Z")
_INDEX = re.compile(r"\A(0|[1-9][0-9]*)\Z")
_URN_UUID = "urn:uuid:"
UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The contract's own members nest 4 deep (proof, a proof, its path, a node); attributes are
# meant to be flat. The bound leaves room and keeps hostile nesting out.
MAX_DEPTH = 16


class CredentialType(StrEnum):
    LICENCE = "LICENCE"
    CERTIFICATE = "CERTIFICATE"
    LANGUAGE_TEST = "LANGUAGE_TEST"
    EMPLOYMENT_HISTORY = "EMPLOYMENT_HISTORY"
    RESIDENCE_STATUS = "RESIDENCE_STATUS"

    @property
    def vc_type(self) -> str:
        """The second entry of the document's `type`: LANGUAGE_TEST -> LanguageTestCredential."""
        return "".join(word.capitalize() for word in self.value.split("_")) + "Credential"


_TYPES_BY_VC_TYPE = {kind.vc_type: kind for kind in CredentialType}


@dataclass(frozen=True)
class CredentialClaims:
    """What an issuer attests, before it becomes a document."""

    credential_id: UUID
    credential_type: CredentialType
    issuer_id: UUID
    issuer_name: str
    subject_id: UUID
    name: str
    attributes: Mapping[str, Any]
    valid_from: datetime
    valid_until: datetime | None
    status_list_url: str
    status_list_index: int


@dataclass(frozen=True)
class SignatureProof:
    """The EIP-712 proof as read from a document; `signer` is the address that
    verificationMethod names (whether it really signed is the SIGNATURE check's business)."""

    created: datetime
    signer: str  # checksummed
    signature: bytes  # 65 bytes r‖s‖v
    verification_method: str


@dataclass(frozen=True)
class AnchorProof:
    """The Merkle anchor proof as read from a document, bytes decoded."""

    chain_id: int
    transaction_hash: str  # 0x + 64 lower-case hex
    block_number: int
    anchored_by: str  # checksummed
    merkle_root: bytes
    leaf: bytes
    path: tuple[bytes, ...]


@dataclass(frozen=True)
class ParsedCredential:
    """A well-formed document, read. Nothing here has been verified yet."""

    credential_id: UUID
    credential_type: CredentialType
    issuer_id: UUID
    subject_id: UUID
    valid_from: datetime
    valid_until: datetime | None
    status_list_url: str | None
    status_list_index: int | None
    signature_proof: SignatureProof | None
    anchor_proof: AnchorProof | None
    issuer_name: str = ""
    name: str = ""
    attributes: Mapping[str, Any] = field(default_factory=dict)
    document_hash: bytes = b""  # keccak256 of the canonical document without proof


class MalformedCredential(ValueError):
    """The input is not a credential document as docs/credentials.md defines it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- times and identifiers ------------------------------------------------------------


def format_time(moment: datetime) -> str:
    """RFC 3339 in UTC with a Z, whole seconds (fractions are dropped, never rounded up, so
    a formatted validFrom is never later than the moment given)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("credential times must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    """The inverse of format_time; ValueError for anything else."""
    if not _TIME.match(text):
        raise ValueError(f"not a time like 2026-04-01T00:00:00Z: {_show(text)}")
    try:
        moment = datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise ValueError(f"not a calendar time: {_show(text)}") from None
    if moment < UNIX_EPOCH:
        # EIP-712 signs times as uint64 Unix seconds.
        raise ValueError(f"before 1970: {_show(text)}")
    return moment


def urn_uuid(value: UUID) -> str:
    return f"{_URN_UUID}{value}"


def verification_method(address: str) -> str:
    """The did:pkh key reference for an Ethereum address."""
    return f"{DID_PKH_PREFIX}{to_checksum_address(address)}{DID_PKH_FRAGMENT}"


def status_entry_id(url: str, index: int) -> str:
    return f"{url}#{index}"


# --- building ---------------------------------------------------------------------------


def build_document(claims: CredentialClaims) -> dict[str, Any]:
    """The unsigned credential (no `proof`), exactly as docs/credentials.md lays it out.

    Raises ValueError for claims no verifier could accept: naive times, a validity that ends
    before it starts, a negative status index, a status URL with a fragment, attributes that
    are not JSON."""
    valid_from = format_time(claims.valid_from)
    valid_until = None if claims.valid_until is None else format_time(claims.valid_until)
    parse_time(valid_from)
    if valid_until is not None and parse_time(valid_until) <= parse_time(valid_from):
        raise ValueError("validUntil must be after validFrom")
    if claims.status_list_index < 0:
        raise ValueError("a status list index is not negative")
    if not claims.status_list_url or "#" in claims.status_list_url:
        raise ValueError("a status list URL is non-empty and has no fragment")
    if not isinstance(claims.attributes, Mapping):
        raise ValueError("attributes are a JSON object")
    if _nested_deeper_than(claims.attributes, MAX_DEPTH - 2):  # attributes sit 2 deep
        raise ValueError(f"a document nests at most {MAX_DEPTH} levels deep")
    document: dict[str, Any] = {
        "@context": list(CONTEXTS),
        "id": urn_uuid(claims.credential_id),
        "type": [VERIFIABLE_CREDENTIAL, CredentialType(claims.credential_type).vc_type],
        "issuer": {"id": urn_uuid(claims.issuer_id), "name": claims.issuer_name},
        "validFrom": valid_from,
    }
    if valid_until is not None:
        document["validUntil"] = valid_until
    document["credentialSubject"] = {
        "id": urn_uuid(claims.subject_id),
        "credentialType": CredentialType(claims.credential_type).value,
        "name": claims.name,
        "attributes": plain_json(claims.attributes),
    }
    document["credentialStatus"] = {
        "id": status_entry_id(claims.status_list_url, claims.status_list_index),
        "type": STATUS_ENTRY_TYPE,
        "statusPurpose": STATUS_PURPOSE,
        "statusListIndex": str(claims.status_list_index),
        "statusListCredential": claims.status_list_url,
    }
    try:
        canonical = canonical_bytes(document)
        # A verifier hashes the document as its JSON parser reads it back: a float such as
        # 1e20 canonicalizes to integer digits that read back as an integer JCS refuses.
        if canonical_bytes(json.loads(canonical)) != canonical:
            raise CanonicalizationError("the document does not read back as itself")
    except CanonicalizationError as error:
        raise ValueError(f"attributes are not exact JSON: {error}") from error
    return document


# --- reading ----------------------------------------------------------------------------

_TOP_LEVEL = frozenset(
    {
        "@context",
        "id",
        "type",
        "issuer",
        "validFrom",
        "validUntil",
        "credentialSubject",
        "credentialStatus",
        "proof",
    }
)


def _show(value: Any) -> str:
    """A short rendering of a bad value for a reason a person reads."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class _Object:
    """A JSON object being read, with its path for reasons ("credentialSubject.id")."""

    def __init__(self, value: Any, path: str) -> None:
        if not isinstance(value, Mapping):
            raise MalformedCredential(f"{path or 'the document'} must be a JSON object")
        self.value = value
        self.path = path

    def where(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def only(self, allowed: frozenset[str]) -> None:
        for key in self.value:
            if key not in allowed:
                raise MalformedCredential(f"unexpected member {self.where(str(key))}")

    def require(self, key: str) -> Any:
        if key not in self.value:
            raise MalformedCredential(f"missing {self.where(key)}")
        return self.value[key]

    def string(self, key: str) -> str:
        value = self.require(key)
        if not isinstance(value, str):
            raise MalformedCredential(f"{self.where(key)} must be a string, not {_show(value)}")
        return value

    def equals(self, key: str, expected: str) -> None:
        if self.string(key) != expected:
            raise MalformedCredential(f"{self.where(key)} must be {expected!r}")

    def integer(self, key: str, *, minimum: int) -> int:
        value = self.require(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise MalformedCredential(
                f"{self.where(key)} must be an integer of at least {minimum}, not {_show(value)}"
            )
        return value

    def time(self, key: str) -> datetime:
        text = self.string(key)
        try:
            return parse_time(text)
        except ValueError as error:
            raise MalformedCredential(f"{self.where(key)} is {error}") from None

    def uuid(self, key: str) -> UUID:
        value = self.string(key)
        rest = value[len(_URN_UUID) :]
        if not value.startswith(_URN_UUID) or not _UUID.match(rest):
            raise MalformedCredential(
                f"{self.where(key)} must be urn:uuid: and a lower-case UUID, not {_show(value)}"
            )
        return UUID(rest)

    def hex_bytes(self, key: str, size: int) -> bytes:
        return _hex_bytes(self.require(key), size, self.where(key))

    def address(self, key: str) -> str:
        return _address(self.string(key), self.where(key))


def _hex_bytes(value: Any, size: int, where: str) -> bytes:
    if (
        not isinstance(value, str)
        or len(value) != 2 + 2 * size
        or not value.startswith("0x")
        or not all(char in "0123456789abcdefABCDEF" for char in value[2:])
    ):
        raise MalformedCredential(f"{where} must be 0x and {size} bytes of hex, not {_show(value)}")
    return bytes.fromhex(value[2:])


def _address(value: str, where: str) -> str:
    if not _ADDRESS.match(value):
        raise MalformedCredential(f"{where} is not an Ethereum address: {_show(value)}")
    checksummed = to_checksum_address(value)
    if checksummed != value:
        raise MalformedCredential(f"{where} is not checksummed (EIP-55): {_show(value)}")
    return checksummed


def _read_context(document: _Object) -> None:
    context = document.require("@context")
    if not isinstance(context, list) or tuple(context) != CONTEXTS:
        raise MalformedCredential(f"@context must be {list(CONTEXTS)}")


def _read_type(document: _Object) -> CredentialType:
    types = document.require("type")
    if (
        not isinstance(types, list)
        or len(types) != 2
        or types[0] != VERIFIABLE_CREDENTIAL
        or not isinstance(types[1], str)
    ):
        raise MalformedCredential('type must be ["VerifiableCredential", "<Type>Credential"]')
    kind = _TYPES_BY_VC_TYPE.get(types[1])
    if kind is None:
        raise MalformedCredential(f"unknown credential type {_show(types[1])}")
    return kind


def _read_status(document: _Object) -> tuple[str | None, int | None]:
    if "credentialStatus" not in document.value:
        return None, None
    status = _Object(document.value["credentialStatus"], "credentialStatus")
    status.only(
        frozenset({"id", "type", "statusPurpose", "statusListIndex", "statusListCredential"})
    )
    status.equals("type", STATUS_ENTRY_TYPE)
    status.equals("statusPurpose", STATUS_PURPOSE)
    index_text = status.string("statusListIndex")
    if not _INDEX.match(index_text):
        raise MalformedCredential(
            f"credentialStatus.statusListIndex must be a decimal string, not {_show(index_text)}"
        )
    url = status.string("statusListCredential")
    if not url or "#" in url:
        raise MalformedCredential("credentialStatus.statusListCredential must be a URL")
    index = int(index_text)
    status.equals("id", status_entry_id(url, index))
    return url, index


def _read_signature_proof(proof: _Object) -> SignatureProof:
    proof.only(frozenset({"type", "created", "proofPurpose", "verificationMethod", "proofValue"}))
    created = proof.time("created")
    proof.equals("proofPurpose", PROOF_PURPOSE)
    method = proof.string("verificationMethod")
    where = proof.where("verificationMethod")
    if not method.startswith(DID_PKH_PREFIX) or not method.endswith(DID_PKH_FRAGMENT):
        raise MalformedCredential(
            f"{where} must be {DID_PKH_PREFIX}<address>{DID_PKH_FRAGMENT}, not {_show(method)}"
        )
    signer = _address(method[len(DID_PKH_PREFIX) : -len(DID_PKH_FRAGMENT)], where)
    signature = proof.hex_bytes("proofValue", 65)
    return SignatureProof(
        created=created, signer=signer, signature=signature, verification_method=method
    )


def _read_anchor_proof(proof: _Object) -> AnchorProof:
    proof.only(
        frozenset(
            {
                "type",
                "chainId",
                "transactionHash",
                "blockNumber",
                "anchoredBy",
                "merkleRoot",
                "leaf",
                "path",
            }
        )
    )
    chain_id = proof.integer("chainId", minimum=1)
    transaction_hash = "0x" + proof.hex_bytes("transactionHash", 32).hex()
    block_number = proof.integer("blockNumber", minimum=0)
    anchored_by = proof.address("anchoredBy")
    merkle_root = proof.hex_bytes("merkleRoot", 32)
    leaf = proof.hex_bytes("leaf", 32)
    path = proof.require("path")
    if not isinstance(path, list):
        raise MalformedCredential(f"{proof.where('path')} must be a list")
    siblings = tuple(
        _hex_bytes(node, 32, f"{proof.where('path')}[{position}]")
        for position, node in enumerate(path)
    )
    return AnchorProof(
        chain_id=chain_id,
        transaction_hash=transaction_hash,
        block_number=block_number,
        anchored_by=anchored_by,
        merkle_root=merkle_root,
        leaf=leaf,
        path=siblings,
    )


def _read_proofs(document: _Object) -> tuple[SignatureProof | None, AnchorProof | None]:
    if "proof" not in document.value:
        return None, None
    proofs = document.value["proof"]
    if not isinstance(proofs, list):
        proofs = [proofs]  # VC 2.0 allows a single proof object
    signature: SignatureProof | None = None
    anchor: AnchorProof | None = None
    for position, raw in enumerate(proofs):
        proof = _Object(raw, f"proof[{position}]")
        kind = proof.string("type")
        if kind == SIGNATURE_PROOF_TYPE:
            if signature is not None:
                raise MalformedCredential("more than one signature proof")
            signature = _read_signature_proof(proof)
        elif kind == ANCHOR_PROOF_TYPE:
            if anchor is not None:
                raise MalformedCredential("more than one anchor proof")
            anchor = _read_anchor_proof(proof)
        else:
            raise MalformedCredential(f"unknown proof type {_show(kind)}")
    return signature, anchor


def read_proofs(document: Any) -> tuple[SignatureProof | None, AnchorProof | None]:
    """Only the proofs of a document, each found by its type, not its position (a stored
    document, already well formed, needs no full parse to show its anchor).

    Raises MalformedCredential like `parse_document` for a proof that is not well formed."""
    return _read_proofs(_Object(document, ""))


def _nested_deeper_than(value: Any, limit: int) -> bool:
    """Whether `value` nests objects and lists more than `limit` deep; iterative, so a
    hostile document cannot exhaust the stack before it is refused (the recursion limit
    is not ours to rely on: py_ecc raises it to 100,000 on import)."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, Mapping | list | tuple):
            if depth >= limit:
                return True
            children = item.values() if isinstance(item, Mapping) else item
            stack.extend((child, depth + 1) for child in children)
    return False


def parse_document(document: Any) -> ParsedCredential:
    """Read a credential document strictly.

    Raises MalformedCredential, whose `reason` names the first problem found, for any input
    that is not a document of docs/credentials.md; never anything else for JSON input."""
    if _nested_deeper_than(document, MAX_DEPTH):
        raise MalformedCredential(f"the document nests more than {MAX_DEPTH} levels deep")
    try:
        return _parse(document)
    except RecursionError:
        raise MalformedCredential("the document is nested too deeply") from None


def _parse(raw: Any) -> ParsedCredential:
    document = _Object(raw, "")
    document.only(_TOP_LEVEL)
    _read_context(document)
    credential_id = document.uuid("id")
    credential_type = _read_type(document)

    issuer = _Object(document.require("issuer"), "issuer")
    issuer.only(frozenset({"id", "name"}))
    issuer_id = issuer.uuid("id")
    issuer_name = issuer.string("name")

    valid_from = document.time("validFrom")
    valid_until = document.time("validUntil") if "validUntil" in document.value else None
    if valid_until is not None and valid_until <= valid_from:
        raise MalformedCredential("validUntil must be after validFrom")

    subject = _Object(document.require("credentialSubject"), "credentialSubject")
    subject.only(frozenset({"id", "credentialType", "name", "attributes"}))
    subject_id = subject.uuid("id")
    if subject.string("credentialType") != credential_type.value:
        raise MalformedCredential(
            f"credentialSubject.credentialType must be {credential_type.value!r}"
            f" to match the type {credential_type.vc_type}"
        )
    name = subject.string("name")
    attributes = _Object(subject.require("attributes"), "credentialSubject.attributes").value

    status_list_url, status_list_index = _read_status(document)
    signature_proof, anchor_proof = _read_proofs(document)
    try:
        hashed = document_hash(document.value)
    except CanonicalizationError as error:
        raise MalformedCredential(f"the document is not canonical JSON: {error}") from None

    return ParsedCredential(
        credential_id=credential_id,
        credential_type=credential_type,
        issuer_id=issuer_id,
        subject_id=subject_id,
        valid_from=valid_from,
        valid_until=valid_until,
        status_list_url=status_list_url,
        status_list_index=status_list_index,
        signature_proof=signature_proof,
        anchor_proof=anchor_proof,
        issuer_name=issuer_name,
        name=name,
        attributes=attributes,
        document_hash=hashed,
    )
