"""A py-evm key-value database on one SQLite file, so the embedded chain outlives the process.

py-evm keeps everything (headers, blocks, receipts, state trie nodes, the canonical head
pointer) in a flat bytes → bytes store. Writes go into one open SQLite transaction that is
committed once per mined block: after a crash the file holds exactly the blocks mined
before it, never half a block.

Several processes may open the same file (the API serving /chain/rpc and a worker
anchoring): each chain operation runs under an exclusive file lock (`lock`/`unlock`), and
what one process commits, the next reader sees (WAL mode, no read transaction held open).
"""

from __future__ import annotations

import fcntl
import sqlite3
import time
from pathlib import Path

from eth.db.backends.base import BaseDB


class ChainLocked(RuntimeError):
    """Another process held the embedded chain for too long."""


class SqliteKeyValueStore(BaseDB):
    """bytes → bytes in `kv`, plus a few text settings in `meta`."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock_file = open(path.with_name(path.name + ".lock"), "a+")  # noqa: SIM115
        self._closed = False
        try:
            self._db = sqlite3.connect(
                path, isolation_level=None, check_same_thread=False, timeout=30.0
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS kv (key BLOB PRIMARY KEY, value BLOB NOT NULL)"
                " WITHOUT ROWID"
            )
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)"
            )
        except BaseException:
            self._lock_file.close()
            raise

    # -- py-evm's DatabaseAPI --

    def __getitem__(self, key: bytes) -> bytes:
        row = self._db.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        return bytes(row[0])

    def __setitem__(self, key: bytes, value: bytes) -> None:
        self._begin()
        self._db.execute("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)", (key, value))

    def __delitem__(self, key: bytes) -> None:
        self._begin()
        if self._db.execute("DELETE FROM kv WHERE key = ?", (key,)).rowcount == 0:
            raise KeyError(key)

    def _exists(self, key: bytes) -> bool:
        return self._db.execute("SELECT 1 FROM kv WHERE key = ?", (key,)).fetchone() is not None

    # -- ours --

    def get_meta(self, name: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, name: str, value: str) -> None:
        self._begin()
        self._db.execute("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", (name, value))

    def commit(self) -> None:
        """Make every write so far durable (called once per mined block)."""
        if self._db.in_transaction:
            self._db.execute("COMMIT")

    def lock(self, timeout: float = 30.0) -> None:
        """Take the chain from every other process (not re-entrant; callers count)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise ChainLocked(
                        f"the embedded chain in {self.path.parent} has been busy in another "
                        f"process for {timeout:.0f} s"
                    ) from None
                time.sleep(0.005)

    def unlock(self) -> None:
        """Drop what was written but not committed (a rejected transaction's leftovers:
        nothing mined depends on them), then let other processes in."""
        if self._closed:
            return
        try:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
        finally:
            fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_UN)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            self._db.close()
        finally:
            self._lock_file.close()  # releases the file lock if held

    def _begin(self) -> None:
        if not self._db.in_transaction:
            self._db.execute("BEGIN IMMEDIATE")
