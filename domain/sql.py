"""SQL helpers shared by the query modules."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from contextlib import AbstractContextManager, ExitStack
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, Protocol, TypeVar

from pydantic import BaseModel
from sqlalchemy import Column, Float, Select, Table, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.pool import Pool
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.type_api import TypeEngine

M = TypeVar("M")


def any_of(column: Any, ids: Collection[uuid.UUID]) -> Any:
    """`column = ANY($1)` with the ids as one array parameter. `column.in_(ids)` binds one
    parameter per id, and PostgreSQL's protocol (asyncpg) stops at 32,767: matching loads
    every public profile at once, 100,000 and more."""
    return column == any_(uuid_array(ids))


def uuid_array(ids: Collection[uuid.UUID]) -> Any:
    """The ids as one array value: one parameter, however many ids."""
    return bindparam(None, list(ids), type_=UUID_ARRAY)


UUID_ARRAY = ARRAY(UUID(as_uuid=True))


def any_of_parameter(column: Any, name: str) -> Any:
    """`column = ANY($n)`, the ids bound later under `name` (for a `CompiledRead`)."""
    return column == any_(bindparam(name, type_=UUID_ARRAY))


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
    # What SQLModel's `__new__` does (no `__init__`), without its two Python calls: a
    # page shows ~450 rows. `tests/test_row_backed.py` checks that nothing is missed.
    row = _new(model)
    _set_fields_set(row, set())
    _set_extra(row, None)
    _set_private(row, None)
    row.__dict__.update(values)
    return row


_new = object.__new__
_set_fields_set = vars(BaseModel)["__pydantic_fields_set__"].__set__  # the slots' setters
_set_extra = vars(BaseModel)["__pydantic_extra__"].__set__
_set_private = vars(BaseModel)["__pydantic_private__"].__set__


class PlainRows(Generic[M]):
    """How to read `model` as plain columns and turn each result row back into a
    `detached` instance, or into `Columns`: by position, the column keys worked out once
    per model."""

    def __init__(self, model: type[M], leave_out: Collection[str] = ()) -> None:
        table = model.__table__  # type: ignore[attr-defined]
        self.model = model
        self.columns = [column for column in table.columns if column.key not in leave_out]
        self.keys = tuple(column.key for column in self.columns)
        if not all(key.isidentifier() for key in self.keys):
            raise ValueError(f"not column keys: {self.keys}")
        self.width = len(self.keys)
        self._readers: dict[int, Callable[[Sequence[Any]], dict[str, Any]]] = {}

    def position(self, key: str) -> int:
        """Where column `key` is in a row read with `columns`."""
        return self.keys.index(key)

    def instance(self, row: Sequence[Any], start: int = 0) -> M:
        """The instance held by `row[start : start + width]`."""
        reader = self._readers.get(start)
        if reader is None:
            reader = self._readers[start] = eval(f"lambda row: {_dict_display(self.keys, start)}")
        return detached(self.model, reader(row))

    def columns_reader(self, start: int = 0) -> Callable[[Sequence[Any]], Columns]:
        """What makes the `Columns` held by `row[start : start + width]`."""
        return _columns_reader(((self.keys, start, None),))


class Columns:
    """A row's columns as attributes, nothing else: a row read only to be shown by the
    caller (`keyset_page(joined=...)`). A `detached` instance costs ~3× as much to make
    (its slots, then its `__dict__` through pydantic's descriptor), ~100 a page of
    suggestions. A column that was not read raises AttributeError, as on a detached row."""

    if TYPE_CHECKING:  # for the type checker only: any column name reads as a value

        def __getattr__(self, name: str) -> Any: ...


class JoinedColumns(Protocol):
    """How a statement's rows hold the columns of a table it joins (`keyset_page`'s
    `joined`): the columns to select after the statement's own, and what makes each
    row's `Columns`."""

    @property
    def columns(self) -> Sequence[Column[Any]]: ...

    def columns_reader(self, start: int = 0) -> Callable[[Sequence[Any]], Columns]: ...


class WithRelated:
    """`rows`' columns, then `related`'s, each `Columns` of the first holding the second's
    as its attribute `name`: a suggestion's job read with the job's organisation, in the
    page's statement, for a page that shows both (what two loaders would fetch)."""

    def __init__(self, rows: PlainRows[Any], name: str, related: PlainRows[Any]) -> None:
        if not name.isidentifier() or name in rows.keys:
            raise ValueError(f"not a name for the related columns: {name}")
        self.columns = [*rows.columns, *related.columns]
        self._rows = rows
        self._name = name
        self._related = related

    def columns_reader(self, start: int = 0) -> Callable[[Sequence[Any]], Columns]:
        related = (self._related.keys, start + self._rows.width, self._name)
        return _columns_reader((related, (self._rows.keys, start, None)))


