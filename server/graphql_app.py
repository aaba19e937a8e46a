"""The GraphQL endpoint: HTTP answered here with the GraphQL-over-HTTP rules
(server/graphql_http.py), persisted queries (server/persisted_queries.py) and public
caching (server/cache_control.py); WebSockets by strawberry's view; both with our
per-request context."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import orjson
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, process_result
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from dataloaders.loaders import Loaders
from domain.auth.authentication import principal_for_bearer
from schema.context import Context
from server import graphql_http as http
from server.cache_control import cache_control
from server.live_connections import LiveConnections, TooManyConnections
from server.persisted_queries import (
    NOT_FOUND_MESSAGE,
    PersistedQueries,
    TrustedDocuments,
)
from server.read_scope import begin_request
from server.services import Services
from server.settings import Settings


class GraphQLEndpoint(GraphQL[Context, None]):
    def __init__(
        self,
        services: Services,
        settings: Settings,
        trusted_documents: TrustedDocuments | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
            keep_alive=True,
            keep_alive_interval=settings.websocket_keep_alive_seconds,
            connection_init_wait_timeout=timedelta(seconds=settings.websocket_init_timeout_seconds),
            # Browsers send Origin on WebSocket handshakes and CORS does not apply to them:
            # a page elsewhere could open a socket with the user's cookies. Same-origin and
            # Origin-less (non-browser) clients are let through by strawberry.
            allowed_origins=settings.cors_allow_origins,
            **kwargs,
        )
        self.services = services
        self.settings = settings
        self.trusted_documents = trusted_documents
        self.live = LiveConnections(settings.max_websockets_per_user)
        self._persisted: PersistedQueries | None = None

    def encode_json(self, data: object) -> str:
        """A `str`, because graphql-ws messages must be text frames."""
        return self.encode_json_bytes(data).decode()

    @staticmethod
    def encode_json_bytes(data: object) -> bytes:
        """orjson rather than `json.dumps`: 0.07 against 0.96 ms for a page of 100 jobs, and
        UTF-8 instead of `\\u` escapes (Japanese text a fifth smaller). `json` takes what
        orjson refuses (an integer beyond 64 bits inside a JSON scalar)."""
        try:
            return orjson.dumps(data)
        except TypeError:
            return json.dumps(data, separators=(",", ":")).encode()

    @property
    def persisted_queries(self) -> PersistedQueries:
        """Built on first use: the services (and so Redis) exist only once the app runs."""
        if self._persisted is None:
            self._persisted = PersistedQueries.from_settings(
                self.settings, self.services.redis, self.trusted_documents
            )
        return self._persisted

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None = None
    ) -> Context:
        # Reads may use the replica and the cache until this request writes; a WebSocket
        # reacts to fresh events, so it reads the primary (server/read_scope.py).
        begin_request(live=isinstance(request, WebSocket))
        principal = await principal_for_bearer(
            self.services.database.fresh_read_connection,
            self.services.tokens,
            request.headers.get("authorization"),
        )
        return Context(
            services=self.services,
            settings=self.settings,
            principal=principal,
            loaders=Loaders(
                self.services.database, principal, self.services.keyring, self.services.cache
            ),
            client_ip=request.client.host if request.client else None,
            websocket=request if isinstance(request, WebSocket) else None,
        )

    async def on_ws_connect(self, context: Context) -> dict[str, Any] | None:
        """`connection_init`: the app sends its token in the payload (browsers cannot set
        headers on a WebSocket) as `Authorization: "Bearer …"` or `authToken`."""
        params = context.connection_params or {}
        token = params.get("Authorization") or params.get("authorization")
        if token is None and params.get("authToken"):
            token = f"Bearer {params['authToken']}"
        if token is not None:
            principal = await principal_for_bearer(
                self.services.database.fresh_read_connection, self.services.tokens, str(token)
            )
            if principal.credential_problem:
                raise ConnectionRejectionError({"reason": principal.credential_problem})
            context.sign_in(principal)
        elif context.principal.credential_problem:
            raise ConnectionRejectionError({"reason": context.principal.credential_problem})
        if context.websocket is not None and context.principal.user_id is not None:
            try:
                self.live.signed_in(
                    context.websocket, context.principal.user_id, context.principal.expires_at
                )
            except TooManyConnections:
                raise ConnectionRejectionError(
                    {"reason": "Too many open connections for this account."}
                ) from None
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """HTTP is answered by `respond` below; WebSockets by strawberry's view (`run`)."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        response = await self.respond(Request(scope, receive))
        await response(scope, receive, send)

    async def run(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        """A WebSocket, counted against its user's connections while it is open."""
        self.live.opened(request)
        try:
            return await super().run(request, *args, **kwargs)
        finally:
            self.live.closed(request)

    async def respond(self, request: Request) -> Response:
        """One GraphQL-over-HTTP request, in strawberry's order (context, method, GraphiQL,
        body, execution), with the media type negotiated first (406 when neither JSON type
        is acceptable) and every refusal answered as a JSON `errors` body.

        Why not strawberry's view: its request adapter, placeholder sub-response, batching,
        streaming and multipart branches, and header-by-header merge cost 0.14 M
        instructions a request (10 % of an anonymous `{ __typename }`), for features this
        endpoint turns off. What it does for a single operation is done here."""
        media_type = http.negotiate(request.headers.get("accept"))
        if media_type is None and not self.renders_ide(request):
            return PlainTextResponse(
                f"Not Acceptable: this endpoint answers in {http.GRAPHQL_RESPONSE_JSON} "
                f"or {http.APPLICATION_JSON}.",
                status_code=406,
            )
        exchange = http.Exchange(media_type or http.DEFAULT_MEDIA_TYPE)
        try:
            context = await self.get_context(request)
            if request.method not in ("GET", "POST"):
                raise http.GraphQLHTTPError(
                    405,
                    "GraphQL only supports GET and POST requests.",
                    http.METHOD_NOT_ALLOWED,
                    {"Allow": "GET, POST"},
                )
            if self.renders_ide(request):
                if not self.graphql_ide:
                    raise HTTPException(404, "Not Found")
                return await self.render_graphql_ide(request)
            request_data = await self.request_data(request)
            result = await self.run_operation(request, request_data, context, exchange)
        except HTTPException as error:
            return exchange.error_response(error)
        body = self.response_body(request, result, exchange)
        if result.errors:
            self._handle_errors(result.errors, body)  # Sentry's strawberry integration
        return exchange.response(self.encode_json_bytes(body))

    def renders_ide(self, request: Request) -> bool:
        """GraphiQL for a browser's GET without a query (strawberry's rule), but not for a
        persisted-query GET (no `query` either, and Apollo Client 3 sends `Accept: */*`)."""
        if request.method != "GET":
            return False
        params = request.query_params
        accept = request.headers.get("accept", "")
        return (
            params.get("query") is None
            and not params.get("extensions")
            and ("text/html" in accept or "*/*" in accept)
        )

    async def request_data(self, request: Request) -> GraphQLRequestData:
        """GET parameters or a JSON object body, checked as the spec asks (400 when not a
        well-formed GraphQL-over-HTTP request, 415 for another media type). Batching and
        multipart uploads are off."""
        if request.method == "GET":
            return http.request_data_from(http.get_parameters(request.query_params))
        http.check_content_type(request.headers.get("content-type"))
        return http.request_data_from(http.decode_body(await request.body()))

    async def run_operation(
        self,
        request: Request,
        request_data: GraphQLRequestData,
        context: Context,
        exchange: http.Exchange,
    ) -> ExecutionResult:
        """Resolve a persisted query, bound what the request may cost (query length,
        wall-clock time), run it, then store a newly sent persisted query."""
        resolved = await self.persisted_queries.resolve(request_data.query, request_data.extensions)
        if resolved.missing:
            return http.request_error(NOT_FOUND_MESSAGE, http.PERSISTED_QUERY_NOT_FOUND)
        request_data.query = resolved.query
        exchange.query, exchange.operation_name = resolved.query, request_data.operation_name
        settings = self.settings
        if len(request_data.query or "") > settings.max_query_length:
            raise http.GraphQLHTTPError(
                413,
                f"The query is over {settings.max_query_length} characters.",
                http.QUERY_TOO_LONG,
            )
        try:
            async with asyncio.timeout(settings.execution_timeout_seconds):
                result = await self.execute(request.method, context, request_data)
        except TimeoutError:
            raise http.GraphQLHTTPError(
                504,
                f"The operation ran over {settings.execution_timeout_seconds:g} s.",
                http.TIMEOUT,
            ) from None
        if (
            resolved.register is not None
            and resolved.query is not None
            and not http.is_request_error(result)
        ):
            # Like Apollo Server: only a document that parsed and validated is kept.
            await self.persisted_queries.register(resolved.register, resolved.query)
        return result

    async def execute(
        self, method: str, context: Context, request_data: GraphQLRequestData
    ) -> ExecutionResult:
        """Queries over GET, queries and mutations over POST (subscriptions are served over
        WebSocket); what stops an operation before it starts is a GraphQL request error,
        except a mutation over GET, which the spec makes a 405."""
        allowed: set[OperationType] = {OperationType.QUERY}
        if method == "POST":
            allowed.add(OperationType.MUTATION)
        try:
            return await self.schema.execute(
                request_data.query,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=request_data.extensions,
            )
        except InvalidOperationTypeError as error:
            if error.operation_type is OperationType.MUTATION:
                raise http.GraphQLHTTPError(
                    405, "Mutations are sent with POST.", http.METHOD_NOT_ALLOWED, {"Allow": "POST"}
                ) from error
            return http.request_error(
                "Subscriptions are served over WebSocket (graphql-transport-ws) at this URL.",
                http.OPERATION_NOT_SUPPORTED,
            )
        except CannotGetOperationTypeError as error:
            return http.request_error(
                error.as_http_error_reason(), http.OPERATION_RESOLUTION_FAILURE
            )
        except MissingQueryError:
            # A required parameter is missing: not a well-formed GraphQL-over-HTTP request.
            raise http.GraphQLHTTPError(
                http.UNPROCESSABLE, "No GraphQL query found in the request.", http.BAD_REQUEST
            ) from None

    def response_body(
        self, request: Request, result: ExecutionResult, exchange: http.Exchange
    ) -> GraphQLHTTPResponse:
        """The body and, on the side, the status and caching the spec and our rules ask for."""
        body = process_result(result)
        if exchange.settle(result):
            body.pop("data", None)
        exchange.cache_control = cache_control(
            method=request.method,
            headers=request.headers,
            query=exchange.query,
            operation_name=exchange.operation_name,
            errors=result.errors,
            max_age=self.settings.public_cache_max_age_seconds,
        )
        if exchange.cache_control.startswith("public"):
            exchange.headers["Vary"] = "Accept, Authorization, Cookie"
            cost = (body.get("extensions") or {}).get("cost")
            if isinstance(cost, dict):
                cost["throttleStatus"] = None  # one caller's budget is not for everyone
        return body
