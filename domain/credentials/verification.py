"""Verifying a credential without trusting iWORKZ's database: the document, the chain and a
directory of issuer keys are enough (docs/credentials.md, "Checks").

Every check is always reported, in CheckName order, each with a reason a person can read;
a check that cannot run (an input is missing, or the document is malformed) is SKIPPED.
Checks are independent where they can be, so a tampered credential shows exactly what is
wrong with it rather than one failure and a cascade of skips. The credential is verified
only when every check PASSED.

Errors of the sources themselves (the chain node or the database unreachable) are not
verification outcomes and propagate to the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.credentials.directory import (
    IssuerDirectory,
    IssuerKeyRecord,
    RevocationRegistry,
    RevocationUnknown,
    checksummed,
)
from domain.credentials.documents import (
    AnchorProof,
    MalformedCredential,
    ParsedCredential,
    SignatureProof,
    format_time,
    parse_document,
    urn_uuid,
)
from domain.credentials.ledger import (
    AnchorKind,
    ChainReader,
    ChainTransaction,
    parse_anchor_payload,
)
from domain.credentials.merkle import credential_leaf, verify_path
from domain.credentials.signing import InvalidSignature, recover_signer


class CheckName(StrEnum):
    WELL_FORMED = "WELL_FORMED"
    INTEGRITY = "INTEGRITY"
    SIGNATURE = "SIGNATURE"
    KEY_VALID = "KEY_VALID"
    ISSUER_TRUSTED = "ISSUER_TRUSTED"
    MERKLE_PROOF = "MERKLE_PROOF"
    ANCHORED = "ANCHORED"
    NOT_REVOKED = "NOT_REVOKED"
    VALIDITY_PERIOD = "VALIDITY_PERIOD"


class CheckOutcome(StrEnum):
    PASSED = "PASSED"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"


@dataclass(frozen=True)
class Check:
    name: CheckName
    outcome: CheckOutcome
    reason: str


@dataclass(frozen=True)
class Verification:
    checks: tuple[Check, ...]
    credential: ParsedCredential | None
    anchored_at: datetime | None  # block time of the anchor, when it verifies for this document

    @property
    def verified(self) -> bool:
        return len(self.checks) == len(CheckName) and all(
            check.outcome is CheckOutcome.PASSED for check in self.checks
        )

    def check(self, name: CheckName | str) -> Check:
        """The check called `name` (KeyError if this verification has none)."""
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(name)

    def with_outcome(self, outcome: CheckOutcome) -> tuple[CheckName, ...]:
        """The names of the checks that ended with `outcome`, in order."""
        return tuple(check.name for check in self.checks if check.outcome is outcome)


def _passed(name: CheckName, reason: str) -> Check:
    return Check(name, CheckOutcome.PASSED, reason)


def _failed(name: CheckName, reason: str) -> Check:
    return Check(name, CheckOutcome.FAILED, reason)


def _skipped(name: CheckName, reason: str) -> Check:
    return Check(name, CheckOutcome.SKIPPED, reason)


NOT_ANCHORED = "not anchored yet"
NO_CHAIN = "no chain node given"
NO_DIRECTORY = "no issuer directory given"
NO_REVOCATIONS = "no revocation source given"
NO_SIGNATURE = "the credential carries no signature proof"


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


def _integrity(credential: ParsedCredential) -> Check:
    """The presented document, with its signature, hashes to the leaf that was anchored."""
    name = CheckName.INTEGRITY
    anchor, signature = credential.anchor_proof, credential.signature_proof
    if anchor is None:
        return _skipped(name, NOT_ANCHORED)
    if signature is None:
        return _failed(name, "the credential is anchored but carries no signature to hash")
    if credential_leaf(credential.document_hash, signature.signature) != anchor.leaf:
        return _failed(name, "the document differs from the one that was anchored")
    return _passed(name, "the document is the one that was anchored")


def _signature(credential: ParsedCredential) -> Check:
    name = CheckName.SIGNATURE
    proof = credential.signature_proof
    if proof is None:
        return _failed(name, NO_SIGNATURE)
    try:
        recovered = recover_signer(credential, proof.signature)
    except InvalidSignature as error:
        return _failed(name, str(error))
    if recovered != proof.signer:
        return _failed(
            name,
            f"the signature is not by {proof.signer} over this document"
            f" (it recovers to {recovered})",
        )
    return _passed(name, f"signed by {proof.signer}")


def _merkle(credential: ParsedCredential) -> Check:
    name = CheckName.MERKLE_PROOF
    anchor = credential.anchor_proof
    if anchor is None:
        return _skipped(name, NOT_ANCHORED)
    if not verify_path(anchor.leaf, anchor.path, anchor.merkle_root):
        return _failed(name, "the path does not lead from the leaf to the Merkle root")
    return _passed(name, f"the leaf is in the Merkle root {_hex(anchor.merkle_root)}")


def _anchor_problem(
    anchor: AnchorProof,
    transaction: ChainTransaction,
    anchoring_addresses: frozenset[str],
    min_confirmations: int,
) -> str | None:
    """Why `transaction` does not anchor `anchor.merkle_root` for iWORKZ, or None."""
    if transaction.chain_id != anchor.chain_id:
        return f"the transaction is on chain {transaction.chain_id}, not {anchor.chain_id}"
    if transaction.block_number is None or transaction.block_timestamp is None:
        return "the transaction is not mined yet"
    if transaction.succeeded is not True:
        return "the transaction failed"
    sender = checksummed(transaction.sender) or transaction.sender
    anchoring = {checksummed(address) for address in anchoring_addresses}
    if sender not in anchoring:
        return f"the transaction was sent by {sender}, which is not an iWORKZ anchoring account"
    if sender != anchor.anchored_by:
        return f"the transaction was sent by {sender}, not by {anchor.anchored_by}"
    payload = parse_anchor_payload(transaction.data)
    if payload is None:
        return "the transaction carries no iWORKZ anchor"
    kind, root = payload
    if kind != AnchorKind.CREDENTIALS:
        return "the transaction anchors something other than a credential batch"
    if root != anchor.merkle_root:
        return f"the transaction anchors the root {_hex(root)}, not {_hex(anchor.merkle_root)}"
    if transaction.block_number != anchor.block_number:
        return f"the transaction is in block {transaction.block_number}, not {anchor.block_number}"
    if transaction.confirmations < min_confirmations:
        return f"only {transaction.confirmations} of {min_confirmations} confirmations"
    return None


async def _anchored(
    credential: ParsedCredential,
    chain: ChainReader | None,
    directory: IssuerDirectory | None,
    min_confirmations: int,
) -> tuple[Check, datetime | None]:
    """The check, and the block time when it passed."""
    name = CheckName.ANCHORED
    anchor = credential.anchor_proof
    if anchor is None:
        return _skipped(name, NOT_ANCHORED), None
    if chain is None:
        return _skipped(name, NO_CHAIN), None
    if directory is None:
        return _skipped(name, f"{NO_DIRECTORY}, so the anchoring accounts are unknown"), None
    transaction = await chain.transaction(anchor.transaction_hash)
    if transaction is None:
        return _failed(name, f"the chain has no transaction {anchor.transaction_hash}"), None
    problem = _anchor_problem(anchor, transaction, directory.anchoring_addresses, min_confirmations)
    if problem is not None:
        return _failed(name, problem), None
    assert transaction.block_timestamp is not None  # checked by _anchor_problem
    return (
        _passed(
            name,
            f"anchored on chain {anchor.chain_id} in block {anchor.block_number}"
            f" on {format_time(transaction.block_timestamp)}"
            f" ({transaction.confirmations} confirmations)",
        ),
        transaction.block_timestamp,
    )


def _key_window_problem(record: IssuerKeyRecord, moment: datetime, when: str) -> str | None:
    """Why the key could not sign at `moment`, or None. valid_from is inclusive, the other
    bounds exclusive."""
    key = record.address
    if moment < record.valid_from:
        return f"key {key} only became valid on {format_time(record.valid_from)}, after {when}"
    bounds = (
        (record.valid_until, "expired"),
        (record.retired_at, "was retired"),
        (record.compromised_at, "was reported compromised"),
    )
    for bound, what in bounds:
        if bound is not None and moment >= bound:
            return f"key {key} {what} on {format_time(bound)}, before {when}"
    return None


def _key_valid(
    credential: ParsedCredential,
    directory: IssuerDirectory | None,
    record: IssuerKeyRecord | None,
    anchored: Check,
    trusted_time: datetime | None,
) -> Check:
    """The key was valid at the issuance moment: the anchor's block time when the anchor
    verifies for this document, else the proof's own `created`. A compromised key cannot
    vouch for `created` (whoever holds the key can write any date there), so without a
    verified anchor a compromised key fails whatever `created` says: backdating."""
    name = CheckName.KEY_VALID
    proof = credential.signature_proof
    if proof is None:
        return _skipped(name, NO_SIGNATURE)
    if directory is None:
        return _skipped(name, NO_DIRECTORY)
    if record is None:
        return _failed(name, f"key {proof.signer} is not in the issuer directory")
    if trusted_time is not None:
        moment, when = trusted_time, f"the credential was anchored on {format_time(trusted_time)}"
    else:
        if record.compromised_at is not None:
            compromised = (
                f"key {proof.signer} was reported compromised on"
                f" {format_time(record.compromised_at)}"
            )
            if credential.anchor_proof is None:
                return _failed(
                    name,
                    f"{compromised} and the credential is not anchored,"
                    " so nothing proves it was signed before that",
                )
            if anchored.outcome is CheckOutcome.SKIPPED:
                return _skipped(
                    name, f"{compromised}; only the anchor can prove the credential is older"
                )
            return _failed(
                name,
                f"{compromised} and the credential's anchor does not verify,"
                " so nothing proves it was signed before that",
            )
        moment, when = proof.created, f"the credential was signed on {format_time(proof.created)}"
    problem = _key_window_problem(record, moment, when)
    if problem is not None:
        return _failed(name, problem)
    return _passed(name, f"key {proof.signer} was valid when {when}")


def _issuer_trusted(
    credential: ParsedCredential,
    proof: SignatureProof | None,
    directory: IssuerDirectory | None,
    record: IssuerKeyRecord | None,
) -> Check:
    name = CheckName.ISSUER_TRUSTED
    if proof is None:
        return _skipped(name, NO_SIGNATURE)
    if directory is None:
        return _skipped(name, NO_DIRECTORY)
    if record is None:
        return _failed(name, f"key {proof.signer} belongs to no known issuer")
    if record.issuer_id != credential.issuer_id:
        return _failed(
            name,
            f"key {proof.signer} belongs to {record.issuer_name} ({urn_uuid(record.issuer_id)}),"
            f" not to the credential's issuer {urn_uuid(credential.issuer_id)}",
        )
    if not record.issuer_trusted:
        return _failed(name, f"{record.issuer_name} is not a trusted issuer")
    return _passed(name, f"issued by {record.issuer_name}, a trusted issuer")


async def _not_revoked(
    credential: ParsedCredential, revocations: RevocationRegistry | None
) -> Check:
    name = CheckName.NOT_REVOKED
    if revocations is None:
        return _skipped(name, NO_REVOCATIONS)
    try:
        revocation = await revocations.revocation(credential)
    except RevocationUnknown as error:
        return _skipped(name, str(error))
    if revocation is None:
        return _passed(name, "not revoked")
    reason = f"revoked on {format_time(revocation.revoked_at)}"
    return _failed(name, f"{reason}: {revocation.reason}" if revocation.reason else reason)


def _validity_period(credential: ParsedCredential, now: datetime) -> Check:
    name = CheckName.VALIDITY_PERIOD
    valid_from, valid_until = credential.valid_from, credential.valid_until
    if now < valid_from:
        return _failed(name, f"not valid before {format_time(valid_from)}")
    if valid_until is not None and now >= valid_until:
        return _failed(name, f"expired on {format_time(valid_until)}")
    until = "with no expiry" if valid_until is None else f"until {format_time(valid_until)}"
    return _passed(name, f"valid from {format_time(valid_from)} {until}")


async def verify_credential(
    document: Any,
    *,
    chain: ChainReader | None,
    directory: IssuerDirectory | None,
    revocations: RevocationRegistry | None,
    min_confirmations: int,
    now: datetime,
) -> Verification:
    """Run every check on `document` (any JSON value) and report each one."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    try:
        credential = parse_document(document)
    except MalformedCredential as error:
        checks = [_failed(CheckName.WELL_FORMED, error.reason)]
        checks += [
            _skipped(name, "the document is malformed")
            for name in CheckName
            if name is not CheckName.WELL_FORMED
        ]
        return Verification(checks=tuple(checks), credential=None, anchored_at=None)

    found: dict[CheckName, Check] = {
        CheckName.WELL_FORMED: _passed(CheckName.WELL_FORMED, "a well-formed iWORKZ credential"),
        CheckName.INTEGRITY: _integrity(credential),
        CheckName.SIGNATURE: _signature(credential),
        CheckName.MERKLE_PROOF: _merkle(credential),
    }
    found[CheckName.ANCHORED], block_time = await _anchored(
        credential, chain, directory, min_confirmations
    )
    # The block time dates this document only if this document is what was anchored.
    anchor_holds = all(
        found[name].outcome is CheckOutcome.PASSED
        for name in (CheckName.INTEGRITY, CheckName.MERKLE_PROOF, CheckName.ANCHORED)
    )
    trusted_time = block_time if anchor_holds else None
    proof = credential.signature_proof
    record = None
    if proof is not None and directory is not None:
        record = await directory.key(proof.signer)
    found[CheckName.KEY_VALID] = _key_valid(
        credential, directory, record, found[CheckName.ANCHORED], trusted_time
    )
    found[CheckName.ISSUER_TRUSTED] = _issuer_trusted(credential, proof, directory, record)
    found[CheckName.NOT_REVOKED] = await _not_revoked(credential, revocations)
    found[CheckName.VALIDITY_PERIOD] = _validity_period(credential, now)
    return Verification(
        checks=tuple(found[name] for name in CheckName),
        credential=credential,
        anchored_at=trusted_time,
    )