@lru_cache(maxsize=64)  # one per pair of column sets a query shape reads: compiled once
def with_related(rows: PlainRows[Any], name: str, related: PlainRows[Any]) -> WithRelated:
    return WithRelated(rows, name, related)


def _dict_display(keys: Sequence[str], start: int, *extra: str) -> str:
    """`{keys[0]: row[start], keys[1]: row[start + 1], …}` as code: a dict display with
    constant keys and indexes is ~4× faster than slicing the row and zipping it with the
    keys, and a page of jobs turns ~400 rows into instances."""
    items = [f"{key!r}: row[{start + index}]" for index, key in enumerate(keys)]
    return "{" + ", ".join([*items, *extra]) + "}"


@lru_cache(maxsize=256)
def _columns_reader(
    parts: tuple[tuple[tuple[str, ...], int, str | None], ...],
) -> Callable[[Sequence[Any]], Columns]:
    """One generated function making the `Columns` of each part (keys, start, and the
    name under which the next part holds it), the last returned: one call a row, where
    making a joined row with its related row through methods took seven."""
    lines, held = ["def read(row):"], None
    for index, (keys, start, name) in enumerate(parts):
        extra = () if held is None else (f"{held[0]!r}: c{held[1]}",)
        display = _dict_display(keys, start, *extra)
        lines += [f"    c{index} = new(Columns)", f"    c{index}.__dict__ = {display}"]
        held = (name, index) if name is not None else None
    lines.append(f"    return c{len(parts) - 1}")
    namespace: dict[str, Any] = {"new": _new, "Columns": Columns}
    exec("\n".join(lines), namespace)
    return namespace["read"]  # type: ignore[no-any-return]


def all_but(model: type[Any], columns: Collection[str]) -> frozenset[str]:
    """The columns of `model` not in `columns`: what a read of only `columns` leaves out
    (`keyset_page(read_only_leaving_out=...)`). Worked out once per set of columns: a
    page asks on every request, and the sets are the few its queries show."""
    return _all_but(model.__table__, frozenset(columns))


@lru_cache(maxsize=256)
def _all_but(table: Table, columns: frozenset[str]) -> frozenset[str]:
    return frozenset(column.key for column in table.columns if column.key not in columns)


@lru_cache(maxsize=256)  # one per model and set of columns a query shape reads
def plain_rows(model: type[M], leave_out: frozenset[str] = frozenset()) -> PlainRows[M]:
    return PlainRows(model, leave_out)


_DIALECT = asyncpg_dialect()


class DriverConnection:
    """A pooled connection lent for reads sent to asyncpg itself (`Database.read_connection`),
    with the pool it came from, by which statement listeners know the database.

    Why not SQLAlchemy's `AsyncConnection`: opening and closing one cost ~120 µs of CPU more
    than the pool's raw checkout (bench/README.md), and every authenticated request opens
    one to learn who the caller is. Every statement on it is its own transaction, as
    asyncpg runs them: nothing here begins one."""

    __slots__ = ("driver", "pool")

    def __init__(self, driver: Any, pool: Pool) -> None:
        self.driver = driver  # asyncpg's Connection
        self.pool = pool


# What a `CompiledRead` runs on: a session, a session's connection, or a lent connection
# when the read is all there is.
Readable = AsyncSession | AsyncConnection | DriverConnection


