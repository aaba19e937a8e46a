"""Running the JavaScript clients of clients/js: their npm packages, installed once per test
run by the test command itself, and node processes driven without blocking the event loop
(the server under test runs in the same loop)."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from server import metrics

ROOT = Path(__file__).resolve().parents[2]
JS_DIR = ROOT / "clients" / "js"
STAMP = JS_DIR / "node_modules" / ".iworkz-installed"
# npm's words for "the registry cannot be reached" (DNS, refused, timed out, offline).
NETWORK_FAILURES = (
    "ENOTFOUND",
    "EAI_AGAIN",
    "ECONNREFUSED",
    "ETIMEDOUT",
    "ECONNRESET",
    "ENETUNREACH",
)


def _lock_digest() -> str:
    digest = hashlib.sha256()
    for name in ("package.json", "package-lock.json"):
        digest.update((JS_DIR / name).read_bytes())
    return digest.hexdigest()


@contextlib.contextmanager
def _install_lock() -> Iterator[None]:
    """One installer at a time on this machine (parallel test runs share node_modules)."""
    path = (
        Path(tempfile.gettempdir())
        / f"iworkz-npm-{hashlib.sha256(bytes(JS_DIR)).hexdigest()[:12]}.lock"
    )
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


async def ensure_npm_packages() -> Path:
    """`npm ci --prefix clients/js` unless node_modules already holds exactly the locked
    packages (a stamp with the lock file's hash); skips only when the registry is out of
    reach."""
    digest = _lock_digest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return JS_DIR
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed for the JavaScript client tests (not on PATH)")
    with _install_lock():
        if STAMP.exists() and STAMP.read_text() == digest:
            return JS_DIR
        process = await asyncio.create_subprocess_exec(
            npm,
            "ci",
            "--prefix",
            str(JS_DIR),
            "--no-audit",
            "--no-fund",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await asyncio.wait_for(process.communicate(), timeout=1200)
        text = output.decode(errors="replace")
        if process.returncode != 0:
            if any(code in text for code in NETWORK_FAILURES):
                pytest.skip(
                    f"the npm registry is unreachable, cannot install clients/js: {text[-400:]}"
                )
            pytest.fail(f"npm ci --prefix clients/js failed:\n{text[-4000:]}")
        STAMP.write_text(digest)
    return JS_DIR


@dataclass
class NodeResult:
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        """The script's last line of output, which is its JSON result."""
        assert self.returncode == 0, f"node exited {self.returncode}:\n{self.stderr}\n{self.stdout}"
        lines = [line for line in self.stdout.splitlines() if line.strip()]
        assert lines, f"node printed nothing:\n{self.stderr}"
        return json.loads(lines[-1])


def _command(script: str | Path, args: tuple[str, ...]) -> list[str]:
    node = shutil.which("node")
    assert node is not None
    path = Path(script)
    return [node, str(path if path.is_absolute() else JS_DIR / path), *args]


async def run_node(
    script: str | Path,
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 120,
) -> NodeResult:
    process = await asyncio.create_subprocess_exec(
        *_command(script, args),
        cwd=cwd or JS_DIR,
        env={**os.environ, **(env or {})},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        stdout, stderr = await process.communicate()
        raise AssertionError(
            f"node {script} ran over {timeout} s:\n{stderr.decode()}\n{stdout.decode()}"
        ) from None
    assert process.returncode is not None
    return NodeResult(process.returncode, stdout.decode(), stderr.decode())


class NodeStream:
    """A running node script that prints one JSON document per line."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def next(self, timeout: float = 20) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), timeout)
        if not line:
            assert self.process.stderr is not None
            error = await self.process.stderr.read()
            raise AssertionError(f"node ended without more output:\n{error.decode()}")
        return json.loads(line)

    async def finished(self, timeout: float = 20) -> tuple[int, list[dict[str, Any]]]:
        """Wait for the exit; the exit code and the lines printed meanwhile."""
        assert self.process.stdout is not None and self.process.stderr is not None
        rest, error = await asyncio.wait_for(self.process.communicate(), timeout)
        assert self.process.returncode is not None
        lines = [json.loads(line) for line in rest.decode().splitlines() if line.strip()]
        assert self.process.returncode == 0 or lines, error.decode()
        return self.process.returncode, lines


@contextlib.asynccontextmanager
async def node_stream(
    script: str | Path, *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> AsyncIterator[NodeStream]:
    process = await asyncio.create_subprocess_exec(
        *_command(script, args),
        cwd=cwd or JS_DIR,
        env={**os.environ, **(env or {})},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        yield NodeStream(process)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


def event_listeners() -> float:
    """Open subscriptions of the server running in this process."""
    return float(metrics.EVENT_LISTENERS._value.get())


async def listeners_above(before: float, timeout: float = 10) -> None:
    """Until a subscription started after `before` was read is listening on the bus (so an
    event published next reaches it)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while event_listeners() <= before:
        assert loop.time() < deadline, "the subscription never started listening"
        await asyncio.sleep(0.01)
