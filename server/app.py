"""The Starlette application: GraphQL on /graphql, health probes, lifespan of the services."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute

from domain.credentials.issuing import ANCHOR_CREDENTIALS
from schema.limits import QueryLimits
from schema.schema import build_schema
from server.adapters.job_queue import InlineJobQueue
from server.adapters.ledger import EmbeddedProvider, embedded_provider
from server.chain_rpc import chain_rpc_endpoint
from server.credential_routes import credential_routes
from server.garbage_collection import tune_for_serving
from server.graphiql import GraphQLWithLocalIDE, graphiql_assets
from server.middleware import CORS, BodySizeLimit, SecurityHeaders
from server.oauth import token_endpoint
from server.observability.access_log import RequestObserver
from server.observability.context import REQUEST_ID_HEADER
from server.observability.graphql import GraphQLObserver, time_resolvers
from server.observability.pool import observe_pool
from server.observability.prometheus import metrics_endpoint
from server.observability.sentry import init_sentry
from server.persisted_queries import trusted_documents, trusted_documents_gate
from server.services import Services, build_services
from server.settings import Environment, Settings

log = logging.getLogger(__name__)


def _observe_pools(services: Services) -> None:
    """The primary's pool, and the read replica's when there is one, on /metrics."""
    observe_pool(services.database.engine)
    if services.database.replica_engine is not None:
        observe_pool(services.database.replica_engine, "replica")


def create_app(settings: Settings, services: Services | None = None) -> Starlette:
    """Build the app; pass `services` to share them (tests), else they start with the app."""
    holder: dict[str, Services] = {"services": services} if services else {}
    init_sentry(settings, "api")  # before the app and schema exist: integrations patch them
    if services is not None:
        _observe_pools(services)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        owned = services is None
        holder["services"] = services or await build_services(settings)
        _observe_pools(holder["services"])
        graphql.services = holder["services"]
        await holder["services"].start()
        if owned:  # a serving process, not a test sharing its services
            tune_for_serving()
        if owned and isinstance(holder["services"].queue, InlineJobQueue):
            # Embedded mode has no cron: settle what an earlier run left unanchored.
            await holder["services"].queue.enqueue(ANCHOR_CREDENTIALS, job_id="anchor:startup")
        try:
            yield
        finally:
            if owned:
                await holder["services"].close()

    trusted = trusted_documents(settings)
    # GraphQLEndpoint, with GraphiQL's files served by the app (server/graphiql.py).
    graphql = GraphQLWithLocalIDE(
        services=services,  # type: ignore[arg-type]  # set in lifespan when not given
        settings=settings,
        trusted_documents=trusted,
        schema=time_resolvers(
            build_schema(
                mask_unexpected_errors=settings.environment is Environment.PRODUCTION,
                introspection=settings.introspection,
                field_suggestions=settings.environment is not Environment.PRODUCTION,
                query_limits=QueryLimits.from_settings(settings),
                fast_execution=settings.fast_execution,
                extra_extensions=(*trusted_documents_gate(settings, trusted), GraphQLObserver),
            )
        ),
        graphql_ide="graphiql" if settings.graphiql_enabled else None,
        allow_queries_via_get=True,
    )

    async def healthz(request: Request) -> JSONResponse:
        """The process is up (liveness)."""
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> JSONResponse:
        """The database and, when configured, Redis answer (readiness). A read replica's
        state is shown but never makes a pod unready: its reads fall back to the primary."""
        current = holder["services"]
        checks: dict[str, str] = {}
        try:
            async with current.database.session() as session:
                await session.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as error:  # any failure means not ready
            checks["database"] = f"error: {type(error).__name__}"
        if current.redis is not None:
            try:
                await current.redis.ping()
                checks["redis"] = "ok"
            except Exception as error:
                checks["redis"] = f"error: {type(error).__name__}"
        ready = all(value == "ok" for value in checks.values())
        body: dict[str, object] = {"status": "ok" if ready else "unavailable", "checks": checks}
        if current.database.replica is not None:
            state = current.database.replica.state  # the last measurement; none is taken here
            body["replica"] = state.reason if state is not None else "unchecked"
        return JSONResponse(body, status_code=200 if ready else 503)

    async def embedded_chain() -> EmbeddedProvider | None:
        if settings.chain_rpc_url is not None:
            return None
        return embedded_provider(await holder["services"].chain())

    async def oauth_token(request: Request) -> Response:
        """OAuth 2.0 token endpoint (client credentials, for partners)."""
        return await token_endpoint(request, holder["services"])

    return Starlette(
        routes=[
            # First: the router tries routes in order, and nearly every request is GraphQL.
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/oauth/token", oauth_token, methods=["POST"]),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics_endpoint(settings, lambda: holder["services"])),
            *credential_routes(lambda: holder["services"]),
            *([graphiql_assets()] if settings.graphiql_enabled else []),
            # The embedded chain's read-only JSON-RPC, so `iworkz verify --rpc` can reach it.
            Route("/chain/rpc", chain_rpc_endpoint(embedded_chain), methods=["POST"]),
        ],
        middleware=[
            # Outermost: every request gets its id, access-log line and metrics.
            Middleware(RequestObserver),
            Middleware(SecurityHeaders, hsts=settings.hsts_enabled),
            Middleware(
                CORS,
                allow_origins=settings.cors_allow_origins,
                allow_methods=["GET", "POST"],
                allow_headers=["Authorization", "Content-Type", REQUEST_ID_HEADER],
                expose_headers=[REQUEST_ID_HEADER],
                max_age=600,
            ),
            Middleware(BodySizeLimit, max_bytes=settings.max_request_bytes),
        ],
        lifespan=lifespan,
    )
