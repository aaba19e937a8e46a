"""CPU per request, in process: `python -m bench.perf.cpu node --database iworkz_perf_…`.

Both apps — the real GraphQL app (lifespan, middleware, context, executor, SQL) and the
hand-written baseline (bench/perf/baseline.py) — run in this process and are called
as raw ASGI apps, one request at a time, on a database `run --keep` left. What is
measured is this process's CPU time (`process_time`) per request, best of three rounds
of `--requests`: no sockets, no load generator and no PostgreSQL in it, so the ratio of
the two is the Python cost of GraphQL against the hand-written endpoint, and it varies
far less than `run`'s req/s on a shared machine (use it to compare a change with the
commit before it; `run` stays the end-to-end number). `--query` times another document
on the GraphQL app alone (e.g. `{ __typename }` for the fixed cost of a request);
`--anonymous` leaves the bearer token out.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx

from bench.perf.operations import OPERATIONS
from bench.perf.run import prepare
from domain.demo.seed import DEMO_PASSWORD
from tests.graphql_client import login

Call = Callable[[], Awaitable[None]]


def asgi_call(
    app: Any, method: str, path: str, query: str, headers: list[tuple[bytes, bytes]], body: bytes
) -> Call:
    """One request to `app`, its answer checked to be a 200."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"bench"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }

    async def call() -> None:
        sent = False
        status: list[int] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.Event().wait()  # the client never disconnects
            raise AssertionError("unreachable")

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])

        await app({**scope, "state": {}}, receive, send)
        assert status == [200], status

    return call


async def cpu_per_request(call: Call, requests: int, rounds: int = 3) -> float:
    """Seconds of this process's CPU per request, the best of `rounds`."""
    for _ in range(50):
        await call()
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(requests):
            await call()
        best = min(best, (time.process_time() - started) / requests)
    return best


@asynccontextmanager
async def requests_of(
    database: str, operation: str, query: str | None = None, anonymous: bool = False
) -> AsyncIterator[tuple[Call, Call | None]]:
    """One request of `operation` (or of `query`) to the GraphQL app, and the same to the
    baseline (None with `query`), both apps started in this process on `database`."""
    fixture = await prepare(0, 0, existing=database)
    os.environ.update(fixture.env)
    from bench.perf import baseline  # after the environment names the database
    from server.app import create_app
    from server.garbage_collection import tune_for_serving
    from server.settings import Settings

    app = create_app(Settings())
    hand_written = baseline.create_app(fixture.env["DATABASE_URL"])
    async with app.router.lifespan_context(app), hand_written.router.lifespan_context(hand_written):
        tune_for_serving()  # as `iworkz serve` does once it has started
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            token = (await login(http, fixture.env["_EMAIL"], DEMO_PASSWORD)).token
        document = query or OPERATIONS[operation]
        variables = fixture.variables[operation] if "$" in document else {}
        body = json.dumps({"query": document, "variables": variables}).encode()
        headers = [(b"content-type", b"application/json")]
        if not anonymous:
            headers.append((b"authorization", f"Bearer {token}".encode()))
        graphql = asgi_call(app, "POST", "/graphql", "", headers, body)
        baseline_call = None
        if query is None:
            path = f"/{operation}"
            baseline_query = fixture.baseline_query[operation]
            baseline_call = asgi_call(hand_written, "GET", path, baseline_query, [], b"")
        yield graphql, baseline_call


async def main(args: argparse.Namespace) -> None:
    async with requests_of(args.database, args.operation, args.query, args.anonymous) as calls:
        graphql, baseline_call = calls
        graphql_cpu = await cpu_per_request(graphql, args.requests)
        print(f"graphql   {graphql_cpu * 1e6:8.0f} µs of CPU per request")
        if baseline_call is None:
            return
        baseline_cpu = await cpu_per_request(baseline_call, args.requests)
        print(f"baseline  {baseline_cpu * 1e6:8.0f} µs of CPU per request")
        print(f"cost      ×{graphql_cpu / baseline_cpu:.2f}")


def request_arguments(description: str | None, requests: int) -> argparse.ArgumentParser:
    """The command line of the in-process measurements (this one, `instructions`)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("operation", choices=sorted(OPERATIONS))
    parser.add_argument("--database", required=True, help="a seeded database (`run --keep`)")
    parser.add_argument("--requests", type=int, default=requests)
    parser.add_argument("--query", help="another document, on the GraphQL app alone")
    parser.add_argument("--anonymous", action="store_true", help="no bearer token")
    return parser


if __name__ == "__main__":
    asyncio.run(main(request_arguments(__doc__, requests=300).parse_args()))
