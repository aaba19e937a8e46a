"""Strawberry objects that convert their row's columns on first read, not up front."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Self

from strawberry.schema.name_converter import NameConverter


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
    # For `columns_for`: the columns every instance reads (what identifies it, pages it
    # and what its loaded fields look up), and the fields that read columns of other
    # names (converters or resolvers; any other converter reads the column of its name).
    always_read: ClassVar[tuple[str, ...]] = ("id",)
    columns_of_field: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    # strawberry asks every object for this (`get_strawberry_type_cast`); without a class
    # value each ask would fall into `__getattr__` and raise (10× slower `is_type_of`).
    # `strawberry.cast` still sets it on an instance.
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

    @classmethod
    def lazily(cls, row: Any, **known: Any) -> Self:
        """An instance holding `known` fields, the rest converted from `row` when read."""
        instance = cls.__new__(cls)
        instance.__dict__.update(known)
        instance.__dict__["_row"] = row
        return instance

    if not TYPE_CHECKING:  # mypy keeps checking attribute names as declared

        def __getattr__(self, name: str) -> Any:
            state = self.__dict__
            convert = type(self).converters.get(name)
            if convert is None or "_row" not in state:
                raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
            value = state[name] = convert(state["_row"])
            return value


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
