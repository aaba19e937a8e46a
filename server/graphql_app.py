"""The GraphQL endpoint: strawberry's ASGI app with our per-request context."""

from __future__ import annotations

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


class GraphQLEndpoint(GraphQL[Context, None]):
    def __init__(self, services: Services, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.services = services

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
        """As strawberry's, but a mutation over GET is 405 with `Allow: POST`
        (GraphQL over HTTP), not a generic 400."""
        try:
            return await super().run(request, *args, **kwargs)
        except HTTPException as error:
            if isinstance(error.__cause__, InvalidOperationTypeError):
                return PlainTextResponse(error.reason, status_code=405, headers={"Allow": "POST"})
            raise
