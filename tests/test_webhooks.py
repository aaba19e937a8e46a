"""Partner webhooks: registration, signed deliveries verified by a real local receiver,
retries with backoff by the arq worker, replay protection, SSRF refusal in production."""

from __future__ import annotations

import base64
import dataclasses
import json
import time

import httpx
import pytest
from sqlalchemy import select

from domain.audit.models import AuditEvent
from domain.auth.partners import PartnerScope, create_partner_client
from domain.auth.principal import Role
from domain.auth.service import create_user
from domain.notifications.channels import RetryPolicy
from domain.webhooks.models import Webhook, WebhookDelivery, WebhookDeliveryAttempt
from domain.webhooks.signature import (
    SIGNATURE_HEADER,
    WebhookSignatureError,
    sign_webhook,
    verify_webhook_signature,
)
from domain.webhooks.targets import RefusedTarget, TargetPolicy, check_webhook_url
from server.adapters.webhook_http import GuardedWebhookSender
from server.app import create_app
from server.settings import Environment
from tests.background import FakeEndpoint, free_port, run_jobs, services_with, serving
from tests.factories import UPDATE_JOB, create_job, transition_mutation
from tests.graphql_client import (
    PASSWORD,
    create_admin,
    data,
    error_codes,
    gql,
    login,
    register,
)

pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning")

CREATE_WEBHOOK = """
mutation($input: CreateWebhookInput!) {
  createWebhook(input: $input) {
    webhook { id url eventKinds description createdAt } secret errors { field code message }
  }
}
"""
DELETE_WEBHOOK = """
mutation($input: DeleteWebhookInput!) {
  deleteWebhook(input: $input) { deletedWebhookId errors { field code } }
}
"""
WEBHOOKS = """
{ webhooks(first: 10) { totalCount edges { node { id url eventKinds
    deliveries(first: 10) { edges { node { eventId eventKind status attempts lastStatusCode } } }
} } } }
"""


async def partner(services, client, email="feeds@agency.example"):
    async with services.database.transaction(services.bus, services.queue) as uow:
        await create_user(
            uow, email=email, password=PASSWORD, display_name="Agency", roles=[Role.PARTNER]
        )
    return await login(client, email)


async def new_webhook(client, token, url, kinds=("JOB_PUBLISHED",)) -> tuple[str, str]:
    created = data(
        await gql(client, CREATE_WEBHOOK, {"input": {"url": url, "eventKinds": list(kinds)}}, token)
    )["createWebhook"]
    assert created["errors"] == [], created["errors"]
    return created["webhook"]["id"], created["secret"]


def fast(services):
    return services_with(services, delivery_retry_base_seconds=0.02)


async def rows(services, model):
    async with services.database.session() as session:
        return list((await session.execute(select(model))).scalars())


def verifying(secret: str):
    """A receiver that checks the signature the way docs/webhooks.md tells partners to."""

    def answer(request):
        try:
            verify_webhook_signature(
                secret, request.body, request.headers.get("x-iworkz-signature")
            )
        except WebhookSignatureError:
            return 400
        return 204

    return answer


# --- registration ---------------------------------------------------------------------------


async def test_a_partner_registers_a_webhook_and_sees_its_secret_once(client, services):
    agency = await partner(services, client)
    created = data(
        await gql(
            client,
            CREATE_WEBHOOK,
            {
                "input": {
                    "url": "http://localhost:9/hooks",
                    "eventKinds": ["JOB_PUBLISHED", "JOB_UPDATED", "JOB_PUBLISHED"],
                    "description": "job feed",
                }
            },
            agency.token,
        )
    )["createWebhook"]
    assert created["errors"] == []
    secret = created["secret"]
    assert secret.startswith("whsec_") and len(secret) > 40
    assert created["webhook"]["eventKinds"] == ["JOB_PUBLISHED", "JOB_UPDATED"]
    listed = data(await gql(client, WEBHOOKS, token=agency.token))["webhooks"]
    assert listed["totalCount"] == 1 and secret not in json.dumps(listed)
    (stored,) = await rows(services, Webhook)
    assert stored.secret_encrypted.startswith("v1.") and secret not in stored.secret_encrypted
    audit = [event.kind for event in await rows(services, AuditEvent)]
    assert "webhook.created" in audit


