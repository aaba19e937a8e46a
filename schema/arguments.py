"""A field's arguments converted by a plan made once per field, not by strawberry's walk.

Why: strawberry's `convert_arguments` works out, on every request, the GraphQL name
(camel case) and the resolved type (generic checks included) of every field of every input
type it converts: 124 µs for the jobs page's `filter` (a `JobFilter`, 13 fields), ~4 % of
the page's instructions. A plan does that work once per argument list; converting is then
a dict walk that builds the same objects (`tests/test_arguments.py`).

Exact by construction: a plan covers only what it reproduces step for step — optional
wrappers, lists, scalars and enums (passed on as they are), and input types that convert
field by field (no `from_input`, not generic). An argument whose type holds anything else
(`Maybe`, `GlobalID`, a lazy type, ...) is converted by strawberry's `convert_argument`,
as before. `install` puts `convert_arguments` where strawberry's resolvers call it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import MISSING
from typing import Any

import strawberry.schema.schema_converter as schema_converter
from strawberry.relay.types import GlobalID
from strawberry.schema.config import StrawberryConfig
from strawberry.types.arguments import (
    StrawberryArgument,
    _is_leaf_type,
    _is_optional_leaf_type,
    convert_argument,
)
from strawberry.types.base import (
    StrawberryList,
    StrawberryMaybe,
    StrawberryOptional,
    has_object_definition,
)
from strawberry.types.enum import has_enum_definition
from strawberry.types.unset import UNSET

Convert = Callable[[Any], Any]
Registry = Mapping[object, Any]
# Per argument: its GraphQL name, its Python name, and its plan (None: strawberry's own).
ArgumentPlan = tuple[tuple[str, str, Convert | None, Any], ...]

_PLANS: dict[int, tuple[Sequence[StrawberryArgument], Registry, StrawberryConfig, ArgumentPlan]]
_PLANS = {}


def convert_arguments(
    value: dict[str, Any],
    arguments: Sequence[StrawberryArgument],
    scalar_registry: Registry,
    config: StrawberryConfig,
    info: Any = None,
) -> dict[str, Any]:
    """`strawberry.types.arguments.convert_arguments`, by this argument list's plan."""
    if not arguments:
        return {}
    kwargs = {}
    for name, python_name, convert, type_ in _plan_of(arguments, scalar_registry, config):
        if name in value:
            if convert is None:
                kwargs[python_name] = convert_argument(
                    value[name], type_, scalar_registry, config, info, path=(name,)
                )
            else:
                kwargs[python_name] = convert(value[name])
    return kwargs


def install() -> None:
    """Make strawberry's resolvers convert their arguments by plan (idempotent)."""
    schema_converter.convert_arguments = convert_arguments  # type: ignore[assignment]


def _plan_of(
    arguments: Sequence[StrawberryArgument], registry: Registry, config: StrawberryConfig
) -> ArgumentPlan:
    entry = _PLANS.get(id(arguments))
    if entry is not None and entry[0] is arguments and entry[1] is registry and entry[2] is config:
        return entry[3]
    plan = tuple(
        (
            config.name_converter.from_argument(argument),
            argument.python_name,
            plan_value(argument.type, registry, config),
            argument.type,
        )
        for argument in arguments
    )
    _PLANS[id(arguments)] = (arguments, registry, config, plan)  # the schema keeps them
    return plan


def plan_value(type_: Any, registry: Registry, config: StrawberryConfig) -> Convert | None:
    """How to convert a value of `type_` as `convert_argument` does, or None when the
    type holds something only strawberry's walk converts."""
    if isinstance(type_, StrawberryMaybe):
        return None
    if isinstance(type_, StrawberryOptional):
        return plan_value(type_.of_type, registry, config)
    if isinstance(type_, StrawberryList):
        item = type_.of_type
        if _is_leaf_type(item, registry, skip_classes=(GlobalID,)) or _is_optional_leaf_type(
            item, registry, skip_classes=(GlobalID,)
        ):
            return _copied_list
        convert_item = plan_value(item, registry, config)
        return None if convert_item is None else _list_of(convert_item)
    if type_ is GlobalID:
        return None
    if _is_leaf_type(type_, registry) or has_enum_definition(type_):
        return _as_it_is
    if has_object_definition(type_):
        return _input_object(type_, registry, config)
    return None


def _input_object(cls: Any, registry: Registry, config: StrawberryConfig) -> Convert | None:
    definition = cls.__strawberry_definition__
    if definition.from_input is not None or definition.is_graphql_generic:
        return None
    fields = []
    for field in definition.fields:
        convert_field = plan_value(field.resolve_type(type_definition=definition), registry, config)
        if convert_field is None:
            return None
        fields.append((config.name_converter.from_field(field), field.python_name, convert_field))
    # Input fields without a default are None unless given (as strawberry sets them).
    defaults: dict[str, Any] = {}
    if definition.is_input:
        defaults = {
            field.python_name: None
            for field in definition.fields
            if field.default_value is MISSING and field.default_factory is MISSING
        }

    def convert(value: Any) -> Any:
        if value is None or value is UNSET:
            return value
        kwargs = dict(defaults)
        for name, python_name, convert_field in fields:
            if name in value:
                kwargs[python_name] = convert_field(value[name])
        return cls(**kwargs)

    return convert


def _as_it_is(value: Any) -> Any:
    return value


def _copied_list(value: Any) -> Any:
    # A copy: graphql-core gives every request that omits the value the same default list.
    if value is None or value is UNSET:
        return value
    return list(value)


def _list_of(convert_item: Convert) -> Convert:
    def convert(value: Any) -> Any:
        if value is None or value is UNSET:
            return value
        return [convert_item(item) for item in value]

    return convert
