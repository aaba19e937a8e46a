"""The connection pool: reads without transactions around them, and a pooled connection
that died while idle (a PostgreSQL restart, a failover) replaced before anyone sees it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import event, text
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection

import server.database as database_module
from server.database import Database


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url, pool_size=1)
    yield db
    await db.dispose()


async def _backend_pid(db: Database) -> int:
    async with db.read_session() as session:
        return int((await session.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def test_a_connection_killed_while_idle_is_replaced(database, database_url, monkeypatch):
    monkeypatch.setattr(database_module, "PING_AFTER_IDLE_SECONDS", 0.0)
    first = await _backend_pid(database)
    admin = await asyncpg.connect(database_url)
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", first)
    finally:
        await admin.close()
    # The one pooled connection is dead; the checkout notices and connects afresh.
    assert await _backend_pid(database) != first
    async with database.session() as session:
        assert (await session.execute(text("SELECT 1"))).scalar_one() == 1


async def test_only_a_connection_idle_for_a_while_is_pinged(database, monkeypatch):
    pings: list[object] = []
    original = AsyncAdapt_asyncpg_connection.ping

    def counted(self: AsyncAdapt_asyncpg_connection) -> None:
        pings.append(self)
        original(self)

    monkeypatch.setattr(AsyncAdapt_asyncpg_connection, "ping", counted)
    first = await _backend_pid(database)
    assert await _backend_pid(database) == first  # returned a moment ago: no ping
    assert pings == []
    monkeypatch.setattr(database_module, "PING_AFTER_IDLE_SECONDS", 0.0)
    assert await _backend_pid(database) == first
    assert len(pings) == 1


async def _two_clock_readings(session: object) -> tuple[object, object]:
    """`now()` is the transaction's start: the same twice inside one transaction."""
    first = (await session.execute(text("SELECT now()"))).scalar_one()  # type: ignore[attr-defined]
    await session.execute(text("SELECT pg_sleep(0.01)"))  # type: ignore[attr-defined]
    return first, (await session.execute(text("SELECT now()"))).scalar_one()  # type: ignore[attr-defined]


async def test_reads_run_without_a_transaction_and_writes_with_one(database):
    async with database.read_session() as session:
        before, after = await _two_clock_readings(session)
    assert before < after  # each read statement is a transaction of its own
    async with database.session() as session:
        before, after = await _two_clock_readings(session)
    assert before == after


async def test_the_lent_read_connections_run_without_a_transaction(database):
    for lend in (database.fresh_read_connection, database.read_connection):
        async with lend() as connection:
            before = await connection.driver.fetchval("SELECT now()")
            await connection.driver.execute("SELECT pg_sleep(0.01)")
            after = await connection.driver.fetchval("SELECT now()")
        assert before < after


async def test_statements_run_without_parallel_workers_unless_asked(database, database_url):
    """A page is planned serially (DATABASE_PARALLEL_WORKERS_PER_QUERY, default 0) on
    every kind of connection; a deployment that wants parallel plans can have them."""

    async def workers_per_gather(db: Database) -> set[str]:
        shown = set()
        for sessions in (db.session, db.read_session):
            async with sessions() as session:
                found = await session.execute(text("SHOW max_parallel_workers_per_gather"))
                shown.add(found.scalar_one())
        async with db.fresh_read_connection() as connection:
            shown.add(await connection.driver.fetchval("SHOW max_parallel_workers_per_gather"))
        return shown

    assert await workers_per_gather(database) == {"0"}
    parallel = Database(database_url, pool_size=1, parallel_workers_per_query=2)
    try:
        assert await workers_per_gather(parallel) == {"2"}
    finally:
        await parallel.dispose()


# ---- connections kept ready for the next lend (`server.database._Ready`) ----


@pytest.fixture
async def keeping(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url, pool_size=4)  # keeps one connection ready
    yield db
    await db.dispose()


def _checkouts(db: Database) -> list[object]:
    seen: list[object] = []
    event.listen(db.engine.sync_engine, "checkout", lambda *args: seen.append(args[0]))
    return seen


