"""SQL helpers shared by the query modules."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from functools import cache
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm.attributes import instance_dict

M = TypeVar("M")


def any_of(column: Any, ids: Collection[uuid.UUID]) -> Any:
    """`column = ANY($1)` with the ids as one array parameter. `column.in_(ids)` binds one
    parameter per id, and PostgreSQL's protocol (asyncpg) stops at 32,767: matching loads
    every public profile at once, 100,000 and more."""
    return column == any_(bindparam(None, list(ids), type_=ARRAY(UUID(as_uuid=True))))


def detached(model: type[M], values: Mapping[str, Any]) -> M:
    """An instance of `model` holding `values`, made as the ORM makes a loaded row (a new
    instance, the values put straight into its state) but from plain column values.

    Why: reading through the ORM, or `model(**values)`, costs 30–300 µs per SQLModel row
    (validation, change tracking, identity map); a page of 100 jobs with their skills
    spent most of its time there. Use it for rows that are only read; the instance
    belongs to no session, and columns left out stay unloaded (as deferred ones).
    """
    row = model._sa_class_manager.new_instance()  # type: ignore[attr-defined]
    instance_dict(row).update(values)
    return cast(M, row)


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