async def test_only_partners_register_webhooks(client, services):
    worker = await register(client, "aiko@example.com")
    employer = await register(client, "hr@a.example", "EMPLOYER", "Org A")
    variables = {"input": {"url": "http://localhost:9/", "eventKinds": ["JOB_PUBLISHED"]}}
    for token in (worker.token, employer.token):
        assert error_codes(await gql(client, CREATE_WEBHOOK, variables, token)) == ["FORBIDDEN"]
    assert error_codes(await gql(client, CREATE_WEBHOOK, variables)) == ["UNAUTHENTICATED"]
    assert error_codes(await gql(client, WEBHOOKS, token=worker.token)) == ["FORBIDDEN"]
    # a partner's machine token needs the `write` scope to register one
    async with services.database.transaction(services.bus, services.queue) as uow:
        owner = await create_user(
            uow,
            email="m2m@agency.example",
            password=PASSWORD,
            display_name="M",
            roles=[Role.PARTNER],
        )
        read_only = await create_partner_client(uow, owner.id, "ro", [PartnerScope.JOBS_READ])
        writer = await create_partner_client(uow, owner.id, "rw", [PartnerScope.WRITE])

    async def machine_token(credentials) -> str:
        raw = f"{credentials.client_id}:{credentials.client_secret}".encode()
        response = await client.post(
            "/oauth/token",
            data={"grant_type": "client_credentials", "scope": " ".join(["jobs:read", "write"])},
            headers={"Authorization": f"Basic {base64.b64encode(raw).decode()}"},
        )
        return response.json()["access_token"]

    denied = await gql(client, CREATE_WEBHOOK, variables, await machine_token(read_only))
    assert error_codes(denied) == ["FORBIDDEN"]
    allowed = data(await gql(client, CREATE_WEBHOOK, variables, await machine_token(writer)))
    assert allowed["createWebhook"]["errors"] == []
    assert len(await rows(services, Webhook)) == 1


@pytest.mark.parametrize(
    ("webhook", "field", "code"),
    [
        ({"url": "ftp://files.example.com/in"}, "url", "INVALID"),
        ({"url": "not a url"}, "url", "INVALID"),
        ({"url": "https://user:pw@hooks.example.com/"}, "url", "INVALID"),
        ({"url": "https://hooks.example.com/#frag"}, "url", "INVALID"),
        ({"url": "https://hooks.example.com/" + "x" * 2100}, "url", "TOO_LONG"),
        ({"eventKinds": []}, "eventKinds", "TOO_SHORT"),
        ({"description": "d" * 201}, "description", "TOO_LONG"),
    ],
)
async def test_bad_webhook_input_is_a_typed_error_and_writes_nothing(
    client, services, webhook, field, code
):
    agency = await partner(services, client)
    variables = {
        "input": {"url": "http://localhost:9/", "eventKinds": ["JOB_PUBLISHED"], **webhook}
    }
    result = data(await gql(client, CREATE_WEBHOOK, variables, agency.token))["createWebhook"]
    assert result["webhook"] is None and result["secret"] is None
    assert [(e["field"], e["code"]) for e in result["errors"]] == [(field, code)]
    assert await rows(services, Webhook) == []


async def test_webhooks_are_private_to_their_partner_and_deleted_by_them(client, services):
    agency = await partner(services, client)
    rival = await partner(services, client, "other@agency.example")
    webhook_id, _ = await new_webhook(client, agency.token, "http://localhost:9/")
    node = "query($id: ID!) { node(id: $id) { id } }"
    assert data(await gql(client, node, {"id": webhook_id}, rival.token))["node"] is None
    assert data(await gql(client, node, {"id": webhook_id}, agency.token))["node"]
    assert data(await gql(client, WEBHOOKS, token=rival.token))["webhooks"]["totalCount"] == 0
    refused = data(await gql(client, DELETE_WEBHOOK, {"input": {"id": webhook_id}}, rival.token))
    assert refused["deleteWebhook"] == {
        "deletedWebhookId": None,
        "errors": [{"field": "id", "code": "NOT_FOUND"}],
    }
    deleted = data(await gql(client, DELETE_WEBHOOK, {"input": {"id": webhook_id}}, agency.token))
    assert deleted["deleteWebhook"] == {"deletedWebhookId": webhook_id, "errors": []}
    assert await rows(services, Webhook) == []
    assert "webhook.deleted" in [event.kind for event in await rows(services, AuditEvent)]


