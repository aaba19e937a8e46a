"""One attempt at delivering one event to one webhook: the body of the background task.

Reads the delivery under a lock (nothing to do if it is already final), signs
the stored payload with a fresh timestamp, POSTs it outside any transaction,
records the attempt (status code, outcome, time taken) and either finishes or
asks to be retried with exponential backoff.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from domain.auth.models import User
from domain.auth.principal import Role
from domain.clock import utcnow
from domain.crypto.field_encryption import FieldEncryptionError, KeyRing
from domain.notifications.channels import DeliveryChannels, WebhookResponse
from domain.notifications.delivery import DeliveryOutcome
from domain.notifications.models import FINAL_STATUSES, DeliveryStatus
from domain.webhooks.models import Webhook, WebhookDelivery, WebhookDeliveryAttempt
from domain.webhooks.service import secret_aad
from domain.webhooks.signature import SIGNATURE_HEADER, sign_webhook

USER_AGENT = "iWORKZ-Webhooks/1"
MAX_ERROR_LENGTH = 500


class AttemptOutcome:
    DELIVERED = "DELIVERED"
    HTTP_ERROR = "HTTP_ERROR"
    NETWORK_ERROR = "NETWORK_ERROR"
    REFUSED = "REFUSED"


@dataclass(frozen=True, slots=True)
class _Request:
    attempt: int
    url: str
    body: bytes
    headers: dict[str, str]


def body_of(payload: dict[str, Any]) -> bytes:
    """The exact bytes sent (and signed): compact, keys sorted, so every attempt matches."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


async def deliver_webhook(
    session_factory: Callable[[], Any],
    channels: DeliveryChannels,
    keyring: KeyRing,
    delivery_id: uuid.UUID,
) -> DeliveryOutcome:
    request = await _claim(session_factory, keyring, delivery_id)
    if isinstance(request, DeliveryOutcome):
        return request
    response = await channels.webhooks.post(request.url, request.body, request.headers)
    return await _record(session_factory, channels, delivery_id, request.attempt, response)


async def _claim(
    session_factory: Callable[[], Any], keyring: KeyRing, delivery_id: uuid.UUID
) -> _Request | DeliveryOutcome:
    async with session_factory() as session, session.begin():
        delivery = await session.get(WebhookDelivery, delivery_id, with_for_update=True)
        if delivery is None:
            return DeliveryOutcome(DeliveryStatus.SKIPPED, error="no such delivery")
        if delivery.status in FINAL_STATUSES:
            return DeliveryOutcome(DeliveryStatus(delivery.status))
        webhook = await session.get(Webhook, delivery.webhook_id)
        owner = await session.get(User, webhook.owner_id) if webhook else None
        reason = None
        secret = ""
        if webhook is None or owner is None or Role.PARTNER.value not in owner.roles:
            reason = "the webhook's owner is no longer a partner"
        else:
            try:
                secret = keyring.decrypt(webhook.secret_encrypted, secret_aad(webhook.id))
            except FieldEncryptionError as problem:
                reason = f"the webhook secret cannot be decrypted: {problem}"
        delivery.updated_at = utcnow()
        if reason is not None or webhook is None:
            delivery.status, delivery.last_error = DeliveryStatus.FAILED, reason
            return DeliveryOutcome(DeliveryStatus.FAILED, error=reason)
        delivery.attempts += 1
        body = body_of(delivery.payload)
        return _Request(
            attempt=delivery.attempts,
            url=webhook.url,
            body=body,
            headers={
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                "X-Iworkz-Event": delivery.event_kind,
                "X-Iworkz-Event-Id": delivery.event_id,
                "X-Iworkz-Delivery": str(delivery.id),
                SIGNATURE_HEADER: sign_webhook(secret, body),
            },
        )


def _attempt_outcome(response: WebhookResponse) -> str:
    if response.ok:
        return AttemptOutcome.DELIVERED
    if response.refused:
        return AttemptOutcome.REFUSED
    if response.status_code is None:
        return AttemptOutcome.NETWORK_ERROR
    return AttemptOutcome.HTTP_ERROR


async def _record(
    session_factory: Callable[[], Any],
    channels: DeliveryChannels,
    delivery_id: uuid.UUID,
    attempt: int,
    response: WebhookResponse,
) -> DeliveryOutcome:
    outcome = _attempt_outcome(response)
    error = None
    if not response.ok:
        error = (response.error or f"HTTP {response.status_code}")[:MAX_ERROR_LENGTH]
    retry_in = None
    if response.ok:
        status = DeliveryStatus.SENT
    elif response.refused:  # policy, not a passing fault: trying again changes nothing
        status = DeliveryStatus.FAILED
    else:
        retry_in = channels.retry.delay_after(attempt)
        status = DeliveryStatus.RETRYING if retry_in is not None else DeliveryStatus.FAILED
    now = utcnow()
    async with session_factory() as session, session.begin():
        delivery = await session.get(WebhookDelivery, delivery_id, with_for_update=True)
        if delivery is not None:  # None: the webhook was deleted meanwhile
            session.add(
                WebhookDeliveryAttempt(
                    delivery_id=delivery_id,
                    attempt=attempt,
                    status_code=response.status_code,
                    outcome=outcome,
                    error=error,
                    duration_ms=response.duration_ms,
                )
            )
            delivery.status = status
            delivery.last_status_code = response.status_code
            delivery.last_error = error
            delivery.updated_at = now
            if response.ok:
                delivery.delivered_at = now
    return DeliveryOutcome(status, retry_in=retry_in, error=error)
