"""Persisted queries: Apollo's automatic persisted queries (APQ) and trusted documents.

APQ (what Apollo Client's persisted-query link and urql's persistedExchange speak): the
client sends `extensions.persistedQuery = {version: 1, sha256Hash}` without the query.

- unknown hash → HTTP 200 `{"errors": [{"message": "PersistedQueryNotFound",
  "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}]}`; the client retries with the
  query and the hash;
- query and hash → the hash must be the SHA-256 of the query (else 400, Apollo's
  "provided sha does not match query"); once the operation has parsed and validated the
  query is stored, so the hash alone works from then on, over POST and over GET (where a
  CDN can cache public results, server/cache_control.py).

The store is Redis (`<prefix>apq:<hash>`, sliding TTL) or, embedded, an in-process LRU.
Queries over MAX_QUERY_LENGTH are refused before they run, so they are never stored.

Trusted documents (PERSISTED_QUERIES_ONLY): a manifest of hash → query built with the
first-party apps (TRUSTED_DOCUMENTS_FILE). Its documents are found by hash like APQ
entries, and `TrustedDocumentsOnly` refuses any other operation from first-party
callers, while partners (OAuth client-credentials tokens) and admins (GraphiQL) keep
full access.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from domain.auth.principal import Principal
from server.graphql_http import (
    BAD_REQUEST,
    OPERATION_NOT_TRUSTED,
    GraphQLHTTPError,
)

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from server.settings import Settings

log = logging.getLogger(__name__)

HASH = re.compile(r"^[0-9a-f]{64}$")
NOT_FOUND_MESSAGE = "PersistedQueryNotFound"  # the exact text Apollo and urql look for
HASH_MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"


def sha256_hex(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


def requested_hash(extensions: Mapping[str, Any] | None) -> str | None:
    """The hash of `extensions.persistedQuery`, checked; None when there is none."""
    persisted = (extensions or {}).get("persistedQuery")
    if persisted is None:
        return None
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        raise GraphQLHTTPError(400, "Unsupported persisted query version.", BAD_REQUEST)
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or not HASH.match(digest.lower()):
        raise GraphQLHTTPError(
            400, "persistedQuery.sha256Hash must be 64 hexadecimal digits.", BAD_REQUEST
        )
    return digest.lower()


class QueryStore(Protocol):
    async def get(self, digest: str) -> str | None: ...

    async def put(self, digest: str, query: str) -> None: ...


class MemoryQueryStore:
    """Embedded mode: the most recently used `max_entries` queries of this process."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._queries: OrderedDict[str, str] = OrderedDict()

    async def get(self, digest: str) -> str | None:
        query = self._queries.get(digest)
        if query is not None:
            self._queries.move_to_end(digest)
        return query

    async def put(self, digest: str, query: str) -> None:
        self._queries[digest] = query
        self._queries.move_to_end(digest)
        while len(self._queries) > self.max_entries:
            self._queries.popitem(last=False)


class RedisQueryStore:
    """Shared by every API process; each hit renews the TTL, so used queries stay."""

    def __init__(self, redis: Redis, key_prefix: str, ttl_seconds: int) -> None:
        self.redis = redis
        self.key_prefix = f"{key_prefix}apq:"
        self.ttl_seconds = ttl_seconds

    async def get(self, digest: str) -> str | None:
        try:
            raw = await self.redis.getex(self.key_prefix + digest, ex=self.ttl_seconds)
        except Exception:  # a Redis outage is a miss: the client sends the query again
            log.warning("persisted query lookup failed", exc_info=True)
            return None
        return raw.decode() if isinstance(raw, bytes) else raw

    async def put(self, digest: str, query: str) -> None:
        try:
            await self.redis.set(self.key_prefix + digest, query, ex=self.ttl_seconds)
        except Exception:
            log.warning("persisted query could not be stored", exc_info=True)


