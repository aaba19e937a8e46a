"""Publish-to-deliver latency of live updates, and memory per open subscription.

Starts a real `iworkz serve` (PostgreSQL + Redis, its own database), opens N
graphql-transport-ws subscribers to one job's events from this process,
publishes events straight onto the Redis channel, and times each delivery
from publish to receipt. Run: `.venv/bin/python bench/live/latency.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import asyncpg
import httpx
import psutil
import websockets
from redis.asyncio import Redis

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from server.migrate import upgrade_to_head  # noqa: E402
from tests.factories import create_job  # noqa: E402
from tests.graphql_client import register  # noqa: E402

ADMIN_URL = os.environ.get(
    "BENCH_DATABASE_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
SUBSCRIPTION = "subscription($id: ID!) { jobEvents(jobId: $id) { kind occurredAt } }"


class Subscriber:
    def __init__(self) -> None:
        self.received: dict[str, float] = {}
        self.task: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()

    async def run(self, url: str, job_id: str) -> None:
        async with websockets.connect(
            url, subprotocols=["graphql-transport-ws"], max_queue=None, open_timeout=60
        ) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            await ws.send(
                json.dumps(
                    {
                        "id": "1",
                        "type": "subscribe",
                        "payload": {"query": SUBSCRIPTION, "variables": {"id": job_id}},
                    }
                )
            )
            self.ready.set()
            async for raw in ws:
                now = time.perf_counter()
                message = json.loads(raw)
                if message["type"] == "ping":
                    await ws.send(json.dumps({"type": "pong"}))
                elif message["type"] == "next":
                    stamp = message["payload"]["data"]["jobEvents"]["occurredAt"]
                    self.received[stamp] = now


async def measure(
    port: int,
    server: psutil.Process,
    job_id: str,
    job_pk: str,
    subscribers: int,
    events: int,
    channel: str,
) -> dict[str, float]:
    url = f"ws://127.0.0.1:{port}/graphql"
    rss_before = server.memory_info().rss
    clients = [Subscriber() for _ in range(subscribers)]
    gate = asyncio.Semaphore(100)

    async def start(client: Subscriber) -> None:
        async with gate:
            client.task = asyncio.create_task(client.run(url, job_id))
            await asyncio.wait_for(client.ready.wait(), 60)

    await asyncio.gather(*(start(client) for client in clients))
    await asyncio.sleep(1.0)  # every subscription has registered its listener
    rss_after = server.memory_info().rss
    redis = Redis.from_url(REDIS_URL)
    latencies: list[float] = []
    for n in range(events):
        occurred = f"2026-01-01T00:00:{n:02d}.123456+00:00"  # isoformat keeps these digits
        event = {
            "name": "job.updated",
            "payload": {"job_id": job_pk},
            "occurred_at": occurred,
            "id": uuid.uuid4().hex,
        }
        published = time.perf_counter()
        await redis.publish(channel, json.dumps(event))
        deadline = time.perf_counter() + 60
        while time.perf_counter() < deadline:
            if all(occurred in client.received for client in clients):
                break
            await asyncio.sleep(0.001)
        latencies += [
            client.received[occurred] - published
            for client in clients
            if occurred in client.received
        ]
        await asyncio.sleep(0.05)
    await redis.aclose()
    for client in clients:
        if client.task:
            client.task.cancel()
    await asyncio.gather(*(c.task for c in clients if c.task), return_exceptions=True)
    await asyncio.sleep(1.0)
    latencies.sort()
    delivered = len(latencies) / (subscribers * events)
    return {
        "subscribers": subscribers,
        "events": events,
        "delivered": round(delivered, 4),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2),
        "memory_per_subscription_kib": round((rss_after - rss_before) / subscribers / 1024, 1),
    }


async def main(sizes: list[int], events: int) -> None:
    name = f"iworkz_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    database_url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    await asyncio.to_thread(upgrade_to_head, database_url)
    prefix = f"iworkz-bench-{uuid.uuid4().hex[:6]}:"
    port = 8000 + os.getpid() % 1000
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "REDIS_KEY_PREFIX": prefix,
        "JWT_SECRET": "bench-secret-" + "x" * 40,
        "LOG_LEVEL": "WARNING",
        "DATA_DIR": f"/tmp/{name}",
        "RATE_LIMIT_ENABLED": "false",
    }
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "iworkz"), "serve", "--port", str(port)],
        env=env,
        start_new_session=True,
    )
    results = []
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            for _ in range(300):
                try:
                    if (await http.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            employer = await register(http, "bench@example.com", "EMPLOYER", "Bench KK")
            job = await create_job(http, employer.token, publish=True)
        from schema.ids import from_global_id

        job_pk = str(from_global_id(job["id"])[1])
        server = psutil.Process(process.pid)
        for size in sizes:
            result = await measure(port, server, job["id"], job_pk, size, events, f"{prefix}events")
            results.append(result)
            print(json.dumps(result), flush=True)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
    print("\n| subscribers | delivered | p50 ms | p99 ms | memory / subscription |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        print(
            f"| {r['subscribers']} | {r['delivered']:.0%} | {r['p50_ms']} | {r['p99_ms']} | "
            f"{r['memory_per_subscription_kib']} KiB |"
        )
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "live_latency.json").write_text(
        json.dumps(
            {
                "machine": {
                    "cpus": os.cpu_count(),
                    "platform": platform.platform(),
                    "python": platform.python_version(),
                },
                "results": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    import faulthandler

    faulthandler.dump_traceback_later(int(os.environ.get("BENCH_WATCHDOG", "1800")), exit=True)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 100, 1000, 5000])
    parser.add_argument("--events", type=int, default=20)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.sizes, arguments.events))
