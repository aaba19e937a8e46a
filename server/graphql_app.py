"""The GraphQL endpoint: strawberry's ASGI app with our per-request context."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from dataloaders.loaders import Loaders
from schema.context import Context
from server.auth import principal_from_authorization
from server.services import Services


class GraphQLEndpoint(GraphQL[Context, None]):
    def __init__(self, services: Services, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.services = services

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        principal = principal_from_authorization(
            self.services.tokens, request.headers.get("authorization")
        )
        return Context(
            services=self.services,
            principal=principal,
            loaders=Loaders(self.services.database, principal),
        )
