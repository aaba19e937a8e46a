"""Anchoring survives crashes, lost and stuck transactions, against a scripted chain: the
same signed bytes are re-sent, a stuck nonce is replaced with higher fees, and every
credential is anchored exactly once."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from domain.credentials.anchoring import Anchorer, AnchoringPolicy
from domain.credentials.ledger import ChainTransaction, SignedTransaction, parse_anchor_payload
from domain.credentials.models import AnchorBatch, BatchKind, Credential
from tests.credentials.api import issue, trusted_issuer, worker_with_profile

ADDRESS = "0x00000000000000000000000000000000000000A1"


@dataclass
class ScriptedChain:
    """A chain whose mining the test decides: `mine()` includes what is in the mempool."""

    mempool: dict[int, SignedTransaction] = field(default_factory=dict)
    mined: dict[str, ChainTransaction] = field(default_factory=dict)
    payloads: dict[str, bytes] = field(default_factory=dict)
    broadcasts: list[str] = field(default_factory=list)
    head: int = 0

    @property
    def address(self) -> str:
        return ADDRESS

    async def chain_id(self) -> int:
        return 31337

    async def next_nonce(self) -> int:
        return len({tx.nonce for tx in self.mined.values()}) + len(self.mempool)

    async def sign_anchor(
        self, payload: bytes, *, nonce: int, replacing: SignedTransaction | None = None
    ) -> SignedTransaction:
        fee = replacing.max_fee_per_gas * 5 // 4 if replacing else 100
        digest = hashlib.sha256(payload + nonce.to_bytes(8, "big") + fee.to_bytes(8, "big"))
        tx_hash = "0x" + digest.hexdigest()
        self.payloads[tx_hash] = payload
        return SignedTransaction(tx_hash, payload, nonce, ADDRESS, fee, fee // 10)

    async def broadcast(self, transaction: SignedTransaction) -> None:
        self.broadcasts.append(transaction.tx_hash)
        if transaction.tx_hash in self.mined:
            return
        current = self.mempool.get(transaction.nonce)
        if current is None or transaction.max_fee_per_gas > current.max_fee_per_gas:
            self.mempool[transaction.nonce] = transaction

    async def transaction(self, tx_hash: str) -> ChainTransaction | None:
        found = self.mined.get(tx_hash)
        return replace(found, confirmations=self.head - found.block_number + 1) if found else None

    def mine(self) -> None:
        for nonce in sorted(self.mempool):
            signed = self.mempool.pop(nonce)
            self.head += 1
            self.mined[signed.tx_hash] = ChainTransaction(
                tx_hash=signed.tx_hash,
                chain_id=31337,
                sender=ADDRESS,
                to=ADDRESS,
                data=self.payloads[signed.tx_hash],
                block_number=self.head,
                block_timestamp=datetime.now(UTC),
                succeeded=True,
                confirmations=1,
            )

    def forget_mempool(self) -> None:
        self.mempool.clear()


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def anchorer(services, chain: ScriptedChain, clock: Clock) -> Anchorer:
    return Anchorer(
        services.database.session,
        services.bus,
        services.queue,
        chain,
        AnchoringPolicy(batch_size=100, min_confirmations=2, stuck_after=timedelta(minutes=3)),
        clock,
    )


async def _state(services) -> tuple[list[AnchorBatch], list[Credential]]:
    async with services.database.session() as session:
        batches = list((await session.execute(select(AnchorBatch))).scalars())
        credentials = list((await session.execute(select(Credential))).scalars())
    return batches, credentials


async def _two_credentials(client, services) -> None:
    issuer = await trusted_issuer(client, services)
    _, worker_id = await worker_with_profile(client, "kai@example.com")
    await issue(client, issuer, worker_id, name="Licence A")
    await issue(client, issuer, worker_id, name="Licence B")


async def test_a_crash_before_sending_is_recovered_by_sending_the_recorded_bytes(client, services):
    await _two_credentials(client, services)
    chain, clock = ScriptedChain(), Clock()
    crashed = anchorer(services, chain, clock)
    await crashed._prepare(BatchKind.CREDENTIALS)  # the process dies before broadcasting
    (batch,), _ = await _state(services)
    assert chain.broadcasts == []

    await anchorer(services, chain, clock).run()  # the next run, after the restart
    assert chain.broadcasts[0] == batch.tx_hash
    chain.mine()
    chain.head += 1  # one more block: the second confirmation
    report = await anchorer(services, chain, clock).run()
    assert report.credentials_anchored == 2 and report.batches_prepared == 0
    batches, credentials = await _state(services)
    assert len(batches) == 1 and batches[0].status == "CONFIRMED"
    assert {c.status for c in credentials} == {"ANCHORED"}
    _kind, root = parse_anchor_payload(chain.mined[batch.tx_hash].data) or (0, b"")
    assert "0x" + root.hex() == batches[0].merkle_root


async def test_a_transaction_the_node_forgot_is_sent_again_unchanged(client, services):
    await _two_credentials(client, services)
    chain, clock = ScriptedChain(), Clock()
    await anchorer(services, chain, clock).run()
    first = chain.broadcasts[-1]
    chain.forget_mempool()  # the node restarted with an empty mempool
    clock.now += timedelta(seconds=30)
    await anchorer(services, chain, clock).run()
    assert chain.broadcasts[-1] == first
    chain.mine()
    chain.head += 1
    assert (await anchorer(services, chain, clock).run()).credentials_anchored == 2


async def test_a_stuck_transaction_is_replaced_for_the_same_nonce(client, services):
    await _two_credentials(client, services)
    chain, clock = ScriptedChain(), Clock()
    await anchorer(services, chain, clock).run()
    (stuck,), _ = await _state(services)
    clock.now += timedelta(minutes=4)
    report = await anchorer(services, chain, clock).run()
    assert report.transactions_replaced == 1
    (replaced,), _ = await _state(services)
    assert replaced.nonce == stuck.nonce and replaced.tx_hash != stuck.tx_hash
    assert replaced.max_fee_per_gas > stuck.max_fee_per_gas
    assert replaced.tx_hashes == [stuck.tx_hash, replaced.tx_hash]
    chain.mine()
    chain.head += 1
    assert (await anchorer(services, chain, clock).run()).credentials_anchored == 2
    (confirmed,), credentials = await _state(services)
    assert confirmed.tx_hash == replaced.tx_hash
    assert {c.document["proof"][1]["transactionHash"] for c in credentials} == {replaced.tx_hash}


async def test_running_again_with_nothing_new_anchors_nothing(client, services):
    await _two_credentials(client, services)
    chain, clock = ScriptedChain(), Clock()
    await anchorer(services, chain, clock).run()
    chain.mine()
    chain.head += 1
    await anchorer(services, chain, clock).run()
    report = await anchorer(services, chain, clock).run()
    assert report.batches_prepared == 0 and report.credentials_anchored == 0
    batches, _ = await _state(services)
    assert len(batches) == 1 and len(chain.mined) == 1
