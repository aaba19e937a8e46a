"""Sentry: an unexpected error is reported once and scrubbed; user errors are not reported.

sentry_sdk is global to the process: each test starts it against a local fake Sentry
and `close_sentry` stops it again, so no other test reports anything.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import arq.worker
import httpx
import pytest
import sentry_sdk

import resolvers.skills
from server.app import create_app
from server.observability.context import BoundRequest, RequestInfo
from server.observability.sentry import (
    DRIVER_SPAN_ORIGIN,
    close_sentry,
    init_sentry,
    release,
    scrub_event,
)
from server.settings import Settings
from tests.graphql_client import PASSWORD, error_codes, gql, register
from tests.observability_helpers import FakeSentry, fake_sentry
from workers.settings import worker_settings

EMAIL = "taro.sentry@example.jp"
PHONE = "090-8765-4321"


@pytest.fixture
def sentry(settings: Settings) -> Iterator[tuple[FakeSentry, Settings]]:
    with fake_sentry() as server:
        reporting = settings.model_copy(update={"sentry_dsn": server.dsn})
        try:
            yield server, reporting
        finally:
            close_sentry()
    assert not sentry_sdk.get_client().is_active()


async def flushed(server: FakeSentry, kind: str = "event") -> list[dict[str, Any]]:
    await asyncio.to_thread(sentry_sdk.flush, 5)
    return server.events(kind)


@pytest.fixture
async def reporting_client(sentry, services):
    server, reporting = sentry
    app = create_app(reporting, services)  # starts Sentry, then builds the app
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http, server


async def test_an_unexpected_error_is_reported_once_and_scrubbed(reporting_client, monkeypatch):
    http, server = reporting_client
    account = await register(http, EMAIL)

    async def broken(*args: Any) -> list[Any]:
        raise RuntimeError(f"search index broken for {EMAIL} ({PHONE})")

    monkeypatch.setattr(resolvers.skills, "search_skills", broken)
    response = await http.post(
        "/graphql",
        json={
            "query": "query Find($s: String!) { skills(search: $s) { slug } }",
            "variables": {"s": f"{EMAIL} {PASSWORD}"},
        },
        headers={"Authorization": f"Bearer {account.token}", "X-Request-Id": "req-sentry-1"},
    )
    assert error_codes(response.json()) == ["INTERNAL_SERVER_ERROR"]
    events = await flushed(server)
    assert len(events) == 1, [event.get("exception") or event.get("logentry") for event in events]
    event = events[0]
    exception = event["exception"]["values"][-1]
    assert exception["type"] == "RuntimeError"
    assert exception["value"] == "search index broken for [Filtered] ([Filtered])"
    assert event["tags"]["request_id"] == "req-sentry-1"
    assert event["tags"]["component"] == "api"
    assert event["release"] == release() == "iworkz@0.1.0"
    assert event["environment"] == "test"
    raw = b"".join(server.bodies).decode()
    for secret in (EMAIL, PHONE, PASSWORD, account.token, account.refresh_token):
        assert secret not in raw, secret
    assert "authorization" not in {name.lower() for name in event["request"]["headers"]}


async def test_user_errors_are_not_reported(reporting_client):
    http, server = reporting_client
    account = await register(http, "user.errors@example.jp")
    checks = [
        ("{ skills(first: 1000) { slug } }", None, "BAD_USER_INPUT"),
        ("{ noSuchField }", None, "GRAPHQL_VALIDATION_FAILED"),
        ('{ node(id: "not-an-id") { id } }', None, "BAD_USER_INPUT"),
        ("{ me { id } }", "not-a-token", "UNAUTHENTICATED"),
        ("{ auditEvents(first: 1) { totalCount } }", account.token, "FORBIDDEN"),
    ]
    for query, token, code in checks:
        result = await gql(http, query, token=token)
        assert code in error_codes(result), (query, result)
    assert await flushed(server) == []


async def test_a_failing_job_is_reported_once_with_its_request_id(sentry, services):
    server, reporting = sentry
    init_sentry(reporting, "worker")
    with BoundRequest(RequestInfo("req-job-9")):
        await services.queue.enqueue(
            "deliver_notification", job_id=f"broken:{uuid.uuid4()}", delivery_id="not-a-uuid"
        )
    options = worker_settings(
        reporting,
        burst=True,
        poll_delay=0.02,
        handle_signals=False,
        on_startup=None,
        on_shutdown=None,
        cron_jobs=[],
        ctx={"services": services},
    )
    # Looked up now, as arq's run_worker does: the arq integration has patched it.
    worker = arq.worker.create_worker(options)
    try:
        await worker.async_run()
    finally:
        await worker.close()
    assert worker.jobs_failed == 1
    events = await flushed(server)
    assert len(events) == 1, events
    event = events[0]
    assert event["exception"]["values"][-1]["type"] == "ValueError"
    assert event["tags"]["request_id"] == "req-job-9"
    assert event["tags"]["component"] == "worker"
    assert "not-a-uuid" not in str(event.get("extra", {}).get("arq-job", {}).get("kwargs"))


def test_before_send_scrubs_what_integrations_attach():
    event = {
        "request": {
            "url": "https://api.example/graphql",
            "query_string": "query=...&variables=%7B%22email%22%3A%22a%40b.co%22%7D",
            "data": {"query": "mutation", "variables": {"password": "p"}},
            "headers": {"Authorization": "Bearer abc", "User-Agent": "x", "Cookie": "s=1"},
            "cookies": {"s": "1"},
            "env": {"REMOTE_ADDR": "203.0.113.5"},
        },
        "user": {"id": "u-1", "email": "a@b.co", "ip_address": "203.0.113.5"},
        "breadcrumbs": {
            "values": [{"message": "login a@b.coo", "data": {"client_ip": "1.2.3.4", "phone": "1"}}]
        },
        "extra": {"refresh_token": "rt", "note": "call 090-1111-2222"},
    }
    scrubbed = scrub_event(event, {})
    assert scrubbed is not None
    assert scrubbed["request"] == {
        "url": "https://api.example/graphql",
        "query_string": "[Filtered]",
        "data": "[Filtered]",
        "headers": {"User-Agent": "x"},
        "cookies": "[Filtered]",
    }
    assert scrubbed["user"] == {"id": "u-1"}
    crumb = scrubbed["breadcrumbs"]["values"][0]
    assert crumb["message"] == "login [Filtered]" and crumb["data"]["phone"] == "[Filtered]"
    assert scrubbed["extra"] == {"refresh_token": "[Filtered]", "note": "call [Filtered]"}


async def test_reads_sent_to_the_driver_itself_are_traced_as_sqlalchemys_are(sentry, services):
    """Who the caller is, read on every request, goes to asyncpg itself (`CompiledRead`):
    SQLAlchemy's integration never sees it, so it gets a span of its own."""
    server, reporting = sentry
    tracing = reporting.model_copy(update={"sentry_traces_sample_rate": 1.0})
    app = create_app(tracing, services)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        account = await register(http, EMAIL)
        await gql(http, "query { me { id } }", token=account.token)
    spans = [span for sent in await flushed(server, "transaction") for span in sent["spans"]]
    driver = [span for span in spans if span.get("origin") == DRIVER_SPAN_ORIGIN]
    assert any("FROM users" in span["description"] for span in driver), spans
    assert all(span["op"] == "db" for span in driver)
    assert all(span["data"]["db.system"] == "postgresql" for span in driver)
    assert any(span.get("origin") == "auto.db.sqlalchemy" for span in spans)  # both kinds
