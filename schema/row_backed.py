"""Strawberry objects that convert their row's columns on first read, not up front."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Self

from strawberry.schema.name_converter import NameConverter

from domain.sql import Columns

ROW = "_row"  # where an instance keeps its row's columns (`column_values`)
_new = object.__new__


class RowBacked:
    """A mixin for strawberry types shown from a database row.

    Why: `Job.from_row` built every field of every job — global ID, location, pay,
    languages, schedule, enums — whatever the query asked for: 18 µs a job, more than
    the executor then spent on the fields a page of 100 jobs did ask for. Here
    `from_row` sets only what identifies the object, and each other field is
    converted by `converters[name]` from the row the first time it is read, then kept
    on the instance (reads after the first are plain attribute reads). The values are
    exactly what an eager conversion gives; the instance is still a normal instance of
    the type (`isinstance`, `is_type_of`, equality all hold).
    """

    converters: ClassVar[Mapping[str, Callable[[Any], Any]]] = {}
    # For `columns_for`: the columns every instance reads (what identifies it and what
    # its loaded fields look up; a page reads its sort key itself: `keyset_page`), and
    # the fields that read columns of other names (converters or resolvers; any other
    # converter reads the column of its name).
    always_read: ClassVar[tuple[str, ...]] = ("id",)
    columns_of_field: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    # strawberry asks every object for this (`get_strawberry_type_cast`): a class value
    # answers at once. `strawberry.cast` still sets it on an instance.
    __as_strawberry_type__: ClassVar[type | None] = None

    @classmethod
    def columns_for(cls, graphql_names: Iterable[str]) -> frozenset[str] | None:
        """The row columns that showing these fields (GraphQL names) reads; None when a
        name is not a field of this type (then read them all). Lets a page read only what
        it shows: a page of 100 jobs read with every column cost 2.9 ms, with the twelve
        the common page shows 1.1 ms. Fields that are not converters (`id`, loaded and
        resolved fields) read no column of their own."""
        fields = _fields_by_graphql_name(cls)
        columns = set(cls.always_read)
        for name in graphql_names:
            field = fields.get(name)
            if field is None:
                return None
            if field in cls.columns_of_field:
                columns.update(cls.columns_of_field[field])
            elif field in cls.converters:
                columns.add(field)
        return frozenset(columns)

    # The class whose fields convert on read: a subclass inherits its parent's, not its own.
    _converted_on_read: ClassVar[type | None] = None

    @classmethod
    def lazily(cls, columns: ColumnValues | Columns, known: dict[str, Any]) -> Self:
        """An instance holding the `known` fields, the rest converted from `columns` when
        read. `known` becomes the instance's `__dict__` (not a copy): three objects a
        suggestion, and a keyword-argument call and `cls.__new__` cost a third more."""
        if cls._converted_on_read is not cls:
            _convert_on_read(cls)
        instance = _new(cls)
        known[ROW] = columns
        instance.__dict__ = known
        return instance


class ColumnValues:
    """A row's loaded columns as attributes, read from the row's own `__dict__` (shared,
    not copied): what `from_row` methods and converters read.

    Why: a column of a SQLModel row is SQLAlchemy's attribute descriptor, a Python call
    per read (0.31 µs, against 0.08 from the dict), and a page of 100 jobs with their
    skills read ~3,000 columns this way (bench/README.md). A loaded row, detached
    (`domain.sql.detached`) or from the ORM, holds each loaded column in its `__dict__`:
    the values are the same, and a column that was not read raises AttributeError, as on
    a detached row. (No `__getattr__` for a better message: a class with one pays for it
    on every read, found or not, 41 ns against 16.)
    """

    def __init__(self, row: Any) -> None:
        self.__dict__ = row.__dict__

    if TYPE_CHECKING:  # for the type checker only: any column name reads as a value

        def __getattr__(self, name: str) -> Any: ...


def column_values(row: Any) -> ColumnValues | Columns:
    """`row`'s columns as attributes: a `Columns` (a row read only to be shown) is that
    already, so it is used as it is; any other row is viewed through its `__dict__`."""
    return row if row.__class__ is Columns else ColumnValues(row)


def _convert_on_read(cls: type[RowBacked]) -> None:
    """Give each converted field its descriptor. Done on the first `lazily`, once
    strawberry has made the class a dataclass: before, a class attribute of a field's
    name would be taken for its default."""
    for name, convert in cls.converters.items():
        if name not in cls.__dict__:  # a field with a default keeps it
            setattr(cls, name, _ConvertedOnRead(name, convert))
    cls._converted_on_read = cls


class _ConvertedOnRead:
    """A field's value converted from the instance's row on first read, then kept on the
    instance, where later reads find it first (no `__set__`: a non-data descriptor).

    Why a descriptor, not `__getattr__`: `__getattr__` runs only after the normal
    lookup has failed and raised an AttributeError, ~1,100 times on a page of 100 jobs."""

    __slots__ = ("convert", "name")

    def __init__(self, name: str, convert: Callable[[Any], Any]) -> None:
        self.name = name
        self.convert = convert

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        state = instance.__dict__
        if ROW not in state:
            kind = type(instance).__name__
            raise AttributeError(f"{kind!r} object has no attribute {self.name!r}")
        value = state[self.name] = self.convert(state[ROW])
        return value


def converted_on_read(cls: type, name: str) -> Callable[[Any], Any] | None:
    """The converter of `cls`'s field `name` when its instances convert it from their
    row on first read (what an executor may call itself: `schema.fast_execution`)."""
    if not (isinstance(cls, type) and issubclass(cls, RowBacked)):
        return None
    if cls._converted_on_read is not cls:
        _convert_on_read(cls)
    found = next((klass.__dict__[name] for klass in cls.__mro__ if name in klass.__dict__), None)
    return found.convert if isinstance(found, _ConvertedOnRead) else None


_FIELDS_BY_GRAPHQL_NAME: dict[type[RowBacked], dict[str, str]] = {}


def _fields_by_graphql_name(cls: type[RowBacked]) -> dict[str, str]:
    """GraphQL name → Python name of every field, as the schema names them (explicit
    names, else camel case: the schema's default `StrawberryConfig`)."""
    found = _FIELDS_BY_GRAPHQL_NAME.get(cls)
    if found is None:
        names = NameConverter(auto_camel_case=True)
        fields = cls.__strawberry_definition__.fields  # type: ignore[attr-defined]
        found = _FIELDS_BY_GRAPHQL_NAME[cls] = {"__typename": "__typename"} | {
            names.get_graphql_name(field): field.python_name for field in fields
        }
    return found


@dataclass(frozen=True, slots=True)
class Composed:
    """A converter that makes a value object (`PayRange`, `Location`) of some of a row's
    columns, each field one column, converted by its own function or taken as it is;
    None when the column `absent_when_null` is null.

    Why declared rather than a lambda: the fast executor reads the parts and completes a
    plain selection of the value (`pay { min max period }`) from the columns without
    making the object (`schema.fast_execution`): making it and completing it cost
    ~13,000 instructions, two per job on a page. The object it makes holds exactly the
    parts' values, which is why the two answer the same."""

    cls: type
    # (field, column, conversion or None)
    parts: tuple[tuple[str, str, Callable[[Any], Any] | None], ...]
    absent_when_null: str | None = None

    def __call__(self, row: Any) -> Any:
        if self.absent_when_null is not None and getattr(row, self.absent_when_null) is None:
            return None
        return self.cls(
            **{
                field: getattr(row, column) if convert is None else convert(getattr(row, column))
                for field, column, convert in self.parts
            }
        )

    def part(self, field: str) -> tuple[str, Callable[[Any], Any] | None] | None:
        """The column of `field` and its conversion; None when it is not a part."""
        return next(((c, convert) for f, c, convert in self.parts if f == field), None)
