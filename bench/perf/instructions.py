"""Instructions per request, counted: `python -m bench.perf.instructions node --database …`.

The same in-process requests as `bench.perf.cpu` (both apps as raw ASGI apps on a
database `run --keep` left), but counted by valgrind's callgrind rather than timed: only
the instructions this process executes during the measured requests are counted (the
start-up, the warm-up, PostgreSQL and Redis are not), so a run repeats to within ~0.1 %
however busy the machine is, where CPU time on a shared machine drifted by 20–50 %
between runs. The ratio of the two apps is the cost of GraphQL in instructions; use it
to compare a change with the commit before it. It needs valgrind (`apt install
valgrind`); callgrind runs the process ~50× slower, so keep `--requests` small.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.perf.cpu import request_arguments, requests_of

WARM_UP = 30


async def count_in_child(args: argparse.Namespace) -> None:
    """Run under callgrind with instrumentation off: warm up, then switch it on around
    the measured requests only."""
    async with requests_of(args.database, args.operation, args.query, args.anonymous) as calls:
        graphql, baseline_call = calls
        call = baseline_call if args.child == "baseline" else graphql
        assert call is not None, "the baseline answers the named operations only"
        for _ in range(WARM_UP):
            await call()
        _instrument("on")
        for _ in range(args.requests):
            await call()
        _instrument("off")


def _instrument(state: str) -> None:
    subprocess.run(
        ["callgrind_control", "--instr", state, str(os.getpid())], check=True, capture_output=True
    )


def instructions_per_request(args: argparse.Namespace, app: str) -> float:
    """Run one app's requests in a child process under callgrind and read its count."""
    with tempfile.TemporaryDirectory() as directory:
        output = Path(directory) / "callgrind.out"
        command = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={output}",
            sys.executable,
            "-m",
            "bench.perf.instructions",
            args.operation,
            "--database",
            args.database,
            "--requests",
            str(args.requests),
            "--child",
            app,
        ]
        if args.query:
            command += ["--query", args.query]
        if args.anonymous:
            command.append("--anonymous")
        subprocess.run(command, check=True, capture_output=True)
        totals = next(
            line for line in output.read_text().splitlines() if line.startswith("totals:")
        )
    return int(totals.split()[1]) / args.requests


def main(args: argparse.Namespace) -> None:
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is needed: apt install valgrind")
    graphql = instructions_per_request(args, "graphql")
    print(f"graphql   {graphql / 1e6:8.3f} M instructions per request")
    if args.query:
        return
    baseline = instructions_per_request(args, "baseline")
    print(f"baseline  {baseline / 1e6:8.3f} M instructions per request")
    print(f"cost      ×{graphql / baseline:.2f}")


if __name__ == "__main__":
    parser = request_arguments(__doc__, requests=20)
    parser.add_argument("--child", choices=("graphql", "baseline"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        asyncio.run(count_in_child(arguments))
    else:
        main(arguments)
