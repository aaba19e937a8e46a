"""`iworkz backup` / `iworkz restore` as an operator runs them (real processes, real pg_dump).

A database filled through the API is dumped, restored into a fresh database, and found
whole: every table holds the same rows (count and a checksum of their text), a worker
logs in against the restored database, and her encrypted personal data still decrypts.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import httpx

from server.app import create_app
from server.backup import BACKUP_PREFIX, BACKUP_SUFFIX
from server.services import build_services
from server.settings import Settings
from tests.conftest import ADMIN_URL, _url_for
from tests.embedded.conftest import stop_leftover_postgres
from tests.factories import create_job, create_profile
from tests.graphql_client import PASSWORD, data, gql, login, register

IWORKZ = Path(sys.executable).parent / "iworkz"

APPLY = """mutation($input: ApplyToJobInput!) {
  applyToJob(input: $input) { match { id status } errors { field code message } } }"""
PERSONAL = """mutation($input: UpdateWorkerPersonalDataInput!) {
  updateWorkerPersonalData(input: $input) { personalData { phone } errors { code } } }"""
ME = "{ me { id email workerProfile { id personalData { phone residenceCardNumber } } } }"


def iworkz(*args: str, database_url: str | None, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the CLI with no setting inherited from this process, only DATABASE_URL."""
    names = {name.upper() for name in Settings.model_fields}
    env = {key: value for key, value in os.environ.items() if key.upper() not in names}
    env["DATA_DIR"] = str(cwd / "data")
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    return subprocess.run(
        [str(IWORKZ), *args],
        env=env,
        cwd=cwd,  # no .env here
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )


async def fingerprints(url: str) -> dict[str, tuple[int, str]]:
    """Each table's row count and an md5 over its rows' text, in a stable order."""
    connection = await asyncpg.connect(url)
    try:
        tables = await connection.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        found = {}
        for (table,) in tables:
            row = await connection.fetchrow(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) "
                f'FROM public."{table}" t'
            )
            found[table] = (row[0], row[1])
        return found
    finally:
        await connection.close()


@asynccontextmanager
async def fresh_database() -> AsyncIterator[str]:
    """An empty database of its own on the test server, dropped afterwards."""
    name = f"iworkz_restore_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield _url_for(name)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def populate(client: httpx.AsyncClient) -> dict[str, str]:
    """An employer with published jobs, workers with profiles, an application, personal data."""
    employer = await register(client, "hr@backup.example", "EMPLOYER", "Backup KK")
    jobs = [
        await create_job(client, employer.token, publish=True, title=f"倉庫スタッフ {n}")
        for n in range(3)
    ]
    workers = [await register(client, f"worker{n}@backup.example") for n in range(3)]
    for worker in workers:
        await create_profile(client, worker.token)
    applied = data(await gql(client, APPLY, {"input": {"jobId": jobs[0]["id"]}}, workers[0].token))
    assert applied["applyToJob"]["errors"] == []
    personal = {"phone": "090-1234-5678", "residenceCardNumber": "ab12345678cd"}
    saved = data(await gql(client, PERSONAL, {"input": personal}, workers[0].token))
    assert saved["updateWorkerPersonalData"]["errors"] == []
    return {"email": workers[0].email, "user_id": workers[0].user_id}