# --- delivery -------------------------------------------------------------------------------


async def test_a_public_event_is_delivered_signed_with_ids_only(client, services):
    agency = await partner(services, client)
    employer = await register(client, "hr@a.example", "EMPLOYER", "Org A")
    receiver = FakeEndpoint(default=None)
    async with serving(receiver) as url:
        _, secret = await new_webhook(client, agency.token, f"{url}/iworkz/events")
        receiver.answer = verifying(secret)
        draft = await create_job(client, employer.token, title="秘密のドラフト")
        await gql(
            client,
            UPDATE_JOB,
            {"input": {"id": draft["id"], "title": "まだ下書き"}},
            employer.token,
        )
        await run_jobs(fast(services))
        assert receiver.received == []  # drafts are private: nothing went out
        published = await gql(
            client,
            transition_mutation("publishJob"),
            {"input": {"id": draft["id"]}},
            employer.token,
        )
        assert data(published)["publishJob"]["errors"] == []
        await run_jobs(fast(services))

    assert len(receiver.received) == 1
    request = receiver.received[0]
    assert request.path == "/iworkz/events"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-iworkz-event"] == "job.published"
    body = json.loads(request.body)
    assert set(body) == {"id", "type", "occurredAt", "data"}
    assert body["type"] == "job.published" and body["id"] == request.headers["x-iworkz-event-id"]
    assert body["data"] == {"jobId": draft["id"], "organizationId": draft["organization"]["id"]}
    assert "まだ下書き" not in request.body.decode() and "hr@a.example" not in request.body.decode()
    verify_webhook_signature(secret, request.body, request.headers["x-iworkz-signature"])

    (delivery,) = await rows(services, WebhookDelivery)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("SENT", 1, 204)
    assert str(delivery.id) == request.headers["x-iworkz-delivery"]
    (attempt,) = await rows(services, WebhookDeliveryAttempt)
    assert (attempt.attempt, attempt.status_code, attempt.outcome) == (1, 204, "DELIVERED")
    listed = data(await gql(client, WEBHOOKS, token=agency.token))["webhooks"]
    shown = listed["edges"][0]["node"]["deliveries"]["edges"][0]["node"]
    assert shown == {
        "eventId": body["id"],
        "eventKind": "JOB_PUBLISHED",
        "status": "SENT",
        "attempts": 1,
        "lastStatusCode": 204,
    }


async def test_a_failing_receiver_is_retried_with_exponential_backoff(client, services):
    agency = await partner(services, client)
    employer = await register(client, "hr@a.example", "EMPLOYER", "Org A")
    receiver = FakeEndpoint(script=[500, 502], default=None)
    async with serving(receiver) as url:
        _, secret = await new_webhook(client, agency.token, url)
        receiver.answer = verifying(secret)
        await create_job(client, employer.token, publish=True)
        worker = await run_jobs(fast(services))
    assert worker.jobs_retried >= 2
    assert len(receiver.received) == 3
    first, second, third = receiver.received
    assert second.at - first.at >= 0.02 and third.at - second.at >= 0.08  # ×4 each time
    assert first.body == second.body == third.body  # the same event, byte for byte
    assert len({r.headers["x-iworkz-event-id"] for r in receiver.received}) == 1
    for request in receiver.received:  # every attempt freshly and validly signed
        verify_webhook_signature(secret, request.body, request.headers["x-iworkz-signature"])
    attempts = sorted(await rows(services, WebhookDeliveryAttempt), key=lambda a: a.attempt)
    assert [(a.attempt, a.status_code, a.outcome) for a in attempts] == [
        (1, 500, "HTTP_ERROR"),
        (2, 502, "HTTP_ERROR"),
        (3, 204, "DELIVERED"),
    ]
    (delivery,) = await rows(services, WebhookDelivery)
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("SENT", 3, None)


