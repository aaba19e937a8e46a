"""AttemptCounter adapters: Redis (shared by every process) and in-memory (embedded)."""

from __future__ import annotations

import time

from redis.asyncio import Redis


class RedisAttemptCounter:
    def __init__(self, redis: Redis, prefix: str = "iworkz:") -> None:
        self._redis = redis
        self._prefix = prefix

    async def hit(self, key: str, window_seconds: int) -> int:
        name = self._prefix + key
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, window_seconds, nx=True)
            count, _ = await pipe.execute()
        return int(count)

    async def count(self, key: str) -> tuple[int, int]:
        name = self._prefix + key
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.get(name)
            pipe.ttl(name)
            value, ttl = await pipe.execute()
        return int(value or 0), max(int(ttl), 0)

    async def clear(self, key: str) -> None:
        await self._redis.delete(self._prefix + key)


class MemoryAttemptCounter:
    """For one process (the embedded mode); windows expire lazily."""

    def __init__(self) -> None:
        self._windows: dict[str, tuple[int, float]] = {}

    def _current(self, key: str) -> tuple[int, float]:
        count, resets_at = self._windows.get(key, (0, 0.0))
        return (count, resets_at) if resets_at > time.monotonic() else (0, 0.0)

    async def hit(self, key: str, window_seconds: int) -> int:
        count, resets_at = self._current(key)
        if count == 0:
            resets_at = time.monotonic() + window_seconds
        self._windows[key] = (count + 1, resets_at)
        return count + 1

    async def count(self, key: str) -> tuple[int, int]:
        count, resets_at = self._current(key)
        return count, max(int(resets_at - time.monotonic()), 0)

    async def clear(self, key: str) -> None:
        self._windows.pop(key, None)
