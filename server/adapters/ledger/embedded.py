"""The embedded chain: eth-tester's py-evm backend over a SQLite file in DATA_DIR/chain/.

Outside production the platform anchors to a private, in-process Ethereum chain so that
credentials can be issued and verified with nothing else running. It is a real chain
(py-evm executes and validates every transaction, blocks chain by hash) whose whole
database lives in `chain.sqlite`: stopping and starting the server resumes from the same
canonical head, so anchors mined yesterday are still there with the same hashes and block
numbers. Each transaction is mined into its own block as soon as it arrives.

Every process that needs the chain (the API for /chain/rpc, a worker anchoring) opens it;
each operation that may write (or reads the pending block) holds the file lock and starts
from the head stored on disk, so the processes take turns on one chain instead of forking
it. Reads of mined blocks take neither (`_ChainGuard.reading`): what a process commits is a
whole block and nothing mined is ever rewritten, so a reader only needs the current head.

The anchoring key is made once and kept next to the chain (`anchor-key`, mode 0600). It is
funded in the genesis state; any other key handed in (CHAIN_ANCHOR_PRIVATE_KEY) is topped
up from a faucet account that genesis also funds.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth.abc import BlockHeaderAPI
from eth.chains.base import MiningChain
from eth.db.atomic import AtomicDB
from eth.exceptions import TransactionNotFound as EVMTransactionNotFound
from eth.typing import AccountState
from eth.vm.forks import PragueVM
from eth_account import Account
from eth_tester import EthereumTester
from eth_tester.backends.pyevm.main import (
    ZERO_ADDRESS,
    PyEVMBackend,
    get_default_genesis_params,
)
from eth_tester.backends.pyevm.serializers import (
    serialize_transaction,
    serialize_transaction_receipt,
)
from eth_tester.exceptions import TransactionNotFound
from eth_typing import Address, BlockNumber, Hash32
from eth_utils import encode_hex, to_wei

from server.adapters.ledger.embedded_provider import EmbeddedProvider
from server.adapters.ledger.sqlite_store import SqliteKeyValueStore

EMBEDDED_CHAIN_ID = 131277322940537  # eth-tester's own id: never mistaken for anvil's 31337
ANCHOR_FUNDS = to_wei(1_000_000, "ether")
# A well-known key (eth-tester's first test account) funded at genesis, to fund other
# anchoring keys. Harmless: only the platform's own processes can send transactions here
# (/chain/rpc is read-only).
FAUCET_KEY = "0x" + "00" * 31 + "01"
FAUCET_FUNDS = to_wei(1_000_000_000, "ether")
MIN_ANCHOR_BALANCE = to_wei(1, "ether")


class _AnchorChain(MiningChain):
    """eth-tester's tester chain, at module level so a stored chain can be reopened."""

    # Fixed: a stored chain must be read back under the fork it was mined with.
    vm_configuration = ((BlockNumber(0), PragueVM),)
    chain_id = EMBEDDED_CHAIN_ID

    def create_header_from_parent(
        self, parent_header: BlockHeaderAPI, **header_params: Any
    ) -> BlockHeaderAPI:
        header_params["gas_limit"] = parent_header.gas_limit  # constant, as eth-tester does
        return super().create_header_from_parent(parent_header, **header_params)

    def get_transaction_builder(self) -> Any:
        return self.get_vm().get_transaction_builder()


