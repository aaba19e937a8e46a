"""Sending one notification on one outside channel: the body of the background task.

Each (notification, channel) is its own job with its own row in
`notification_deliveries`, so a failing mail server never holds back a push,
and neither holds back the in-app notification (stored before either runs).
An attempt reads the row under a lock, sends outside any transaction, then
records the outcome; a row already SENT, FAILED or SKIPPED is left alone, so
running a job twice sends nothing twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from domain.auth.models import User
from domain.clock import utcnow
from domain.global_ids import to_global_id
from domain.notifications.channels import (
    DEVICE_NOT_REGISTERED,
    DeliveryChannels,
    DeliveryError,
    EmailMessage,
    PushMessage,
    PushTicket,
)
from domain.notifications.devices import forget_push_tokens, push_tokens_of
from domain.notifications.kinds import Channel, NotificationKind
from domain.notifications.messages import Text, render
from domain.notifications.models import (
    FINAL_STATUSES,
    DeliveryStatus,
    Notification,
    NotificationDelivery,
)
from domain.notifications.preferences import enabled, preferences_row

MAX_ERROR_LENGTH = 500
_EMAIL_FOOTER = {
    "ja": "\n\n--\niWORKZ\n通知の受け取り方はアプリの設定で変更できます。",
    "en": "\n\n--\niWORKZ\nChoose which notifications you receive in the app's settings.",
}


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    status: DeliveryStatus
    retry_in: float | None = None  # seconds: the task asks its queue to run it again then
    error: str | None = None


@dataclass(frozen=True, slots=True)
class _Prepared:
    channel: Channel
    attempt: int
    notification_id: uuid.UUID
    kind: NotificationKind
    text: Text
    email: str
    locale: str
    tokens: list[str]


async def deliver_notification(
    session_factory: Callable[[], Any], channels: DeliveryChannels, delivery_id: uuid.UUID
) -> DeliveryOutcome:
    prepared = await _claim(session_factory, channels, delivery_id)
    if isinstance(prepared, DeliveryOutcome):
        return prepared
    gone: list[str] = []
    try:
        if prepared.channel is Channel.EMAIL:
            error = await _send_email(channels, prepared)
        else:
            error, gone = await _send_push(channels, prepared)
    except DeliveryError as failure:
        return await _record_failure(session_factory, channels, delivery_id, prepared, failure)
    return await _record_sent(session_factory, delivery_id, error, gone)


async def _claim(
    session_factory: Callable[[], Any], channels: DeliveryChannels, delivery_id: uuid.UUID
) -> _Prepared | DeliveryOutcome:
    """Lock the row, decide whether there is anything to send, count the attempt."""
    async with session_factory() as session, session.begin():
        delivery = await session.get(NotificationDelivery, delivery_id, with_for_update=True)
        if delivery is None:
            return DeliveryOutcome(DeliveryStatus.SKIPPED, error="no such delivery")
        if delivery.status in FINAL_STATUSES:
            return DeliveryOutcome(DeliveryStatus(delivery.status))
        notification = await session.get(Notification, delivery.notification_id)
        user = await session.get(User, notification.user_id) if notification else None
        if notification is None or user is None:
            return DeliveryOutcome(DeliveryStatus.SKIPPED)
        channel, kind = Channel(delivery.channel), NotificationKind(notification.kind)
        tokens: list[str] = []
        reason = None
        if not enabled(await preferences_row(session, user.id), kind, channel):
            reason = "turned off by the user"
        elif channel is Channel.EMAIL and channels.email is None:
            reason = "e-mail is not configured"
        elif channel is Channel.PUSH and channels.push is None:
            reason = "push is not configured"
        elif channel is Channel.PUSH and not (tokens := await push_tokens_of(session, user.id)):
            reason = "no device registered"
        delivery.updated_at = utcnow()
        if reason is not None:
            delivery.status, delivery.last_error = DeliveryStatus.SKIPPED, reason
            return DeliveryOutcome(DeliveryStatus.SKIPPED, error=reason)
        delivery.attempts += 1
        return _Prepared(
            channel=channel,
            attempt=delivery.attempts,
            notification_id=notification.id,
            kind=kind,
            text=render(kind, notification.payload, user.locale),
            email=user.email,
            locale=user.locale,
            tokens=tokens,
        )


async def _send_email(channels: DeliveryChannels, prepared: _Prepared) -> str | None:
    assert channels.email is not None
    footer = _EMAIL_FOOTER.get(prepared.locale, _EMAIL_FOOTER["ja"])
    await channels.email.send(
        EmailMessage(
            to=prepared.email,
            subject=f"[iWORKZ] {prepared.text.title}",
            body=prepared.text.body + footer,
        )
    )
    return None


async def _send_push(
    channels: DeliveryChannels, prepared: _Prepared
) -> tuple[str | None, list[str]]:
    """Send to every device; returns the ticket errors worth recording and the tokens to
    forget. Ticket errors are not retried (the service took the request and answered)."""
    assert channels.push is not None
    data = {
        "notificationId": to_global_id("Notification", prepared.notification_id),
        "kind": prepared.kind.value,
    }
    tickets = await channels.push.send(
        [
            PushMessage(token, prepared.text.title, prepared.text.body, data)
            for token in prepared.tokens
        ]
    )
    gone = [ticket.token for ticket in tickets if ticket.error == DEVICE_NOT_REGISTERED]
    failed = [ticket for ticket in tickets if not ticket.ok]
    if failed and len(failed) == len(tickets):
        raise _NoDeviceReached(failed, gone)
    return (_ticket_errors(failed) if failed else None), gone


class _NoDeviceReached(DeliveryError):
    """Every ticket was an error: not retried; tokens no device answers to are forgotten."""

    def __init__(self, failed: list[PushTicket], gone: list[str]) -> None:
        super().__init__(_ticket_errors(failed), retryable=False)
        self.gone = gone
        self.all_gone = len(gone) == len(failed)


def _ticket_errors(tickets: list[PushTicket]) -> str:
    return "; ".join(
        f"{ticket.error or 'error'}: {ticket.message or ''}".strip(" :") for ticket in tickets
    )


async def _record_sent(
    session_factory: Callable[[], Any],
    delivery_id: uuid.UUID,
    error: str | None,
    gone: list[str],
) -> DeliveryOutcome:
    async with session_factory() as session, session.begin():
        await forget_push_tokens(session, gone)
        delivery = await session.get(NotificationDelivery, delivery_id, with_for_update=True)
        now = utcnow()
        if delivery is not None:
            delivery.status = DeliveryStatus.SENT
            delivery.delivered_at = delivery.updated_at = now
            delivery.last_error = error[:MAX_ERROR_LENGTH] if error else None
    return DeliveryOutcome(DeliveryStatus.SENT, error=error)


async def _record_failure(
    session_factory: Callable[[], Any],
    channels: DeliveryChannels,
    delivery_id: uuid.UUID,
    prepared: _Prepared,
    failure: DeliveryError,
) -> DeliveryOutcome:
    retry_in = channels.retry.delay_after(prepared.attempt) if failure.retryable else None
    gone = failure.gone if isinstance(failure, _NoDeviceReached) else []
    if isinstance(failure, _NoDeviceReached) and failure.all_gone:
        status = DeliveryStatus.SKIPPED  # no device left to reach: nothing failed
    else:
        status = DeliveryStatus.RETRYING if retry_in is not None else DeliveryStatus.FAILED
    error = str(failure)[:MAX_ERROR_LENGTH]
    async with session_factory() as session, session.begin():
        await forget_push_tokens(session, gone)
        delivery = await session.get(NotificationDelivery, delivery_id, with_for_update=True)
        if delivery is not None:
            delivery.status, delivery.last_error = status, error
            delivery.updated_at = utcnow()
    return DeliveryOutcome(status, retry_in=retry_in, error=error)
