"""What every resolver receives: the caller, the services and this request's loaders."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeAlias

from starlette.websockets import WebSocket
from strawberry.types import Info as StrawberryInfo

from dataloaders.loaders import Loaders
from domain.auth.principal import Principal
from domain.unit_of_work import UnitOfWork
from server.rate_limit import QueryCharge
from server.services import Services
from server.settings import Settings


@dataclass
class Context:
    services: Services
    principal: Principal
    loaders: Loaders
    settings: Settings
    client_ip: str | None = None
    # Set by the query-cost limiter before execution; read by the `rateLimit` field.
    query_charge: QueryCharge | None = None
    # WebSocket connections only: the socket, and the payload of `connection_init`.
    websocket: WebSocket | None = None
    connection_params: dict[str, Any] | None = None

    def sign_in(self, principal: Principal) -> None:
        """Adopt the caller a WebSocket authenticated in `connection_init`."""
        self.principal = principal
        self.renew_loaders()

    def renew_loaders(self) -> None:
        """Fresh DataLoaders: a long-lived subscription must not serve cached rows."""
        self.loaders = Loaders(
            self.services.database, self.principal, self.services.keyring, self.services.cache
        )

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[UnitOfWork]:
        async with self.services.database.transaction(
            self.services.bus, self.services.queue
        ) as uow:
            yield uow


Info: TypeAlias = StrawberryInfo[Context, None]
