"""Keyset (cursor) pagination for Relay connections: no OFFSET scans, stable under inserts.

Every list is ordered newest first by `(created_at DESC, id DESC)`; a cursor is
that pair for one row, so a page starts exactly after the row the client saw.
"""

from __future__ import annotations

import base64
import json
import math
import uuid
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select, tuple_

from domain.errors import ErrorCode, FieldError, ValidationFailed
from domain.sql import PlainRows, plain_rows

T = TypeVar("T")
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class PageRequest:
    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    def validate(self, max_size: int = MAX_PAGE_SIZE) -> PageRequest:
        errors = []
        if self.first is not None and self.last is not None:
            errors.append(
                FieldError("last", ErrorCode.INVALID, "Pass `first` or `last`, not both.")
            )
        for name in ("first", "last"):
            size = getattr(self, name)
            if size is not None and not 0 <= size <= max_size:
                errors.append(
                    FieldError(name, ErrorCode.OUT_OF_RANGE, f"`{name}` must be 0–{max_size}.")
                )
        for name in ("after", "before"):
            cursor = getattr(self, name)
            if cursor is not None and _decode_cursor(cursor) is None:
                errors.append(FieldError(name, ErrorCode.INVALID, "This cursor is not valid."))
        if errors:
            raise ValidationFailed(errors)
        return self

    @property
    def backwards(self) -> bool:
        return self.last is not None

    @property
    def size(self) -> int:
        return self.last if self.last is not None else (self.first or DEFAULT_PAGE_SIZE)


@dataclass(slots=True)
class Page(Generic[T]):
    items: list[T]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool
    count_total: Callable[[], Awaitable[int]]
    # Rows of a joined table read in the same statement, one per item (`keyset_page`'s
    # `joined`); empty when none were asked for.
    joined: list[Any] = field(default_factory=list)


SortKey = datetime | float


def encode_cursor(sort_value: SortKey, row_id: uuid.UUID) -> str:
    """The row's sort key and id, typed so the cursor decodes to what the column holds.

    A time's or a finite score's cursor is formatted directly — the same text
    `json.dumps` gives, since an ISO time and a UUID hold nothing JSON escapes and json
    writes a float as its `repr` — because every edge of every page makes one, and
    `json.dumps` was most of the 5–12 µs each cost."""
    if isinstance(sort_value, datetime):
        raw = f'["t", "{sort_value.isoformat()}", "{row_id}"]'
    elif sort_value.__class__ is float and math.isfinite(sort_value):  # json's own repr
        raw = f'["n", {sort_value!r}, "{row_id}"]'
    else:
        raw = json.dumps(["n", sort_value, str(row_id)])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _cursor_of(columns: dict[str, Any], sort_key: str) -> str:
    """A loaded row's cursor, its columns read from its `__dict__`, where a loaded row
    keeps them: through SQLAlchemy's attribute descriptors each read cost ~4× more."""
    return encode_cursor(columns[sort_key], columns["id"])


def _decode_cursor(cursor: str) -> tuple[SortKey, uuid.UUID] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        kind, value, row_id = json.loads(raw)
        if kind not in ("t", "n"):
            return None
        sort_value: SortKey = datetime.fromisoformat(value) if kind == "t" else float(value)
        return sort_value, uuid.UUID(row_id)
    except (ValueError, TypeError):
        return None


async def keyset_page(
    session_factory: Callable[[], Any],
    statement: Select[Any],
    created_at: Any,
    row_id: Any,
    request: PageRequest,
    *,
    read_only_leaving_out: Collection[str] | None = None,
    joined: PlainRows[Any] | None = None,
) -> Page[Any]:
    """Run one page of `statement` (which selects a single entity) in descending order of
    `created_at` — any timestamp or numeric column, e.g. a score — then `row_id`.

    With `read_only_leaving_out` (column names not to read), the page is read as plain
    columns and its items are `detached` rows: for pages that are only shown, where the
    ORM's per-row bookkeeping cost more than the query (a page of 100 jobs). `joined`
    (with it) also reads the columns of a table the statement joins, one row per item,
    into `Page.joined`: what a loader would otherwise fetch item by item.
    """
    key = tuple_(created_at, row_id)
    page_statement = statement
    if request.after and (after := _decode_cursor(request.after)):
        page_statement = page_statement.where(key < tuple_(*after))
    if request.before and (before := _decode_cursor(request.before)):
        page_statement = page_statement.where(key > tuple_(*before))
    if request.backwards:
        order = (created_at.asc(), row_id.asc())
    else:
        order = (created_at.desc(), row_id.desc())
    page_statement = page_statement.order_by(*order).limit(request.size + 1)

    also: list[Any] = []
    async with session_factory() as session:
        if read_only_leaving_out is None:
            rows = list((await session.execute(page_statement)).scalars())
        else:
            plain = plain_rows(
                statement.column_descriptions[0]["entity"], frozenset(read_only_leaving_out)
            )
            columns = [*plain.columns, *(joined.columns if joined is not None else ())]
            # On the session's connection: the rows are plain columns, and the ORM's result
            # loading around them cost ~0.1-0.17 ms of the read of 77 jobs (~1.2 ms).
            connection = await session.connection()
            result = (await connection.execute(page_statement.with_only_columns(*columns))).all()
            rows = [plain.instance(row) for row in result]
            if joined is not None:
                also = [joined.instance(row, plain.width) for row in result]
    has_more = len(rows) > request.size
    rows, also = rows[: request.size], also[: request.size]
    if request.backwards:
        rows.reverse()
        also.reverse()

    async def count_total() -> int:
        async with session_factory() as session:
            counted = select(func.count()).select_from(statement.order_by(None).subquery())
            return int((await session.execute(counted)).scalar_one())

    return Page(
        items=rows,
        cursors=[_cursor_of(vars(row), created_at.key) for row in rows],
        has_next_page=has_more if not request.backwards else request.before is not None,
        has_previous_page=has_more if request.backwards else request.after is not None,
        count_total=count_total,
        joined=also,
    )
