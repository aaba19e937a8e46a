"""SQL helpers shared by the query modules."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from typing import Any, TypeVar, cast

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


def columns_of(model: type[Any], *, leave_out: Collection[str] = ()) -> list[Any]:
    """The model's table columns, labelled `<table>_<column>`, for a Core select whose
    rows `detached_from` turns back into instances."""
    table = model.__table__
    return [
        column.label(f"{table.name}_{column.key}")
        for column in table.columns
        if column.key not in leave_out
    ]


def detached_from(model: type[M], row: Mapping[Any, Any], *, leave_out: Collection[str] = ()) -> M:
    """The instance of `model` whose `columns_of` are in `row` (a result mapping)."""
    table = model.__table__  # type: ignore[attr-defined]
    return detached(
        model,
        {
            column.key: row[f"{table.name}_{column.key}"]
            for column in table.columns
            if column.key not in leave_out
        },
    )
