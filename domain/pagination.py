"""Keyset (cursor) pagination for Relay connections: no OFFSET scans, stable under inserts.

Every list is ordered newest first by `(created_at DESC, id DESC)`; a cursor is
that pair for one row, so a page starts exactly after the row the client saw.
"""

from __future__ import annotations

import base64
import json
import math
import uuid
from binascii import b2a_base64
from collections.abc import Awaitable, Callable, Collection, Hashable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import DateTime, Integer, Select, bindparam, func, select, tuple_

from domain.bounded import keep
from domain.clock import iso_text
from domain.errors import ErrorCode, FieldError, ValidationFailed
from domain.sql import CompiledRead, JoinedColumns, PlainRows, Readable, plain_rows

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
                errors.append(_invalid_cursor(name))
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
    # Rows of a joined table read in the same statement, one per item, as `Columns`
    # (`keyset_page`'s `joined`); empty when none were asked for.
    joined: list[Any] = field(default_factory=list)


SortKey = datetime | float


def encode_cursor(sort_value: SortKey, row_id: uuid.UUID) -> str:
    """The row's sort key and id, typed so the cursor decodes to what the column holds.

    A time's or a finite score's cursor is formatted directly — the same text
    `json.dumps` gives, since an ISO time and a UUID hold nothing JSON escapes and json
    writes a float as its `repr` — because every edge of every page makes one, and
    `json.dumps` was most of the 5–12 µs each cost."""
    if isinstance(sort_value, datetime):
        raw = f'["t", "{iso_text(sort_value)}", "{row_id}"]'
    elif sort_value.__class__ is float and math.isfinite(sort_value):  # json's own repr
        raw = f'["n", {sort_value!r}, "{row_id}"]'
    else:
        raw = json.dumps(["n", sort_value, str(row_id)])
    # `base64.urlsafe_b64encode`'s own steps, without its two Python calls.
    return b2a_base64(raw.encode(), newline=False).translate(_URL_SAFE).decode().rstrip("=")


_URL_SAFE = bytes.maketrans(b"+/", b"-_")


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


def _invalid_cursor(name: str) -> FieldError:
    return FieldError(name, ErrorCode.INVALID, "This cursor is not valid.")


def _cursor_key(
    request: PageRequest, name: str, sorted_by: Any
) -> tuple[SortKey, uuid.UUID] | None:
    """The sort key and id a cursor holds, of the kind this list sorts by: a score's
    cursor given to a list by time (another list's) is refused, not sent to PostgreSQL."""
    cursor = getattr(request, name)
    key = _decode_cursor(cursor) if cursor else None
    if key is None:
        return None
    if isinstance(key[0], datetime) != isinstance(sorted_by.type, DateTime):
        raise ValidationFailed([_invalid_cursor(name)])
    return key


@dataclass(frozen=True, slots=True)
class PageQuery:
    """A list's statement as a shape and the values of its parameters.

    `statement(shape)` writes every value as a named `bindparam` (none of them comes from
    the request), so the page statement of a shape is compiled once and sent to the
    driver (`domain.sql.CompiledRead`); a request only works out `values`. Why: building
    a search's statement with SQLAlchemy and running it through the session cost 7 % of
    the instructions of a page of 77 jobs, and 10 % of 100 suggestions (bench/README.md)."""

    statement: Callable[[Hashable], Select[Any]]
    shape: Hashable
    values: Mapping[str, Any]

    def built(self) -> Select[Any]:
        """The statement, to be run with `values` (e.g. counted)."""
        return self.statement(self.shape)


# Compiled page statements by query shape, direction, bounds and columns: clients choose
# the shapes (a search's filters), so the oldest is dropped past the limit.
MAX_COMPILED_PAGES = 512
_COMPILED_PAGES: dict[Hashable, tuple[CompiledRead, PlainRows[Any]]] = {}


def _bounds(
    request: PageRequest,
    after: tuple[SortKey, uuid.UUID] | None,
    before: tuple[SortKey, uuid.UUID] | None,
) -> dict[str, Any]:
    """The values of a page statement's own parameters; which of them it has (which
    cursors) is part of its shape."""
    bounds: dict[str, Any] = {"page_limit": request.size + 1}
    if after is not None:
        bounds["after_sort"], bounds["after_id"] = after
    if before is not None:
        bounds["before_sort"], bounds["before_id"] = before
    return bounds


