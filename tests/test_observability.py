"""Metrics on /metrics, who may read them, request ids, the access log and the job log."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import uuid
from datetime import timedelta

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import text

from domain.clock import utcnow
from domain.credentials.models import AnchorBatch, BatchKind, BatchStatus
from schema.ids import from_global_id
from server import metrics
from server.app import create_app
from server.observability import graphql as observed_graphql
from server.observability.context import BoundRequest, RequestInfo
from server.observability.graphql import MAX_OPERATION_NAMES, GraphQLObserver, operation_label
from server.observability.prometheus import start_metrics_server
from tests.background import free_port, run_jobs
from tests.factories import create_job
from tests.graphql_client import data, error_codes, gql, register
from tests.live import graphql_ws, running_app
from tests.observability_helpers import captured_logs, scrape, value

PREFECTURES = "{ prefectures { code } }"


async def test_requests_latency_and_errors_by_operation(client):
    before = await scrape(client)
    data(await gql(client, "query Prefs { prefectures { code } }"))
    data(await gql(client, PREFECTURES))
    long_name = "Q" * 70
    data(await gql(client, f"query {long_name} {{ prefectures {{ code }} }}"))
    bad_input = await gql(client, "query Skills { skills(first: 1000) { slug } }")
    assert error_codes(bad_input) == ["BAD_USER_INPUT"]
    invalid = await gql(client, "query Broken { noSuchField }")
    assert error_codes(invalid) == ["GRAPHQL_VALIDATION_FAILED"]
    after = await scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    requests = "iworkz_graphql_requests_total"
    assert delta(requests, operation="Prefs", type="query") == 1
    assert delta(requests, operation="anonymous", type="query") == 1
    assert delta(requests, operation="invalid", type="query") == 1
    assert delta(requests, operation="Skills", type="query") == 1
    latency = "iworkz_graphql_request_duration_seconds_count"
    assert delta(latency, operation="Prefs", type="query") == 1
    assert delta(f"{latency[:-6]}_bucket", operation="Prefs", type="query", le="+Inf") == 1
    errors = "iworkz_graphql_errors_total"
    assert delta(errors, code="BAD_USER_INPUT") == 1
    assert delta(errors, code="GRAPHQL_VALIDATION_FAILED") == 1
    assert delta("iworkz_http_responses_total", method="POST", status="200") == 4
    # The invalid document: a request error is a 422 (docs/api.md, "Errors").
    assert delta("iworkz_http_responses_total", method="POST", status="422") == 1


def test_operation_labels_are_bounded(monkeypatch):
    monkeypatch.setattr(observed_graphql, "_seen_operation_names", set())
    assert operation_label(None) == "anonymous"
    assert operation_label("") == "anonymous"
    assert operation_label("Q" * 64) == "Q" * 64
    assert operation_label("Q" * 65) == "invalid"
    assert operation_label("bad-name") == "invalid"
    for number in range(MAX_OPERATION_NAMES + 5):
        operation_label(f"Generated{number}")
    assert operation_label("NeverSeenBefore") == "other"
    assert operation_label("Generated0") == "Generated0"  # names already seen keep their label


async def test_resolvers_are_timed_but_plain_fields_and_the_fast_path_are_left_alone(
    client, settings, services
):
    before = await scrape(client)
    data(await gql(client, "query S { skills(first: 2) { slug nameEn } }"))
    after = await scrape(client)
    count = "iworkz_graphql_resolver_duration_seconds_count"
    assert value(after, count, field="Query.skills") - value(before, count, field="Query.skills")
    assert not any(key[0] == count and ("field", "Skill.slug") in key[1] for key in after)
    # No `resolve` hook (graphql-core middleware): the fast executor stays on.
    app = create_app(settings, services)
    endpoint = next(route.endpoint for route in app.routes if route.path == "/graphql")
    extensions = endpoint.schema.get_extensions()
    assert any(isinstance(extension, GraphQLObserver) for extension in extensions)
    assert not [extension for extension in extensions if extension._implements_resolve()]


async def test_dataloader_batch_sizes(client):
    employer = await register(client, "hr@loaders.example", "EMPLOYER", "Loader KK")
    for _ in range(3):
        await create_job(client, employer.token, publish=True)
    before = await scrape(client)
    page = data(
        await gql(client, "{ jobs(first: 10) { edges { node { organization { name } } } } }")
    )
    assert len(page["jobs"]["edges"]) == 3
    after = await scrape(client)
    name = "iworkz_dataloader_batch_size"
    labels = {"loader": "organizations_by_id"}
    assert value(after, f"{name}_count", **labels) - value(before, f"{name}_count", **labels) == 1
    # Three jobs of one organisation: one batch of one key.
    assert value(after, f"{name}_sum", **labels) - value(before, f"{name}_sum", **labels) == 1


async def test_database_pool_usage(client, settings, services):
    samples = await scrape(client)
    assert value(samples, "iworkz_db_pool_size", pool="primary") == settings.database_pool_size
    assert value(samples, "iworkz_db_pool_max_overflow", pool="primary") == (
        settings.database_pool_size
    )
    gauge = metrics.DB_POOL_CHECKED_OUT.labels("primary")
    idle = gauge._value.get()
    async with services.database.session() as session:
        await session.execute(text("SELECT 1"))
        assert gauge._value.get() == idle + 1
    assert gauge._value.get() == idle


async def test_queue_depth_counts_due_and_deferred_jobs(client, services):
    empty = await scrape(client)
    assert value(empty, "iworkz_job_queue_depth") == 0
    assert value(empty, "iworkz_metrics_source_up", source="job_queue") == 1
    await services.queue.enqueue("heartbeat", job_id=f"now:{uuid.uuid4()}")
    await services.queue.enqueue(
        "heartbeat", job_id=f"later:{uuid.uuid4()}", defer_until=utcnow() + timedelta(hours=1)
    )
    samples = await scrape(client)
    assert value(samples, "iworkz_job_queue_depth") == 2
    assert value(samples, "iworkz_job_queue_due") == 1


async def test_open_anchor_batches_and_their_age(client, services):
    empty = await scrape(client)
    assert value(empty, "iworkz_anchor_batches_open") == 0
    assert value(empty, "iworkz_metrics_source_up", source="anchoring") == 1
    async with services.database.session() as session, session.begin():
        session.add(
            AnchorBatch(
                kind=BatchKind.CREDENTIALS,
                status=BatchStatus.SENT,
                merkle_root="0x" + "ab" * 32,
                leaf_count=1,
                chain_id=31337,
                sender="0x" + "11" * 20,
                nonce=7,
                tx_hash="0x" + "cd" * 32,
                raw_transaction="0x00",
                max_fee_per_gas=1,
                max_priority_fee_per_gas=1,
                tx_hashes=["0x" + "cd" * 32],
                created_at=utcnow() - timedelta(minutes=20),
            )
        )
    samples = await scrape(client)
    assert value(samples, "iworkz_anchor_batches_open") == 1
    assert 1190 <= value(samples, "iworkz_anchor_oldest_open_batch_age_seconds") <= 1300


async def test_metrics_are_not_for_the_public_internet(settings, services):
    async def status(app_settings, client_ip: str, **headers: str) -> int:
        transport = httpx.ASGITransport(
            app=create_app(app_settings, services), client=(client_ip, 40000)
        )
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as http:
            return (await http.get("/metrics", headers=headers)).status_code

    assert await status(settings, "127.0.0.1") == 200
    assert await status(settings, "10.1.2.3") == 200
    assert await status(settings, "::ffff:192.168.1.9") == 200
    assert await status(settings, "203.0.113.5") == 403
    # An ingress or load balancer has a private address too: a proxied request is refused.
    assert await status(settings, "10.1.2.3", **{"X-Forwarded-For": "203.0.113.5"}) == 403
    assert await status(settings, "127.0.0.1", Forwarded="for=203.0.113.5") == 403
    token = "metrics-token-0123456789"
    guarded = settings.model_copy(
        update={"metrics_token": SecretStr(token), "metrics_allowed_cidrs": []}
    )
    assert await status(guarded, "203.0.113.5", Authorization=f"Bearer {token}") == 200
    assert await status(guarded, "203.0.113.5", Authorization="Bearer wrong") == 403
    assert await status(guarded, "127.0.0.1") == 403


async def test_request_id_is_returned_and_kept_only_when_sane(client):
    generated = await client.post("/graphql", json={"query": PREFECTURES})
    assert re.fullmatch(r"[0-9a-f]{32}", generated.headers["x-request-id"])
    kept = await client.post(
        "/graphql", json={"query": PREFECTURES}, headers={"X-Request-Id": "abc-123.DEF_9"}
    )
    assert kept.headers["x-request-id"] == "abc-123.DEF_9"
    for insane in ("a" * 65, "bad id", "x\u00e9".encode(), "a;b"):
        replaced = await client.get("/healthz", headers={"X-Request-Id": insane})
        assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["x-request-id"]), insane


async def test_access_log_line_per_request(client):
    account = await register(client, "logged@example.com")
    with captured_logs() as logs:
        response = await client.post(
            "/graphql",
            json={"query": "query Me { me { id } }"},
            headers={"Authorization": f"Bearer {account.token}", "X-Request-Id": "req-me-1"},
        )
        await client.get("/healthz")  # probes: DEBUG, not in an INFO log
    assert response.status_code == 200
    lines = [line for line in logs.lines() if line["logger"] == "iworkz.access"]
    assert len(lines) == 1
    line = lines[0]
    assert line["request_id"] == "req-me-1"
    assert (line["method"], line["path"], line["status"]) == ("POST", "/graphql", 200)
    assert (line["operation_name"], line["operation_type"]) == ("Me", "query")
    assert line["user_id"] == str(from_global_id(account.user_id)[1])
    assert line["client_ip"] == "127.0.0.1"
    assert isinstance(line["duration_ms"], float)
    assert line["level"] == "INFO" and line["message"] == "POST /graphql 200"


async def test_request_id_reaches_the_jobs_and_their_log(client, services):
    before = value(
        await scrape(client), "iworkz_jobs_total", function="handle_event", outcome="complete"
    )
    with captured_logs() as logs:
        await client.post(
            "/graphql",
            json={
                "query": "mutation R($input: RegisterInput!) { register(input: $input) "
                "{ errors { code } } }",
                "variables": {
                    "input": {
                        "email": "jobs@example.com",
                        "password": "correct horse battery",
                        "displayName": "J",
                        "role": "WORKER",
                    }
                },
            },
            headers={"X-Request-Id": "req-register-7"},
        )
        await run_jobs(services)
    jobs = [line for line in logs.lines() if line["logger"] == "iworkz.jobs"]
    handled = [line for line in jobs if line["function"] == "handle_event"]
    assert handled, jobs
    for line in handled:
        assert line["request_id"] == "req-register-7"
        assert line["outcome"] == "complete" and line["job_try"] == 1
        assert line["job_id"].startswith("event:") and line["duration_ms"] >= 0
    assert all(line.get("request_id") == "req-register-7" for line in jobs)
    after = value(
        await scrape(client), "iworkz_jobs_total", function="handle_event", outcome="complete"
    )
    assert after - before == len(handled)


async def test_jobs_enqueued_outside_a_request_carry_no_id(services):
    with BoundRequest(RequestInfo("outer")):
        await services.queue.enqueue("anchor_credentials", job_id=f"with:{uuid.uuid4()}")
    await services.queue.enqueue("anchor_credentials", job_id=f"without:{uuid.uuid4()}")
    with captured_logs() as logs:
        await run_jobs(services)
    ids = sorted(str(line.get("request_id")) for line in logs.lines() if line.get("function"))
    assert ids == ["None", "outer"]


async def test_websockets_subscriptions_and_events(settings, services):
    async with (
        running_app(settings, services) as host,
        httpx.AsyncClient(base_url=f"http://{host}") as http,
    ):
        account = await register(http, "live@metrics.example")
        sockets, subscriptions = (
            metrics.WEBSOCKETS_OPEN._value.get(),
            metrics.SUBSCRIPTIONS_ACTIVE._value.get(),
        )
        async with graphql_ws(host, account.token) as ws:
            assert (await ws.receive())["type"] == "connection_ack"
            operation = await ws.subscribe_in_process("subscription Inbox { notifications { id } }")
            assert metrics.WEBSOCKETS_OPEN._value.get() == sockets + 1
            assert metrics.SUBSCRIPTIONS_ACTIVE._value.get() == subscriptions + 1
            samples = await scrape(http)
            assert value(samples, "iworkz_graphql_subscriptions_active") >= 1
            assert (
                value(
                    samples,
                    "iworkz_graphql_requests_total",
                    operation="Inbox",
                    type="subscription",
                )
                >= 1
            )
            await ws.send({"id": operation, "type": "complete"})
            for _ in range(200):
                if metrics.SUBSCRIPTIONS_ACTIVE._value.get() == subscriptions:
                    break
                await asyncio.sleep(0.01)
            assert metrics.SUBSCRIPTIONS_ACTIVE._value.get() == subscriptions
        for _ in range(200):
            if metrics.WEBSOCKETS_OPEN._value.get() == sockets:
                break
            await asyncio.sleep(0.01)
        assert metrics.WEBSOCKETS_OPEN._value.get() == sockets
        samples = await scrape(http)
    published = sum(
        v for (name, _), v in samples.items() if name == "iworkz_events_published_total"
    )
    assert published >= 1  # registering published an event


async def test_the_worker_serves_its_own_metrics():
    port = free_port()
    stop = start_metrics_server("127.0.0.1", port)
    assert stop is not None
    try:
        async with httpx.AsyncClient() as http:
            response = await http.get(f"http://127.0.0.1:{port}/metrics")
        assert response.status_code == 200
        assert "iworkz_job_duration_seconds" in response.text
        assert "iworkz_jobs_total" in response.text
        # A second worker on the same host loses its metrics, not its life.
        assert start_metrics_server("127.0.0.1", port) is None
    finally:
        stop()
    assert start_metrics_server("127.0.0.1", 0) is None  # 0 turns it off


def test_several_processes_add_up_in_multiprocess_mode(tmp_path):
    """uvicorn --workers: each process writes to PROMETHEUS_MULTIPROC_DIR; a scrape of any
    of them reports the sum (gauges of live processes only)."""
    environment = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus")}
    bump = (
        "from server import metrics; "
        "metrics.GRAPHQL_REQUESTS.labels('Q', 'query').inc(); "
        "metrics.WEBSOCKETS_OPEN.inc(); "
        "import os; from prometheus_client import multiprocess; "
        "multiprocess.mark_process_dead(os.getpid()) if os.environ.get('DEAD') else None"
    )
    for extra in ({}, {"DEAD": "1"}):
        subprocess.run(
            [sys.executable, "-c", bump], env={**environment, **extra}, check=True, timeout=60
        )
    read = (
        "from prometheus_client import generate_latest; "
        "from server.observability.prometheus import metrics_registry; "
        "print(generate_latest(metrics_registry()).decode())"
    )
    output = subprocess.run(
        [sys.executable, "-c", read], env=environment, check=True, timeout=60, capture_output=True
    ).stdout.decode()
    assert 'iworkz_graphql_requests_total{operation="Q",type="query"} 2.0' in output
    # The process that exited cleanly took its live gauge with it; the other one did not.
    assert "iworkz_websocket_connections 1.0" in output


@pytest.mark.parametrize("path", ["/healthz", "/metrics"])
async def test_probes_and_scrapes_are_not_counted_as_traffic(client, path):
    before = await scrape(client)
    await client.get(path)
    after = await scrape(client)
    assert value(after, "iworkz_http_responses_total", method="GET", status="200") == value(
        before, "iworkz_http_responses_total", method="GET", status="200"
    )


def test_observed_tasks_keep_the_names_arq_knows_them_by(settings):
    from workers.settings import worker_settings
    from workers.tasks import TASKS

    options = worker_settings(settings)
    assert {task.__qualname__ for task in options["functions"]} == set(TASKS)
    assert {job.name for job in options["cron_jobs"]} == {
        "cron:heartbeat",
        "cron:anchor_credentials",
    }
