"""Per-caller query budgets: token buckets in Redis (shared by every API process) or,
in embedded mode, in this process.

A bucket holds at most `capacity` points and refills at `restore_rate` points per
second. A query takes its calculated cost out of its caller's bucket before it runs, or
is refused. The Redis bucket is one Lua script, so concurrent requests of one caller on
any number of processes cannot overspend it.

If Redis fails, the request goes through (fail open) and the failure is logged: an
outage of the limiter must not take the whole API down. The per-query cost limit, the
depth, alias and token limits still hold without Redis.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError

log = logging.getLogger("iworkz.rate_limit")

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class BucketConfig:
    capacity: int
    restore_rate: float  # points per second

    def __post_init__(self) -> None:
        if self.capacity < 1 or self.restore_rate <= 0:
            raise ValueError("a query budget needs capacity ≥ 1 and restore rate > 0")


@dataclass(frozen=True, slots=True)
class ThrottleStatus:
    """A caller's bucket as it stood after the request (Shopify's `throttleStatus`)."""

    maximum_available: int
    currently_available: float
    restore_rate: float
    measured_at: float  # clock seconds (Unix time)

    def seconds_until_available(self, points: float) -> float:
        missing = points - self.currently_available
        return max(0.0, missing / self.restore_rate)

    @property
    def full_at(self) -> datetime:
        wait = self.seconds_until_available(self.maximum_available)
        return datetime.fromtimestamp(self.measured_at + wait, UTC)

    def as_json(self) -> dict[str, float | int]:
        return {
            "maximumAvailable": self.maximum_available,
            "currentlyAvailable": math.floor(self.currently_available),
            "restoreRate": self.restore_rate,
        }


@dataclass(frozen=True, slots=True)
class Spend:
    """The outcome of taking points out of a bucket."""

    allowed: bool
    # None when the store could not be asked (the request was let through).
    status: ThrottleStatus | None

    def retry_after(self, cost: int) -> int:
        """Whole seconds until `cost` points will be available (0 if they are)."""
        if self.status is None:
            return 0
        return math.ceil(self.status.seconds_until_available(cost))


class TokenBucket(Protocol):
    config: BucketConfig

    async def spend(self, caller: str, cost: int) -> Spend:
        """Take `cost` points from `caller`'s bucket if it holds them; 0 only reads it."""
        ...


class MemoryTokenBucket:
    """Buckets of this process only: the embedded mode, where there is one process."""

    MAX_TRACKED = 10_000

    def __init__(self, config: BucketConfig, clock: Clock = time.time) -> None:
        self.config = config
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # caller → (available, at)

    async def spend(self, caller: str, cost: int) -> Spend:
        now = self._clock()
        available = self._available(caller, now)
        allowed = cost <= available
        if allowed:
            available -= cost
        self._buckets[caller] = (available, now)
        if len(self._buckets) > self.MAX_TRACKED:
            self._forget_full(now)
        status = ThrottleStatus(
            self.config.capacity, available, self.config.restore_rate, measured_at=now
        )
        return Spend(allowed, status)

    def _available(self, caller: str, now: float) -> float:
        available, at = self._buckets.get(caller, (float(self.config.capacity), now))
        refilled = available + max(0.0, now - at) * self.config.restore_rate
        return min(float(self.config.capacity), refilled)

    def _forget_full(self, now: float) -> None:
        """A full bucket is the same as no bucket: drop those to bound memory."""
        full = [c for c in self._buckets if self._available(c, now) >= self.config.capacity]
        for caller in full:
            del self._buckets[caller]


# KEYS[1] the caller's bucket; ARGV capacity, restore rate (points/s), now (s), cost.
# Returns {allowed (0/1), available after, as a string: Lua numbers become integers}.
_SPEND_SCRIPT = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'available', 'at')
local available = tonumber(state[1])
local at = tonumber(state[2])
if available == nil or at == nil then
  available = capacity
  at = now
end
if now > at then
  available = available + (now - at) * rate
  at = now
end
available = math.min(capacity, available)
local allowed = 0
if cost <= available then
  available = available - cost
  allowed = 1
end
redis.call('HSET', KEYS[1], 'available', tostring(available), 'at', tostring(at))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - available) / rate * 1000) + 1000)
return {allowed, tostring(available)}
"""


class RedisTokenBucket:
    """Buckets shared by every API process, one Redis hash per caller that expires
    once it would be full again.

    The time comes from this process's clock (API hosts run NTP); the script never
    lets time run backwards for a bucket, so a slow clock can only refill it late.
    """

    def __init__(
        self,
        redis: Redis,
        config: BucketConfig,
        *,
        key_prefix: str = "iworkz:",
        clock: Clock = time.time,
        timeout_seconds: float = 0.5,
    ) -> None:
        self.config = config
        self._redis = redis
        self._script: AsyncScript = redis.register_script(_SPEND_SCRIPT)
        self._prefix = f"{key_prefix}query-budget:"
        self._clock = clock
        self._timeout = timeout_seconds
        self._outage_logged_at = -math.inf

    async def spend(self, caller: str, cost: int) -> Spend:
        now = self._clock()
        args: list[int | float | str] = [
            self.config.capacity,
            self.config.restore_rate,
            repr(now),
            cost,
        ]
        try:
            async with asyncio.timeout(self._timeout):
                allowed, available = await self._script(keys=[self._prefix + caller], args=args)
        except (RedisError, OSError, TimeoutError) as error:
            self._log_outage(error)
            return Spend(True, None)
        status = ThrottleStatus(
            self.config.capacity, float(available), self.config.restore_rate, measured_at=now
        )
        return Spend(bool(allowed), status)

    def _log_outage(self, error: BaseException) -> None:
        """Fail open, but say so: once a minute per process, not once per request."""
        now = time.monotonic()
        if now - self._outage_logged_at >= 60:
            self._outage_logged_at = now
            log.warning(
                "query budget store unavailable, letting requests through: %s: %s",
                type(error).__name__,
                error,
            )


class CallerBudgets:
    """One app's budgets: which store holds them follows `Services.redis` (decided at
    start-up), while their size and restore rate come from the app's settings."""

    def __init__(
        self,
        config: BucketConfig,
        *,
        key_prefix: str = "iworkz:",
        clock: Clock = time.time,
        redis_timeout_seconds: float = 0.5,
    ) -> None:
        self.config = config
        self._key_prefix = key_prefix
        self._clock = clock
        self._redis_timeout = redis_timeout_seconds
        self._memory = MemoryTokenBucket(config, clock)
        self._redis_bucket: RedisTokenBucket | None = None

    def bucket(self, redis: Redis | None) -> TokenBucket:
        if redis is None:
            return self._memory
        if self._redis_bucket is None or self._redis_bucket._redis is not redis:
            self._redis_bucket = RedisTokenBucket(
                redis,
                self.config,
                key_prefix=self._key_prefix,
                clock=self._clock,
                timeout_seconds=self._redis_timeout,
            )
        return self._redis_bucket


@dataclass(frozen=True, slots=True)
class QueryCharge:
    """What the current operation costs and where that leaves its caller's budget;
    kept on the request's context for the `rateLimit` field."""

    cost: int
    max_query_cost: int
    # None when budgets are off or their store could not be asked.
    status: ThrottleStatus | None
