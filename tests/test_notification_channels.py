"""E-mail and push delivery through the real arq worker: a real local SMTP server
(aiosmtpd) and a local fake Expo push endpoint (uvicorn), retries and backoff included."""

from __future__ import annotations

import dataclasses
import json
import time
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from arq.worker import Retry
from sqlalchemy import select

from domain.clock import utcnow
from domain.notifications.channels import RetryPolicy
from domain.notifications.models import Notification, NotificationDelivery, PushToken
from schema.ids import to_global_id
from server.adapters.job_queue import InlineJobQueue
from tests.background import (
    FakeEndpoint,
    Mailbox,
    free_port,
    run_jobs,
    services_with,
    serving,
    smtp_server,
)
from tests.graphql_client import PASSWORD, data, gql, register
from workers.settings import worker_settings
from workers.tasks import TASKS

pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning")

NEW_PASSWORD = "another long password"
CHANGE_PASSWORD = """
mutation($input: ChangePasswordInput!) {
  changePassword(input: $input) { accessToken refreshToken errors { code } }
}
"""
REGISTER_PUSH = """
mutation($input: RegisterPushTokenInput!) { registerPushToken(input: $input) { errors { code } } }
"""
PHONE = "ExponentPushToken[phone-aaaaaaaaaaaaaaaa]"
TABLET = "ExponentPushToken[tablet-gone-bbbbbbbbbb]"


async def password_changed(client, email: str = "aiko@example.com", tokens=()):
    """A user whose password just changed (EMAIL and PUSH are on for that kind by default)."""
    account = await register(client, email)
    for token in tokens:
        result = data(await gql(client, REGISTER_PUSH, {"input": {"token": token}}, account.token))
        assert result["registerPushToken"]["errors"] == []
    changed = data(
        await gql(
            client,
            CHANGE_PASSWORD,
            {"input": {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}},
            account.token,
        )
    )["changePassword"]
    assert changed["errors"] == []
    return account, changed


async def deliveries(services) -> dict[str, NotificationDelivery]:
    async with services.database.session() as session:
        rows = await session.execute(select(NotificationDelivery))
        return {row.channel: row for row in rows.scalars()}


async def notification_id(services):
    async with services.database.session() as session:
        return (await session.execute(select(Notification.id))).scalar_one()


def fast(services, **settings):
    return services_with(services, delivery_retry_base_seconds=0.02, **settings)


# --- e-mail ---------------------------------------------------------------------------------


async def test_email_reaches_the_smtp_server_with_recipient_subject_and_no_secrets(
    client, services
):
    mailbox = Mailbox()
    async with smtp_server(mailbox) as port:
        account, changed = await password_changed(client)
        await run_jobs(fast(services, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False))
    assert len(mailbox.messages) == 1
    envelope = mailbox.messages[0]
    assert envelope.rcpt_tos == ["aiko@example.com"]
    assert envelope.mail_from == "no-reply@iworkz.example"
    message = message_from_bytes(envelope.original_content, policy=policy.default)
    assert message["Subject"] == "[iWORKZ] パスワードが変更されました"
    assert message["To"] == "aiko@example.com"
    text = message.get_content()
    assert "パスワードが変更され" in text
    raw = envelope.original_content.decode("utf-8", "replace")
    for secret in (PASSWORD, NEW_PASSWORD, account.token, changed["accessToken"]):
        assert secret not in raw and secret not in text
    assert changed["refreshToken"] not in raw
    sent = (await deliveries(services))["EMAIL"]
    assert (sent.status, sent.attempts, sent.last_error) == ("SENT", 1, None)
    assert sent.delivered_at is not None