def _page_of(
    statement: Select[Any], created_at: Any, row_id: Any, backwards: bool, bounds: Mapping[str, Any]
) -> Select[Any]:
    """`statement` ordered and limited to a page, after and before the cursors `bounds`
    holds, each value a named parameter."""
    key = tuple_(created_at, row_id)
    for side, beyond in (("after", key.__lt__), ("before", key.__gt__)):
        if f"{side}_id" in bounds:
            statement = statement.where(
                beyond(
                    tuple_(
                        bindparam(f"{side}_sort", type_=created_at.type),
                        bindparam(f"{side}_id", type_=row_id.type),
                    )
                )
            )
    order = (created_at.asc(), row_id.asc()) if backwards else (created_at.desc(), row_id.desc())
    return statement.order_by(*order).limit(bindparam("page_limit", type_=Integer))


def _compiled_page(
    query: PageQuery,
    leave_out: frozenset[str],
    joined: JoinedColumns | None,
    sort_key: tuple[Any, Any],
    backwards: bool,
    bounds: Mapping[str, Any],
) -> tuple[CompiledRead, PlainRows[Any]]:
    """The page statement of this shape, compiled, and how its rows become items. The
    sort key is the caller's for `query.statement`, so it is not part of the key."""
    key = (query.statement, query.shape, backwards, *bounds, leave_out, joined)
    found = _COMPILED_PAGES.get(key)
    if found is None:
        statement = query.built()
        plain = plain_rows(statement.column_descriptions[0]["entity"], leave_out)
        page = _page_of(statement, *sort_key, backwards, bounds)
        columns = [*plain.columns, *(joined.columns if joined is not None else ())]
        found = (CompiledRead(page.with_only_columns(*columns)), plain)
        keep(_COMPILED_PAGES, key, found, MAX_COMPILED_PAGES)
    return found


async def keyset_page(
    session_factory: Callable[[], Any],
    query: Select[Any] | PageQuery,
    created_at: Any,
    row_id: Any,
    request: PageRequest,
    *,
    read_only_leaving_out: Collection[str] | None = None,
    joined: JoinedColumns | None = None,
    as_columns: bool = False,
    connect: Callable[[], AbstractAsyncContextManager[Readable]] | None = None,
) -> Page[Any]:
    """Run one page of `query` (which selects a single entity) in descending order of
    `created_at` — any timestamp or numeric column, e.g. a score — then `row_id`.

    With `read_only_leaving_out` (column names not to read), the page is read as plain
    columns and its items are `detached` rows: for pages that are only shown, where the
    ORM's per-row bookkeeping cost more than the query (a page of 100 jobs). `joined`
    (with it) also reads the columns of a table the statement joins, one row per item,
    into `Page.joined` (as `Columns`): what a loader would otherwise fetch item by
    item. `as_columns` (with it) makes the items `Columns` too, for a caller that only
    shows them (a detached instance costs ~3× as much to make). A `PageQuery` read so
    is compiled once per shape, and run on a connection from `connect` when given (a
    lent read connection: opening and closing a session around its one statement cost
    2 % of a page), else on a session's.
    """
    after = _cursor_key(request, "after", created_at)
    before = _cursor_key(request, "before", created_at)
    bounds = _bounds(request, after, before)
    also: list[Any] = []
    if read_only_leaving_out is None:
        statement = query.built() if isinstance(query, PageQuery) else query
        page_statement = _page_of(statement, created_at, row_id, request.backwards, bounds)
        values = {**query.values, **bounds} if isinstance(query, PageQuery) else bounds
        async with session_factory() as session:
            rows = list((await session.execute(page_statement, values)).scalars())
    else:
        assert isinstance(query, PageQuery), "plain rows are read by a compiled PageQuery"
        compiled, plain = _compiled_page(
            query,
            # The sort key and id make the cursors: read whatever the caller shows.
            frozenset(read_only_leaving_out) - {created_at.key, row_id.key},
            joined,
            (created_at, row_id),
            request.backwards,
            bounds,
        )
        async with (connect or session_factory)() as on:
            result = await compiled.fetch(on, **query.values, **bounds)
        make = plain.columns_reader() if as_columns else plain.instance
        rows = [make(row) for row in result]
        if joined is not None:
            read_joined = joined.columns_reader(plain.width)
            also = [read_joined(row) for row in result]
    has_more = len(rows) > request.size
    rows, also = rows[: request.size], also[: request.size]
    if request.backwards:
        rows.reverse()
        also.reverse()

    async def count_total() -> int:
        statement, values = (
            (query.built(), query.values) if isinstance(query, PageQuery) else (query, None)
        )
        async with session_factory() as session:
            counted = select(func.count()).select_from(statement.order_by(None).subquery())
            return int((await session.execute(counted, values)).scalar_one())

    return Page(
        items=rows,
        cursors=[_cursor_of(vars(row), created_at.key) for row in rows],
        has_next_page=has_more if not request.backwards else request.before is not None,
        has_previous_page=has_more if request.backwards else request.after is not None,
        count_total=count_total,
        joined=also,
    )
