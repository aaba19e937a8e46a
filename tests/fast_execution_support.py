"""Running one operation through both executors and comparing what a client would see.

Used by tests/test_fast_execution.py: the documents of the test suite, the variables
they need, the principals they run as, and the normalised result.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    parse,
    type_from_ast,
)

import tests
from dataloaders.loaders import Loaders
from domain.auth.authentication import principal_for_bearer
from schema.context import Context
from server.services import Services


def suite_documents() -> dict[str, str]:
    """Every module-level GraphQL document of tests/ (factories and client helpers
    included) whose operations are queries: `module.NAME` → text."""
    found: dict[str, str] = {}
    for module_info in pkgutil.walk_packages(tests.__path__, "tests."):
        if module_info.name.endswith(("conftest", "test_fast_execution")):
            continue
        try:
            module = importlib.import_module(module_info.name)
        except Exception:  # a module needing an optional dependency: not ours to judge
            continue
        for name, value in vars(module).items():
            if isinstance(value, str) and _is_query_document(value):
                found[f"{module_info.name}.{name}"] = value
    return found


def _is_query_document(text: str) -> bool:
    if "{" not in text:
        return False
    try:
        document = parse(text)
    except GraphQLError:
        return False
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    return bool(operations) and all(o.operation is OperationType.QUERY for o in operations)


def operations_of(text: str) -> Iterator[OperationDefinitionNode]:
    for definition in parse(text).definitions:
        if isinstance(definition, OperationDefinitionNode):
            yield definition


def variable_sets(
    schema: GraphQLSchema, operation: OperationDefinitionNode, ids: list[str]
) -> list[dict[str, Any]]:
    """Values for the operation's variables: one set per seeded ID (and an invalid one),
    so `node`/`job`-style operations hit objects the caller may and may not see."""
    sets = []
    for id_value in [*ids, "bm90LWFuLWlk"]:
        values: dict[str, Any] = {}
        for definition in operation.variable_definitions or ():
            type_ = type_from_ast(schema, definition.type)  # type: ignore[arg-type]
            value = _value_for(type_, id_value, 0)
            if value is not _SKIP:
                values[definition.variable.name.value] = value
        if values not in sets:
            sets.append(values)
    return sets


_SKIP = object()


def _value_for(type_: Any, id_value: str, depth: int) -> Any:
    """A plausible value of an input type (required fields only, for input objects)."""
    non_null = isinstance(type_, GraphQLNonNull)
    inner = type_.of_type if non_null else type_
    if isinstance(inner, GraphQLList):
        item = _value_for(inner.of_type, id_value, depth + 1)
        return [] if item is _SKIP else [item]
    if isinstance(inner, GraphQLEnumType):
        return next(iter(inner.values))
    if isinstance(inner, GraphQLInputObjectType):
        if not non_null or depth > 3:
            return _SKIP
        value = {}
        for name, field in inner.fields.items():
            if isinstance(field.type, GraphQLNonNull) and field.default_value is None:
                field_value = _value_for(field.type, id_value, depth + 1)
                if field_value is not _SKIP:
                    value[name] = field_value
        return value
    if isinstance(inner, GraphQLScalarType):
        return {
            "ID": id_value,
            "Int": 5,
            "Float": 1.5,
            "Boolean": True,
            "String": "倉庫",
        }.get(inner.name, _SKIP if not non_null else "x")
    return _SKIP


async def context_for(services: Services, token: str | None) -> Context:
    """A fresh request context (fresh DataLoaders) for this caller."""
    principal = await principal_for_bearer(
        services.database.session, services.tokens, f"Bearer {token}" if token else None
    )
    return Context(
        services=services,
        settings=services.settings,
        principal=principal,
        loaders=Loaders(services.database, principal, services.keyring),
        client_ip="127.0.0.1",
    )


def client_view(result: Any) -> dict[str, Any]:
    """What reaches the client: data, and each error's message, path and code."""
    errors = [
        {
            "message": error.message,
            "path": error.path,
            "code": (error.extensions or {}).get("code"),
            "locations": [tuple(loc) for loc in error.locations or ()],
        }
        for error in result.errors or ()
    ]
    return {"data": result.data, "errors": errors}
