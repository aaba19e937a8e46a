"""The GraphQL endpoint: strawberry's ASGI app with our per-request context."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.schema.exceptions import InvalidOperationTypeError

from dataloaders.loaders import Loaders
from domain.auth.authentication import principal_for_bearer
from schema.context import Context
from server.live_connections import LiveConnections, TooManyConnections
from server.services import Services
from server.settings import Settings


class GraphQLEndpoint(GraphQL[Context, None]):
    def __init__(self, services: Services, settings: Settings, **kwargs: Any) -> None:
        super().__init__(
            max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
            keep_alive=True,
            keep_alive_interval=settings.websocket_keep_alive_seconds,
            connection_init_wait_timeout=timedelta(seconds=10),
            **kwargs,
        )
        self.services = services
        self.settings = settings
        self.live = LiveConnections(settings.max_websockets_per_user)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        principal = await principal_for_bearer(
            self.services.database.session,
            self.services.tokens,
            request.headers.get("authorization"),
        )
        return Context(
            services=self.services,
            settings=self.settings,
            principal=principal,
            loaders=Loaders(self.services.database, principal, self.services.keyring),
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
                self.services.database.session, self.services.tokens, str(token)
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

    async def run(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        """As strawberry's, with the status codes GraphQL over HTTP asks for: a mutation over
        GET is 405 with `Allow: POST`, a body that is not JSON is 415."""
        if isinstance(request, WebSocket):
            self.live.opened(request)
            try:
                return await super().run(request, *args, **kwargs)
            finally:
                self.live.closed(request)
        try:
            return await super().run(request, *args, **kwargs)
        except HTTPException as error:
            if isinstance(error.__cause__, InvalidOperationTypeError):
                return PlainTextResponse(error.reason, status_code=405, headers={"Allow": "POST"})
            if error.reason == "Unsupported content type":
                return PlainTextResponse(
                    "Send GraphQL requests as application/json.", status_code=415
                )
            raise

    async def execute_operation(
        self, request: Any, request_adapter: Any, request_data: Any, *args: Any, **kwargs: Any
    ) -> Any:
        """Bound what one request may cost before and while it runs: query text length and
        wall-clock execution time."""
        settings = self.settings
        operations = request_data if isinstance(request_data, list) else [request_data]
        for operation in operations:
            if len(operation.query or "") > settings.max_query_length:
                raise HTTPException(
                    413, f"The query is over {settings.max_query_length} characters."
                )
        try:
            async with asyncio.timeout(settings.execution_timeout_seconds):
                return await super().execute_operation(
                    request, request_adapter, request_data, *args, **kwargs
                )
        except TimeoutError:
            raise HTTPException(
                504, f"The operation ran over {settings.execution_timeout_seconds:g} s."
            ) from None
