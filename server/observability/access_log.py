"""The outermost ASGI middleware: request id, one access-log line and HTTP metrics per request.

It runs before everything else (body limits, CORS, the GraphQL endpoint), so a
request refused early still gets its line and its id. The GraphQL layer adds
the operation and the user to the same `RequestInfo` (graphql.py).
"""

from __future__ import annotations

import logging
import time

import sentry_sdk
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server import metrics
from server.asgi_headers import request_header
from server.observability.context import (
    REQUEST_ID_HEADER,
    BoundRequest,
    RequestInfo,
    request_id_from_header,
)
from server.observability.log_format import log_fields

log = logging.getLogger("iworkz.access")

# Probes and scrapes run every few seconds: logged at DEBUG unless they fail, not counted.
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
_METHODS = frozenset({"GET", "POST", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})
_REQUEST_ID_NAME = REQUEST_ID_HEADER.lower().encode("latin-1")  # as ASGI servers send it
CLIENT_CLOSED = 499  # no response was started: the client went away first (nginx's code)


class RequestObserver:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        info = RequestInfo(request_id_from_header(request_header(scope, _REQUEST_ID_NAME)))
        status: int | None = None
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            kind = message["type"]
            if kind in ("http.response.start", "websocket.http.response.start"):
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = info.request_id
            elif kind == "websocket.accept":
                status = 101
                headers = list(message.get("headers") or [])
                headers.append((b"x-request-id", info.request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        with BoundRequest(info):
            if sentry_sdk.get_client().is_active():
                sentry_sdk.get_isolation_scope().set_tag("request_id", info.request_id)
            try:
                await self.app(scope, receive, send_with_id)
            except BaseException:
                status = status or 500
                raise
            finally:
                _finished(scope, info, status, time.perf_counter() - started)


def _finished(scope: Scope, info: RequestInfo, status: int | None, seconds: float) -> None:
    websocket = scope["type"] == "websocket"
    method = "WEBSOCKET" if websocket else str(scope.get("method", ""))
    path = str(scope.get("path", ""))
    status = status or CLIENT_CLOSED
    quiet = path in QUIET_PATHS
    if not websocket and not quiet:
        label = method if method in _METHODS else "OTHER"
        metrics.labelled(metrics.HTTP_RESPONSES, label, str(status)).inc()
    level = logging.DEBUG if quiet and status < 400 else logging.INFO
    if not log.isEnabledFor(level):
        return
    client = scope.get("client")
    user_id = info.user_id
    # The path only: a GET query string may carry GraphQL variables (personal data).
    log.log(
        level,
        "%s %s %s",
        method,
        path,
        status,
        extra=log_fields(
            method=method,
            path=path,
            status=status,
            duration_ms=round(seconds * 1000, 1),
            operation_name=info.operation_name,
            operation_type=info.operation_type,
            user_id=None if user_id is None else str(user_id),
            client_ip=client[0] if client else None,
        ),
    )
