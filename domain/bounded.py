"""Bounded dicts for what a process keeps to use again (decoded entries, verified tokens,
compiled code): when full, the oldest entry goes first."""

from __future__ import annotations

from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


def keep(kept: dict[K, V], key: K, value: V, limit: int) -> V | None:
    """`kept[key] = value`, first dropping the oldest entry when `kept` holds `limit`;
    the dropped value, if any (its owner may have to let go of something with it)."""
    dropped = None
    if len(kept) >= limit:
        dropped = kept.pop(next(iter(kept)))
    kept[key] = value
    return dropped