class _PersistentBackend(PyEVMBackend):
    """PyEVMBackend around an existing chain; commits the store after every mined block."""

    def __init__(self, chain: _AnchorChain, store: SqliteKeyValueStore) -> None:
        # Deliberately not calling super().__init__: it would build a fresh genesis.
        self.chain = chain
        self.account_keys = ()  # the node signs nothing: anchors arrive signed
        self._store = store

    def mine_blocks(self, num_blocks: int = 1, coinbase: bytes = ZERO_ADDRESS) -> tuple[Any, ...]:
        self.resync()
        hashes = tuple(super().mine_blocks(num_blocks, coinbase))
        self._store.commit()
        return hashes

    def send_raw_transaction(self, raw_transaction: bytes) -> bytes:
        self.resync()
        return bytes(super().send_raw_transaction(raw_transaction))

    def resync(self) -> None:
        """Rebuild the (empty) pending block on the head on disk, stamped now. Another
        process may have mined since; and py-evm dates the pending header when the previous
        block is mined, hours (or a restart) ago perhaps, while the anchor time a verifier
        reads is the block's timestamp."""
        if not self.chain.get_block().transactions:
            self.chain.header = self.chain.create_header_from_parent(
                self.chain.get_canonical_head()
            )

    def follow_head(self) -> None:
        """Rebuild the pending block only if another process mined since: eth-tester counts
        "latest" from it, but reads of mined blocks do not care when it is stamped."""
        if self.chain.header.parent_hash != self.chain.get_canonical_head().hash:
            self.resync()

    # eth-tester finds a transaction by scanning every block from the head down; the chain
    # database keeps a hash → (block, index) lookup, which stays fast as the chain grows.

    # Whether it is pending follows from where it was found, not from comparing block
    # numbers with the pending block, which a reader does not rebuild when it is stamped.

    def _locate(self, transaction_hash: bytes) -> tuple[Any, Any, int, bool]:
        """(block, transaction, index, is_pending)."""
        try:
            number, index = self.chain.chaindb.get_transaction_index(Hash32(transaction_hash))
        except EVMTransactionNotFound:
            pending = self.chain.get_block()
            for index, transaction in enumerate(pending.transactions):
                if transaction.hash == transaction_hash:
                    return pending, transaction, index, True
            raise TransactionNotFound(
                f"No transaction found for transaction hash: {encode_hex(transaction_hash)}"
            ) from None
        block = self.chain.get_canonical_block_by_number(number)
        return block, block.transactions[index], index, False

    def get_transaction_by_hash(self, transaction_hash: bytes) -> Any:
        block, transaction, index, is_pending = self._locate(transaction_hash)
        return serialize_transaction(block, transaction, index, is_pending)

    def get_transaction_receipt(self, transaction_hash: bytes) -> Any:
        block, transaction, index, is_pending = self._locate(transaction_hash)
        return serialize_transaction_receipt(
            block,
            block.get_receipts(self.chain.chaindb),
            transaction,
            index,
            is_pending,
            self.chain.get_vm(),
        )


@dataclass
class EmbeddedChain:
    """The running embedded chain: an async web3 provider and the anchoring key."""

    provider: EmbeddedProvider
    anchor_private_key: str
    directory: Path
    _store: SqliteKeyValueStore = field(repr=False)

    @property
    def chain_id(self) -> int:
        return self.provider.chain_id

    def mine_blocks(self, count: int = 1) -> None:
        """Mine empty blocks. Blocks only come with transactions here, so an anchor gains
        confirmations only as later anchors arrive: tests and benchmarks use this instead."""
        with self.provider.lock:
            self.provider.tester.mine_blocks(count)

    def close(self) -> None:
        """Release the database; the provider answers errors afterwards."""
        with self.provider.lock:
            self.provider.closed = True
            self._store.close()


class _ChainGuard:
    """One chain operation at a time: across threads (py-evm is not thread-safe) and across
    processes (the store's file lock). On entry the pending block is rebuilt on the head on
    disk, which another process may have moved. Re-entrant within a thread.

    `reading` is the guard for reads of mined blocks only: other processes need not wait
    for it, nor it for them (see `_Reading`)."""

    def __init__(self, store: SqliteKeyValueStore, backend: _PersistentBackend) -> None:
        self._threads = threading.RLock()
        self._depth = 0
        self._store = store
        self._backend = backend
        self.reading = _Reading(self._threads, backend)

    def __enter__(self) -> None:
        self._threads.acquire()
        if self._depth == 0:
            try:
                self._store.lock()
                self._backend.resync()
            except BaseException:
                self._store.unlock()
                self._threads.release()
                raise
        self._depth += 1

    def __exit__(self, *exc_info: object) -> None:
        self._depth -= 1
        try:
            if self._depth == 0:
                self._store.unlock()
        finally:
            self._threads.release()