class CompiledRead:
    """A SELECT compiled once and run as the driver's SQL, on a session's connection or a
    pooled connection; its rows are asyncpg records (or SQLAlchemy rows of the same
    values, inside a transaction), read by position.

    Why (measured, bench/README.md): one small read through `session.execute` cost
    ~1.1 ms of CPU — the ORM's execution context, the statement's cache key, the typed
    result — against 0.3 ms through `exec_driver_sql`, and on an autocommit connection
    (every read session) or a lent `DriverConnection` ~0.15–0.2 ms less again sent to asyncpg
    itself, with no greenlet, execution context or result object. The hot reads of every
    request — who the caller is, organisations, the skills of a page of jobs — are a
    fixed shape, so they are compiled once, at import. Statements sent to the driver
    itself are reported to `around_driver_statements` hooks (tracing, the tests'
    statement counts), as SQLAlchemy reports its own to its engine events. Inside a
    transaction SQLAlchemy runs the statement: it begins its transactions lazily, on the
    first statement it sees.

    Parameters: a named `bindparam` without a value is given to `fetch` by name, and
    converted as SQLAlchemy converts it (its type's bind processor); a value written into
    the statement (a constant) is sent as it was compiled. A list for `IN` cannot be
    compiled once (its length is in the SQL): use `= ANY(array)` (`any_of_parameter`).

    Exactness: only column types whose values SQLAlchemy passes on unchanged from
    asyncpg are allowed (checked here, so a new column type fails at import rather
    than giving a subtly different value); JSON is decoded by the codec SQLAlchemy
    installs on every connection.
    """

    def __init__(self, statement: Select[Any]) -> None:
        for column in statement.selected_columns:
            if not _passed_through(column.type):
                raise TypeError(f"{column} ({column.type}) is converted by SQLAlchemy")
        compiled = statement.compile(dialect=_DIALECT)
        if "POSTCOMPILE" in compiled.string:
            raise TypeError(f"a parameter is expanded per execution: {compiled.string}")
        self.sql = compiled.string
        self._parameters = tuple(
            _parameter(name, compiled.binds[name]) for name in compiled.positiontup or ()
        )

    async def fetch(self, on: Readable, **parameters: Any) -> Sequence[Any]:
        values = tuple(parameter.value(parameters) for parameter in self._parameters)
        if isinstance(on, DriverConnection):
            return await self._on_driver(on.driver, on.pool, values)
        connection = await on.connection() if isinstance(on, AsyncSession) else on
        pooled = connection.sync_connection
        assert pooled is not None  # a session's connection, or one opened with `async with`
        if pooled.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            return (await connection.exec_driver_sql(self.sql, values)).all()
        driver = pooled.connection.driver_connection  # autocommit: asyncpg's own way
        return await self._on_driver(driver, pooled.engine.pool, values)

    async def _on_driver(self, driver: Any, pool: Pool, values: tuple[Any, ...]) -> Sequence[Any]:
        if not _DRIVER_STATEMENT_HOOKS:
            return await driver.fetch(self.sql, *values)  # type: ignore[no-any-return]
        with ExitStack() as hooks:
            for hook in _DRIVER_STATEMENT_HOOKS:
                hooks.enter_context(hook(pool, self.sql, values))
            return await driver.fetch(self.sql, *values)  # type: ignore[no-any-return]


# `hook(pool, sql, parameters)`: entered before a statement goes to the driver itself on a
# connection of `pool`, left when it is done (or failed).
DriverStatementHook = Callable[[Pool, str, tuple[Any, ...]], AbstractContextManager[Any]]
_DRIVER_STATEMENT_HOOKS: list[DriverStatementHook] = []


def around_driver_statements(hook: DriverStatementHook) -> Callable[[], None]:
    """Run `hook` around every statement `CompiledRead` sends to asyncpg itself (those
    SQLAlchemy runs reach its engine events instead); returns what removes it."""
    _DRIVER_STATEMENT_HOOKS.append(hook)
    return lambda: _DRIVER_STATEMENT_HOOKS.remove(hook)


class _Parameter(NamedTuple):
    name: str
    required: bool  # given to `fetch`; else `constant`, as compiled
    constant: Any
    convert: Callable[[Any], Any] | None  # the type's bind processor

    def value(self, given: Mapping[str, Any]) -> Any:
        """What is sent for this parameter, of the values `fetch` was given."""
        if not self.required:
            return self.constant
        value = given[self.name]
        return value if self.convert is None else self.convert(value)


def _parameter(name: str, bind: BindParameter[Any]) -> _Parameter:
    convert = bind.type._cached_bind_processor(_DIALECT)
    if bind.required:
        return _Parameter(name, True, None, convert)
    value = bind.effective_value
    return _Parameter(name, False, value if convert is None else convert(value), None)


def _passed_through(type_: TypeEngine[Any]) -> bool:
    """SQLAlchemy hands asyncpg's value on as it is: no result processor, an ARRAY of
    such items (asyncpg already returns a list), or a float column (its processor,
    chosen by the column's PostgreSQL type, is None for float4 and float8)."""
    if isinstance(type_, ARRAY):
        return _passed_through(type_.item_type)
    if isinstance(type_, Float) and not type_.asdecimal:
        return True
    return type_._cached_result_processor(_DIALECT, None) is None  # type: ignore[no-any-return]
