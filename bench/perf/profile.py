"""Where one operation's time goes, in process: `python -m bench.perf.profile jobs_page`.

Seeds a database of its own (`--jobs`, default 3,000), starts the real app in this
process (lifespan included) and sends the operation through httpx's ASGI transport —
the HTTP layer, middleware, context, executor and SQL, without sockets — first to warm
up, then `--requests` times under cProfile. Prints the functions with the most time of
their own and the cumulative time of the main stages. Profile before changing code
(issue 10): this is how the levers in bench/README.md were found.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import time
from typing import Any

import httpx

from bench.perf.operations import OPERATIONS
from bench.perf.run import drop, prepare
from domain.demo.seed import DEMO_PASSWORD
from tests.graphql_client import login


def log_statements(into: list[str]) -> None:
    """Record every statement asyncpg runs (this process only): straight on a connection,
    or through a prepared statement, which is how SQLAlchemy runs them once its
    per-connection statement cache is warm."""
    import asyncpg
    from asyncpg.prepared_stmt import PreparedStatement

    def logging(method: Any, query_of: Any) -> Any:
        def logged(self: Any, *args: Any, **kw: Any) -> Any:
            into.append(" ".join(query_of(self, args).split())[:160])
            return method(self, *args, **kw)

        return logged

    for name in ("execute", "fetch", "fetchrow", "fetchval"):
        method = getattr(asyncpg.Connection, name)
        setattr(asyncpg.Connection, name, logging(method, lambda _self, args: args[0]))
    for name in ("fetch", "fetchrow", "fetchval", "executemany"):
        method = getattr(PreparedStatement, name)
        setattr(PreparedStatement, name, logging(method, lambda self, _args: self.get_query()))


async def profile(operation: str, jobs: int, requests: int, top: int, sort: str) -> None:
    fixture = await prepare(jobs, max(jobs // 5, 100))
    os.environ.update(fixture.env)
    from server.app import create_app  # after the environment names the database
    from server.settings import Settings

    app = create_app(Settings())
    transport = httpx.ASGITransport(app=app)
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://bench") as http,
        ):
            token = (await login(http, fixture.env["_EMAIL"], DEMO_PASSWORD)).token
            body = json.dumps(
                {"query": OPERATIONS[operation], "variables": fixture.variables[operation]}
            )
            headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

            async def send() -> None:
                response = await http.post("/graphql", content=body, headers=headers)
                assert response.status_code == 200 and "errors" not in response.json()

            for _ in range(20):
                await send()
            statements: list[str] = []
            log_statements(statements)
            await send()
            print(f"{len(statements)} statements in one request:")
            for statement in statements:
                print("   ", statement)
            profiler = cProfile.Profile()
            started = time.perf_counter()
            profiler.enable()
            for _ in range(requests):
                await send()
            profiler.disable()
            elapsed = time.perf_counter() - started
    finally:
        await drop(fixture)
    print(f"{operation}: {elapsed / requests * 1e3:.1f} ms per request under the profiler")
    stats = pstats.Stats(profiler)
    stats.sort_stats(sort).print_stats(top)
    if os.environ.get("PROFILE_CALLERS"):
        stats.print_callers(*os.environ["PROFILE_CALLERS"].split(","))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("operation", choices=sorted(OPERATIONS))
    parser.add_argument("--jobs", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="tottime", help="a pstats key, e.g. cumulative")
    arguments = parser.parse_args()
    asyncio.run(
        profile(
            arguments.operation, arguments.jobs, arguments.requests, arguments.top, arguments.sort
        )
    )
