"""The commands compose and Kubernetes run around the API (docker/compose.yaml, deploy/k8s/):
who migrates, how a replica that must not migrate behaves, and the worker's health probe.
Real processes, as the containers run them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from pydantic import ValidationError

from server.settings import Environment, Settings
from tests.conftest import ADMIN_URL, REDIS_URL, _url_for

IWORKZ = Path(sys.executable).parent / "iworkz"
PRODUCTION = {
    "environment": Environment.PRODUCTION,
    "database_url": "postgresql://iworkz@db/iworkz",
    "jwt_secret": "x" * 48,
    "data_encryption_keys": {"k1": "A" * 44},
    "data_encryption_active_key": "k1",
    "chain_rpc_url": "https://rpc.example",
    "chain_anchor_private_key": "0x" + "11" * 32,
}


def cli_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    names = {name.upper() for name in Settings.model_fields}
    env = {key: value for key, value in os.environ.items() if key.upper() not in names}
    env.update(DATA_DIR=str(tmp_path / "data"), PYTHONUNBUFFERED="1", **settings)
    return env


def iworkz(tmp_path: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(IWORKZ), *args],
        env=cli_env(tmp_path, **settings),
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def empty_database() -> Iterator[str]:
    import asyncio

    name = f"iworkz_empty_{uuid.uuid4().hex[:12]}"

    async def admin(sql: str) -> None:
        connection = await asyncpg.connect(ADMIN_URL)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    yield _url_for(name)
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_migrate_on_start_defaults_on_except_in_production() -> None:
    assert Settings(data_dir=Path("/unused")).migrate_on_start_enabled  # embedded
    assert Settings(database_url="postgresql://db/x").migrate_on_start_enabled  # development
    assert not Settings(**PRODUCTION).migrate_on_start_enabled  # type: ignore[arg-type]
    assert Settings(**PRODUCTION, migrate_on_start=True).migrate_on_start_enabled  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        (("chain_rpc_url",), "CHAIN_RPC_URL is required in production"),
        (("chain_rpc_url", "chain_anchor_private_key"), "CHAIN_RPC_URL is required in production"),
        (("chain_anchor_private_key",), "CHAIN_ANCHOR_PRIVATE_KEY is required in production"),
    ],
)
def test_production_refuses_to_anchor_on_the_embedded_chain(
    missing: tuple[str, ...], message: str
) -> None:
    """Only processes sharing DATA_DIR can read the embedded chain, so no outside verifier
    could check an anchor: production names a node, or does not start."""
    values = {key: value for key, value in PRODUCTION.items() if key not in missing}
    with pytest.raises(ValidationError, match=message):
        Settings(**values)  # type: ignore[arg-type]
    outside = {**values, "environment": Environment.DEVELOPMENT}
    if "chain_rpc_url" in missing:
        assert Settings(**outside).chain_rpc_url is None  # type: ignore[arg-type]  # embedded


def test_production_refuses_to_start_without_a_chain_node(tmp_path: Path) -> None:
    """The real command line: a clear error naming the variable, nothing served."""
    env = {key.upper(): str(value) for key, value in PRODUCTION.items()}
    env["DATA_ENCRYPTION_KEYS"] = '{"k1": "%s"}' % ("A" * 44)
    del env["CHAIN_RPC_URL"]
    refused = iworkz(tmp_path, "migrate", "--check", **env)
    assert refused.returncode != 0
    assert "CHAIN_RPC_URL is required in production" in refused.stderr + refused.stdout


def test_migrate_check_changes_nothing_and_says_whether_migrated(
    tmp_path: Path, empty_database: str, database_url: str
) -> None:
    behind = iworkz(tmp_path, "migrate", "--check", DATABASE_URL=empty_database)
    assert behind.returncode == 1
    assert "no migration" in behind.stderr
    assert iworkz(tmp_path, "migrate", "--check", DATABASE_URL=empty_database).returncode == 1

    current = iworkz(tmp_path, "migrate", "--check", DATABASE_URL=database_url)
    assert current.returncode == 0, current.stderr


def test_a_replica_that_must_not_migrate_refuses_an_unmigrated_database(
    tmp_path: Path, empty_database: str
) -> None:
    """MIGRATE_ON_START=false (production's default): `serve` exits at once, telling the
    operator to migrate, and creates nothing — it never races the migration job."""
    refused = iworkz(
        tmp_path, "serve", "--port", "1", DATABASE_URL=empty_database, MIGRATE_ON_START="false"
    )
    assert refused.returncode != 0
    assert "run `iworkz migrate` first" in refused.stderr
    check = iworkz(tmp_path, "migrate", "--check", DATABASE_URL=empty_database)
    assert "no migration" in check.stderr


def test_worker_check_follows_this_hosts_worker(tmp_path: Path, database_url: str) -> None:
    """The probe passes while a worker runs on this host, and fails once it stopped."""
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "REDIS_KEY_PREFIX": f"iworkz-probe-{uuid.uuid4().hex[:8]}:",
    }
    assert iworkz(tmp_path, "worker", "--check", **env).returncode == 1
    log = tmp_path / "worker.log"
    with log.open("wb") as output:
        worker = subprocess.Popen(
            [str(IWORKZ), "worker"],
            env=cli_env(tmp_path, **env),
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 90
        while iworkz(tmp_path, "worker", "--check", **env).returncode != 0:
            assert worker.poll() is None, log.read_text()
            assert time.monotonic() < deadline, f"worker never healthy:\n{log.read_text()}"
            time.sleep(0.5)
        worker.send_signal(signal.SIGTERM)
        worker.wait(60)
        stopped = iworkz(tmp_path, "worker", "--check", **env)
        assert stopped.returncode == 1
        assert "no live worker" in stopped.stderr
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
