"""Live updates over graphql-transport-ws: authentication, permissions, expiry, delivery."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from domain.auth.tokens import AccessTokens
from schema.ids import from_global_id
from server.services import token_settings
from tests.factories import UPDATE_JOB, create_job, transition_mutation
from tests.graphql_client import data, gql, register
from tests.live import graphql_ws, running_app

JOB_EVENTS = """
subscription($id: ID!) {
  jobEvents(jobId: $id) { kind occurredAt job { id title status organization { name } } }
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


async def test_subscriber_sees_the_job_change_as_it_happens(live, http):
    employer = await register(http, "hr@live.example", "EMPLOYER", "Live KK")
    job = await create_job(http, employer.token)
    async with graphql_ws(live, employer.token) as ws:
        assert (await ws.receive())["type"] == "connection_ack"
        operation = await ws.subscribe_in_process(JOB_EVENTS, {"id": job["id"]})
        await gql(
            http, transition_mutation("publishJob"), {"input": {"id": job["id"]}}, employer.token
        )
        message = await ws.receive()
        assert message["type"] == "next" and message["id"] == operation
        event = message["payload"]["data"]["jobEvents"]
        assert event["kind"] == "PUBLISHED"
        assert event["job"] == {
            "id": job["id"],
            "title": job["title"],
            "status": "OPEN",
            "organization": {"name": "Live KK"},
        }


async def test_rolled_back_changes_publish_nothing(live, http):
    employer = await register(http, "hr@rollback.example", "EMPLOYER", "Rollback KK")
    job = await create_job(http, employer.token, publish=True)
    async with graphql_ws(live, employer.token) as ws:
        await ws.receive()
        await ws.subscribe_in_process(JOB_EVENTS, {"id": job["id"]})
        rejected = data(
            await gql(
                http,
                UPDATE_JOB,
                {
                    "input": {
                        "id": job["id"],
                        "title": "x",
                        "pay": {"min": 9, "max": 1, "period": "HOURLY"},
                    }
                },
                employer.token,
            )
        )
        assert rejected["updateJob"]["errors"]
        await gql(
            http, UPDATE_JOB, {"input": {"id": job["id"], "title": "Second try"}}, employer.token
        )
        event = (await ws.receive())["payload"]["data"]["jobEvents"]
        assert (event["kind"], event["job"]["title"]) == ("UPDATED", "Second try")


async def test_drafts_cannot_be_watched_by_others(live, http):
    employer = await register(http, "hr@secret.example", "EMPLOYER", "Secret KK")
    draft = await create_job(http, employer.token)
    rival = await register(http, "hr@rival.example", "EMPLOYER", "Rival")
    for token in (None, rival.token):
        async with graphql_ws(live, token) as ws:
            assert (await ws.receive())["type"] == "connection_ack"
            await ws.subscribe(JOB_EVENTS, {"id": draft["id"]})
            message = await ws.receive()
            assert message["type"] == "next"
            assert message["payload"]["errors"][0]["extensions"]["code"] == "NOT_FOUND"
            assert (await ws.receive())["type"] == "complete"


async def test_bad_token_is_refused_at_connection_init(live):
    async with graphql_ws(live, "not-a-token") as ws:
        code, _ = await ws.closed()
    assert code == 4403


async def test_connection_closes_when_its_token_expires(live, http, settings):
    account = await register(http, "short@live.example")
    short_lived = AccessTokens(
        token_settings(settings.model_copy(update={"access_token_ttl_seconds": 1}))
    )
    token = short_lived.issue(from_global_id(account.user_id)[1], ["WORKER"]).token
    async with graphql_ws(live, token) as ws:
        assert (await ws.receive())["type"] == "connection_ack"
        code, reason = await ws.closed(timeout=5)
    assert (code, reason) == (4403, "Access token expired")


async def test_connections_per_user_are_limited(settings, services):
    strict = settings.model_copy(update={"max_websockets_per_user": 1})
    async with running_app(strict, services) as host:
        async with httpx.AsyncClient(base_url=f"http://{host}") as http:
            account = await register(http, "many@live.example")
        async with graphql_ws(host, account.token) as first:
            assert (await first.receive())["type"] == "connection_ack"
            async with graphql_ws(host, account.token) as second:
                code, _ = await second.closed()
                assert code == 4403
            # the first is unaffected
            await first.subscribe('subscription { jobEvents(jobId: "bad") { kind } }')
            reply = await first.receive()
            assert reply["payload"]["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_legacy_graphql_ws_protocol_still_works(live, http):
    import json

    import websockets

    employer = await register(http, "hr@legacy.example", "EMPLOYER", "Legacy KK")
    job = await create_job(http, employer.token)
    from server import metrics

    async with websockets.connect(f"ws://{live}/graphql", subprotocols=["graphql-ws"]) as ws:
        listening = metrics.EVENT_LISTENERS._value.get()
        await ws.send(
            json.dumps(
                {
                    "type": "connection_init",
                    "payload": {"Authorization": f"Bearer {employer.token}"},
                }
            )
        )
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(
            json.dumps(
                {
                    "type": "start",
                    "id": "1",
                    "payload": {"query": JOB_EVENTS, "variables": {"id": job["id"]}},
                }
            )
        )
        for _ in range(500):  # until the server has subscribed
            if metrics.EVENT_LISTENERS._value.get() > listening:
                break
            await asyncio.sleep(0.01)
        await gql(
            http, transition_mutation("publishJob"), {"input": {"id": job["id"]}}, employer.token
        )
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), 5))
            if message["type"] == "data":
                break
        assert message["payload"]["data"]["jobEvents"]["kind"] == "PUBLISHED"


async def test_subscriptions_per_connection_are_limited(settings, services):
    strict = settings.model_copy(update={"max_subscriptions_per_connection": 2})
    async with running_app(strict, services) as host:
        async with httpx.AsyncClient(base_url=f"http://{host}") as http:
            employer = await register(http, "hr@limit.example", "EMPLOYER", "Limit KK")
            job = await create_job(http, employer.token, publish=True)
        async with graphql_ws(host, employer.token) as ws:
            assert (await ws.receive())["type"] == "connection_ack"
            for _ in range(2):
                await ws.subscribe(JOB_EVENTS, {"id": job["id"]})
            third = await ws.subscribe(JOB_EVENTS, {"id": job["id"]})
            refusal = await ws.receive()
            assert (refusal["type"], refusal["id"]) == ("error", third)
            assert refusal["payload"][0]["message"] == "Subscription limit reached"
