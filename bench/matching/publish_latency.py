"""Time from `publishJob` to the engine's suggestions stored and their event delivered.

Real processes: `iworkz serve` and `iworkz worker` on PostgreSQL + Redis, a database
of their own filled by `iworkz seed-demo`. The employer subscribes to `matchEvents`
for the job, publishes it, and we time the first delivered suggestion. Includes the
2 s debounce the engine waits for a burst of edits to settle (reported separately).
Run: `.venv/bin/python bench/matching/publish_latency.py [--workers 5000 --jobs 500]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import asyncpg
import httpx
import psutil

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from domain.matching.handlers import DEBOUNCE  # noqa: E402
from tests.factories import create_job, transition_mutation  # noqa: E402
from tests.graphql_client import gql, register  # noqa: E402
from tests.live import graphql_ws  # noqa: E402

ADMIN_URL = os.environ.get(
    "BENCH_DATABASE_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
IWORKZ = str(Path(sys.executable).parent / "iworkz")
SUBSCRIPTION = "subscription($job: ID) { matchEvents(jobId: $job) { kind match { score } } }"


def start(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    log = open(f"/tmp/iworkz-bench-{command[0]}.log", "wb")  # noqa: SIM115
    return subprocess.Popen(
        [IWORKZ, *command], env=env, start_new_session=True, stdout=log, stderr=log
    )


async def publish_and_wait(http: httpx.AsyncClient, host: str, token: str, timeout: float) -> float:
    job = await create_job(http, token)  # a draft: nothing ranks yet
    async with graphql_ws(host, token) as ws:
        assert (await ws.receive())["type"] == "connection_ack"
        await ws.subscribe(SUBSCRIPTION, {"job": job["id"]})
        await asyncio.sleep(0.3)
        started = time.perf_counter()
        await gql(http, transition_mutation("publishJob"), {"input": {"id": job["id"]}}, token)
        await ws.receive(timeout=timeout)
        return time.perf_counter() - started


async def matrices_built(started: float, timeout: float = 1800) -> float:
    """Seconds from the worker's start until it logged its matrices built (it builds them
    in the background as it starts; `workers/matrices.py`)."""
    log = Path("/tmp/iworkz-bench-worker.log")
    while time.perf_counter() - started < timeout:
        if "matching matrices built" in await asyncio.to_thread(log.read_text, errors="replace"):
            return round(time.perf_counter() - started, 1)
        await asyncio.sleep(0.5)
    raise TimeoutError("the worker did not build its matrices")


def peak_rss_bytes(pid: int) -> int:
    """The process's peak resident memory so far (Linux `VmHWM`)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


async def main(workers: int, jobs: int, runs: int, warm: bool) -> None:
    name = f"iworkz_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    database_url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "REDIS_KEY_PREFIX": f"iworkz-bench-{uuid.uuid4().hex[:6]}:",
        "JWT_SECRET": "bench-secret-" + "x" * 40,
        "LOG_LEVEL": "WARNING",
        "DATA_DIR": f"/tmp/{name}",
        "RATE_LIMIT_ENABLED": "false",
    }
    subprocess.run(
        [IWORKZ, "seed-demo", "--workers", str(workers), "--jobs", str(jobs)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    port = 9000 + os.getpid() % 900
    api = start(["serve", "--port", str(port)], env)
    worker_started = time.perf_counter()
    # INFO for the worker: its "matching matrices built" line tells when it is warm.
    worker = start(["worker"], {**env, "LOG_LEVEL": "INFO", "LOG_FORMAT": "text"})
    latencies: list[float] = []
    ready_s: float | None = None
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            for _ in range(300):
                try:
                    if (await http.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            employer = await register(http, "bench@example.com", "EMPLOYER", "Bench KK")
            if warm:
                ready_s = await matrices_built(worker_started)
            for run in range(runs):
                # Cold, the first publish waits for the worker's feature matrices.
                timeout = 1800 if run == 0 else 120
                latencies.append(
                    await publish_and_wait(http, f"127.0.0.1:{port}", employer.token, timeout)
                )
        worker_rss = psutil.Process(worker.pid).memory_info().rss
        worker_peak = peak_rss_bytes(worker.pid)
    finally:
        for process in (api, worker):
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(30)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
    debounce = DEBOUNCE.total_seconds()
    result = {
        "workers": workers,
        "jobs": jobs,
        "debounce_s": debounce,
        "worker_warm_after_start_s": ready_s,
        "first_publish_s": round(latencies[0], 3),
        "warm_publish_s": sorted(round(x, 3) for x in latencies[1:]),
        "worker_rss_mib": round(worker_rss / 2**20, 1),
        "worker_peak_rss_mib": round(worker_peak / 2**20, 1),
    }
    print(json.dumps(result, indent=2))
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "matching_publish_latency.json").write_text(
        json.dumps(
            {
                "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
                "result": result,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=5000)
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--cold", action="store_true", help="publish at once, while the worker still builds"
    )
    arguments = parser.parse_args()
    asyncio.run(main(arguments.workers, arguments.jobs, arguments.runs, not arguments.cold))
