"""Where a loaded `iworkz serve` spends its CPU: `python -m bench.perf.spy jobs_page`.

Seeds a database of its own, starts one `iworkz serve`, loads it with one operation
(bench/perf/load.py, as `bench.perf.run` does) and samples the server with py-spy
meanwhile (`pip install py-spy`; it needs ptrace). Prints the share of samples each of
our stages appears in (a sample is counted once per stage, so the shares overlap) and
the functions most often on top of the stack. This is how the levers in
bench/README.md were chosen: in process (`bench.perf.profile`) the HTTP server, the
event loop and the sockets are missing, and under cProfile everything is slower.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

from bench.perf.run import (
    drop,
    graphql_body,
    prepare,
    serve_command,
    start,
    stop,
    wait_until_up,
)
from domain.demo.seed import DEMO_PASSWORD
from tests.graphql_client import login

# Stage → a substring of a frame ("function (file)") that marks it.
STAGES = {
    "uvicorn + h11/httptools": "uvicorn/protocols",
    "strawberry HTTP view": "strawberry/http/async_base_view.py",
    "context (auth, loaders)": "get_context (",
    "strawberry schema.execute": "strawberry/schema/schema.py",
    "extensions (hooks)": "strawberry/extensions/",
    "executor (ours)": "schema/fast_execution.py",
    "graphql-core execute": "graphql/execution/execute.py",
    "resolvers/": "/resolvers/",
    "domain/": "/domain/",
    "dataloaders/": "/dataloaders/",
    "SQLAlchemy": "/sqlalchemy/",
    "asyncpg": "/asyncpg/",
    "JSON encode": "encode_json (",
    "event loop idle (epoll)": "select (selectors.py",
}


def aggregate(raw: Path, top: int) -> None:
    stage_samples: collections.Counter[str] = collections.Counter()
    leaves: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue  # `--nonblocking` may read a frame mid-change: a torn line, skipped
        count = int(count_text)
        total += count
        frames = stack.split(";")
        for stage, marker in STAGES.items():
            if any(marker in frame for frame in frames):
                stage_samples[stage] += count
        leaves[frames[-1]] += count
        for function in {frame.rsplit(":", 1)[0] for frame in frames}:  # without line
            inclusive[function] += count
    print(f"{total} samples ({raw})")
    for stage, count in stage_samples.most_common():
        print(f"  {100 * count / total:5.1f} %  {stage}")
    print("most often on the stack:")
    for frame, count in inclusive.most_common(top * 2):
        print(f"  {100 * count / total:5.1f} %  {frame}")
    print("most often on top:")
    for frame, count in leaves.most_common(top):
        print(f"  {100 * count / total:5.1f} %  {frame}")


async def main(operation: str, jobs: int, seconds: float, top: int, database: str | None) -> None:
    if shutil.which("py-spy", path=str(Path(sys.executable).parent)) is None:
        raise SystemExit("py-spy is not installed: .venv/bin/pip install py-spy")
    fixture = await prepare(jobs, max(jobs // 5, 100), database)
    port = 9900
    server = start(serve_command(port), fixture.env, "spy")
    raw = Path(tempfile.mkdtemp()) / "spy.txt"
    try:
        await wait_until_up(port)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            fixture.token = (await login(http, fixture.env["_EMAIL"], DEMO_PASSWORD)).token
        command = [sys.executable, "-m", "bench.perf.load", f"http://127.0.0.1:{port}/graphql"]
        command += ["--body", graphql_body(operation, fixture)]
        command += ["--header", f"Authorization:Bearer {fixture.token}"]
        subprocess.run([*command, "--seconds", "2"], check=True, capture_output=True)  # warm
        loader = subprocess.Popen([*command, "--seconds", str(seconds + 2)])
        spy = str(Path(sys.executable).parent / "py-spy")
        record = [spy, "record", "--pid", str(server.pid), "--duration", str(int(seconds))]
        record += ["--format", "raw", "--output", str(raw), "--nonblocking", "--rate", "250"]
        subprocess.run(record, check=True, capture_output=True)
        loader.wait()
    finally:
        stop(server)
        if database is None:
            await drop(fixture)
    aggregate(raw, top)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("operation", choices=["jobs_page", "node", "recommended_jobs"])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--database", help="an existing seeded database (`run --keep`)")
    arguments = parser.parse_args()
    asyncio.run(
        main(
            arguments.operation,
            arguments.jobs,
            arguments.seconds,
            arguments.top,
            arguments.database,
        )
    )
