"""Credentials seen from outside: live events over WebSocket, and a partner's offline
verifier (`iworkz verify`) against the embedded chain's JSON-RPC and the public directory."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import httpx
import pytest

from tests.credentials.api import REVOKE, anchor_now, issue, trusted_issuer, worker_with_profile
from tests.graphql_client import data, gql, register
from tests.live import graphql_ws, running_app

CREDENTIAL_EVENTS = """
subscription($id: ID!) {
  credentialEvents(credentialId: $id) { kind occurredAt credential { id status } }
}
"""


@pytest.fixture
async def live(settings, services):
    async with running_app(settings, services) as host:
        yield host


@pytest.fixture
async def http(live):
    async with httpx.AsyncClient(base_url=f"http://{live}") as client:
        yield client


async def test_the_worker_sees_anchoring_and_revocation_live(live, http, services):
    issuer = await trusted_issuer(http, services)
    worker, worker_id = await worker_with_profile(http, "live@example.com")
    credential = await issue(http, issuer, worker_id)
    async with graphql_ws(live, worker.token) as ws:
        assert (await ws.receive())["type"] == "connection_ack"
        operation = await ws.subscribe_in_process(CREDENTIAL_EVENTS, {"id": credential["id"]})
        await anchor_now(services)
        message = await ws.receive()
        assert message["id"] == operation
        event = message["payload"]["data"]["credentialEvents"]
        assert event["kind"] == "ANCHORED" and event["credential"]["status"] == "ANCHORED"

        await gql(
            http,
            REVOKE,
            {"input": {"id": credential["id"], "reason": "issued in error"}},
            issuer.account.token,
        )
        event = (await ws.receive())["payload"]["data"]["credentialEvents"]
        assert event["kind"] == "REVOKED" and event["credential"]["status"] == "REVOKED"


async def test_strangers_cannot_subscribe_to_a_credential(live, http, services):
    issuer = await trusted_issuer(http, services)
    _, worker_id = await worker_with_profile(http, "own@example.com")
    credential = await issue(http, issuer, worker_id)
    stranger = await register(http, "stranger@example.com")
    async with graphql_ws(live, stranger.token) as ws:
        await ws.receive()
        await ws.subscribe(CREDENTIAL_EVENTS, {"id": credential["id"]})
        message = await ws.receive()
        assert message["type"] == "next"
        assert message["payload"]["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def _verify_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", "verify", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_a_partner_verifies_offline_with_the_cli(live, http, services, tmp_path):
    issuer = await trusted_issuer(http, services)
    worker, worker_id = await worker_with_profile(http, "cli@example.com")
    credential = await issue(http, issuer, worker_id)
    await anchor_now(services)
    query = """query($id: ID!) { node(id: $id) { ... on Credential { document } } }"""
    document = data(await gql(http, query, {"id": credential["id"]}, worker.token))["node"][
        "document"
    ]
    good = tmp_path / "credential.json"
    good.write_text(json.dumps(document))
    issuers = tmp_path / "issuers.json"
    issuers.write_text((await http.get("/credentials/issuers")).text)
    status_list = tmp_path / "status.json"
    status_url = document["credentialStatus"]["statusListCredential"]
    status_list.write_text((await http.get(status_url.split("8000", 1)[-1])).text)
    rpc = f"http://{live}/chain/rpc"
    common = ["--rpc", rpc, "--issuers", str(issuers), "--status-list", str(status_list)]

    passed = await asyncio.to_thread(_verify_cli, str(good), *common, "--offline", "--json")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    report = json.loads(passed.stdout)
    assert report["verified"] is True
    assert {check["outcome"] for check in report["checks"]} == {"PASSED"}

    document["validUntil"] = "2099-01-01T00:00:00Z"
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(document))
    failed = await asyncio.to_thread(_verify_cli, str(tampered), *common, "--offline")
    assert failed.returncode == 1
    assert "FAIL  INTEGRITY" in failed.stdout and "NOT VERIFIED" in failed.stdout
