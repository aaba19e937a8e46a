"""Which GraphQL responses a CDN may cache: public answers to anonymous GET queries.

A response is public only when nothing in it can depend on who asked: the request came
without credentials (no `Authorization`, no `Cookie`), over GET (shared caches ignore
POST), it ran without any error, and every root field it selected is on the
allow-list below — fields whose answer is the same for every anonymous caller. Anything
else is `private, no-store`, the API's default (docs/security.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import FieldNode, GraphQLError, OperationDefinitionNode, OperationType, parse

# The job board, the skill taxonomy and the prefecture list: what an anonymous visitor
# sees is what every anonymous visitor sees. (`workers`, `me`, `rateLimit`, `ask`, ...
# depend on the caller; `node` could reach anything.)
PUBLIC_ROOT_FIELDS = frozenset({"jobs", "skills", "prefectures", "__typename"})

PRIVATE = "private, no-store"


def is_anonymous(headers: Mapping[str, str]) -> bool:
    return "authorization" not in headers and "cookie" not in headers


def public_root_fields_only(query: str, operation_name: str | None) -> bool:
    """The operation is a query whose root selections are plain allow-listed fields (no
    fragment at the root, so nothing hides behind a spread)."""
    try:
        document = parse(query)
    except GraphQLError:
        return False
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [
        operation
        for operation in operations
        if operation_name is None or (operation.name and operation.name.value == operation_name)
    ]
    if len(chosen) != 1 or chosen[0].operation is not OperationType.QUERY:
        return False
    return all(
        isinstance(selection, FieldNode) and selection.name.value in PUBLIC_ROOT_FIELDS
        for selection in chosen[0].selection_set.selections
    )


def cache_control(
    *,
    method: str,
    headers: Mapping[str, str],
    query: str | None,
    operation_name: str | None,
    errors: list[Any] | None,
    max_age: int,
) -> str:
    """The Cache-Control header for one GraphQL response."""
    if (
        max_age > 0
        and method == "GET"
        and not errors
        and query is not None
        and is_anonymous(headers)
        and public_root_fields_only(query, operation_name)
    ):
        return f"public, max-age={max_age}"
    return PRIVATE
