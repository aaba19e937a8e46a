"""`/metrics` on the API, the worker's metrics port, and who may read them.

One process: the default registry. Several processes sharing a port (uvicorn
`--workers`): set PROMETHEUS_MULTIPROC_DIR to an empty directory private to the
container; each process writes its metrics there and the one answering a scrape
adds them all up (prometheus_client's multiprocess mode).

/metrics is not for the public internet. It answers a direct client from
METRICS_ALLOWED_CIDRS (loopback and private ranges by default) — but not a
request that came through a proxy (X-Forwarded-For, Forwarded, X-Real-IP): an
ingress or load balancer sits on a private address too — and anyone presenting
`Authorization: Bearer <METRICS_TOKEN>` when a token is set.
"""

from __future__ import annotations

import atexit
import hmac
import ipaddress
import logging
import os
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
    start_http_server,
)
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from server.observability.scrape import scrape_time_metrics
from server.settings import Settings

if TYPE_CHECKING:
    from server.services import Services

log = logging.getLogger(__name__)
PROXY_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip")
_cleanup_registered = False


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def metrics_registry() -> CollectorRegistry:
    """What this process exports: its own metrics, or every process's in multiprocess mode."""
    if multiprocess_dir() is None:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry


def _forget_this_process_at_exit() -> None:
    """In multiprocess mode, a process that exits takes its live gauges (connections,
    subscriptions, pool) with it; its counters stay, as they should."""
    global _cleanup_registered
    directory = multiprocess_dir()
    if directory is None or _cleanup_registered:
        return
    _cleanup_registered = True
    pid = os.getpid()
    atexit.register(multiprocess.mark_process_dead, pid, directory)


class MetricsAccess:
    def __init__(self, cidrs: list[str], token: str | None) -> None:
        self._networks = [ipaddress.ip_network(cidr, strict=False) for cidr in cidrs]
        self._token = token.encode() if token else None

    @classmethod
    def from_settings(cls, settings: Settings) -> MetricsAccess:
        token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
        return cls(settings.metrics_allowed_cidrs, token)

    def allows(self, request: Request) -> bool:
        if self._token is not None:
            scheme, _, given = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() == "bearer" and hmac.compare_digest(
                given.strip().encode(), self._token
            ):
                return True
        if any(header in request.headers for header in PROXY_HEADERS):
            return False
        if request.client is None:
            return False
        try:
            address = ipaddress.ip_address(request.client.host)
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address in network for network in self._networks)


def metrics_endpoint(
    settings: Settings, services: Callable[[], Services]
) -> Callable[[Request], Awaitable[Response]]:
    """The `/metrics` route: this process's (or all processes') metrics, then the shared
    state read at scrape time (queue depth, open anchor batches)."""
    access = MetricsAccess.from_settings(settings)
    _forget_this_process_at_exit()

    async def endpoint(request: Request) -> Response:
        if not access.allows(request):
            return PlainTextResponse("Forbidden", status_code=403)
        shared = await scrape_time_metrics(services())
        body = generate_latest(metrics_registry()) + generate_latest(shared)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return endpoint


def start_metrics_server(host: str, port: int) -> Callable[[], None] | None:
    """The worker's metrics on their own port (a daemon thread); returns how to stop it.
    A port already taken (two workers on one host) costs the metrics, not the worker."""
    if port == 0:
        return None
    try:
        server, thread = start_http_server(port, addr=host, registry=metrics_registry())
    except OSError as error:
        log.error("worker metrics not served on %s:%d: %s", host, port, error)
        return None
    log.info("worker metrics on http://%s:%d/metrics", host, port)

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return stop
