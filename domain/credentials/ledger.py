"""Ports to an Ethereum chain: reading transactions (every verifier) and sending anchor
transactions (the anchoring job). Adapters live in server/adapters/ledger/."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

ANCHOR_MAGIC = b"IWKZ"
ANCHOR_VERSION = 1


class AnchorKind:
    CREDENTIALS = 1
    REVOCATIONS = 2


def anchor_payload(kind: int, root: bytes) -> bytes:
    """The 38 bytes of calldata an anchor transaction carries (docs/credentials.md)."""
    if len(root) != 32:
        raise ValueError("a Merkle root is 32 bytes")
    return ANCHOR_MAGIC + bytes([ANCHOR_VERSION, kind]) + root


def parse_anchor_payload(data: bytes) -> tuple[int, bytes] | None:
    """(kind, root) from anchor calldata, or None when the data is not an anchor."""
    if len(data) != 38 or not data.startswith(ANCHOR_MAGIC) or data[4] != ANCHOR_VERSION:
        return None
    return data[5], data[6:]


@dataclass(frozen=True)
class ChainTransaction:
    """A mined (or pending) transaction as a verifier sees it."""

    tx_hash: str  # 0x-prefixed hex
    chain_id: int
    sender: str  # checksummed address
    to: str | None
    data: bytes
    block_number: int | None  # None while pending
    block_timestamp: datetime | None  # UTC
    succeeded: bool | None  # receipt status; None while pending
    confirmations: int  # head - block_number + 1, 0 while pending


@dataclass(frozen=True)
class SignedTransaction:
    """An anchor transaction signed but perhaps not yet sent: recorded before broadcast so a
    crash between sending and recording loses nothing (the same bytes are re-broadcast)."""

    tx_hash: str
    raw: bytes
    nonce: int
    sender: str
    max_fee_per_gas: int
    max_priority_fee_per_gas: int


class ChainReader(Protocol):
    async def chain_id(self) -> int: ...

    async def transaction(self, tx_hash: str) -> ChainTransaction | None:
        """The transaction with its receipt and confirmations; None when the node has never
        seen it."""
        ...


class Ledger(ChainReader, Protocol):
    """A chain we can write anchors to, from one funded anchoring account."""

    @property
    def address(self) -> str:
        """The anchoring account (checksummed)."""
        ...

    async def next_nonce(self) -> int:
        """The account's pending transaction count."""
        ...

    async def sign_anchor(
        self, payload: bytes, *, nonce: int, replacing: SignedTransaction | None = None
    ) -> SignedTransaction:
        """Sign a self-transaction carrying `payload`. With `replacing`, sign the same nonce
        with fees raised enough for the node to accept it as a replacement of a stuck one."""
        ...

    async def broadcast(self, transaction: SignedTransaction) -> None:
        """Send the raw bytes. Sending what the node already knows, or what was already
        mined, is not an error (idempotent re-broadcast after a crash)."""
        ...