async def test_a_temporary_smtp_failure_is_retried_then_sent(client, services):
    mailbox = Mailbox(refuse=["451 4.3.0 Try again later"])
    async with smtp_server(mailbox) as port:
        await password_changed(client)
        worker = await run_jobs(
            fast(services, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False)
        )
    assert len(mailbox.messages) == 1
    assert worker.jobs_retried >= 1
    sent = (await deliveries(services))["EMAIL"]
    assert (sent.status, sent.attempts) == ("SENT", 2)


async def test_a_permanent_smtp_failure_is_recorded_and_not_retried(client, services):
    mailbox = Mailbox(refuse=["550 5.1.1 Mailbox unavailable"])
    async with smtp_server(mailbox) as port:
        await password_changed(client)
        await run_jobs(fast(services, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False))
    assert mailbox.messages == []
    failed = (await deliveries(services))["EMAIL"]
    assert (failed.status, failed.attempts, failed.last_error) == ("FAILED", 1, "SMTP 550")


async def test_without_smtp_or_push_configured_those_channels_are_off(client, services):
    _, changed = await password_changed(client, tokens=[PHONE])
    await run_jobs(services)  # the test settings configure neither
    found = await deliveries(services)
    assert (found["EMAIL"].status, found["EMAIL"].last_error) == (
        "SKIPPED",
        "e-mail is not configured",
    )
    assert (found["PUSH"].status, found["PUSH"].last_error) == ("SKIPPED", "push is not configured")
    listed = await gql(client, "{ notifications { unreadCount } }", token=changed["accessToken"])
    assert data(listed)["notifications"]["unreadCount"] == 1  # in-app is unaffected


# --- push -----------------------------------------------------------------------------------


def expo_tickets(request) -> tuple[int, dict]:
    """Answer like Expo: one ticket per message; tokens with `gone` are unregistered devices."""
    tickets = []
    for message in json.loads(request.body):
        if "gone" in message["to"]:
            tickets.append(
                {
                    "status": "error",
                    "message": f'"{message["to"]}" is not a registered push notification recipient',
                    "details": {"error": "DeviceNotRegistered"},
                }
            )
        else:
            tickets.append({"status": "ok", "id": "ticket-" + message["to"][-6:-1]})
    return 200, {"data": tickets}


async def test_push_goes_to_every_device_and_unregistered_ones_are_forgotten(client, services):
    expo = FakeEndpoint(default=None, answer=expo_tickets)
    async with serving(expo) as url:
        await password_changed(client, tokens=[PHONE, TABLET])
        await run_jobs(fast(services, push_enabled=True, push_api_url=f"{url}/--/api/v2/push/send"))
    assert len(expo.received) == 1
    request = expo.received[0]
    assert request.path == "/--/api/v2/push/send"
    assert request.headers["content-type"] == "application/json"
    messages = json.loads(request.body)
    assert [m["to"] for m in messages] == [PHONE, TABLET]
    nid = await notification_id(services)
    for message in messages:
        assert message["title"] == "パスワードが変更されました"
        assert message["data"] == {
            "notificationId": to_global_id("Notification", nid),
            "kind": "account.password_changed",
        }
    push = (await deliveries(services))["PUSH"]
    assert (push.status, push.attempts) == ("SENT", 1)
    assert "DeviceNotRegistered" in (push.last_error or "")
    async with services.database.session() as session:
        left = (await session.execute(select(PushToken.token))).scalars().all()
    assert left == [PHONE]


async def test_push_service_errors_are_retried_with_backoff(client, services):
    expo = FakeEndpoint(script=[500, 503], default=None, answer=expo_tickets)
    async with serving(expo) as url:
        await password_changed(client, tokens=[PHONE])
        await run_jobs(fast(services, push_enabled=True, push_api_url=url))
    assert len(expo.received) == 3
    first, second, third = (r.at for r in expo.received)
    assert second - first >= 0.02 and third - second >= 0.08  # base, then base × 4
    push = (await deliveries(services))["PUSH"]
    assert (push.status, push.attempts, push.last_error) == ("SENT", 3, None)