class TrustedDocuments:
    """The allow-list: hash → document, checked when loaded (a hash that is not its
    document's SHA-256 is a build mistake, and start-up stops)."""

    def __init__(self, documents: Mapping[str, str]) -> None:
        for digest, query in documents.items():
            if sha256_hex(query) != digest.lower():
                raise ValueError(f"trusted document {digest} is not the SHA-256 of its text")
        self.documents = {digest.lower(): query for digest, query in documents.items()}

    @classmethod
    def load(cls, path: Path) -> TrustedDocuments:
        """A JSON object of hash → query (GraphQL Code Generator's persisted documents), or
        Apollo's manifest (`{"format": "apollo-persisted-query-manifest", "operations":
        [{"id", "body", ...}]}`)."""
        raw = json.loads(path.read_text())
        if isinstance(raw, dict) and raw.get("format") == "apollo-persisted-query-manifest":
            return cls({entry["id"]: entry["body"] for entry in raw["operations"]})
        if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
            raise ValueError(f"{path}: expected a JSON object of hash → query")
        return cls(raw)

    def get(self, digest: str) -> str | None:
        return self.documents.get(digest)

    def allows(self, query: str | None, principal: Principal) -> bool:
        if principal.client_id is not None or principal.is_admin:
            return True
        return query is not None and sha256_hex(query) in self.documents


class TrustedDocumentsOnly(SchemaExtension):
    """Refuses, before validation, any operation that is not a trusted document, unless
    the caller is a partner or an admin. A schema extension so that HTTP and both
    WebSocket protocols go through the same gate."""

    def __init__(self, documents: TrustedDocuments) -> None:
        self.documents = documents

    def on_validate(self) -> Iterator[None]:
        execution = self.execution_context
        principal = getattr(execution.context, "principal", None) or Principal()
        if not self.documents.allows(execution.query, principal):
            # Set before validation runs: strawberry then skips validation and answers
            # with this request error (403, see server/graphql_http.py).
            execution.pre_execution_errors = [
                GraphQLError(
                    "This API only runs the operations of its own apps (trusted documents); "
                    "partners use an OAuth client-credentials token.",
                    extensions={"code": OPERATION_NOT_TRUSTED},
                )
            ]
        yield


@dataclass
class Resolved:
    """The query to run, and the hash to store it under once it has run."""

    query: str | None
    register: str | None = None
    missing: bool = False


class PersistedQueries:
    def __init__(self, store: QueryStore, trusted: TrustedDocuments | None = None) -> None:
        self.store = store
        self.trusted = trusted

    @classmethod
    def from_settings(
        cls, settings: Settings, redis: Redis | None, trusted: TrustedDocuments | None
    ) -> PersistedQueries:
        store: QueryStore = (
            RedisQueryStore(redis, settings.redis_key_prefix, settings.persisted_query_ttl_seconds)
            if redis is not None
            else MemoryQueryStore(settings.persisted_query_cache_size)
        )
        return cls(store, trusted)

    async def resolve(self, query: str | None, extensions: Mapping[str, Any] | None) -> Resolved:
        digest = requested_hash(extensions)
        if digest is None:
            return Resolved(query)
        if query is not None:
            if sha256_hex(query) != digest:
                raise GraphQLHTTPError(
                    400, "provided sha does not match query", HASH_MISMATCH
                )  # Apollo's words
            known = self.trusted is not None and self.trusted.get(digest) is not None
            return Resolved(query, register=None if known else digest)
        found = self.trusted.get(digest) if self.trusted is not None else None
        if found is None:
            found = await self.store.get(digest)
        return Resolved(found, missing=found is None)

    async def register(self, digest: str, query: str) -> None:
        await self.store.put(digest, query)


def trusted_documents(settings: Settings) -> TrustedDocuments | None:
    """The manifest, when configured; PERSISTED_QUERIES_ONLY without one stops start-up."""
    if settings.trusted_documents_file is not None:
        return TrustedDocuments.load(settings.trusted_documents_file)
    if settings.persisted_queries_only:
        raise ValueError("PERSISTED_QUERIES_ONLY needs TRUSTED_DOCUMENTS_FILE")
    return None


def trusted_documents_gate(
    settings: Settings, trusted: TrustedDocuments | None
) -> tuple[Callable[[], SchemaExtension], ...]:
    """The schema extension enforcing PERSISTED_QUERIES_ONLY, when it is on."""
    if not settings.persisted_queries_only or trusted is None:
        return ()
    return (lambda: TrustedDocumentsOnly(trusted),)
