"""Closed-loop load from a separate process: N connections, each sending its next request
when the previous answer arrived, for a fixed time. Prints one JSON line.

`python -m bench.perf.load URL --body JSON --concurrency 8 --seconds 8 [--header K:V]`
(GET when no body). aiohttp on uvloop: on this 2-core machine it needs far less CPU per
request than the servers it measures, which is what keeps the comparison fair.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import aiohttp
import uvloop


async def run(
    url: str, body: bytes | None, headers: dict[str, str], concurrency: int, seconds: float
) -> dict[str, float]:
    latencies: list[float] = []
    failures = 0
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def one_connection() -> None:
            nonlocal failures
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                if body is None:
                    response = await session.get(url)
                else:
                    response = await session.post(url, data=body)
                await response.read()
                if response.status != 200:
                    failures += 1
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(one_connection() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    count = len(latencies)
    return {
        "requests": count,
        "failures": failures,
        "rps": round(count / elapsed, 1),
        "p50_ms": round(latencies[count // 2] * 1e3, 2) if count else 0.0,
        "p99_ms": round(latencies[min(count - 1, int(count * 0.99))] * 1e3, 2) if count else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--body")
    parser.add_argument("--header", action="append", default=[])
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    headers = dict(h.split(":", 1) for h in args.header)
    if args.body is not None:
        headers["Content-Type"] = "application/json"
    body = args.body.encode() if args.body is not None else None
    result = uvloop.run(run(args.url, body, headers, args.concurrency, args.seconds))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
