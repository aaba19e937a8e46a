"""Ports to the world outside: e-mail, mobile push and partner webhooks.

Each is a small Protocol; the adapters live in server/adapters/ (SMTP, an
Expo-style push API, an SSRF-guarded HTTP client) and are chosen once, from
settings, in `server/adapters/delivery_channels.py`. A channel that is not
configured is `None`: its deliveries are recorded as SKIPPED, nothing else.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from domain.webhooks.targets import TargetPolicy


class DeliveryError(Exception):
    """A send that did not happen; `retryable` says whether trying again may help."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True, slots=True)
class EmailMessage:
    to: str
    subject: str
    body: str  # plain text


class EmailSender(Protocol):
    async def send(self, message: EmailMessage) -> None:
        """Hand the message to the mail server, or raise `DeliveryError`."""


@dataclass(frozen=True, slots=True)
class PushMessage:
    token: str
    title: str
    body: str
    data: dict[str, Any] = field(default_factory=dict)


# Expo's ticket error for a token the device no longer answers to: forget the token.
DEVICE_NOT_REGISTERED = "DeviceNotRegistered"


@dataclass(frozen=True, slots=True)
class PushTicket:
    token: str
    ok: bool
    error: str | None = None  # Expo's `details.error`, e.g. DeviceNotRegistered
    message: str | None = None


class PushSender(Protocol):
    async def send(self, messages: list[PushMessage]) -> list[PushTicket]:
        """One ticket per message, in order; raise `DeliveryError` if the service itself
        failed (5xx, 429, network), which is retried."""


@dataclass(frozen=True, slots=True)
class WebhookResponse:
    status_code: int | None  # None: no HTTP response (network error, refused target)
    error: str | None = None
    refused: bool = False  # the target is not allowed (SSRF guard): never retried
    duration_ms: int = 0

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class WebhookSender(Protocol):
    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> WebhookResponse:
        """POST the body; never raises for network or HTTP failures, it reports them."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff: base, base×factor, base×factor², … capped, with up to 25% jitter
    so a recovering receiver is not hit by every retry at the same instant.

    `max_attempts` must not exceed the arq worker's `max_tries` (workers/settings.py),
    or arq would stop first and leave the delivery RETRYING; a test checks it."""

    max_attempts: int = 5
    base_seconds: float = 30.0
    factor: float = 4.0
    max_seconds: float = 6 * 3600.0

    def delay_after(self, attempt: int) -> float | None:
        """Seconds to wait after failed attempt number `attempt` (1-based), or None: give up."""
        if attempt >= self.max_attempts:
            return None
        delay = min(self.base_seconds * self.factor ** (attempt - 1), self.max_seconds)
        return delay * (1 + random.random() * 0.25)


@dataclass(frozen=True, slots=True)
class DeliveryChannels:
    email: EmailSender | None
    push: PushSender | None
    webhooks: WebhookSender
    webhook_policy: TargetPolicy  # which webhook URLs may be registered (and reached)
    retry: RetryPolicy = RetryPolicy()
