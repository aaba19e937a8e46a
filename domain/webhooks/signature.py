"""Signing webhook deliveries, and verifying them — partners may copy this file as is
(standard library only).

Scheme
------
Every delivery is an HTTP POST with a JSON body and the header::

    X-Iworkz-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>

where the HMAC key is the webhook's secret (the whole `whsec_…` string, UTF-8)
and the signed message is the timestamp, a full stop, and the raw body bytes::

    v1 = hex(HMAC_SHA256(secret, f"{t}." + body))

A receiver:

1. reads the raw body bytes (before any JSON parsing — re-serialising changes them);
2. recomputes v1 with its secret and compares in constant time (several `v1=`
   entries may appear; any match is enough);
3. rejects a timestamp more than 5 minutes from its own clock (either way), so a
   captured delivery cannot be replayed later;
4. de-duplicates on the `X-Iworkz-Event-Id` header (stable across retries), which
   also stops a replay inside the 5 minutes.

`verify_webhook_signature(secret, body, header)` does steps 2 and 3.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Iworkz-Signature"
TOLERANCE_SECONDS = 300


class WebhookSignatureError(ValueError):
    """The delivery is not authentic, or too old (or too far in the future)."""


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign_webhook(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The value of the `X-Iworkz-Signature` header for this body."""
    signed_at = int(time.time()) if timestamp is None else timestamp
    return f"t={signed_at},v1={_mac(secret, signed_at, body)}"


def verify_webhook_signature(
    secret: str,
    body: bytes,
    header: str | None,
    *,
    tolerance_seconds: int = TOLERANCE_SECONDS,
    now: float | None = None,
) -> int:
    """Return the delivery's timestamp if the signature is valid and fresh; otherwise raise
    `WebhookSignatureError`."""
    if not header:
        raise WebhookSignatureError("missing signature header")
    timestamp: int | None = None
    candidates: list[str] = []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                raise WebhookSignatureError("malformed timestamp") from None
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        raise WebhookSignatureError("the header needs t= and v1=")
    expected = _mac(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, candidate) for candidate in candidates):
        raise WebhookSignatureError("signature does not match")
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_seconds:
        raise WebhookSignatureError("timestamp outside the tolerance: a replay, or a wrong clock")
    return timestamp
