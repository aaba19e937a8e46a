"""Gas per anchor transaction, and so per credential, on the embedded chain and on anvil.

Every batch, whatever its size, is one self-transaction carrying 38 bytes of calldata
(docs/credentials.md), so gas per credential is the transaction's gas divided by the batch
size. The script anchors `--anchors` random Merkle roots (fixed seed) through the real
Web3Ledger on each chain and reads `gasUsed` from the receipts, plus the two extreme roots
(all zero bytes, no zero bytes) since calldata is priced per byte. On the embedded chain it
also times sign + broadcast + mined, and measures how much the SQLite file grows per anchor.

Anvil is Foundry's node from npm (`@foundry-rs/anvil`, installed into .cache/anvil by the
test helper); without npm the anvil column is skipped.

Run from the repository root: `.venv/bin/python -m bench.credentials.gas [--anchors 20]`.
Prints a table and writes bench/results/credentials_gas.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import pytest  # noqa: E402 - only for the test helper's "skip" when npm is unavailable
from eth_typing import HexStr  # noqa: E402

from domain.credentials.ledger import AnchorKind, anchor_payload  # noqa: E402
from server.adapters.ledger import Web3Ledger, open_embedded_chain  # noqa: E402
from server.adapters.ledger.web3_ledger import intrinsic_gas  # noqa: E402
from tests.chain import ANVIL_KEYS, running_anvil  # noqa: E402

BATCH_SIZES = (1, 100, 10_000)


async def measure(ledger: Web3Ledger, anchors: int, seed: int) -> dict[str, Any]:
    """Anchor random roots, then the all-zero and the zero-free root; gas from receipts."""
    rng = random.Random(seed)
    random_gas: list[int] = []
    seconds: list[float] = []
    for _ in range(anchors):
        gas, elapsed = await anchor(ledger, rng.randbytes(32))
        random_gas.append(gas)
        seconds.append(elapsed)
    zero_root_gas, _ = await anchor(ledger, bytes(32))
    full_root_gas, _ = await anchor(ledger, bytes([0xFF]) * 32)
    return {
        "chain_id": await ledger.chain_id(),
        "anchors": anchors,
        "gas_random_root": {
            "min": min(random_gas),
            "median": statistics.median(random_gas),
            "max": max(random_gas),
        },
        "gas_all_zero_root": zero_root_gas,
        "gas_zero_free_root": full_root_gas,
        "anchor_ms_median": round(statistics.median(seconds) * 1000, 1),
    }


async def anchor(ledger: Web3Ledger, root: bytes) -> tuple[int, float]:
    started = time.perf_counter()
    signed = await ledger.sign_anchor(
        anchor_payload(AnchorKind.CREDENTIALS, root), nonce=await ledger.next_nonce()
    )
    await ledger.broadcast(signed)
    receipt = await ledger.w3.eth.wait_for_transaction_receipt(
        HexStr(signed.tx_hash), timeout=30, poll_latency=0.05
    )
    elapsed = time.perf_counter() - started
    if receipt["status"] != 1:
        raise RuntimeError(f"anchor {signed.tx_hash} failed")
    return int(receipt["gasUsed"]), elapsed


async def embedded(anchors: int, seed: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as data_dir:
        database = Path(data_dir) / "chain" / "chain.sqlite"
        open_embedded_chain(Path(data_dir)).close()  # genesis only
        before = database.stat().st_size  # closing checkpointed the WAL into the file
        chain = open_embedded_chain(Path(data_dir))
        ledger = Web3Ledger(chain.provider, chain.anchor_private_key)
        result = await measure(ledger, anchors, seed)
        await ledger.close()
        chain.close()
        grown = database.stat().st_size - before
        result["sqlite_bytes_per_anchor"] = round(grown / (anchors + 2))
    return result


async def anvil(anchors: int, seed: int) -> dict[str, Any] | None:
    try:
        with running_anvil() as node:
            ledger = Web3Ledger(node.url, ANVIL_KEYS[0])
            result = await measure(ledger, anchors, seed)
            await ledger.close()
            return result
    except pytest.skip.Exception as skipped:
        print(f"anvil skipped: {skipped}")
        return None


def report(outcome: dict[str, Any]) -> None:
    payload = anchor_payload(AnchorKind.CREDENTIALS, bytes([0xFF]) * 32)
    print(f"calldata {len(payload)} bytes; intrinsic gas, zero-free root: {intrinsic_gas(payload)}")
    print()
    print(f"{'chain':<10} {'gas/anchor (median, random root)':>34} {'min–max':>15}", end="")
    print(f" {'zero root':>10}" + "".join(f" {f'/cred @ {n:,}':>16}" for n in BATCH_SIZES))
    for name in ("embedded", "anvil"):
        chain = outcome["chains"].get(name)
        if chain is None:
            continue
        gas = chain["gas_random_root"]
        span = f"{gas['min']:,}–{gas['max']:,}"
        print(
            f"{name:<10} {gas['median']:>34,} {span:>15} {chain['gas_all_zero_root']:>10,}", end=""
        )
        print("".join(f" {gas['median'] / n:>16,.2f}" for n in BATCH_SIZES))
    embedded = outcome["chains"]["embedded"]
    print()
    print(
        f"embedded: {embedded['anchor_ms_median']} ms per anchor (sign, broadcast, mined), "
        f"{embedded['sqlite_bytes_per_anchor']:,} bytes of SQLite per anchor"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--anchors", type=int, default=20, help="random roots per chain")
    parser.add_argument("--seed", type=int, default=42)
    arguments = parser.parse_args()

    async def run() -> dict[str, Any]:
        chains: dict[str, Any] = {"embedded": await embedded(arguments.anchors, arguments.seed)}
        anvil_result = await anvil(arguments.anchors, arguments.seed)
        if anvil_result is not None:
            chains["anvil"] = anvil_result
        for chain in chains.values():
            median = chain["gas_random_root"]["median"]
            chain["gas_per_credential"] = {str(n): median / n for n in BATCH_SIZES}
        return {
            "machine": {
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
                "python": platform.python_version(),
            },
            "chains": chains,
        }

    outcome = asyncio.run(run())
    report(outcome)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "credentials_gas.json").write_text(json.dumps(outcome, indent=2))
    print(f"\nwrote {out / 'credentials_gas.json'}")


if __name__ == "__main__":
    main()
