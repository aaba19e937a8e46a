"""SQL helpers shared by the query modules."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from functools import cache
from typing import Any, Generic, TypeVar

from sqlalchemy import any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY, UUID

M = TypeVar("M")


def any_of(column: Any, ids: Collection[uuid.UUID]) -> Any:
    """`column = ANY($1)` with the ids as one array parameter. `column.in_(ids)` binds one
    parameter per id, and PostgreSQL's protocol (asyncpg) stops at 32,767: matching loads
    every public profile at once, 100,000 and more."""
    return column == any_(bindparam(None, list(ids), type_=ARRAY(UUID(as_uuid=True))))


def detached(model: type[M], values: Mapping[str, Any]) -> M:
    """A read-only instance of `model` holding `values`: its columns read as attributes,
    its `model_dump` works, and nothing else of the ORM is there.

    Why: reading through the ORM, or `model(**values)`, costs 30–300 µs per SQLModel row
    (validation, change tracking, identity map), and even the ORM's bare
    `new_instance` (an `InstanceState`, set through SQLModel's `__setattr__`) cost
    ~10 µs a row under load; a page of 100 jobs with their ~300 skill links spent most
    of its time there. A mapped attribute reads a loaded value straight from the
    instance's `__dict__`, so the state is not needed to show a row. The instance
    belongs to no session and cannot join one; a column left out raises on access.
    """
    row = model.__new__(model)  # SQLModel's: pydantic's private attributes, no __init__
    row.__dict__.update(values)
    return row


class PlainRows(Generic[M]):
    """How to read `model` as plain columns and turn each result row back into a
    `detached` instance: by position, the column keys worked out once per model."""

    def __init__(self, model: type[M], leave_out: Collection[str] = ()) -> None:
        table = model.__table__  # type: ignore[attr-defined]
        self.model = model
        self.columns = [column for column in table.columns if column.key not in leave_out]
        self._keys = [column.key for column in self.columns]
        self.width = len(self._keys)

    def instance(self, row: Sequence[Any], start: int = 0) -> M:
        """The instance held by `row[start : start + width]`."""
        values = row[start : start + self.width]
        return detached(self.model, dict(zip(self._keys, values, strict=True)))


@cache
def plain_rows(model: type[M], leave_out: frozenset[str] = frozenset()) -> PlainRows[M]:
    return PlainRows(model, leave_out)
