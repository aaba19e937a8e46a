"""Run `iworkz serve` as a real subprocess with no configuration, as a user would.

The server gets a fresh DATA_DIR, a free port on 127.0.0.1 and an environment
without any of the settings' variables (no DATABASE_URL, no REDIS_URL), so it
starts its private PostgreSQL server, migrates it and serves GraphQL. The
process group, and any private PostgreSQL left behind, are always cleaned up.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from server.settings import Settings

IWORKZ = Path(sys.executable).parent / "iworkz"
HOST = "127.0.0.1"
STARTUP_TIMEOUT = 90.0
SHUTDOWN_TIMEOUT = 30.0


@pytest.fixture(autouse=True)
def _clean_tables() -> None:
    """Replace the main suite's autouse fixture: these tests never touch the test database."""


def free_port() -> int:
    """A TCP port on HOST that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def unconfigured_environment(data_dir: Path) -> dict[str, str]:
    """os.environ without any variable Settings reads, plus DATA_DIR."""
    settings_names = {name.lower() for name in Settings.model_fields}
    env = {key: value for key, value in os.environ.items() if key.lower() not in settings_names}
    env["DATA_DIR"] = str(data_dir)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def postgres_processes(pgdata: Path) -> list[psutil.Process]:
    """Live (non-zombie) processes whose command line names this PostgreSQL data folder."""
    found = []
    for process in psutil.process_iter(["cmdline", "status"]):
        info: dict[str, Any] = process.info
        if info["status"] == psutil.STATUS_ZOMBIE:
            continue
        if str(pgdata) in (info["cmdline"] or []):
            found.append(process)
    return found


def wait_for_no_postgres(pgdata: Path, timeout: float) -> list[psutil.Process]:
    """Poll until no PostgreSQL runs on `pgdata`; return what is still running at the deadline."""
    deadline = time.monotonic() + timeout
    while (left := postgres_processes(pgdata)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


def stop_leftover_postgres(pgdata: Path) -> None:
    """Fast-shut-down (SIGINT), then kill, any PostgreSQL still running on `pgdata`."""
    for process in postgres_processes(pgdata):
        try:
            process.send_signal(signal.SIGINT)
            process.wait(10)
        except psutil.NoSuchProcess:
            continue
        except psutil.TimeoutExpired:
            process.kill()


class EmbeddedServer:
    """One `iworkz serve` subprocess on a fixed DATA_DIR; can be stopped and started again."""

    def __init__(self, root: Path) -> None:
        self.data_dir = root / "data"
        self.workdir = root / "cwd"  # no `.env` here, so nothing configures the server
        self.workdir.mkdir()
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.starts = 0
        self.log_path = root / "serve-0.log"

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pgdata(self) -> Path:
        return (self.data_dir / "postgres").resolve()

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)

    def output(self) -> str:
        """What the current (or last) run printed on stdout and stderr."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def start(self) -> None:
        """Start `iworkz serve` and wait (bounded) until /healthz answers."""
        assert self.process is None or self.process.poll() is not None, "already running"
        self.starts += 1
        self.port = free_port()
        self.log_path = self.log_path.with_name(f"serve-{self.starts}.log")
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [str(IWORKZ), "serve", "--host", HOST, "--port", str(self.port)],
                cwd=self.workdir,
                env=unconfigured_environment(self.data_dir),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, for the finalizer
            )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(
                    f"iworkz serve exited with {self.process.returncode} before it was healthy:\n"
                    f"{self.output()}"
                )
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.kill()
        pytest.fail(f"iworkz serve not healthy after {STARTUP_TIMEOUT:.0f} s:\n{self.output()}")

    def terminate(self) -> int:
        """Send SIGTERM to the server process, as a supervisor would; return its exit code."""
        assert self.process is not None and self.process.poll() is None, "not running"
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(SHUTDOWN_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"iworkz serve still running {SHUTDOWN_TIMEOUT:.0f} s after SIGTERM")

    def restart(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.terminate()
        self.start()

    def kill(self) -> None:
        """Finalizer: end the process group (TERM, then KILL) and any private PostgreSQL left."""
        if self.process is not None and self.process.poll() is None:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(self.process.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.process.wait(SHUTDOWN_TIMEOUT / 2)
                    break
                except subprocess.TimeoutExpired:
                    continue
        if self.data_dir.exists():
            stop_leftover_postgres(self.pgdata)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedServer]:
    """A running embedded-mode server on a fresh DATA_DIR, shared by a test module."""
    running = EmbeddedServer(tmp_path_factory.mktemp("embedded"))
    try:
        running.start()
        yield running
    finally:
        running.kill()
