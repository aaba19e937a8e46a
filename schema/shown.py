"""One shown object per row object, for the rows shown lately.

Why: rows that many requests show are shared (the public cache decodes an entry once,
`server.cache.RecentEntries`; a page's skill links share their skill rows), yet each link
or request made and converted its own GraphQL object of the same row. A row is read,
never changed, once loaded, so the object made of it is the same for every link and
request showing it. Each entry holds its row, so the row's id cannot be reused meanwhile;
the oldest entry goes first past the limit.

A shown object is never changed either, so what completing a selection of its plain
fields gives is the same every time: each one carries a dict (`COMPLETIONS`) where the
fast executor keeps those results (`schema/fast_execution.py`), for the classes listed in
`SHARED_CLASSES`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, Generic, TypeVar

from domain.bounded import keep

S = TypeVar("S")

# The instance attribute holding a shown object's completed selections.
COMPLETIONS: Final = "_completions"
# The classes whose instances may be shown objects.
SHARED_CLASSES: set[type] = set()


class ShownPerRow(Generic[S]):
    def __init__(self, kind: type[S], limit: int) -> None:
        SHARED_CLASSES.add(kind)
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
        shown.__dict__[COMPLETIONS] = {}
        keep(self._shown, id(row), (row, shown), self.limit)
        return shown