async def test_when_no_device_is_left_the_push_is_skipped(client, services):
    expo = FakeEndpoint(default=None, answer=expo_tickets)
    async with serving(expo) as url:
        await password_changed(client, tokens=[TABLET])
        await run_jobs(fast(services, push_enabled=True, push_api_url=url))
    push = (await deliveries(services))["PUSH"]
    assert push.status == "SKIPPED" and "DeviceNotRegistered" in (push.last_error or "")
    async with services.database.session() as session:
        assert (await session.execute(select(PushToken.token))).scalars().all() == []


# --- independence and limits ----------------------------------------------------------------


async def test_a_failing_channel_never_blocks_the_others(client, services):
    expo = FakeEndpoint(default=None, answer=expo_tickets)
    closed_port = free_port()  # nothing listens: every SMTP attempt is refused
    async with serving(expo) as url:
        _, changed = await password_changed(client, tokens=[PHONE])
        worker_services = fast(
            services,
            smtp_host="127.0.0.1",
            smtp_port=closed_port,
            smtp_starttls=False,
            push_enabled=True,
            push_api_url=url,
        )
        worker_services.channels = dataclasses.replace(  # type: ignore[misc]
            worker_services.channels, retry=RetryPolicy(max_attempts=3, base_seconds=0.02)
        )
        await run_jobs(worker_services)
    found = await deliveries(services)
    assert (found["EMAIL"].status, found["EMAIL"].attempts) == ("FAILED", 3)
    assert "SMTP unavailable" in (found["EMAIL"].last_error or "")
    assert (found["PUSH"].status, found["PUSH"].attempts) == ("SENT", 1)
    listed = await gql(client, "{ notifications { unreadCount } }", token=changed["accessToken"])
    assert data(listed)["notifications"]["unreadCount"] == 1


async def test_a_delivery_runs_once_even_if_its_job_runs_twice(client, services):
    mailbox = Mailbox()
    async with smtp_server(mailbox) as port:
        await password_changed(client)
        worker_services = fast(services, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False)
        await run_jobs(worker_services)
        from workers.tasks import deliver_notification

        email = (await deliveries(services))["EMAIL"]
        again = await deliver_notification({"services": worker_services}, str(email.id))
    assert again == "SENT" and len(mailbox.messages) == 1


def test_retry_policy_backs_off_and_fits_within_the_workers_tries(settings):
    policy = RetryPolicy(base_seconds=30)
    delays = [policy.delay_after(attempt) for attempt in range(1, policy.max_attempts + 1)]
    assert delays[-1] is None  # the last attempt gives up
    assert all(
        30 * 4 ** (n - 1) <= d <= 30 * 4 ** (n - 1) * 1.25
        for n, d in enumerate(delays[:-1], 1)
        if d is not None
    )
    assert policy.max_attempts <= worker_settings(settings)["max_tries"]


async def test_the_embedded_queue_defers_and_retries_like_arq():
    calls: list[tuple[int, float]] = []

    async def flaky(ctx, label):
        calls.append((ctx["job_try"], time.monotonic()))
        if ctx["job_try"] < 3:
            raise Retry(defer=0.02)

    queue = InlineJobQueue({"flaky": flaky}, {})
    started = time.monotonic()
    await queue.enqueue(
        "flaky", job_id="j1", defer_until=utcnow() + timedelta(seconds=0.1), label="x"
    )
    await queue.enqueue("flaky", job_id="j1", label="x")  # same job id: not run twice
    await queue.drain()
    assert [job_try for job_try, _ in calls] == [1, 2, 3]
    assert calls[0][1] - started >= 0.09


def test_every_task_is_known_to_arq_by_its_name():
    # arq names a plain coroutine by its __qualname__; enqueuers use the TASKS keys.
    assert all(task.__qualname__ == name for name, task in TASKS.items())
    assert {"deliver_notification", "deliver_webhook", "handle_event"} <= set(TASKS)