class _Reading:
    """Threads of this process still take turns (py-evm; and the one SQLite connection,
    whose uncommitted write a reader must not see), but without the file lock or a fresh
    pending block. Safe because a writer commits whole blocks in one SQLite transaction
    (WAL: invisible until committed) and nothing committed is rewritten (one chain, no
    reorganisation), so each lookup sees the head checked on entry or a later one. The head
    is checked on entry (`follow_head`): eth-tester counts "latest" from the pending block."""

    def __init__(self, threads: threading.RLock, backend: _PersistentBackend) -> None:
        self._threads = threads
        self._backend = backend

    def __enter__(self) -> None:
        self._threads.acquire()
        try:
            self._backend.follow_head()
        except BaseException:
            self._threads.release()
            raise

    def __exit__(self, *exc_info: object) -> None:
        self._threads.release()


def open_embedded_chain(data_dir: Path, anchor_private_key: str | None = None) -> EmbeddedChain:
    """Open DATA_DIR/chain/ (made with a new genesis the first time) and resume at its head.

    `anchor_private_key` overrides the key kept in DATA_DIR/chain/anchor-key; either way the
    account ends up funded.
    """
    directory = data_dir / "chain"
    directory.mkdir(parents=True, exist_ok=True)
    key = anchor_private_key or _stored_key(directory / "anchor-key")
    address = Account.from_key(key).address
    store = SqliteKeyValueStore(directory / "chain.sqlite")
    try:
        store.lock()  # two first starts must not both write a genesis
        try:
            backend = _PersistentBackend(_open_chain(store, address), store)
            tester = EthereumTester(backend=backend)
            _ensure_funded(tester, address)
        finally:
            store.unlock()
        guard = _ChainGuard(store, backend)
        provider = EmbeddedProvider(
            tester, chain_id=backend.chain.chain_id, lock=guard, read_lock=guard.reading
        )
    except BaseException:
        store.close()
        raise
    return EmbeddedChain(provider, key, directory, store)


def _open_chain(store: SqliteKeyValueStore, anchor_address: str) -> _AnchorChain:
    stored_id = store.get_meta("chain_id")
    chain_id = int(stored_id) if stored_id is not None else EMBEDDED_CHAIN_ID
    chain_class: type[_AnchorChain] = type(
        "EmbeddedAnchorChain", (_AnchorChain,), {"chain_id": chain_id}
    )
    db = AtomicDB(store)
    if stored_id is not None:
        return chain_class(db)  # resumes: the pending header is built on the stored head
    faucet = Account.from_key(FAUCET_KEY).address
    genesis_state: AccountState = {
        Address(bytes.fromhex(address[2:])): {
            "balance": funds,
            "nonce": 0,
            "code": b"",
            "storage": {},
        }
        for address, funds in ((anchor_address, ANCHOR_FUNDS), (faucet, FAUCET_FUNDS))
    }
    chain = chain_class.from_genesis(db, get_default_genesis_params(), genesis_state)
    store.set_meta("chain_id", str(chain_id))
    store.commit()
    assert isinstance(chain, _AnchorChain)
    return chain


def _ensure_funded(tester: EthereumTester, address: str) -> None:
    """Top up an anchoring key that genesis did not fund (one given in the settings, or a
    key file made again after it was deleted)."""
    if tester.get_balance(address) >= MIN_ANCHOR_BALANCE:
        return
    faucet = Account.from_key(FAUCET_KEY)
    signed = faucet.sign_transaction(
        {
            "type": 2,
            "chainId": tester.backend.chain.chain_id,
            "nonce": tester.get_nonce(faucet.address, "pending"),
            "to": address,
            "value": ANCHOR_FUNDS,
            "gas": 21_000,
            "maxFeePerGas": 2 * tester.backend.get_base_fee() + 10**9,
            "maxPriorityFeePerGas": 10**9,
        }
    )
    tester.send_raw_transaction(encode_hex(signed.raw_transaction))


def embedded_anchor_address(data_dir: Path) -> str:
    """The account `open_embedded_chain(data_dir)` anchors with (no key configured), read
    from the key file (made if missing) without opening the chain and taking its lock."""
    directory = data_dir / "chain"
    directory.mkdir(parents=True, exist_ok=True)
    return str(Account.from_key(_stored_key(directory / "anchor-key")).address)


def _stored_key(path: Path) -> str:
    """The embedded anchoring key, made on first use (written whole, then linked into place,
    so a concurrent start sees no file or a complete one)."""
    if not path.exists():
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write("0x" + bytes(Account.create().key).hex() + "\n")
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()
