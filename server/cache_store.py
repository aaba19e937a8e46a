"""Where the public cache keeps its entries: Redis (shared by every API process) or, when
embedded, a bounded dict in this process. Both offer the same three operations; the
policy (keys, generations, timeouts, outages) is server/cache.py's."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Sequence
from typing import Protocol

from redis.asyncio import Redis


class CacheStore(Protocol):
    # Whether a call may wait on something outside this process (and so needs a timeout).
    remote: bool

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]: ...

    async def put_many(self, items: Sequence[tuple[str, bytes]], ttl_seconds: int) -> None: ...

    async def invalidate(
        self, counters: Sequence[str], entries: Sequence[str], ttl_seconds: int
    ) -> None:
        """Increment each counter (kept `ttl_seconds`) and delete the entries, together."""
        ...

    async def close(self) -> None: ...


class RedisCacheStore:
    """One round trip per operation (MGET, SET EX, one pipeline for an invalidation)."""

    remote = True

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        return list(await self._redis.mget(list(keys))) if keys else []

    async def put_many(self, items: Sequence[tuple[str, bytes]], ttl_seconds: int) -> None:
        pipe = self._redis.pipeline(transaction=False)
        for key, value in items:
            pipe.set(key, value, ex=ttl_seconds)
        await pipe.execute()

    async def invalidate(
        self, counters: Sequence[str], entries: Sequence[str], ttl_seconds: int
    ) -> None:
        pipe = self._redis.pipeline(transaction=False)
        for counter in counters:
            pipe.incr(counter)
            pipe.expire(counter, ttl_seconds)
        if entries:
            pipe.delete(*entries)
        await pipe.execute()

    async def close(self) -> None:
        await self._redis.aclose()


class MemoryCacheStore:
    """Embedded mode (one process): least recently used entries go beyond `max_entries`.
    Its calls never wait, so the cache puts no timeout around them."""

    remote = False

    def __init__(self, max_entries: int = 10_000) -> None:
        self._max_entries = max_entries
        self._data: OrderedDict[str, tuple[bytes, float]] = OrderedDict()

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        """Each key's live value, or None; a key read becomes the most recently used. One
        loop, one clock reading: a page asks for ~200 keys at once."""
        data, now = self._data, time.monotonic()
        found: list[bytes | None] = []
        for key in keys:
            entry = data.get(key)
            if entry is None:
                found.append(None)
            elif entry[1] <= now:
                del data[key]
                found.append(None)
            else:
                data.move_to_end(key)
                found.append(entry[0])
        return found

    async def put_many(self, items: Sequence[tuple[str, bytes]], ttl_seconds: int) -> None:
        for key, value in items:
            self._put(key, value, ttl_seconds)

    async def invalidate(
        self, counters: Sequence[str], entries: Sequence[str], ttl_seconds: int
    ) -> None:
        for counter in counters:  # one at a time: a counter named twice goes up twice
            (current,) = await self.get_many([counter])
            self._put(counter, str(int(current or 0) + 1).encode(), ttl_seconds)
        for key in entries:
            self._data.pop(key, None)

    async def close(self) -> None:
        self._data.clear()

    def _put(self, key: str, value: bytes, ttl_seconds: int) -> None:
        self._data[key] = (value, time.monotonic() + ttl_seconds)
        self._data.move_to_end(key)
        while len(self._data) > self._max_entries:
            self._data.popitem(last=False)
