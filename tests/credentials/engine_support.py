"""Building blocks for the pure credential-engine tests: fixed keys and times, an in-memory
chain, a directory, and a batch of credentials issued, signed and anchored as production
does it. Nothing here touches a database or a network."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eth_account import Account

from domain.credentials.canonical import document_hash, keccak
from domain.credentials.directory import (
    IssuerKeyRecord,
    RevocationRegistry,
    StaticIssuerDirectory,
    StatusListRevocations,
)
from domain.credentials.documents import CredentialClaims, CredentialType, build_document
from domain.credentials.ledger import AnchorKind, ChainTransaction, anchor_payload
from domain.credentials.merkle import MerkleTree, anchor_proof, credential_leaf
from domain.credentials.signing import sign_document, with_proofs
from domain.credentials.status_list import encode_status_list, status_list_credential
from domain.credentials.verification import CheckName, CheckOutcome, Verification, verify_credential

# Fixed keys, so failures reproduce (any 32 bytes below the curve order are a key).
ISSUER_KEY = Account.from_key("0x" + "a1" * 32)
OTHER_ISSUER_KEY = Account.from_key("0x" + "b2" * 32)
ANCHORING_KEY = Account.from_key("0x" + "c3" * 32)
STRANGER_KEY = Account.from_key("0x" + "d4" * 32)

ISSUER_ID = UUID("11111111-1111-4111-8111-111111111111")
ISSUER_NAME = "Tokyo Forklift Academy"
OTHER_ISSUER_ID = UUID("22222222-2222-4222-8222-222222222222")
OTHER_ISSUER_NAME = "Osaka Language School"
WORKER_ID = UUID("33333333-3333-4333-8333-333333333333")
CREDENTIAL_ID = UUID("44444444-4444-4444-8444-444444444444")

CHAIN_ID = 31337
KEY_VALID_FROM = datetime(2026, 1, 1, tzinfo=UTC)
VALID_FROM = datetime(2026, 4, 1, tzinfo=UTC)
VALID_UNTIL = datetime(2029, 3, 31, 23, 59, 59, tzinfo=UTC)
SIGNED_AT = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
ANCHORED_AT = datetime(2026, 4, 1, 9, 10, tzinfo=UTC)
ANCHOR_BLOCK = 12
HEAD_BLOCK = 20  # 9 confirmations for the anchor block
MIN_CONFIRMATIONS = 6
STATUS_LIST_AT = datetime(2026, 5, 1, tzinfo=UTC)
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
STATUS_LIST_URL = f"https://iworkz.jp/credentials/status/{ISSUER_ID}"
BATCH_SIZE = 5
SUBJECT_INDEX = 2  # the credential under test sits mid-batch, so its path is not trivial


class FakeChain:
    """An in-memory ledger.ChainReader. Confirmations follow `head`, as on a real node."""

    def __init__(self, chain_id: int = CHAIN_ID, head: int = HEAD_BLOCK) -> None:
        self.id = chain_id
        self.head = head
        self._transactions: dict[str, ChainTransaction] = {}
        self._counter = itertools.count(1)

    async def chain_id(self) -> int:
        return self.id

    async def transaction(self, tx_hash: str) -> ChainTransaction | None:
        found = self._transactions.get(tx_hash.lower())
        if found is None or found.block_number is None:
            return found
        return dataclasses.replace(found, confirmations=max(0, self.head - found.block_number + 1))

    def send(
        self,
        data: bytes,
        *,
        sender: str = ANCHORING_KEY.address,
        block_number: int | None = ANCHOR_BLOCK,
        timestamp: datetime | None = ANCHORED_AT,
        succeeded: bool | None = True,
        chain_id: int | None = None,
    ) -> ChainTransaction:
        """Record a transaction as mined (or pending, with block_number None)."""
        tx_hash = "0x" + keccak(next(self._counter).to_bytes(8, "big") + data).hex()
        transaction = ChainTransaction(
            tx_hash=tx_hash,
            chain_id=self.id if chain_id is None else chain_id,
            sender=sender,
            to=sender,
            data=data,
            block_number=block_number,
            block_timestamp=timestamp if block_number is not None else None,
            succeeded=succeeded if block_number is not None else None,
            confirmations=0,
        )
        self._transactions[tx_hash] = transaction
        return transaction


def claims(**changes: Any) -> CredentialClaims:
    defaults = CredentialClaims(
        credential_id=CREDENTIAL_ID,
        credential_type=CredentialType.LICENCE,
        issuer_id=ISSUER_ID,
        issuer_name=ISSUER_NAME,
        subject_id=WORKER_ID,
        name="Forklift operator licence",
        attributes={"class": "up to 1 t", "licenceNumber": "T-2026-0042", "practicalHours": 12},
        valid_from=VALID_FROM,
        valid_until=VALID_UNTIL,
        status_list_url=STATUS_LIST_URL,
        status_list_index=SUBJECT_INDEX,
    )
    return dataclasses.replace(defaults, **changes)


def signed(
    claim: CredentialClaims | None = None, *, key: Any = ISSUER_KEY, created: datetime = SIGNED_AT
) -> dict[str, Any]:
    """A credential as the issuing side stores it before anchoring: built and signed."""
    document = build_document(claim or claims())
    return with_proofs(document, sign_document(document, key.key, created=created))


def signature_of(document: dict[str, Any]) -> bytes:
    return bytes.fromhex(document["proof"][0]["proofValue"][2:])


def leaf_of(document: dict[str, Any]) -> bytes:
    return credential_leaf(document_hash(document), signature_of(document))


def anchor(
    chain: FakeChain,
    documents: Sequence[dict[str, Any]],
    *,
    sender: str = ANCHORING_KEY.address,
    anchored_by: str | None = None,
    kind: int = AnchorKind.CREDENTIALS,
    payload: bytes | None = None,
    **transaction: Any,
) -> list[dict[str, Any]]:
    """Anchor a batch as the anchoring job does: one tree, one transaction carrying the
    root, and an anchor proof added to every document."""
    leaves = [leaf_of(document) for document in documents]
    tree = MerkleTree(leaves)
    sent = chain.send(
        anchor_payload(kind, tree.root) if payload is None else payload,
        sender=sender,
        **transaction,
    )
    return [
        with_proofs(
            document,
            anchor_proof(
                chain_id=CHAIN_ID,
                transaction_hash=sent.tx_hash,
                block_number=transaction.get("block_number") or ANCHOR_BLOCK,
                anchored_by=anchored_by or sender,
                root=tree.root,
                leaf=leaves[index],
                path=tree.proof(index),
            ),
        )
        for index, document in enumerate(documents)
    ]


def batch_claims() -> list[CredentialClaims]:
    """Five credentials of one issuer; the one at SUBJECT_INDEX is `claims()`."""
    return [
        claims()
        if index == SUBJECT_INDEX
        else claims(
            credential_id=UUID(int=CREDENTIAL_ID.int + index + 1),
            subject_id=UUID(int=WORKER_ID.int + index + 1),
            name=f"Forklift operator licence #{index}",
            status_list_index=index,
        )
        for index in range(BATCH_SIZE)
    ]


def key_record(**changes: Any) -> IssuerKeyRecord:
    defaults = IssuerKeyRecord(
        address=ISSUER_KEY.address,
        issuer_id=ISSUER_ID,
        issuer_name=ISSUER_NAME,
        issuer_trusted=True,
        valid_from=KEY_VALID_FROM,
        valid_until=None,
        retired_at=None,
        compromised_at=None,
    )
    return dataclasses.replace(defaults, **changes)


def other_issuer_record(**changes: Any) -> IssuerKeyRecord:
    return key_record(
        address=OTHER_ISSUER_KEY.address,
        issuer_id=OTHER_ISSUER_ID,
        issuer_name=OTHER_ISSUER_NAME,
        **changes,
    )


def directory(
    *records: IssuerKeyRecord, anchoring: Iterable[str] = (ANCHORING_KEY.address,)
) -> StaticIssuerDirectory:
    return StaticIssuerDirectory(records or (key_record(), other_issuer_record()), anchoring)


def status_lists(revoked: Iterable[int] = ()) -> StatusListRevocations:
    return StatusListRevocations(
        {
            STATUS_LIST_URL: status_list_credential(
                url=STATUS_LIST_URL,
                issuer_id=ISSUER_ID,
                issuer_name=ISSUER_NAME,
                encoded_list=encode_status_list(revoked),
                valid_from=STATUS_LIST_AT,
            )
        }
    )


_GENUINE: Any = object()


@dataclass
class Scenario:
    """One issuer, one anchoring account, one anchored batch: everything a verifier sees."""

    chain: FakeChain
    directory: StaticIssuerDirectory
    revocations: RevocationRegistry
    documents: list[dict[str, Any]]

    @property
    def document(self) -> dict[str, Any]:
        return self.documents[SUBJECT_INDEX]

    async def verify(self, document: Any = _GENUINE, **overrides: Any) -> Verification:
        """Verify `document` (by default the genuine credential under test) with this
        scenario's sources, any of which `overrides` replaces."""
        arguments: dict[str, Any] = {
            "chain": self.chain,
            "directory": self.directory,
            "revocations": self.revocations,
            "min_confirmations": MIN_CONFIRMATIONS,
            "now": NOW,
        }
        arguments.update(overrides)
        return await verify_credential(
            self.document if document is _GENUINE else document, **arguments
        )


def scenario(**directory_records: IssuerKeyRecord) -> Scenario:
    """The good case; `issuer=key_record(...)` changes what the directory says of the key."""
    chain = FakeChain()
    records = (directory_records.get("issuer", key_record()), other_issuer_record())
    documents = anchor(chain, [signed(claim) for claim in batch_claims()])
    return Scenario(chain, directory(*records), status_lists(), documents)


def outcomes(verification: Verification) -> dict[CheckName, CheckOutcome]:
    return {check.name: check.outcome for check in verification.checks}


def assert_only_failed(verification: Verification, *names: CheckName) -> None:
    """Exactly `names` FAILED and every other check PASSED: the verifier points at the
    problem and nothing else."""
    expected = {
        name: CheckOutcome.FAILED if name in names else CheckOutcome.PASSED for name in CheckName
    }
    reasons = {check.name: check.reason for check in verification.checks}
    assert outcomes(verification) == expected, reasons
    assert not verification.verified
