"""Credentials issued and anchored per second end to end, and verification time per credential.

Real components in one process: a database of its own on the local PostgreSQL (built by the
migrations), the embedded py-evm chain in a temporary DATA_DIR, the GraphQL app over an
in-process ASGI transport. Issues N credentials through `issueCredential` (each signed with a
platform-held EIP-712 key), anchors them as one Merkle batch with the real Anchorer (one
transaction, confirmed), then verifies a sample through `verifyCredential` (all nine checks,
reading the chain) and through the offline path `iworkz verify` uses (static directory).
Run: `.venv/bin/python -m bench.credentials.throughput [--credentials 1000]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import asyncpg
import httpx

from domain.clock import utcnow
from domain.credentials import registry
from domain.credentials.anchoring import Anchorer, AnchoringPolicy
from domain.credentials.directory import StaticIssuerDirectory
from domain.credentials.verification import verify_credential
from server.app import create_app
from server.migrate import upgrade_to_head
from server.services import build_services
from server.settings import Environment, Settings
from tests.credentials.api import ISSUE, VERIFY, licence_input, trusted_issuer, worker_with_profile
from tests.graphql_client import data, gql

ADMIN_URL = os.environ.get(
    "BENCH_DATABASE_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
RESULTS = Path(__file__).resolve().parents[1] / "results" / "credentials_throughput.json"


def _database_url(name: str) -> str:
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


async def main(count: int, workers: int, sample: int) -> dict[str, float]:
    name = f"iworkz_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        await asyncio.to_thread(upgrade_to_head, _database_url(name))
        with tempfile.TemporaryDirectory() as data_dir:
            settings = Settings(
                environment=Environment.TEST,
                database_url=_database_url(name),
                data_dir=Path(data_dir),
                jwt_secret="bench-secret-that-is-long-enough-for-hs256-0123456789",  # type: ignore[arg-type]
                rate_limit_enabled=False,
                # Anchor once, measured, below: no background run in the middle of issuing.
                credential_anchor_interval_seconds=10**6,
            )
            services = await build_services(settings)
            await services.start()
            try:
                return await _measure(settings, services, count, workers, sample)
            finally:
                await services.close()
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


async def _measure(settings, services, count: int, workers: int, sample: int) -> dict[str, float]:
    app = create_app(settings, services)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bench"
    ) as client:
        issuer = await trusted_issuer(client, services)
        worker_ids = [
            (await worker_with_profile(client, f"worker{i}@bench.example"))[1]
            for i in range(workers)
        ]
        started = time.perf_counter()
        for i in range(count):
            request = licence_input(worker_ids[i % workers], name=f"Licence {i}")
            payload = data(await gql(client, ISSUE, {"input": request}, issuer.account.token))
            assert payload["issueCredential"]["errors"] == []
        issue_seconds = time.perf_counter() - started

        chain = await services.chain()
        anchorer = Anchorer(
            services.database.session,
            services.bus,
            services.queue,
            chain,
            AnchoringPolicy(
                batch_size=count, min_confirmations=1, stuck_after=timedelta(minutes=3)
            ),
            utcnow,
        )
        started = time.perf_counter()
        run = await anchorer.run()
        anchor_seconds = time.perf_counter() - started
        assert run.credentials_anchored == count, run

        documents = await _documents(services, sample)
        api_times = []
        for document in documents:
            started = time.perf_counter()
            result = data(await gql(client, VERIFY, {"document": document}))
            api_times.append(time.perf_counter() - started)
            assert result["verifyCredential"]["verified"], result
        async with services.database.session() as session:
            directory_json = await registry.issuer_directory(session, chain.address)
        directory = StaticIssuerDirectory.from_json(directory_json)
        offline_times = []
        for document in documents:
            started = time.perf_counter()
            verification = await verify_credential(
                document,
                chain=chain,
                directory=directory,
                revocations=None,
                min_confirmations=1,
                now=utcnow(),
            )
            offline_times.append(time.perf_counter() - started)
            assert not verification.with_outcome(verification.checks[0].outcome.FAILED)
    return {
        "credentials": count,
        "issue_per_second": count / issue_seconds,
        "anchor_batch_seconds": anchor_seconds,
        "end_to_end_per_second": count / (issue_seconds + anchor_seconds),
        "verify_api_ms_median": statistics.median(api_times) * 1000,
        "verify_offline_ms_median": statistics.median(offline_times) * 1000,
    }


async def _documents(services, sample: int) -> list[dict]:
    from sqlalchemy import select

    from domain.credentials.models import Credential

    async with services.database.session() as session:
        rows = await session.execute(select(Credential.document).limit(sample))
        return list(rows.scalars())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--credentials", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=50)
    parser.add_argument("--sample", type=int, default=100)
    args = parser.parse_args()
    results = asyncio.run(main(args.credentials, args.workers, args.sample))
    results_with_machine = {
        **results,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results_with_machine, indent=2))
    for key, value in results.items():
        print(f"{key:<28} {value:,.2f}")
