"""Anchoring: gather newly issued credentials (and new revocations) into Merkle batches and
put each root on chain in one transaction.

Crash safety comes from the order of steps. A batch, its signed transaction bytes and its
leaves' proofs are committed *before* anything is sent; a crash after that is recovered by
re-sending the same bytes (same nonce, same hash: the node either has it or mines it once).
A credential belongs to at most one open batch, so nothing is anchored twice or lost. A
transaction not mined after `stuck_after` is re-signed for the same nonce with higher fees;
every hash sent is kept, because the replaced one may still be the one that is mined.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from domain.credentials.ledger import (
    AnchorKind,
    ChainTransaction,
    Ledger,
    SignedTransaction,
    anchor_payload,
)
from domain.credentials.merkle import MerkleTree, anchor_proof, revocation_leaf
from domain.credentials.models import (
    AnchorBatch,
    BatchKind,
    BatchStatus,
    Credential,
    CredentialStatus,
)
from domain.credentials.registry import ANCHORING_ADDRESSES
from domain.events import EventBus, JobQueue
from domain.unit_of_work import unit_of_work

log = logging.getLogger(__name__)

CREDENTIAL_ANCHORED = "credential.anchored"
CREDENTIAL_REVOKED = "credential.revoked"
_KIND_CODES = {
    BatchKind.CREDENTIALS: AnchorKind.CREDENTIALS,
    BatchKind.REVOCATIONS: AnchorKind.REVOCATIONS,
}


@dataclass(frozen=True, slots=True)
class AnchoringPolicy:
    batch_size: int
    min_confirmations: int
    stuck_after: timedelta


@dataclass
class AnchorRun:
    """What one run did (for logs, metrics and tests)."""

    batches_prepared: int = 0
    batches_confirmed: int = 0
    transactions_replaced: int = 0
    credentials_anchored: int = 0
    revocations_anchored: int = 0
    still_open: int = 0


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


def _bytes(value: str) -> bytes:
    return bytes.fromhex(value.removeprefix("0x"))


def _signed(batch: AnchorBatch) -> SignedTransaction:
    return SignedTransaction(
        tx_hash=batch.tx_hash,
        raw=_bytes(batch.raw_transaction),
        nonce=batch.nonce,
        sender=batch.sender,
        max_fee_per_gas=batch.max_fee_per_gas,
        max_priority_fee_per_gas=batch.max_priority_fee_per_gas,
    )


class Anchorer:
    def __init__(
        self,
        session_factory: Callable[[], AsyncSession],
        bus: EventBus,
        queue: JobQueue,
        ledger: Ledger,
        policy: AnchoringPolicy,
        clock: Callable[[], datetime],
    ) -> None:
        self._session_factory = session_factory
        self._bus = bus
        self._queue = queue
        self._ledger = ledger
        self._policy = policy
        self._clock = clock

    def _uow(self) -> Any:
        return unit_of_work(self._session_factory, self._bus, self._queue)

    async def run(self) -> AnchorRun:
        """Settle what is open, then batch what is new; safe to run at any time, and
        concurrently (batch selection skips locked rows; nonces are unique per sender)."""
        report = AnchorRun()
        await self._settle_open(report)
        for kind in (BatchKind.CREDENTIALS, BatchKind.REVOCATIONS):
            while (batch := await self._prepare(kind)) is not None:
                report.batches_prepared += 1
                await self._send(batch.id)
        await self._settle_open(report)
        return report

    # -- batching -------------------------------------------------------------------------

    async def _prepare(self, kind: BatchKind) -> AnchorBatch | None:
        chain_id = await self._ledger.chain_id()
        async with self._uow() as uow:
            session = uow.session
            candidates = await session.execute(self._pending(kind))
            credentials = list(candidates.scalars())
            if not credentials:
                return None
            leaves = [self._leaf(kind, credential) for credential in credentials]
            tree = MerkleTree(leaves)
            nonce = await self._next_nonce(session, chain_id)
            signed = await self._ledger.sign_anchor(
                anchor_payload(_KIND_CODES[kind], tree.root), nonce=nonce
            )
            batch = AnchorBatch(
                kind=kind.value,
                status=BatchStatus.PREPARED,
                merkle_root=_hex(tree.root),
                leaf_count=len(leaves),
                chain_id=chain_id,
                sender=signed.sender,
                nonce=signed.nonce,
                tx_hash=signed.tx_hash,
                raw_transaction=_hex(signed.raw),
                max_fee_per_gas=signed.max_fee_per_gas,
                max_priority_fee_per_gas=signed.max_priority_fee_per_gas,
                tx_hashes=[signed.tx_hash],
            )
            session.add(batch)
            await session.flush()
            for index, credential in enumerate(credentials):
                path = [_hex(node) for node in tree.proof(index)]
                if kind is BatchKind.CREDENTIALS:
                    credential.batch_id, credential.merkle_path = batch.id, path
                else:
                    credential.revocation_batch_id, credential.revocation_path = batch.id, path
            return batch

    def _pending(self, kind: BatchKind) -> Any:
        statement = select(Credential)
        if kind is BatchKind.CREDENTIALS:
            statement = statement.where(
                col(Credential.batch_id).is_(None),
                col(Credential.leaf).is_not(None),
                col(Credential.status).in_([CredentialStatus.ISSUED, CredentialStatus.REVOKED]),
            ).order_by(col(Credential.created_at), col(Credential.id))
        else:
            # A revocation is anchored after the credential itself, so its proof can point at
            # an anchored document.
            statement = statement.where(
                col(Credential.revoked_at).is_not(None),
                col(Credential.revocation_batch_id).is_(None),
                col(Credential.anchored_at).is_not(None),
            ).order_by(col(Credential.revoked_at), col(Credential.id))
        return statement.limit(self._policy.batch_size).with_for_update(skip_locked=True)

    @staticmethod
    def _leaf(kind: BatchKind, credential: Credential) -> bytes:
        if kind is BatchKind.CREDENTIALS:
            return _bytes(credential.leaf or "")
        return revocation_leaf(_bytes(credential.document_hash), credential.revocation_reason or "")

    async def _next_nonce(self, session: AsyncSession, chain_id: int) -> int:
        """The chain's pending count, or one past the last nonce we recorded if that is
        higher (a prepared batch not yet sent holds its nonce)."""
        await session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:k))"),
            {"k": f"anchor-nonce:{chain_id}:{self._ledger.address}"},
        )
        recorded = await session.execute(
            select(func.max(AnchorBatch.nonce)).where(
                col(AnchorBatch.chain_id) == chain_id,
                col(AnchorBatch.sender) == self._ledger.address,
                col(AnchorBatch.status) != BatchStatus.FAILED,
            )
        )
        highest = recorded.scalar_one()
        on_chain = await self._ledger.next_nonce()
        return on_chain if highest is None else max(on_chain, highest + 1)

    # -- sending and settling -------------------------------------------------------------

    async def _send(self, batch_id: uuid.UUID) -> None:
        async with self._session_factory() as session, session.begin():
            batch = await session.get(AnchorBatch, batch_id, with_for_update=True)
            if batch is None or batch.status not in (BatchStatus.PREPARED, BatchStatus.SENT):
                return
            await self._ledger.broadcast(_signed(batch))
            if batch.status == BatchStatus.PREPARED:
                batch.status, batch.sent_at = BatchStatus.SENT, self._clock()

    async def _settle_open(self, report: AnchorRun) -> None:
        async with self._session_factory() as session:
            rows = await session.execute(
                select(col(AnchorBatch.id))
                .where(col(AnchorBatch.status).in_([BatchStatus.PREPARED, BatchStatus.SENT]))
                .order_by(col(AnchorBatch.nonce))
            )
            open_ids = list(rows.scalars())
        for batch_id in open_ids:
            if not await self._settle(batch_id, report):
                report.still_open += 1

    async def _mined(self, batch: AnchorBatch) -> ChainTransaction | None:
        for tx_hash in reversed(batch.tx_hashes or [batch.tx_hash]):
            found = await self._ledger.transaction(tx_hash)
            if found is not None and found.block_number is not None:
                return found
        return None

    async def _settle(self, batch_id: uuid.UUID, report: AnchorRun) -> bool:
        """True once the batch is no longer open."""
        async with self._session_factory() as session:
            batch = await session.get(AnchorBatch, batch_id)
        if batch is None or batch.status not in (BatchStatus.PREPARED, BatchStatus.SENT):
            return True
        mined = await self._mined(batch)
        if mined is None:
            await self._resend_or_replace(batch, report)
            return False
        if not mined.succeeded:
            await self._fail(batch, mined)
            return True
        if mined.confirmations < self._policy.min_confirmations:
            return False
        await self._confirm(batch, mined, report)
        return True

    async def _resend_or_replace(self, batch: AnchorBatch, report: AnchorRun) -> None:
        sent_at = batch.sent_at
        if batch.status == BatchStatus.PREPARED or sent_at is None:
            await self._send(batch.id)
            return
        if self._clock() - sent_at < self._policy.stuck_after:
            # Nodes forget transactions (restart, mempool eviction): re-sending is harmless.
            await self._ledger.broadcast(_signed(batch))
            return
        replacement = await self._ledger.sign_anchor(
            anchor_payload(_KIND_CODES[BatchKind(batch.kind)], _bytes(batch.merkle_root)),
            nonce=batch.nonce,
            replacing=_signed(batch),
        )
        async with self._session_factory() as session, session.begin():
            row = await session.get(AnchorBatch, batch.id, with_for_update=True)
            if row is None or row.status != BatchStatus.SENT:
                return
            row.tx_hash = replacement.tx_hash
            row.raw_transaction = _hex(replacement.raw)
            row.max_fee_per_gas = replacement.max_fee_per_gas
            row.max_priority_fee_per_gas = replacement.max_priority_fee_per_gas
            row.tx_hashes = [*row.tx_hashes, replacement.tx_hash]
            row.sent_at = self._clock()
        log.warning("anchor batch %s was stuck; replaced with %s", batch.id, replacement.tx_hash)
        report.transactions_replaced += 1
        await self._ledger.broadcast(replacement)

    async def _fail(self, batch: AnchorBatch, mined: ChainTransaction) -> None:
        """A reverted anchor anchors nothing: release its leaves for the next batch."""
        log.error("anchor batch %s reverted in %s", batch.id, mined.tx_hash)
        async with self._session_factory() as session, session.begin():
            row = await session.get(AnchorBatch, batch.id, with_for_update=True)
            if row is None:
                return
            row.status = BatchStatus.FAILED
            for credential in await self._members(session, row):
                if row.kind == BatchKind.CREDENTIALS:
                    credential.batch_id, credential.merkle_path = None, []
                else:
                    credential.revocation_batch_id, credential.revocation_path = None, []

    @staticmethod
    async def _members(session: AsyncSession, batch: AnchorBatch) -> list[Credential]:
        link = (
            col(Credential.batch_id)
            if batch.kind == BatchKind.CREDENTIALS
            else col(Credential.revocation_batch_id)
        )
        rows = await session.execute(select(Credential).where(link == batch.id).with_for_update())
        return list(rows.scalars())

    async def _confirm(
        self, batch: AnchorBatch, mined: ChainTransaction, report: AnchorRun
    ) -> None:
        if await self._confirm_batch(batch, mined, report):
            # Committed: a sender new to the anchoring accounts counts for verification now.
            ANCHORING_ADDRESSES.confirmed_by(batch.sender)

    async def _confirm_batch(
        self, batch: AnchorBatch, mined: ChainTransaction, report: AnchorRun
    ) -> bool:
        async with self._uow() as uow:
            row = await uow.session.get(AnchorBatch, batch.id, with_for_update=True)
            if row is None or row.status == BatchStatus.CONFIRMED:
                return False
            row.status = BatchStatus.CONFIRMED
            row.tx_hash = mined.tx_hash
            row.block_number = mined.block_number
            row.block_timestamp = mined.block_timestamp
            row.confirmed_at = self._clock()
            members = await self._members(uow.session, row)
            for credential in members:
                if row.kind == BatchKind.CREDENTIALS:
                    self._attach_anchor(credential, row, mined)
                    uow.record(
                        CREDENTIAL_ANCHORED,
                        credential_id=str(credential.id),
                        profile_id=str(credential.subject_profile_id),
                        organization_id=str(credential.organization_id),
                    )
                    report.credentials_anchored += 1
                else:
                    report.revocations_anchored += 1
            report.batches_confirmed += 1
        return True

    @staticmethod
    def _attach_anchor(credential: Credential, batch: AnchorBatch, mined: ChainTransaction) -> None:
        signature_proof = credential.document["proof"][0]
        proof = anchor_proof(
            chain_id=batch.chain_id,
            transaction_hash=mined.tx_hash,
            block_number=batch.block_number or 0,
            anchored_by=batch.sender,
            root=_bytes(batch.merkle_root),
            leaf=_bytes(credential.leaf or ""),
            path=[_bytes(node) for node in credential.merkle_path],
        )
        credential.document = {**credential.document, "proof": [signature_proof, proof]}
        credential.anchored_at = mined.block_timestamp
        if credential.status == CredentialStatus.ISSUED:
            credential.status = CredentialStatus.ANCHORED


async def has_work(session_factory: Callable[[], AsyncSession]) -> bool:
    """Anything issued, revoked or in flight that a run would touch (checked before a run
    opens the chain)."""
    async with session_factory() as session:
        open_batch = select(col(AnchorBatch.id)).where(
            col(AnchorBatch.status).in_([BatchStatus.PREPARED, BatchStatus.SENT])
        )
        unanchored = select(col(Credential.id)).where(
            col(Credential.batch_id).is_(None), col(Credential.status) == CredentialStatus.ISSUED
        )
        unrevoked = select(col(Credential.id)).where(
            col(Credential.revoked_at).is_not(None),
            col(Credential.revocation_batch_id).is_(None),
        )
        for statement in (open_batch, unanchored, unrevoked):
            if (await session.execute(statement.limit(1))).first() is not None:
                return True
    return False
