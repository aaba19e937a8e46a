"""A small per-process memo for the market suggestions (`paySuggestion`, `adQualityHints`,
`skillGapSuggestions`).

Each recomputes pandas frames over the open jobs and public profiles; an app that shows
a job's page asks again on every visit. The result depends on the job or profile (its
id and `version`, which every edit bumps) and on the market around it, which has no
version of its own: entries therefore also expire after `MARKET_TTL_SECONDS`, so the
market view is at most that old. Authorisation is never memoised — callers check who
is asking first and only then look here. Per process and bounded: nothing to
invalidate across replicas, and a restart simply recomputes.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

MARKET_TTL_SECONDS = 60.0
MAX_ENTRIES = 2048

V = TypeVar("V")


class Memo(Generic[V]):
    """Key → value for `ttl_seconds`, least recently used evicted beyond `max_entries`."""

    def __init__(
        self,
        ttl_seconds: float = MARKET_TTL_SECONDS,
        max_entries: int = MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self.clock = clock
        self._entries: OrderedDict[Hashable, tuple[float, V]] = OrderedDict()

    def get(self, key: Hashable) -> tuple[bool, V | None]:
        """(found, value); an expired entry is dropped and counts as not found."""
        entry = self._entries.get(key)
        if entry is None:
            return False, None
        expires, value = entry
        if self.clock() >= expires:
            del self._entries[key]
            return False, None
        self._entries.move_to_end(key)
        return True, value

    def put(self, key: Hashable, value: V) -> None:
        self._entries[key] = (self.clock() + self.ttl_seconds, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    async def get_or_compute(self, key: Hashable, compute: Callable[[], Awaitable[V]]) -> V:
        """The memoised value, or `compute()`'s, stored. Two concurrent misses may both
        compute (the same answer); that is cheaper than holding a lock across SQL."""
        found, value = self.get(key)
        if found:
            return value  # type: ignore[return-value]
        value = await compute()
        self.put(key, value)
        return value

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