async def test_an_unreachable_receiver_is_given_up_after_the_last_attempt(client, services):
    agency = await partner(services, client)
    employer = await register(client, "hr@a.example", "EMPLOYER", "Org A")
    await new_webhook(client, agency.token, f"http://127.0.0.1:{free_port()}/hook")
    await create_job(client, employer.token, publish=True)
    worker_services = fast(services)
    worker_services.channels = dataclasses.replace(  # type: ignore[misc]
        worker_services.channels, retry=RetryPolicy(max_attempts=3, base_seconds=0.02)
    )
    await run_jobs(worker_services)
    (delivery,) = await rows(services, WebhookDelivery)
    assert (delivery.status, delivery.attempts) == ("FAILED", 3)
    outcomes = [a.outcome for a in await rows(services, WebhookDeliveryAttempt)]
    assert outcomes == ["NETWORK_ERROR"] * 3


async def test_a_partner_whose_role_was_withdrawn_receives_nothing(client, services):
    agency = await partner(services, client)
    admin = await create_admin(services, client)
    employer = await register(client, "hr@a.example", "EMPLOYER", "Org A")
    receiver = FakeEndpoint()
    async with serving(receiver) as url:
        await new_webhook(client, agency.token, url)
        await gql(
            client,
            "mutation($input: SetUserRolesInput!) { setUserRoles(input: $input) { errors { code } } }",
            {"input": {"userId": agency.user_id, "roles": ["WORKER"]}},
            admin.token,
        )
        await create_job(client, employer.token, publish=True)
        await run_jobs(fast(services))
    assert receiver.received == [] and await rows(services, WebhookDelivery) == []


# --- the signature scheme, as partners verify it --------------------------------------------

SECRET = "whsec_test-secret"
BODY = b'{"data":{"jobId":"Sm9iOjE="},"id":"e1","type":"job.published"}'


def test_signature_scheme_is_hmac_sha256_over_timestamp_dot_body():
    import hashlib
    import hmac

    header = sign_webhook(SECRET, BODY, timestamp=1_700_000_000)
    expected = hmac.new(SECRET.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"
    assert verify_webhook_signature(SECRET, BODY, header, now=1_700_000_000) == 1_700_000_000


@pytest.mark.parametrize(
    ("secret", "body", "age", "problem"),
    [
        ("whsec_other", BODY, 0, "does not match"),
        (SECRET, BODY + b" ", 0, "does not match"),
        (SECRET, BODY, 301, "tolerance"),  # a replay of a captured delivery
        (SECRET, BODY, -301, "tolerance"),  # from the future
    ],
)
def test_forged_tampered_and_replayed_deliveries_are_rejected(secret, body, age, problem):
    now = time.time()
    header = sign_webhook(SECRET, BODY, timestamp=int(now) - age)
    with pytest.raises(WebhookSignatureError, match=problem):
        verify_webhook_signature(secret, body, header, now=now)


def test_fresh_enough_deliveries_and_rotated_secrets_verify():
    now = time.time()
    old = sign_webhook(SECRET, BODY, timestamp=int(now) - 299)
    assert verify_webhook_signature(SECRET, BODY, old, now=now)
    rotated = sign_webhook("whsec_previous", BODY, timestamp=int(now))
    both = rotated + "," + sign_webhook(SECRET, BODY, timestamp=int(now)).split(",")[1]
    assert verify_webhook_signature(SECRET, BODY, both, now=now)


@pytest.mark.parametrize("header", [None, "", "v1=abc", "t=1", "t=soon,v1=abc", "garbage"])
def test_malformed_signature_headers_are_rejected(header):
    with pytest.raises(WebhookSignatureError):
        verify_webhook_signature(SECRET, BODY, header)


# --- SSRF -----------------------------------------------------------------------------------

PRODUCTION = TargetPolicy.production()


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.partner.example/in",  # https only
        "https://localhost/in",
        "https://hooks.localhost/in",
        "https://intranet/in",
        "https://127.0.0.1/in",
        "https://10.1.2.3/in",
        "https://172.16.0.1/in",
        "https://192.168.1.10/in",
        "https://169.254.169.254/latest/meta-data",  # cloud metadata
        "https://100.64.0.1/in",  # carrier-grade NAT
        "https://0.0.0.0/in",
        "https://[::1]/in",
        "https://[fe80::1]/in",
        "https://[fd00::1]/in",
        "https://[::ffff:127.0.0.1]/in",
        "https://metadata.google.internal/computeMetadata/v1/",
    ],
)
def test_production_refuses_non_https_and_private_targets(url):
    with pytest.raises(RefusedTarget):
        check_webhook_url(url, PRODUCTION)


