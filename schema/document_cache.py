"""Parse and validate each distinct document once per process, not once per request.

Why: profiling `iworkz serve` (py-spy, pyinstrument; bench/README.md) showed a single
`node` lookup spending ~60 % of its time in graphql-core's `validate` and ~12 % in
`parse` — more than the SQL and the executor together. Clients send the same few
documents over and over, so both results are cached by the document's text.

Why not strawberry's `ParserCache`/`ValidationCache`: the validation cache is keyed by
the tuple of rule classes, and the depth/alias limiters create a new rule class per
request, so it never hits; and it overwrites `pre_execution_errors` set by other
extensions (`OperationNameRequired`).

Exactness: parsing (with the token limit) and validation (with every rule, limits
included) are pure functions of the text for one schema, so a cached answer equals a
fresh one. Only successful parses are cached; validation errors are cached as they are
(ErrorCodes copies them before shaping). A request whose errors another extension
already set (e.g. an ambiguous operation name) is neither served from nor stored in
the cache. Bounded: `MAX_DOCUMENTS` distinct texts, then the cache starts over.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import DocumentNode, GraphQLError
from strawberry.extensions import SchemaExtension

MAX_DOCUMENTS = 2_000


class DocumentCache:
    """One schema's cache: query text → (document, validation errors or None)."""

    def __init__(self, max_documents: int = MAX_DOCUMENTS) -> None:
        self.max_documents = max_documents
        self.documents: dict[str, DocumentNode] = {}
        self.errors: dict[str, list[GraphQLError]] = {}

    def extension(self) -> SchemaExtension:
        return CachedDocuments(self)

    def remember_document(self, text: str, document: DocumentNode) -> None:
        if len(self.documents) >= self.max_documents:
            self.documents.clear()
            self.errors.clear()
        self.documents[text] = document


class CachedDocuments(SchemaExtension):
    """Listed last, so its `on_validate` sees what the other extensions decided."""

    def __init__(self, cache: DocumentCache) -> None:
        self.cache = cache

    def on_parse(self) -> Iterator[None]:
        execution = self.execution_context
        text = execution.query
        if text is not None and execution.graphql_document is None:
            cached = self.cache.documents.get(text)
            if cached is not None:
                execution.graphql_document = cached
        yield
        document = execution.graphql_document
        if text is not None and document is not None and text not in self.cache.documents:
            self.cache.remember_document(text, document)

    def on_validate(self) -> Iterator[None]:
        execution = self.execution_context
        text = execution.query
        already_decided = execution.pre_execution_errors is not None
        cacheable = (
            text is not None
            and not already_decided
            and self.cache.documents.get(text) is execution.graphql_document
        )
        if cacheable and text in self.cache.errors:
            execution.pre_execution_errors = list(self.cache.errors[text])
            yield
            return
        yield
        found: Any = execution.pre_execution_errors
        if cacheable and found is not None:
            self.cache.errors[text] = list(found)  # type: ignore[index]
