"""The GraphQL endpoint: strawberry's ASGI app with our per-request context."""

from __future__ import annotations

import asyncio
from typing import Any

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.schema.exceptions import InvalidOperationTypeError

from dataloaders.loaders import Loaders
from domain.auth.authentication import principal_for_bearer
from schema.context import Context
from server.services import Services
from server.settings import Settings


class GraphQLEndpoint(GraphQL[Context, None]):
    def __init__(self, services: Services, settings: Settings, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.services = services
        self.settings = settings

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
            principal=principal,
            loaders=Loaders(self.services.database, principal, self.services.keyring),
            client_ip=request.client.host if request.client else None,
        )

    async def run(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        """As strawberry's, with the status codes GraphQL over HTTP asks for: a mutation over
        GET is 405 with `Allow: POST`, a body that is not JSON is 415."""
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
