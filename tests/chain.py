"""Real chains for the ledger tests: anvil (Foundry's local node, from npm) and the embedded
chain, plus a way to serve an ASGI app on a real port (web3's HTTP provider is aiohttp, so
httpx's in-process transport cannot carry it)."""

from __future__ import annotations

import asyncio
import contextlib
import glob
import json
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

ROOT = Path(__file__).resolve().parents[1]
ANVIL_CACHE = ROOT / ".cache" / "anvil"
ANVIL_PACKAGE = "@foundry-rs/anvil"
# anvil's default dev accounts (mnemonic "test test ... junk"), each funded with 10,000 ETH
ANVIL_KEYS = (
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
)
ANVIL_CHAIN_ID = 31337


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def anvil_binary() -> Path:
    """anvil, installed once from npm into .cache/anvil (ignored by git); skips the calling
    test with the reason when npm or the registry is unavailable."""
    found = _installed_anvil()
    if found is not None:
        return found
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("anvil tests need npm (Node.js) to install @foundry-rs/anvil")
    ANVIL_CACHE.mkdir(parents=True, exist_ok=True)
    ignore = ANVIL_CACHE.parent / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n")  # the whole .cache stays out of git, whatever .gitignore says
    try:
        subprocess.run(
            [
                npm,
                "install",
                "--prefix",
                str(ANVIL_CACHE),
                "--no-audit",
                "--no-fund",
                ANVIL_PACKAGE,
            ],
            check=True,
            capture_output=True,
            timeout=600,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as failure:
        output = getattr(failure, "stderr", b"") or b""
        pytest.skip(f"could not install {ANVIL_PACKAGE} from npm: {output.decode()[-300:]}")
    found = _installed_anvil()
    if found is None:
        pytest.skip(f"{ANVIL_PACKAGE} installed but no anvil binary for this platform")
    return found


def _installed_anvil() -> Path | None:
    # The platform package's binary itself, rather than the node wrapper in .bin: one
    # process to stop, and no Node.js needed at run time.
    binaries = glob.glob(str(ANVIL_CACHE / "node_modules/@foundry-rs/anvil-*/bin/anvil"))
    if binaries:
        return Path(binaries[0])
    wrapper = ANVIL_CACHE / "node_modules/.bin/anvil"
    return wrapper if wrapper.exists() else None


class Anvil:
    """One anvil process on a free port, answering JSON-RPC at `url`."""

    def __init__(self, *args: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [str(anvil_binary()), "--port", str(self.port), "--silent", *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError, ValueError):
                if self.rpc("eth_chainId") is not None:
                    return
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.process.kill()
                output = self.process.communicate()[1].decode(errors="replace")
                self.stop()
                raise RuntimeError(f"anvil did not start: {output[-500:]}")
            time.sleep(0.05)

    def rpc(self, method: str, *params: Any) -> Any:
        """One JSON-RPC call (blocking; test set-up only)."""
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)})
        request = urllib.request.Request(
            self.url, body.encode(), {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = json.loads(response.read())
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return answer["result"]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stderr is not None:
            self.process.stderr.close()


@contextlib.contextmanager
def running_anvil(*args: str) -> Iterator[Anvil]:
    node = Anvil(*args)
    try:
        yield node
    finally:
        node.stop()


@contextlib.asynccontextmanager
async def serving(app: Any) -> AsyncIterator[str]:
    """Serve an ASGI app under uvicorn on a free port; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
