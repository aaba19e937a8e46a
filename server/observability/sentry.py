"""Error reporting to Sentry (sentry-sdk) for the API and the worker, when SENTRY_DSN is set.

What is reported, once each:
- an unexpected exception in a resolver: by the log line ErrorCodes writes for it
  (`iworkz.graphql`, ERROR, with the original exception), through the logging
  integration. The strawberry integration would also report it, as a
  GraphQLError, and would report every user error along with it; its reports
  are dropped in `before_send` (its spans and breadcrumbs are kept);
- an exception escaping an HTTP route: the Starlette integration;
- a failing arq job: the arq integration (arq's own log of it is ignored);
- any other ERROR log line (a reverted anchor, an inline job that failed).

What is not: user errors — our domain errors (UNAUTHENTICATED, FORBIDDEN,
NOT_FOUND, BAD_USER_INPUT) and every other GraphQL error (validation, query
limits, throttling).

What is sent: no default PII, no request bodies, no local variables, no
cookies; then `before_send` redacts the whole event (server/observability/
redaction.py): secrets and personal fields by key, e-mails, phones and tokens
by shape, GraphQL variables and query strings entirely.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import metadata
from typing import Any

import sentry_sdk
from graphql import GraphQLError
from sentry_sdk.consts import SPANDATA
from sentry_sdk.integrations.arq import ArqIntegration
from sentry_sdk.integrations.logging import LoggingIntegration
from sentry_sdk.integrations.starlette import StarletteIntegration
from sentry_sdk.integrations.strawberry import StrawberryIntegration
from sentry_sdk.scrubber import DEFAULT_DENYLIST, EventScrubber
from sentry_sdk.tracing import Span
from sentry_sdk.tracing_utils import record_sql_queries
from sqlalchemy.pool import Pool

from domain.errors import DomainError
from domain.sql import around_driver_statements
from server.observability.redaction import FILTERED, redact
from server.settings import Settings

DRIVER_SPAN_ORIGIN = "auto.db.iworkz.compiled_read"
_REQUEST_HEADERS_DROPPED = frozenset(
    {"authorization", "cookie", "x-forwarded-for", "x-real-ip", "forwarded", "x-metrics-token"}
)
_EXTRA_DENYLIST = [
    "email",
    "phone",
    "birth_date",
    "address",
    "postal_address",
    "residence_card_number",
    "documents",
    "display_name",
    "access_token",
    "refresh_token",
    "client_secret",
    "variables",
]


def release() -> str:
    try:
        return f"iworkz@{metadata.version('iworkz')}"
    except metadata.PackageNotFoundError:
        return "iworkz@unknown"


def is_user_error(error: BaseException | None) -> bool:
    """Errors that are the caller's, not ours: never reported."""
    return isinstance(error, DomainError | GraphQLError)


def _scrub_request(request: dict[str, Any]) -> None:
    for key in ("data", "cookies", "query_string"):
        if request.get(key):
            request[key] = FILTERED
    headers = request.get("headers")
    if isinstance(headers, dict):
        request["headers"] = {
            name: value
            for name, value in headers.items()
            if name.lower() not in _REQUEST_HEADERS_DROPPED
        }
    request.pop("env", None)  # REMOTE_ADDR and friends


def scrub_event(event: dict[str, Any], hint: dict[str, Any] | None) -> dict[str, Any] | None:
    """`before_send`: drop user errors; strip and redact the rest."""
    exc_info = (hint or {}).get("exc_info")
    if exc_info and is_user_error(exc_info[1]):
        return None
    return scrub_transaction(event, hint)


def scrub_transaction(event: dict[str, Any], hint: dict[str, Any] | None) -> dict[str, Any]:
    """`before_send_transaction` (tracing, off unless SENTRY_TRACES_SAMPLE_RATE): redact."""
    if isinstance(event.get("request"), dict):
        _scrub_request(event["request"])
    user = event.get("user")
    if isinstance(user, dict):  # the id only: no IP address, e-mail or name
        event["user"] = {"id": user["id"]} if "id" in user else {}
    scrubbed: dict[str, Any] = redact(event)
    return scrubbed


def init_sentry(settings: Settings, component: str) -> bool:
    """Start reporting when SENTRY_DSN is set (API: before the app is built, so that the
    Starlette and strawberry integrations see it; worker: before arq creates it)."""
    if not settings.sentry_dsn:
        return False
    client = sentry_sdk.get_client()
    if client.is_active() and client.dsn == settings.sentry_dsn:
        return True
    sentry_sdk.init(
        dsn=settings.sentry_dsn,
        release=release(),
        environment=settings.environment.value,
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        traces_sample_rate=settings.sentry_traces_sample_rate,
        integrations=[
            StarletteIntegration(),
            StrawberryIntegration(async_execution=True),
            ArqIntegration(),
            LoggingIntegration(level=logging.INFO, event_level=logging.ERROR),
        ],
        event_scrubber=EventScrubber(denylist=DEFAULT_DENYLIST + _EXTRA_DENYLIST, recursive=True),
        before_send=scrub_event,  # type: ignore[arg-type]
        before_send_transaction=scrub_transaction,  # type: ignore[arg-type]
    )
    sentry_sdk.get_global_scope().set_tag("component", component)
    global _remove_driver_spans
    if _remove_driver_spans is None:
        _remove_driver_spans = around_driver_statements(_driver_statement_span)
    return True


# The statements `CompiledRead` sends to asyncpg itself bypass SQLAlchemy, so its Sentry
# integration does not see them: they get the same span and breadcrumb here.
_remove_driver_spans: Callable[[], None] | None = None


@contextmanager
def _driver_statement_span(pool: Pool, sql: str, parameters: tuple[Any, ...]) -> Iterator[None]:
    if not sentry_sdk.get_client().is_active():
        yield
        return
    with record_sql_queries(
        None, sql, parameters, "numeric", False, span_origin=DRIVER_SPAN_ORIGIN
    ) as span:
        if isinstance(span, Span):  # (a streamed span is described by its name alone)
            span.set_data(SPANDATA.DB_SYSTEM, "postgresql")
            span.set_data(SPANDATA.DB_DRIVER_NAME, "asyncpg")
        yield


def close_sentry(timeout: float = 2.0) -> None:
    """Flush and stop reporting: nothing in this process sends events afterwards."""
    global _remove_driver_spans
    sentry_sdk.get_client().close(timeout=timeout)
    sentry_sdk.get_global_scope().set_client(None)
    if _remove_driver_spans is not None:
        _remove_driver_spans()
        _remove_driver_spans = None
