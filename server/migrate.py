"""Running the alembic migrations from code (CLI, tests, embedded start-up)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import asyncpg
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_to_head(database_url: str) -> None:
    """Apply every pending migration; safe to call on every start."""
    command.upgrade(alembic_config(database_url), "head")


async def upgrade_to_head_async(database_url: str) -> None:
    # alembic's env.py drives its own event loop, so it runs in a thread of its own.
    await asyncio.to_thread(upgrade_to_head, database_url)


def _script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("postgresql://unused"))


def head_revision() -> str:
    """The newest migration this code knows (one linear history: one head)."""
    heads = _script_directory().get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"the migrations have {len(heads)} heads: {heads}")
    return heads[0]


async def current_revision(database_url: str) -> str | None:
    """The revision the database is at; None for a database never migrated."""
    url = make_url(database_url).set(drivername="postgresql")
    connection = await asyncpg.connect(url.render_as_string(hide_password=False), timeout=10)
    try:
        exists = await connection.fetchval("SELECT to_regclass('public.alembic_version')")
        if exists is None:
            return None
        revision: str | None = await connection.fetchval("SELECT version_num FROM alembic_version")
        return revision
    finally:
        await connection.close()


def schema_problem(current: str | None) -> str | None:
    """Why this code cannot serve a database at `current`, or None when it can.

    At this code's head is fine, and so is a revision this code does not know: a newer
    release migrated already, and migrations are written expand-then-contract so the
    release before keeps working during a rolling update. Behind the head is not."""
    head = head_revision()
    known = {script.revision for script in _script_directory().walk_revisions()}
    if current == head or (current is not None and current not in known):
        return None
    return f"the database is at {current or 'no migration'}, this code needs {head}"


async def wait_until_migrated(database_url: str, timeout_seconds: float) -> str | None:
    """Poll until the database has this code's migrations, for at most `timeout_seconds`.

    Returns None when it has, else what is wrong (for the exit message). A replica or an
    init container waits here, instead of racing the migration job or serving a schema
    it does not know."""
    deadline = time.monotonic() + timeout_seconds
    while True:
        try:
            problem = schema_problem(await current_revision(database_url))
        except (TimeoutError, OSError, asyncpg.PostgresError) as error:
            problem = f"cannot reach the database: {type(error).__name__}: {error}"
        if problem is None or time.monotonic() >= deadline:
            return problem
        await asyncio.sleep(min(2.0, max(0.0, deadline - time.monotonic())))
