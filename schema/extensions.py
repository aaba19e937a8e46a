"""Error shaping: every error a client sees carries `extensions.code`.

Domain errors map to stable codes (UNAUTHENTICATED, FORBIDDEN, NOT_FOUND,
BAD_USER_INPUT); anything unexpected becomes INTERNAL_SERVER_ERROR and, when
masking is on (production), loses its message so no internals leak.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import OperationDefinitionNode
from graphql.error import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import ExecutionResult

from domain.errors import DomainError, Forbidden, NotFound, Unauthenticated, ValidationFailed
from schema.errors import camel_path

log = logging.getLogger("iworkz.graphql")


def error_code(error: GraphQLError) -> str:
    original = error.original_error
    if isinstance(error, GraphQLSyntaxError):
        return "GRAPHQL_PARSE_FAILED"  # Apollo's code: the document is not GraphQL at all
    if original is None:
        return str((error.extensions or {}).get("code", "GRAPHQL_VALIDATION_FAILED"))
    if isinstance(original, Unauthenticated):
        return "UNAUTHENTICATED"
    if isinstance(original, Forbidden):
        return "FORBIDDEN"
    if isinstance(original, NotFound):
        return "NOT_FOUND"
    if isinstance(original, ValidationFailed):
        return "BAD_USER_INPUT"
    if isinstance(original, GraphQLError):
        return error_code(original)
    return "INTERNAL_SERVER_ERROR"


class ErrorCodes(SchemaExtension):
    def __init__(self, *, mask_unexpected: bool) -> None:
        self.mask_unexpected = mask_unexpected

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if isinstance(result, GraphQLExecutionResult | ExecutionResult) and result.errors:
            result.errors = [self._shape(error) for error in result.errors]

    def on_stream_result(self, result: Any) -> Iterator[None]:
        """Each result of a subscription gets the same shaping as a query's."""
        if getattr(result, "errors", None):
            result.errors = [self._shape(error) for error in result.errors]
        yield

    def _shape(self, error: GraphQLError) -> GraphQLError:
        code = error_code(error)
        original = error.original_error
        extensions = {**(error.extensions or {}), "code": code}
        message = error.message
        if isinstance(original, ValidationFailed):
            extensions["fields"] = [
                {"field": camel_path(e.field), "code": e.code.value, "message": e.message}
                for e in original.errors
            ]
        if code == "INTERNAL_SERVER_ERROR" and not isinstance(original, DomainError):
            log.error("unexpected error at %s", error.path, exc_info=original)
            if self.mask_unexpected:
                message = "Unexpected error."
        return GraphQLError(
            message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=original,
            extensions=extensions,
        )


class OperationNameRequired(SchemaExtension):
    """GraphQL's GetOperation(): a document with several operations must name the one to
    run. strawberry would run the first; this makes it the spec's request error."""

    def on_validate(self) -> Iterator[None]:
        execution = self.execution_context
        document = execution.graphql_document
        # strawberry fills `operation_name` in from the document; the name the client sent
        # is kept apart (there is no public accessor for it).
        named = getattr(execution, "_provided_operation_name", None)
        if document is not None and named is None:
            operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
            if len(operations) > 1:
                # Set before validation: strawberry then answers with this request error.
                execution.pre_execution_errors = [
                    GraphQLError(
                        "Must provide operation name if query contains multiple operations.",
                        extensions={"code": "OPERATION_RESOLUTION_FAILURE"},
                    )
                ]
        yield
