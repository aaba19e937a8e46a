"""The issuer's EIP-712 signature (docs/credentials.md, "The signature proof").

EIP-712 rather than a raw hash signature so that an issuer signing in a wallet sees what
it signs (the credential id and validity), and so the signature can never be replayed as a
transaction or another app's message. The typed data commits to documentHash, which covers
every member of the document except the proofs.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from eth_account import Account
from eth_account.messages import SignableMessage, encode_typed_data
from eth_keys.exceptions import BadSignature
from eth_utils import to_checksum_address

from domain.credentials.canonical import PROOF_MEMBER
from domain.credentials.documents import (
    ANCHOR_PROOF_TYPE,
    PROOF_PURPOSE,
    SIGNATURE_PROOF_TYPE,
    ParsedCredential,
    format_time,
    parse_document,
    urn_uuid,
    verification_method,
)

DOMAIN_NAME = "iWORKZ Verifiable Credential"
DOMAIN_VERSION = "1"
PRIMARY_TYPE = "Credential"
SIGNATURE_LENGTH = 65


class InvalidSignature(ValueError):
    """The bytes are not a signature of this document (or not by the expected key)."""


def _types() -> dict[str, list[dict[str, str]]]:
    return {
        "EIP712Domain": [
            {"name": "name", "type": "string"},
            {"name": "version", "type": "string"},
        ],
        PRIMARY_TYPE: [
            {"name": "id", "type": "string"},
            {"name": "documentHash", "type": "bytes32"},
            {"name": "validFrom", "type": "uint64"},
            {"name": "validUntil", "type": "uint64"},
        ],
    }


def _credential(document: Mapping[str, Any] | ParsedCredential) -> ParsedCredential:
    return document if isinstance(document, ParsedCredential) else parse_document(document)


def typed_data(document: Mapping[str, Any] | ParsedCredential) -> dict[str, Any]:
    """The full EIP-712 message (types, primaryType, domain, message) for a document, as
    plain JSON: what an issuer's wallet gets for eth_signTypedData_v4.

    Raises MalformedCredential for a document that is not well formed."""
    credential = _credential(document)
    valid_until = credential.valid_until
    return {
        "types": _types(),
        "primaryType": PRIMARY_TYPE,
        "domain": {"name": DOMAIN_NAME, "version": DOMAIN_VERSION},
        "message": {
            "id": urn_uuid(credential.credential_id),
            "documentHash": "0x" + credential.document_hash.hex(),
            "validFrom": int(credential.valid_from.timestamp()),
            "validUntil": 0 if valid_until is None else int(valid_until.timestamp()),
        },
    }


def _signable(document: Mapping[str, Any] | ParsedCredential) -> SignableMessage:
    return encode_typed_data(full_message=typed_data(document))


def _normalized(signature: bytes) -> bytes:
    """r‖s‖v with v as 27/28: some wallets and hardware keys return 0/1, and the leaf
    hashes the exact bytes, so one spelling is stored."""
    if len(signature) != SIGNATURE_LENGTH:
        raise InvalidSignature(f"a signature is {SIGNATURE_LENGTH} bytes, not {len(signature)}")
    if signature[64] in (0, 1):
        return signature[:64] + bytes([signature[64] + 27])
    return bytes(signature)


def recover_signer(document: Mapping[str, Any] | ParsedCredential, signature: bytes) -> str:
    """The checksummed address whose key made `signature` over this document's typed data.

    Raises InvalidSignature when no key could have (wrong length, bad v, point off curve)
    and MalformedCredential for a malformed document."""
    message = _signable(document)
    try:
        return str(Account.recover_message(message, signature=_normalized(signature)))
    except (BadSignature, ValueError) as error:
        raise InvalidSignature(f"the signature cannot be recovered: {error}") from None


def _proof(signature: bytes, signer: str, created: datetime) -> dict[str, Any]:
    return {
        "type": SIGNATURE_PROOF_TYPE,
        "created": format_time(created),
        "proofPurpose": PROOF_PURPOSE,
        "verificationMethod": verification_method(signer),
        "proofValue": "0x" + signature.hex(),
    }


def sign_document(
    document: Mapping[str, Any], private_key: bytes | str, *, created: datetime
) -> dict[str, Any]:
    """The signature proof object for `document`, signed with `private_key`."""
    account = Account.from_key(private_key)
    signed = account.sign_message(_signable(document))
    return _proof(_normalized(bytes(signed.signature)), account.address, created)


def signature_proof(
    document: Mapping[str, Any], signature: bytes, signer: str, *, created: datetime
) -> dict[str, Any]:
    """The signature proof object for a signature an issuer made on its own side.

    The signature is checked here, so a wrong key or a signature over other typed data is
    refused at submission (InvalidSignature) rather than anchored and found out later."""
    try:
        expected = to_checksum_address(signer)
    except ValueError:
        raise InvalidSignature(f"not an Ethereum address: {signer!r}") from None
    normalized = _normalized(signature)
    recovered = recover_signer(document, normalized)
    if recovered != expected:
        raise InvalidSignature(f"the signature was made by {recovered}, not by {expected}")
    return _proof(normalized, expected, created)


_PROOF_ORDER: dict[Any, int] = {SIGNATURE_PROOF_TYPE: 0, ANCHOR_PROOF_TYPE: 1}


def with_proofs(document: Mapping[str, Any], *proofs: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of `document` carrying `proofs`, at most one proof per type.

    A given proof replaces an existing one of its type and keeps the others, so both
    with_proofs(signed, anchor) and with_proofs(unsigned, signature, anchor) give
    [signature, anchor], and re-anchoring after a reorg replaces the stale anchor. Proofs
    are ordered signature first, anchor second, as the contract shows them."""
    result = copy.deepcopy(dict(document))
    existing = result.pop(PROOF_MEMBER, [])
    if not isinstance(existing, list):
        existing = [existing]
    by_type: dict[Any, dict[str, Any]] = {}
    for proof in [*existing, *(copy.deepcopy(dict(proof)) for proof in proofs)]:
        by_type[proof.get("type")] = proof
    ordered = sorted(
        by_type.values(), key=lambda proof: _PROOF_ORDER.get(proof.get("type"), len(_PROOF_ORDER))
    )
    if ordered:
        result[PROOF_MEMBER] = ordered
    return result
