"""Arguments converted by plan (`schema/arguments.py`) are exactly what strawberry's own
conversion gives, for every argument of every field of the schema."""

from __future__ import annotations

from typing import Any

import pytest
import strawberry.types.arguments as strawberry_arguments
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schema.arguments import convert_arguments, plan_value
from schema.schema import build_schema

SCHEMA = build_schema()
CONVERTER = SCHEMA.schema_converter
FIELDS_WITH_ARGUMENTS = [
    pytest.param(field_def, id=f"{type_.name}.{name}")
    for type_ in SCHEMA._schema.type_map.values()
    if isinstance(type_, GraphQLObjectType) and not type_.name.startswith("__")
    for name, field_def in type_.fields.items()
    if field_def.args and "strawberry-definition" in (field_def.extensions or {})
]


def values_of(type_: GraphQLInputType, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values as graphql-core hands them to a resolver (leaves are not checked by the
    conversion, so any scalar will do); null wherever the type allows it."""
    if isinstance(type_, GraphQLNonNull):
        return _non_null_values_of(type_.of_type, depth)
    return st.none() | _non_null_values_of(type_, depth)


def _non_null_values_of(type_: Any, depth: int) -> st.SearchStrategy[Any]:
    if isinstance(type_, GraphQLList):
        return st.lists(values_of(type_.of_type, depth), max_size=3)
    if isinstance(type_, GraphQLEnumType):
        return st.sampled_from([value.value for value in type_.values.values()])
    if isinstance(type_, GraphQLInputObjectType):
        if depth > 3:
            return st.just({})
        fields = {name: values_of(field.type, depth + 1) for name, field in type_.fields.items()}
        required = {
            name: strategy
            for name, strategy in fields.items()
            if isinstance(type_.fields[name].type, GraphQLNonNull)
        }
        optional = {name: s for name, s in fields.items() if name not in required}
        return st.fixed_dictionaries(required, optional=optional)
    return st.integers() | st.text(max_size=4) | st.booleans()


@pytest.mark.parametrize("field_def", FIELDS_WITH_ARGUMENTS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_planned_arguments_are_strawberrys(field_def, data) -> None:
    arguments = field_def.extensions["strawberry-definition"].arguments
    value = data.draw(
        st.fixed_dictionaries(
            {},
            optional={name: values_of(arg.type) for name, arg in field_def.args.items()},
        )
    )
    expected = strawberry_arguments.convert_arguments(
        value, arguments, scalar_registry=CONVERTER.scalar_registry, config=SCHEMA.config
    )
    planned = convert_arguments(value, arguments, CONVERTER.scalar_registry, SCHEMA.config)
    assert _shape(planned) == _shape(expected)
    # graphql-core hands every request that omits a list the same default: never kept.
    assert not _lists(planned) & _lists(value)


def _shape(value: Any) -> Any:
    """The value with every object's class: equal shapes are the same conversion."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return ["list", [_shape(item) for item in value]]
    if hasattr(value, "__dataclass_fields__"):
        return [type(value), {name: _shape(getattr(value, name)) for name in vars(value)}]
    return [type(value), value]


def _lists(value: Any) -> set[int]:
    """The ids of every list in a value (its own, and those of the objects in it)."""
    if isinstance(value, list):
        return {id(value)}.union(*map(_lists, value))
    if isinstance(value, dict):
        return set().union(*map(_lists, value.values()))
    if hasattr(value, "__dataclass_fields__"):
        return set().union(*map(_lists, vars(value).values()))
    return set()


def test_the_hot_filters_are_planned() -> None:
    """The lever is taken where it pays: the list filters convert by plan, not by
    strawberry's walk."""
    query = SCHEMA._schema.query_type
    assert query is not None
    for field in ("jobs", "matches", "workers"):
        filter_argument = next(
            argument
            for argument in query.fields[field].extensions["strawberry-definition"].arguments
            if argument.python_name == "filter"
        )
        assert plan_value(filter_argument.type, CONVERTER.scalar_registry, SCHEMA.config)


def test_strawberrys_resolvers_convert_by_plan() -> None:
    import strawberry.schema.schema_converter as schema_converter

    assert schema_converter.convert_arguments is convert_arguments
