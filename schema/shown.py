"""One shown object per row object, for the rows shown lately.

Why: rows that many requests show are shared (the public cache decodes an entry once,
`server.cache.RecentEntries`; a page's skill links share their skill rows), yet each link
or request made and converted its own GraphQL object of the same row. A row is read,
never changed, once loaded, so the object made of it is the same for every link and
request showing it. Each entry holds its row, so the row's id cannot be reused meanwhile;
the oldest entry goes first past the limit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from domain.bounded import keep

S = TypeVar("S")


class ShownPerRow(Generic[S]):
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._shown: dict[int, tuple[Any, S]] = {}

    def __len__(self) -> int:
        return len(self._shown)

    def of(self, row: Any, make: Callable[[Any], S]) -> S:
        """The object made of this row object, made by `make` the first time."""
        entry = self._shown.get(id(row))
        if entry is not None and entry[0] is row:
            return entry[1]
        shown = make(row)
        keep(self._shown, id(row), (row, shown), self.limit)
        return shown
