"""A variable definition's signature (its name, input type and default) made once per
definition, not once per request.

Why: graphql-core works it out again every time it coerces a request's variables
(`type_from_ast` and a named tuple per variable): ~15 K instructions of a `node` lookup
(0.7 %), more for the jobs page's three. The document cache (schema/document_cache.py)
hands every request of one text the same definition nodes, and the signature is a pure
function of the schema and the node, so the one made first is the one made again.

A signature is kept only when it is one (an error, which validation rules out anyway, is
made afresh), with its node, so that a node's id is never taken for another's. Its
default (`GraphQLDefaultInput`) is then shared by the requests of a document, and with it
the coerced default graphql-core keeps on it: the way an argument's default is shared
(schema/arguments.py copies such lists before a resolver gets them).
"""

from __future__ import annotations

from graphql import GraphQLSchema, VariableDefinitionNode
from graphql.error import GraphQLError
from graphql.execution import values
from graphql.execution.get_variable_signature import (
    GraphQLVariableSignature,
    get_variable_signature,
)

from domain.bounded import keep

SIGNATURES_KEPT = 8192

_SIGNATURES: dict[
    tuple[int, int], tuple[GraphQLSchema, VariableDefinitionNode, GraphQLVariableSignature]
] = {}


def kept_signature(
    schema: GraphQLSchema, node: VariableDefinitionNode
) -> GraphQLVariableSignature | GraphQLError:
    """`get_variable_signature`, the first answer for this schema and node kept."""
    found = _SIGNATURES.get((id(schema), id(node)))
    if found is not None and found[0] is schema and found[1] is node:
        return found[2]
    signature = get_variable_signature(schema, node)
    if not isinstance(signature, GraphQLError):
        keep(_SIGNATURES, (id(schema), id(node)), (schema, node, signature), SIGNATURES_KEPT)
    return signature


def install() -> None:
    """Make graphql-core's variable coercion use the kept signatures (idempotent)."""
    values.get_variable_signature = kept_signature  # type: ignore[assignment]
