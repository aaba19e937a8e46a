"""No "Did you mean …?" in error messages: with them, anyone can map the schema field
by field even when introspection is off (OWASP GraphQL Cheat Sheet)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

_SUGGESTION = re.compile(r"\s*Did you mean\b.*$", re.DOTALL)


def without_suggestions(message: str) -> str:
    return _SUGGESTION.sub("", message)


class HideSuggestions(SchemaExtension):
    """Strips suggestions from every error, wherever graphql-core added them: unknown
    fields, arguments, types, enum values, input fields, in the document or the
    variables. (strawberry's `disable_field_suggestions` covers unknown fields only.)"""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        for error in (result.errors if result else None) or []:
            error.message = without_suggestions(error.message)