async def _lent_pid(db: Database) -> int:
    async with db.fresh_read_connection() as connection:
        return int(await connection.driver.fetchval("SELECT pg_backend_pid()"))


async def test_a_lent_connection_is_lent_again_without_the_pool(keeping) -> None:
    checkouts = _checkouts(keeping)
    first = await _lent_pid(keeping)
    async with keeping.read_connection() as connection:
        assert await connection.driver.fetchval("SELECT pg_backend_pid()") == first
    assert await _lent_pid(keeping) == first
    assert len(checkouts) == 1


async def test_a_small_pool_keeps_no_connection_from_the_sessions(database) -> None:
    checkouts = _checkouts(database)
    await _lent_pid(database)
    await _lent_pid(database)
    assert len(checkouts) == 2
    assert database.engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]


async def test_a_kept_connection_idle_for_a_while_goes_through_the_pool(keeping, monkeypatch):
    checkouts = _checkouts(keeping)
    await _lent_pid(keeping)
    monkeypatch.setattr(database_module, "PING_AFTER_IDLE_SECONDS", 0.0)
    await _lent_pid(keeping)
    assert len(checkouts) == 2  # back to the pool, whose checkout pings it


async def test_a_kept_connection_the_server_closed_is_not_lent(keeping, database_url) -> None:
    async with keeping.fresh_read_connection() as connection:
        kept = connection.driver
        first = await kept.fetchval("SELECT pg_backend_pid()")
    admin = await asyncpg.connect(database_url)
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", first)
    finally:
        await admin.close()
    for _ in range(200):  # until the driver has read the server's goodbye
        if kept.is_closed():
            break
        await asyncio.sleep(0.01)
    assert kept.is_closed()
    assert await _lent_pid(keeping) != first


async def test_a_connection_whose_block_failed_or_left_a_transaction_is_not_kept(keeping):
    checkouts = _checkouts(keeping)
    with pytest.raises(asyncpg.UndefinedTableError):
        async with keeping.fresh_read_connection() as connection:
            await connection.driver.fetch("SELECT * FROM no_such_table")
    async with keeping.fresh_read_connection() as connection:
        await connection.driver.execute("BEGIN")
    await _lent_pid(keeping)
    assert len(checkouts) == 3  # neither was kept: each lend checked one out


async def test_kept_connections_are_closed_with_the_database(database_url) -> None:
    db = Database(database_url, pool_size=4)
    async with db.fresh_read_connection() as connection:
        driver = connection.driver
    assert not driver.is_closed()
    await db.dispose()
    assert driver.is_closed()


async def test_a_lend_cancelled_mid_statement_is_closed_not_lent_again(
    database, database_url
) -> None:
    """A cancelled task (a batch cancelled with its siblings, a client gone) may leave
    asyncpg halfway through its protocol, a statement's transaction and locks held: that
    connection is closed, so its server process ends, and the next lend gets another."""
    started = asyncio.Event()
    lent: list[int] = []

    async def slow_read() -> None:
        async with database.read_connection() as connection:
            lent.append(await connection.driver.fetchval("SELECT pg_backend_pid()"))
            started.set()
            await connection.driver.fetchval("SELECT pg_sleep(1), count(*) FROM users")

    task = asyncio.create_task(slow_read())
    await started.wait()
    await asyncio.sleep(0.05)  # the statement has begun on the server
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with database.read_connection() as connection:
        assert await asyncio.wait_for(connection.driver.fetchval("SELECT 1"), 5) == 1
        assert await connection.driver.fetchval("SELECT pg_backend_pid()") != lent[0]
    admin = await asyncpg.connect(database_url)
    try:
        alive = "SELECT count(*) FROM pg_stat_activity WHERE pid = $1"
        for _ in range(100):  # the statement ends, and with it the orphaned process
            if not await admin.fetchval(alive, lent[0]):
                break
            await asyncio.sleep(0.05)
        assert not await admin.fetchval(alive, lent[0])
    finally:
        await admin.close()
