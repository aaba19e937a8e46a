"""The SQLAlchemy engines and sessions on asyncpg; one short session per unit of work.

`session()` and `transaction()` always use the primary. `read_session()` is for
reads that may be a little behind: with DATABASE_REPLICA_URL it uses the read
replica while the replica is reachable and within DATABASE_REPLICA_MAX_LAG_SECONDS,
unless the current request has committed a write or is a live connection
(server/read_scope.py); otherwise, and whenever the replica cannot be reached, the
primary (docs/architecture.md, "Read replicas").

Every committed change is also reported to after-commit hooks (the public cache's
invalidation), with the primary keys of the rows the ORM flushed per table.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from itertools import chain
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session
from sqlalchemy.pool import PoolProxiedConnection

from domain.events import EventBus, JobQueue
from domain.sql import DriverConnection
from domain.unit_of_work import UnitOfWork, unit_of_work
from server import metrics
from server.read_scope import fresh_reads_reason, note_write
from server.replica import ReplicaMonitor

log = logging.getLogger(__name__)

# Table name → primary keys of the rows a transaction inserted, updated or deleted.
ChangedRows = dict[str, set[tuple[Any, ...]]]
AfterCommit = Callable[[ChangedRows], Awaitable[None]]

REPLICA_CONNECT_TIMEOUT_SECONDS = 2.0  # a replica that does not accept by then is down
PING_AFTER_IDLE_SECONDS = 5.0
# Connections kept ready for the next lend (`_Ready`): this share of the pool's size, so
# the ORM's sessions always have the rest (none for a pool of fewer than 4).
READY_SHARE_OF_POOL = 4
_IDLE_SINCE = "iworkz_idle_since"
_CHANGED = "iworkz_changed_rows"
_AFTER_COMMIT = "iworkz_after_commit"


def async_url(url: str) -> str:
    """Accept plain `postgresql://` URLs and point them at the asyncpg driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    return parsed.render_as_string(hide_password=False)