@pytest.mark.parametrize("url", ["https://hooks.partner.example/in", "https://8.8.8.8:8443/x"])
def test_production_accepts_public_https_targets(url):
    assert check_webhook_url(url, PRODUCTION) == url


async def test_production_api_refuses_a_private_webhook_url(services, settings):
    production = services_with(
        services, environment=Environment.PRODUCTION, graphiql=False, hsts=False
    )
    app = create_app(production.settings, production)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://testserver"
    ) as prod_client:
        agency = await partner(services, prod_client)
        for url in ("http://hooks.partner.example/", "https://127.0.0.1/", "https://10.0.0.8/"):
            result = data(
                await gql(
                    prod_client,
                    CREATE_WEBHOOK,
                    {"input": {"url": url, "eventKinds": ["JOB_PUBLISHED"]}},
                    agency.token,
                )
            )["createWebhook"]
            assert [(e["field"], e["code"]) for e in result["errors"]] == [("url", "INVALID")]
    assert await rows(services, Webhook) == []


async def test_a_host_that_resolves_to_a_private_address_is_refused_at_delivery(client, services):
    """DNS can point a public-looking name anywhere: the check runs after resolution, on
    every address, at every attempt, and the request goes to the address checked."""
    agency = await partner(services, client)
    employer = await register(client, "hr@a.example", "EMPLOYER", "Org A")
    receiver = FakeEndpoint()
    async with serving(receiver) as url:
        port = url.rsplit(":", 1)[1]
        await new_webhook(client, agency.token, f"http://hooks.partner.example:{port}/in")

        async def rebinding(host: str, port: int) -> list[str]:
            assert host == "hooks.partner.example"
            return ["93.184.216.34", "127.0.0.1"]  # one public answer, one loopback

        worker_services = fast(services)
        worker_services.channels = dataclasses.replace(  # type: ignore[misc]
            worker_services.channels,
            webhooks=GuardedWebhookSender(
                TargetPolicy(require_https=False, allow_private_networks=False), resolve=rebinding
            ),
        )
        await create_job(client, employer.token, publish=True)
        await run_jobs(worker_services)
    assert receiver.received == []
    (delivery,) = await rows(services, WebhookDelivery)
    assert (delivery.status, delivery.attempts) == ("FAILED", 1)  # policy: never retried
    assert "127.0.0.1 is not a public address" in (delivery.last_error or "")
    (attempt,) = await rows(services, WebhookDeliveryAttempt)
    assert (attempt.outcome, attempt.status_code) == ("REFUSED", None)


async def test_delivery_connects_to_the_checked_address_and_keeps_the_host_header(services):
    receiver = FakeEndpoint()
    async with serving(receiver) as url:
        port = int(url.rsplit(":", 1)[1])

        async def resolve(host: str, _: int) -> list[str]:
            return ["127.0.0.1"]

        sender = GuardedWebhookSender(TargetPolicy.development(), resolve=resolve)
        response = await sender.post(
            f"http://hooks.partner.example:{port}/in?x=1", b"{}", {SIGNATURE_HEADER: "t=1,v1=0"}
        )
    assert response.ok and response.status_code == 200
    (request,) = receiver.received
    assert request.headers["host"] == f"hooks.partner.example:{port}"
    assert request.path == "/in"


async def test_key_rotation_moves_webhook_secrets_to_the_new_key(client, services):
    from domain.crypto.field_encryption import generate_key
    from domain.webhooks.service import reencrypt_webhook_secrets, secret_aad

    agency = await partner(services, client)
    _, secret = await new_webhook(client, agency.token, "http://localhost:9/")
    old = services.keyring
    rotated = old.with_key("rotated-2027", generate_key(), active=True)
    assert await reencrypt_webhook_secrets(services.database.session, rotated) == 1
    assert await reencrypt_webhook_secrets(services.database.session, rotated) == 0
    (stored,) = await rows(services, Webhook)
    only_new = rotated.without_key(old.active_key_id)
    assert only_new.decrypt(stored.secret_encrypted, secret_aad(stored.id)) == secret
