"""Fields whose whole resolver is one DataLoader call and a pure conversion.

Why declare them rather than write the resolver: on a page of 100 jobs, `organization`
and `skills` were ~90 µs per job in the standard executor (a coroutine, an `info`
object, a DataLoader future and a gathered task per field per object). Declared this
way, the standard executor still gets an ordinary async resolver, and the fast executor
(`schema.fast_execution`) reads the declaration instead: it calls `loader.load(key)` for
every object of the page in its synchronous pass and completes all of them after one
await. Both run the same `convert`, so they answer the same.

    organization: Organization = loaded_field(
        "organization", key="organization_pk", convert=Organization.from_row,
        description="The organisation offering the job.",
    )

The GraphQL type is the class annotation (strawberry uses it for a resolver without a
return annotation).
"""

# No `from __future__ import annotations`: strawberry must see `Info` itself on `resolve`.
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import strawberry
from strawberry.types import Info

LOADED_BY_ATTRIBUTE = "loaded_by"


# `preloaded` attribute not set: the loader is asked.
NOT_PRELOADED: Any = object()


@dataclass(frozen=True, slots=True)
class LoadedBy:
    """Where a field's value comes from: `convert(await loaders.<loader>.load(self.<key>))`,
    or `convert(self.<preloaded>)` when the object was made with the value already read
    (a page that read it in its own statement)."""

    loader: str
    key: str
    convert: Callable[[Any], Any]
    preloaded: str | None = None

    def preloaded_value(self, source: Any) -> Any:
        """The value `source` was made with, or `NOT_PRELOADED`."""
        if self.preloaded is None:
            return NOT_PRELOADED
        return getattr(source, self.preloaded, NOT_PRELOADED)


def loaded_field(
    loader: str,
    *,
    key: str,
    convert: Callable[[Any], Any],
    description: str,
    preloaded: str | None = None,
) -> Any:
    """A strawberry field resolved by `loaders.<loader>` for `self.<key>`, then `convert`;
    `self.<preloaded>`, when the object has it, instead of the loader."""
    declared = LoadedBy(loader, key, convert, preloaded)

    async def resolve(self: Any, info: Info) -> Any:
        value = declared.preloaded_value(self)
        if value is NOT_PRELOADED:
            value = await getattr(info.context.loaders, loader).load(getattr(self, key))
        return convert(value)

    del resolve.__annotations__["return"]  # the field's type is the class annotation
    setattr(resolve, LOADED_BY_ATTRIBUTE, declared)
    return strawberry.field(resolver=resolve, description=description)


def loaded_by_of(resolver: Any) -> LoadedBy | None:
    """The declaration behind a resolver function, if it has one."""
    spec = getattr(resolver, LOADED_BY_ATTRIBUTE, None)
    return spec if isinstance(spec, LoadedBy) else None