class Database:
    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        parallel_workers_per_query: int = 0,
        replica_url: str | None = None,
        replica_max_lag_seconds: float = 5.0,
        replica_check_interval_seconds: float = 2.0,
    ) -> None:
        """`parallel_workers_per_query` is PostgreSQL's `max_parallel_workers_per_gather`
        on every connection. Off by default: the app's statements are small keyset
        pages, and at 1,000,000 jobs the planner started the skill-filtered jobs page
        on two parallel workers, 15–22 ms instead of 4 ms serially (worker start-up),
        with three processes busy for one request (bench/README.md, run 8)."""
        server_settings = {"max_parallel_workers_per_gather": str(parallel_workers_per_query)}
        self.engine: AsyncEngine = create_async_engine(
            async_url(url),
            pool_size=pool_size,
            max_overflow=pool_size,
            connect_args={"server_settings": server_settings},
        )
        ping_when_idle(self.engine)
        self._ready = _Ready(pool_size // READY_SHARE_OF_POOL)
        self._after_commit: list[AfterCommit] = []
        self._hook_tasks: set[asyncio.Task[None]] = set()
        self._sessions = async_sessionmaker(
            self.engine, expire_on_commit=False, sync_session_class=self._tracked_session_class()
        )
        self._read_sessions = _read_only_sessions(self.engine)
        self.replica_engine: AsyncEngine | None = None
        self.replica: ReplicaMonitor | None = None
        if replica_url:
            self.replica_engine = create_async_engine(
                async_url(replica_url),
                pool_size=pool_size,
                max_overflow=pool_size,
                connect_args={
                    "timeout": REPLICA_CONNECT_TIMEOUT_SECONDS,
                    "server_settings": server_settings,
                },
            )
            ping_when_idle(self.replica_engine)
            self._replica_sessions = _read_only_sessions(self.replica_engine)
            self.replica = ReplicaMonitor(
                self.engine,
                self.replica_engine,
                max_lag_seconds=replica_max_lag_seconds,
                check_interval_seconds=replica_check_interval_seconds,
            )

    def session(self) -> AsyncSession:
        """A fresh session on the primary; use as `async with db.session() as session:`."""
        return self._sessions()

    def fresh_read_connection(self) -> AbstractAsyncContextManager[DriverConnection]:
        """A pooled connection to the primary, for a read that must see the latest commit
        and needs no ORM: who the caller is, on every request (a sign-out takes effect
        at once). Use as `async with db.fresh_read_connection() as connection:` with a
        `domain.sql.CompiledRead`; every statement is its own transaction, as in
        `read_session()`, so that no BEGIN/ROLLBACK surrounds the one statement."""
        return _Lent(self.engine, self._ready)

    @asynccontextmanager
    async def read_session(self) -> AsyncIterator[AsyncSession]:
        """A session for reads only, on the replica when it may serve this request.

        Pass `database.read_session` wherever a session factory for reads is taken.
        """
        session = await self._open_read_session()
        async with session:
            yield session

    def read_connection(self) -> AbstractAsyncContextManager[DriverConnection]:
        """As `read_session()` (replica or primary, no transaction), without an ORM session:
        for a read that is one `domain.sql.CompiledRead`, such as a DataLoader's batch of
        organisations. The session cost ~90 µs of CPU more per read (bench/README.md)."""
        return _Lent(
            self.engine, self._ready, self._replica_checkout if self.replica is not None else None
        )

    async def _replica_checkout(self) -> tuple[AsyncEngine, PoolProxiedConnection] | None:
        """A connection of the replica's pool when this read may use it, else None."""
        if not await self._may_read_replica():
            return None
        assert self.replica_engine is not None
        try:
            pooled = await self.replica_engine.raw_connection()  # a dead one costs no error
        except Exception as error:
            self._replica_down(error)
            return None
        metrics.labelled(metrics.DB_READ_ROUTES, "replica").inc()
        return self.replica_engine, pooled

    @asynccontextmanager
    async def transaction(self, bus: EventBus, queue: JobQueue) -> AsyncIterator[UnitOfWork]:
        async with unit_of_work(self._sessions, bus, queue) as uow:
            yield uow
        note_write()  # also noted at commit; here in case the commit ran in another context
        pending = uow.session.info.pop(_AFTER_COMMIT, None)
        if pending is not None:
            # The request's answer waits for the hooks: once it has it, no cache holds
            # what this transaction changed.
            await asyncio.shield(pending)

    def after_commit(self, hook: AfterCommit) -> None:
        """Call `hook` with the changed rows after every commit on the primary."""
        self._after_commit.append(hook)

    async def dispose(self) -> None:
        if self._hook_tasks:
            await asyncio.wait(set(self._hook_tasks), timeout=5)
        if self.replica is not None:
            await self.replica.close()
        self._ready.release()
        await self.engine.dispose()
        if self.replica_engine is not None:
            await self.replica_engine.dispose()

    async def _open_read_session(self) -> AsyncSession:
        if await self._may_read_replica():
            session = self._replica_sessions()
            try:
                await session.connection()  # connect now, so that a dead replica costs no error
            except Exception as error:
                await session.close()
                self._replica_down(error)
            else:
                metrics.labelled(metrics.DB_READ_ROUTES, "replica").inc()
                return session
        return self._read_sessions()

    async def _may_read_replica(self) -> bool:
        """Whether this read may try the replica (the route is counted when it may not)."""
        if self.replica is None:
            return False
        reason = fresh_reads_reason()
        if reason is not None:
            metrics.labelled(metrics.DB_READ_ROUTES, f"primary_{reason}").inc()
            return False
        state = await self.replica.current()
        if not state.usable:
            metrics.labelled(metrics.DB_READ_ROUTES, f"primary_{state.reason}").inc()
            return False
        return True

    def _replica_down(self, error: Exception) -> None:
        assert self.replica is not None
        self.replica.mark_down(error)
        metrics.DB_READ_ROUTES.labels("primary_down").inc()

    def _tracked_session_class(self) -> type[Session]:
        """A Session class of this database's own, whose events record what changed."""
        tracked = type("TrackedSession", (Session,), {})
        event.listen(tracked, "after_flush", _record_changes)
        event.listen(tracked, "after_commit", self._committed)
        event.listen(tracked, "after_rollback", _forget_changes)
        return tracked

    def _committed(self, session: Session) -> None:
        note_write()
        changed: ChangedRows | None = session.info.pop(_CHANGED, None)
        if not changed or not self._after_commit:
            return
        # Runs inside SQLAlchemy's greenlet, on the event loop's thread: schedule the hooks;
        # `transaction()` awaits them, other commits (jobs' own sessions) let them run.
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # a synchronous use of the session: no hooks to run
            log.warning("commit outside an event loop: after-commit hooks skipped")
            return
        task = loop.create_task(self._run_hooks(changed))
        session.info[_AFTER_COMMIT] = task
        self._hook_tasks.add(task)
        task.add_done_callback(self._hook_tasks.discard)

    async def _run_hooks(self, changed: ChangedRows) -> None:
        for hook in self._after_commit:
            try:
                await hook(changed)
            except Exception:  # the transaction has committed: a hook cannot undo it
                log.exception("after-commit hook %r failed", hook)


class _Ready:
    """Connections lent moments ago and kept checked out of the pool for the next lend,
    last in, first out, at most `limit`.

    Why: a lend through SQLAlchemy's pool — a greenlet for the checkout, the pool's
    bookkeeping and events both ways, the reset on return — cost ~110,000 instructions
    (~20 µs), and every authenticated request lends one: kept, 27,000 (bench/README.md).
    A kept connection is taken back as the pool would hand it out: not after
    `PING_AFTER_IDLE_SECONDS` (then it goes back to the pool, whose checkout pings it)
    nor once the server has closed it. Only a connection in a clean state is kept (no
    failed statement, no transaction); the rest go back to the pool as before."""

    __slots__ = ("_kept", "limit")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._kept: list[tuple[PoolProxiedConnection, float]] = []

    def take(self) -> PoolProxiedConnection | None:
        kept = self._kept
        while kept:
            pooled, since = kept.pop()
            if time.monotonic() - since < PING_AFTER_IDLE_SECONDS and _usable(pooled):
                return pooled
            pooled.close()
        return None

    def give(self, pooled: PoolProxiedConnection) -> None:
        if len(self._kept) < self.limit and _usable(pooled):
            self._kept.append((pooled, time.monotonic()))
        else:
            pooled.close()

    def release(self) -> None:
        """Back to the pool, all of them (before the pool is disposed of)."""
        while self._kept:
            self._kept.pop()[0].close()


def _usable(pooled: PoolProxiedConnection) -> bool:
    """Open, and in no transaction (asyncpg knows both without a round trip)."""
    driver = pooled.driver_connection
    return driver is not None and not driver.is_closed() and not driver.is_in_transaction()


class _Lent:
    """A connection of an engine's pool lent for the driver alone
    (`domain.sql.DriverConnection`), back when the block ends — kept ready for the next
    lend (`_Ready`) when it came from the primary and the block raised nothing; nothing
    begins a transaction on it. A class rather than an `asynccontextmanager`: a generator
    and its wrapper cost ~1 µs per use, and a `node` lookup lends three (the caller, and
    the organisation's batch through `read_connection`)."""

    __slots__ = ("_engine", "_pooled", "_ready", "_replica", "_return_to")

    def __init__(
        self,
        engine: AsyncEngine,
        ready: _Ready,
        replica: Callable[[], Awaitable[tuple[AsyncEngine, PoolProxiedConnection] | None]]
        | None = None,
    ) -> None:
        self._engine = engine
        self._ready = ready  # the primary's kept connections
        self._replica = replica  # a checkout on the replica, when the read may use one
        self._pooled: PoolProxiedConnection | None = None
        self._return_to: _Ready | None = None

    async def __aenter__(self) -> DriverConnection:
        engine = self._engine
        checked_out = await self._replica() if self._replica is not None else None
        if checked_out is not None:
            engine, self._pooled = checked_out
        else:
            self._pooled = self._ready.take() or await engine.raw_connection()
            self._return_to = self._ready
        return DriverConnection(self._pooled.driver_connection, engine.sync_engine.pool)

    async def __aexit__(self, exc_type: type[BaseException] | None, *exc_info: object) -> None:
        assert self._pooled is not None
        if exc_type is None:
            if self._return_to is not None:
                self._return_to.give(self._pooled)
            else:
                self._pooled.close()
        elif issubclass(exc_type, Exception):
            self._pooled.close()  # asyncpg answered (an error ends its exchange cleanly)
        else:
            # Cancelled (a batch cancelled with its siblings, a client gone): asyncpg may
            # be halfway through a statement, its transaction open and its locks held,
            # with nobody left to finish it. SQLAlchemy's own statements invalidate the
            # connection then; so does this. (Returned to the pool instead, it held a
            # test's TRUNCATE until the suite timed out.)
            self._pooled.invalidate()


def ping_when_idle(engine: AsyncEngine) -> None:
    """Check a pooled connection before use only when it sat idle for a while.

    Why not `pool_pre_ping`: with asyncpg it pings inside BEGIN … ROLLBACK, three round
    trips on every checkout, which doubled a page's round trips. A connection that was
    returned moments ago is as alive as a ping would show; one idle for longer may have
    been closed by a restart or failover, so it is pinged, and a dead one is replaced
    before the caller sees it (SQLAlchemy retries the checkout on `DisconnectionError`).
    A connection the server closed (shutdown, restart, terminated backend) is known to
    asyncpg without a round trip, and replaced at once whatever its idle time.
    """

    @event.listens_for(engine.sync_engine, "checkin")
    def returned(dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def borrowed(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        if record.driver_connection.is_closed():  # the server said goodbye: costs nothing
            raise DisconnectionError("the server closed this pooled connection")
        idle_since = record.info.get(_IDLE_SINCE)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            dbapi_connection.ping()
        except Exception as error:
            raise DisconnectionError(f"a pooled connection died while idle: {error!r}") from error


def _read_only_sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions whose statements run without BEGIN/ROLLBACK around them.

    Why: a read session mostly runs one statement (a page, or one DataLoader batch), so a
    transaction around it bought no consistency but cost two round trips of the ~6 per
    read: a page of jobs with its organisations and skills made 24 round trips. Each
    statement sees one consistent snapshot of its own; where a read runs two (a
    membership, then the rows it allows), they were never promised one snapshot — the
    same reads may come from a replica seconds behind.
    """
    return async_sessionmaker(
        engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
    )


def _record_changes(session: Session, flush_context: Any) -> None:
    changed: ChangedRows = session.info.setdefault(_CHANGED, {})
    for instance in chain(session.new, session.dirty, session.deleted):
        mapper = inspect(instance).mapper
        table = getattr(mapper.persist_selectable, "name", mapper.class_.__name__)
        changed.setdefault(table, set()).add(tuple(mapper.primary_key_from_instance(instance)))


def _forget_changes(session: Session) -> None:
    session.info.pop(_CHANGED, None)
