"""A DataLoader cache that takes loaded values in bulk and makes a future only when asked.

Why: the fast executor loads a page's values itself, one batch per loader
(`schema.fast_execution._load`), then primes them into the loader so that a later `load`
in the same request finds them, as after the loader's own batch. strawberry's
`prime_many` made a done future per key, with four Python calls around it: ~10,000
instructions a key, ~1 M of a page of 100 suggestions with their organisations, for
futures hardly ever asked for. Here priming is one dict update, and a primed value
becomes a done future when `load` asks for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, TypeVar

from strawberry.dataloader import AbstractCache, DataLoader

K = TypeVar("K")
T = TypeVar("T")


class PrimedCache(AbstractCache[K, T]):
    """strawberry's default cache (a future per key, the key itself as the cache key),
    and values primed in bulk. A key's future, once there, wins over a primed value."""

    __slots__ = ("futures", "values")

    def __init__(self) -> None:
        self.futures: dict[K, asyncio.Future[T]] = {}
        self.values: dict[K, T] = {}

    def get(self, key: K) -> asyncio.Future[T] | None:
        future = self.futures.get(key)
        if future is None and key in self.values:
            future = asyncio.get_running_loop().create_future()
            future.set_result(self.values.pop(key))
            self.futures[key] = future
        return future

    def set(self, key: K, value: asyncio.Future[T]) -> None:
        self.futures[key] = value

    def delete(self, key: K) -> None:
        primed = self.values.pop(key, _ABSENT)
        if self.futures.pop(key, _ABSENT) is _ABSENT and primed is _ABSENT:
            raise KeyError(key)  # as the default cache does

    def clear(self) -> None:
        self.futures.clear()
        self.values.clear()


_ABSENT: Any = object()


def prime(loader: DataLoader[K, T], values: Mapping[K, T]) -> None:
    """`loader.prime_many(values)`, in bulk when the loader has a `PrimedCache` and no
    batch waiting to be sent (`prime_many` also answers the waiting keys it primes)."""
    cache = loader.cache_map
    waiting = loader.batch is not None and not loader.batch.dispatched
    if loader.cache and isinstance(cache, PrimedCache) and not waiting:
        cache.values.update(values)  # where a key has a future already, it still wins
    else:
        loader.prime_many(values)
