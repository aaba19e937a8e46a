"""What every resolver receives: the caller, the services and this request's loaders."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeAlias

from strawberry.types import Info as StrawberryInfo

from dataloaders.loaders import Loaders
from domain.auth.principal import Principal
from domain.unit_of_work import UnitOfWork
from server.rate_limit import QueryCharge
from server.services import Services


@dataclass
class Context:
    services: Services
    principal: Principal
    loaders: Loaders
    client_ip: str | None = None
    # Set by the query-cost limiter before execution; read by the `rateLimit` field.
    query_charge: QueryCharge | None = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[UnitOfWork]:
        async with self.services.database.transaction(
            self.services.bus, self.services.queue
        ) as uow:
            yield uow


Info: TypeAlias = StrawberryInfo[Context, None]
