"""Bookkeeping for GraphQL WebSocket connections: who is connected, how often, until when.

Limits are per process (a load balancer spreads a user's connections, so the
effective limit is this times the number of API processes).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import Counter
from contextlib import suppress
from datetime import datetime

from starlette.websockets import WebSocket, WebSocketState

from domain.clock import utcnow
from server import metrics

log = logging.getLogger(__name__)

CLOSE_FORBIDDEN = 4403  # graphql-transport-ws: the credentials are (no longer) good enough
CLOSE_TOO_SLOW = 1008  # policy violation: the client did not keep up with its events


class TooManyConnections(Exception):
    pass


class LiveConnections:
    def __init__(self, max_per_user: int) -> None:
        self._max_per_user = max_per_user
        self._per_user: Counter[uuid.UUID] = Counter()
        self._owner: dict[int, uuid.UUID] = {}
        self._expiry: dict[int, asyncio.TimerHandle] = {}

    def opened(self, websocket: WebSocket) -> None:
        metrics.WEBSOCKETS_OPEN.inc()

    def signed_in(
        self, websocket: WebSocket, user_id: uuid.UUID, expires_at: datetime | None
    ) -> None:
        """Count the connection against its user, and close it when its token expires."""
        if self._per_user[user_id] >= self._max_per_user:
            raise TooManyConnections
        self._per_user[user_id] += 1
        self._owner[id(websocket)] = user_id
        if expires_at is not None:
            delay = max((expires_at - utcnow()).total_seconds(), 0)
            self._expiry[id(websocket)] = asyncio.get_running_loop().call_later(
                delay,
                lambda: asyncio.ensure_future(
                    close(websocket, CLOSE_FORBIDDEN, "Access token expired")
                ),
            )

    def closed(self, websocket: WebSocket) -> None:
        metrics.WEBSOCKETS_OPEN.dec()
        timer = self._expiry.pop(id(websocket), None)
        if timer is not None:
            timer.cancel()
        user_id = self._owner.pop(id(websocket), None)
        if user_id is not None:
            self._per_user[user_id] -= 1
            if self._per_user[user_id] <= 0:
                del self._per_user[user_id]


async def close(websocket: WebSocket, code: int, reason: str) -> None:
    if websocket.application_state == WebSocketState.CONNECTED:
        with suppress(RuntimeError):
            await websocket.close(code=code, reason=reason)
