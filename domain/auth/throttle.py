"""Login throttling, per account and per client IP, over a shared attempt counter.

Counting by the email string (whether or not an account has it) means being
throttled reveals nothing about which emails exist.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol


class AttemptCounter(Protocol):
    """Counts events per key in a fixed window (Redis in production, memory when embedded)."""

    async def hit(self, key: str, window_seconds: int) -> int: ...

    async def count(self, key: str) -> tuple[int, int]:
        """(events in the current window, seconds until it resets)."""
        ...

    async def clear(self, key: str) -> None: ...


@dataclass(frozen=True)
class LoginThrottle:
    counter: AttemptCounter
    max_failures_per_account: int = 5
    max_failures_per_ip: int = 30
    window_seconds: int = 900

    @staticmethod
    def _account_key(email: str) -> str:
        # Hashed: the counter store need not hold email addresses.
        digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
        return f"login-failures:account:{digest}"

    @staticmethod
    def _ip_key(ip: str | None) -> str:
        return f"login-failures:ip:{ip or 'unknown'}"

    async def retry_after(self, email: str, ip: str | None) -> int | None:
        """Seconds to wait before another attempt, or None when one is allowed now."""
        for key, limit in (
            (self._account_key(email), self.max_failures_per_account),
            (self._ip_key(ip), self.max_failures_per_ip),
        ):
            failures, resets_in = await self.counter.count(key)
            if failures >= limit:
                return max(resets_in, 1)
        return None

    async def failed(self, email: str, ip: str | None) -> None:
        await self.counter.hit(self._account_key(email), self.window_seconds)
        await self.counter.hit(self._ip_key(ip), self.window_seconds)

    async def succeeded(self, email: str) -> None:
        await self.counter.clear(self._account_key(email))