async def test_backup_restores_into_a_fresh_database_whole(
    client: httpx.AsyncClient, settings: Settings, database_url: str, tmp_path: Path
) -> None:
    aiko = await populate(client)
    before = await fingerprints(database_url)
    for table in ("users", "jobs", "worker_profiles", "matches", "worker_personal_data"):
        assert before[table][0] > 0, f"{table} is empty: the test populated nothing there"

    archive = tmp_path / "nightly.dump"
    backed_up = await asyncio.to_thread(
        iworkz, "backup", str(archive), database_url=database_url, cwd=tmp_path
    )
    assert backed_up.returncode == 0, backed_up.stderr
    assert "nightly.dump" in os.listdir(tmp_path)
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".partial")]
    assert f"wrote {archive}" in backed_up.stdout

    async with fresh_database() as restored_url:
        restored = await asyncio.to_thread(
            iworkz, "restore", str(archive), "--yes", database_url=restored_url, cwd=tmp_path
        )
        assert restored.returncode == 0, restored.stderr
        assert await fingerprints(restored_url) == before

        # The restored database serves: the worker logs in, and her personal data, encrypted
        # under the keys in DATA_DIR and bound to its row, decrypts.
        on_restored = settings.model_copy(
            update={
                "database_url": restored_url,
                "redis_key_prefix": f"{settings.redis_key_prefix}restored:",
            }
        )
        services = await build_services(on_restored)
        try:
            app = create_app(on_restored, services)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://restored") as http:
                account = await login(http, aiko["email"], PASSWORD)
                me = data(await gql(http, ME, token=account.token))["me"]
        finally:
            await services.close()
        assert me["id"] == aiko["user_id"]
        assert me["workerProfile"]["personalData"] == {
            "phone": "09012345678",
            "residenceCardNumber": "AB12345678CD",
        }


async def test_restore_refuses_a_database_with_tables_the_backup_lacks(
    database_url: str, tmp_path: Path
) -> None:
    """A table from a newer migration would survive `--clean` and break the next migrate."""
    archive = tmp_path / "backup.dump"
    backed_up = await asyncio.to_thread(
        iworkz, "backup", str(archive), database_url=database_url, cwd=tmp_path
    )
    assert backed_up.returncode == 0, backed_up.stderr
    async with fresh_database() as target:
        connection = await asyncpg.connect(target)
        try:
            await connection.execute("CREATE TABLE from_a_newer_release (id int)")
        finally:
            await connection.close()
        refused = await asyncio.to_thread(
            iworkz, "restore", str(archive), "--yes", database_url=target, cwd=tmp_path
        )
        assert refused.returncode != 0
        assert "public.from_a_newer_release" in refused.stderr
        assert set(await fingerprints(target)) == {"from_a_newer_release"}  # untouched


async def test_restore_asks_before_replacing_anything(database_url: str, tmp_path: Path) -> None:
    """Without a terminal to ask on, nothing happens unless --yes says so."""
    refused = await asyncio.to_thread(
        iworkz, "restore", str(tmp_path / "any.dump"), database_url=database_url, cwd=tmp_path
    )
    assert refused.returncode != 0
    assert "--yes" in refused.stderr


async def test_backups_into_a_folder_are_named_by_time_and_pruned(
    database_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "notes.txt").write_text("not a backup: retention leaves it alone")
    written = []
    for _ in range(3):
        result = await asyncio.to_thread(
            iworkz, "backup", str(folder), "--keep", "2", database_url=database_url, cwd=tmp_path
        )
        assert result.returncode == 0, result.stderr
        written.append(result.stdout.split()[1])
        await asyncio.sleep(1.1)  # names carry the second
    kept = sorted(path.name for path in folder.iterdir())
    assert kept == sorted([Path(written[1]).name, Path(written[2]).name, "notes.txt"])
    assert all(
        name.startswith(BACKUP_PREFIX) and name.endswith(BACKUP_SUFFIX)
        for name in kept
        if name != "notes.txt"
    )


def test_backup_and_restore_of_the_embedded_database(tmp_path: Path) -> None:
    """No DATABASE_URL: the embedded server (each command starts and stops it) is dumped
    with the client tools of its own version, and restored in place."""
    try:
        migrated = iworkz("migrate", database_url=None, cwd=tmp_path)
        assert migrated.returncode == 0, migrated.stderr
        archive = tmp_path / "embedded.dump"
        backed_up = iworkz("backup", str(archive), database_url=None, cwd=tmp_path)
        assert backed_up.returncode == 0, backed_up.stderr
        restored = iworkz("restore", str(archive), "--yes", database_url=None, cwd=tmp_path)
        assert restored.returncode == 0, restored.stderr
        assert "restored" in restored.stdout
        check = iworkz("migrate", "--check", database_url=None, cwd=tmp_path)
        assert check.returncode == 0, check.stderr
    finally:
        stop_leftover_postgres((tmp_path / "data" / "postgres").resolve())
