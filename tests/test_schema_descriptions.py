"""Every type, field, argument and enum value of the schema has a description: partners
read them in GraphiQL and in the code they generate from the SDL."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    is_specified_scalar_type,
)

from schema.schema import build_schema


def undescribed(schema: GraphQLSchema) -> Iterator[str]:
    """Schema coordinates (`Type`, `Type.field`, `Type.field(arg:)`, `Enum.VALUE`) without a
    description, GraphQL's own types and scalars aside."""
    for name, named in sorted(schema.type_map.items()):
        if name.startswith("__") or is_specified_scalar_type(named):
            continue
        yield from _of_type(name, named)


def _of_type(name: str, named: GraphQLNamedType) -> Iterator[str]:
    if not (named.description or "").strip():
        yield name
    if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
        for field_name, field in named.fields.items():
            if not (field.description or "").strip():
                yield f"{name}.{field_name}"
            for argument_name, argument in getattr(field, "args", {}).items():
                if not (argument.description or "").strip():
                    yield f"{name}.{field_name}({argument_name}:)"
    if isinstance(named, GraphQLEnumType):
        for value_name, value in named.values.items():
            if not (value.description or "").strip():
                yield f"{name}.{value_name}"


def test_the_checker_finds_what_is_missing():
    from graphql import build_schema as from_sdl

    sdl = '"""Q."""\ntype Query { a(x: Int): E }\n"""E."""\nenum E { """V.""" V W }'
    assert list(undescribed(from_sdl(sdl))) == ["E.W", "Query.a", "Query.a(x:)"]


def test_everything_in_the_schema_is_described():
    missing = list(undescribed(build_schema()._schema))
    assert not missing, f"{len(missing)} without a description:\n" + "\n".join(missing)
