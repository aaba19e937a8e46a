"""A real streaming replica of the local PostgreSQL, for the read-replica tests.

The primary must accept replication connections from 127.0.0.1: CI machines start
from the same image as development ones and `.ci/run` only starts the services, so
the first use adds `host replication <user> 127.0.0.1/32 trust` to the cluster's
pg_hba.conf if no rule allows it, and reloads (once; later runs find the rule).
Then `pg_basebackup -R -X stream` copies the cluster into a temporary directory and
`pg_ctl` starts it on a free port as a hot standby. PostgreSQL refuses to run as
root: when the tests run as root, the copy belongs to (and runs as) the user that
runs the primary cluster.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

REPLICATION_RULE = "host replication {user} 127.0.0.1/32 trust"
# A hot standby needs these at least as high as on its primary.
STANDBY_MINIMUMS = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)


class ReplicationUnavailable(Exception):
    """Replication cannot be set up here; the message says why (the tests skip with it)."""


@dataclass
class StreamingReplica:
    directory: Path
    port: int
    run_as: str | None  # the OS user pg_ctl runs as (None: this process's user)
    bin_dir: Path

    @property
    def data_dir(self) -> Path:
        return self.directory / "data"

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        self._pg_ctl(
            "start",
            "-w",
            "-t",
            "60",
            "-l",
            str(self.directory / "server.log"),
            "-o",
            f"-p {self.port} -k {self.directory}",
        )

    def stop(self) -> None:
        self._pg_ctl("stop", "-m", "fast", "-w", "-t", "60")

    def is_running(self) -> bool:
        status = subprocess.run(
            self._as_owner([str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "status"]),
            capture_output=True,
            check=False,
        )
        return status.returncode == 0

    def remove(self) -> None:
        if self.is_running():
            self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def log_tail(self) -> str:
        log = self.directory / "server.log"
        return log.read_text(errors="replace")[-4000:] if log.exists() else ""

    def _pg_ctl(self, *arguments: str) -> None:
        command = [str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), *arguments]
        done = subprocess.run(self._as_owner(command), capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"pg_ctl {arguments[0]} failed: {done.stderr}\n{self.log_tail()}")

    def _as_owner(self, command: list[str]) -> list[str]:
        return ["runuser", "-u", self.run_as, "--", *command] if self.run_as else command


async def start_replica(primary_url: str) -> StreamingReplica:
    """Copy the primary's cluster and start it as a streaming hot standby."""
    url = make_url(primary_url)
    admin = await asyncpg.connect(primary_url)
    try:
        settings = {
            name: await admin.fetchval(f"SHOW {name}")
            for name in ("wal_level", "max_wal_senders", "server_version_num", *STANDBY_MINIMUMS)
        }
        if settings["wal_level"] not in ("replica", "logical"):
            raise ReplicationUnavailable(f"wal_level is {settings['wal_level']} (needs replica)")
        if int(settings["max_wal_senders"]) < 3:
            raise ReplicationUnavailable("max_wal_senders < 3: no room for a backup and a standby")
        await _allow_replication(admin, url.username or "postgres")
        cluster_owner = await admin.fetchval(
            "SELECT pg_catalog.pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'template0'"
        )
    finally:
        await admin.close()
    bin_dir = Path(f"/usr/lib/postgresql/{int(settings['server_version_num']) // 10000}/bin")
    if not (bin_dir / "pg_basebackup").exists():
        found = shutil.which("pg_basebackup")
        if found is None:
            raise ReplicationUnavailable("pg_basebackup not found")
        bin_dir = Path(found).parent
    run_as = _os_user_for_postgres(str(cluster_owner))
    directory = Path(tempfile.mkdtemp(prefix="iworkz-replica-"))
    if run_as is not None:
        owner = pwd.getpwnam(run_as)
        os.chown(directory, owner.pw_uid, owner.pw_gid)
    replica = StreamingReplica(directory, _free_port(), run_as, bin_dir)
    try:
        backup = [
            str(bin_dir / "pg_basebackup"),
            *("-h", url.host or "127.0.0.1", "-p", str(url.port or 5432)),
            *("-U", url.username or "postgres", "-D", str(replica.data_dir)),
            *("-R", "-X", "stream", "-c", "fast", "--no-sync"),
        ]
        for _ in range(10):  # a rule just added takes effect once the postmaster has reloaded
            done = await asyncio.to_thread(
                subprocess.run,
                replica._as_owner(backup),
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode == 0 or "pg_hba.conf" not in done.stderr:
                break
            shutil.rmtree(replica.data_dir, ignore_errors=True)
            await asyncio.sleep(0.5)
        if done.returncode != 0:
            raise ReplicationUnavailable(f"pg_basebackup failed: {done.stderr.strip()}")
        _write_standby_config(replica, settings)
        replica.start()
        await _wait_until_streaming(replica, primary_url)
    except BaseException:
        replica.remove()
        raise
    return replica


async def _allow_replication(admin: asyncpg.Connection, user: str) -> None:
    """Make sure pg_hba.conf lets `user` replicate from 127.0.0.1 (idempotent)."""
    if await _replication_allowed(admin, user):
        return
    hba_file = Path(await admin.fetchval("SHOW hba_file"))
    if not os.access(hba_file, os.W_OK):
        raise ReplicationUnavailable(
            f"{hba_file} has no replication rule for {user}@127.0.0.1 and is not writable here"
        )
    rule = f"\n# added by iWORKZ's read-replica tests\n{REPLICATION_RULE.format(user=user)}\n"
    await asyncio.to_thread(_append, hba_file, rule)
    await admin.execute("SELECT pg_reload_conf()")
    if not await _replication_allowed(admin, user):  # the view reads the file as it is now
        raise ReplicationUnavailable(f"added a replication rule to {hba_file}; it does not parse")


async def _replication_allowed(admin: asyncpg.Connection, user: str) -> bool:
    rows = await admin.fetch(
        "SELECT database, user_name, address, auth_method, type FROM pg_hba_file_rules "
        "WHERE error IS NULL ORDER BY line_number"
    )
    # Only the `replication` keyword matches replication connections (`all` does not).
    return any(
        row["type"] in ("host", "hostnossl")
        and row["auth_method"] == "trust"
        and "replication" in row["database"]
        and {"all", user} & set(row["user_name"])
        and row["address"] in ("127.0.0.1", "all")
        for row in rows
    )


def _os_user_for_postgres(cluster_owner: str) -> str | None:
    """Whom to run pg_ctl as: ourselves unless we are root (PostgreSQL refuses root)."""
    if os.geteuid() != 0:
        return None
    for candidate in ("postgres", cluster_owner):
        try:
            pwd.getpwnam(candidate)
        except KeyError:
            continue
        return candidate
    raise ReplicationUnavailable("running as root and there is no postgres OS user to run as")


def _write_standby_config(replica: StreamingReplica, primary: dict[str, str]) -> None:
    minimums = "\n".join(f"{name} = {primary[name]}" for name in STANDBY_MINIMUMS)
    files = {
        # Debian keeps the cluster's configuration outside its data directory.
        "postgresql.conf": (
            f"listen_addresses = '127.0.0.1'\nport = {replica.port}\n"
            f"unix_socket_directories = '{replica.directory}'\n{minimums}\n"
            "hot_standby = on\nwal_receiver_status_interval = 1s\nfsync = off\n"
            "max_standby_streaming_delay = 5s\n"
        ),
        "pg_hba.conf": "local all all trust\nhost all all 127.0.0.1/32 trust\n",
        "pg_ident.conf": "",
    }
    owner = pwd.getpwnam(replica.run_as) if replica.run_as else None
    for name, content in files.items():
        path = replica.data_dir / name
        if path.exists() and name == "postgresql.conf":
            content = path.read_text() + "\n" + content
        path.write_text(content)
        if owner is not None:
            os.chown(path, owner.pw_uid, owner.pw_gid)


async def _wait_until_streaming(replica: StreamingReplica, primary_url: str) -> None:
    database = make_url(primary_url).database or "postgres"
    deadline = time.monotonic() + 60
    while True:
        try:
            connection = await asyncpg.connect(replica.url(database), timeout=2)
            try:
                streaming = await connection.fetchval(
                    "SELECT pg_is_in_recovery() AND EXISTS "
                    "(SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming')"
                )
                if streaming:
                    return
            finally:
                await connection.close()
        except (OSError, asyncpg.PostgresError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the replica did not start streaming:\n{replica.log_tail()}")
        await asyncio.sleep(0.2)


def _append(path: Path, text: str) -> None:
    with path.open("a") as file:
        file.write(text)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
