"""A strawberry extension that measures GraphQL operations and slow resolvers.

Per operation: a request count and a latency histogram by operation name and
type, errors by `extensions.code`, active subscriptions; and it tells the
access log which operation ran for whom. Per field (`time_resolvers`): the time
spent in resolvers that exist; fields answered by strawberry's default attribute
resolver (most of them) are not touched and cost nothing.

Operation names come from clients, so they are bounded before becoming label
values: unnamed operations are "anonymous", names that do not look like a
GraphQL name (or are over 64 characters) are "invalid", and once a process has
seen `MAX_OPERATION_NAMES` distinct names, new ones are "other".
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from inspect import isawaitable
from typing import Any, TypeVar

from graphql import GraphQLError, GraphQLObjectType, GraphQLSchema
from strawberry import Schema
from strawberry.extensions import SchemaExtension
from strawberry.resolvers import is_default_resolver

from schema.extensions import error_code
from server import metrics
from server.observability.context import current_request

S = TypeVar("S", bound=Schema)
_OPERATION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
MAX_OPERATION_NAMES = 500
_seen_operation_names: set[str] = set()


def _is_graphql_name(name: str) -> bool:
    """At most 64 characters of a GraphQL name; a name seen is one (no pattern match again)."""
    return name in _seen_operation_names or _OPERATION_NAME.fullmatch(name) is not None


def operation_label(name: str | None) -> str:
    if not name:
        return "anonymous"
    if name in _seen_operation_names:
        return name
    if not _is_graphql_name(name):
        return "invalid"
    if len(_seen_operation_names) >= MAX_OPERATION_NAMES:
        return "other"
    _seen_operation_names.add(name)
    return name


class GraphQLObserver(SchemaExtension):
    """Listed first among the schema's extensions, so its `on_operation` wraps the others
    and sees the result after ErrorCodes has shaped it."""

    def __init__(self, *, execution_context: Any = None) -> None:
        self._subscription = False
        self._streamed = False
        self._kind: str | None = None  # known once the operation executes

    def _operation_type(self) -> str:
        if self._kind is not None:
            return self._kind
        try:
            return str(self.execution_context.operation_type.value)
        except Exception:  # not parsed, or no such operation in the document
            return "unknown"

    def _labels(self) -> tuple[str, str]:
        return operation_label(self.execution_context.operation_name), self._operation_type()

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            name, kind = self._labels()
            if self._subscription:
                metrics.SUBSCRIPTIONS_ACTIVE.dec()
            else:
                requests, duration = _operation_metrics(name, kind)
                requests.inc()
                if kind != "subscription":
                    duration.observe(time.perf_counter() - started)
            result = self.execution_context.result
            if not self._streamed and result is not None:
                _count_errors(getattr(result, "errors", None))
            self._tell_access_log(kind)

    def on_execute(self) -> Iterator[None]:
        """A subscription is counted when it starts (its operation lasts as long as it runs)."""
        self._kind = self._operation_type()
        if self._kind == "subscription" and not self._subscription:
            self._subscription = True
            requests, _ = _operation_metrics(*self._labels())
            requests.inc()
            metrics.SUBSCRIPTIONS_ACTIVE.inc()
        yield

    def on_stream_result(self, result: Any) -> Iterator[None]:
        """Subscriptions (and operations sent over a WebSocket) report each result here."""
        self._streamed = True
        _count_errors(getattr(result, "errors", None))
        yield

    def _tell_access_log(self, kind: str) -> None:
        """The log line gets the name itself (not the bounded label) when it is sane."""
        info = current_request()
        if info is None:
            return
        name = self.execution_context.operation_name
        info.operation_type = kind
        info.operation_name = name if name is None or _is_graphql_name(name) else "invalid"
        principal = getattr(self.execution_context.context, "principal", None)
        info.user_id = getattr(principal, "user_id", None)


def _operation_metrics(name: str, kind: str) -> tuple[Any, Any]:
    """The request counter and duration histogram of one (operation label, type)."""
    return (
        metrics.labelled(metrics.GRAPHQL_REQUESTS, name, kind),
        metrics.labelled(metrics.GRAPHQL_DURATION, name, kind),
    )


def time_resolvers(schema: S) -> S:
    """Time every field of `schema` that has a resolver of its own; returns the schema.

    The timing wraps those resolvers in place, once, when the app builds its schema,
    rather than running as a `resolve` hook: a hook is graphql-core middleware, called
    for every field of every object, and any middleware switches the fast executor off
    for all fields (schema/fast_execution.py). Fields strawberry answers with its
    default attribute resolver — most of them — are left exactly as they were.
    """
    graphql_schema: GraphQLSchema = schema._schema
    for type_ in graphql_schema.type_map.values():
        if (
            not isinstance(type_, GraphQLObjectType)
            or type_.name.startswith("__")
            or type_ is graphql_schema.subscription_type  # per-event identity resolvers
        ):
            continue
        for name, field in type_.fields.items():
            resolve = field.resolve
            if resolve is None or is_default_resolver(resolve) or getattr(resolve, _TIMED, False):
                continue
            field.resolve = _timed_resolver(resolve, f"{type_.name}.{name}")
    return schema


_TIMED = "_iworkz_timed"


def _timed_resolver(resolve: Callable[..., Any], label: str) -> Callable[..., Any]:
    histogram: Any = None

    def observe(started: float) -> None:
        nonlocal histogram
        if histogram is None:  # label children are made on first use: no empty series
            histogram = metrics.labelled(metrics.RESOLVER_DURATION, label)
        histogram.observe(time.perf_counter() - started)

    async def finish(result: Awaitable[Any], started: float) -> Any:
        try:
            return await result
        finally:
            observe(started)

    @functools.wraps(resolve)
    def timed(root: Any, info: Any, **arguments: Any) -> Any:
        started = time.perf_counter()
        try:
            result = resolve(root, info, **arguments)
        except Exception:
            observe(started)
            raise
        if isawaitable(result):
            return finish(result, started)
        observe(started)
        return result

    setattr(timed, _TIMED, True)
    return timed


def _count_errors(errors: list[GraphQLError] | None) -> None:
    for error in errors or ():
        metrics.labelled(metrics.GRAPHQL_ERRORS, error_code(error)).inc()
