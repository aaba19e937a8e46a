"""Strawberry objects that convert their row's columns on first read, not up front."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Self


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
    # strawberry asks every object for this (`get_strawberry_type_cast`); without a class
    # value each ask would fall into `__getattr__` and raise (10× slower `is_type_of`).
    # `strawberry.cast` still sets it on an instance.
    __as_strawberry_type__: ClassVar[type | None] = None

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
