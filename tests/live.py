"""Real servers for live tests: the app under uvicorn on a free port, and a
graphql-transport-ws client speaking the protocol message by message."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
import websockets

from server import metrics
from server.app import create_app


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.asynccontextmanager
async def running_app(settings, services) -> AsyncIterator[str]:
    """Serve the real app (sharing the test's services) and yield its base URL."""
    port = free_port()
    config = uvicorn.Config(
        create_app(settings, services),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


class GraphQLWebSocket:
    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self._ids = 0

    async def send(self, message: dict[str, Any]) -> None:
        await self.connection.send(json.dumps(message))

    async def receive(self, timeout: float = 5.0) -> dict[str, Any]:
        while True:
            message = json.loads(await asyncio.wait_for(self.connection.recv(), timeout))
            if message["type"] == "ping":
                await self.send({"type": "pong"})
                continue
            return message

    async def subscribe(self, query: str, variables: dict[str, Any] | None = None) -> str:
        self._ids += 1
        operation_id = str(self._ids)
        await self.send(
            {
                "id": operation_id,
                "type": "subscribe",
                "payload": {"query": query, "variables": variables or {}},
            }
        )
        return operation_id

    async def subscribe_in_process(
        self, query: str, variables: dict[str, Any] | None = None
    ) -> str:
        """Subscribe to a server running in this process, and return once its listener is
        registered on the bus (so an event published next cannot be missed)."""
        before = metrics.EVENT_LISTENERS._value.get()
        operation_id = await self.subscribe(query, variables)
        for _ in range(500):
            if metrics.EVENT_LISTENERS._value.get() > before:
                break
            await asyncio.sleep(0.01)
        return operation_id

    async def closed(self, timeout: float = 5.0) -> tuple[int | None, str]:
        """Wait for the server to close the socket; its close code and reason."""
        with contextlib.suppress(websockets.ConnectionClosed):
            while True:
                await asyncio.wait_for(self.connection.recv(), timeout)
        return self.connection.close_code, self.connection.close_reason


@contextlib.asynccontextmanager
async def graphql_ws(
    host: str, token: str | None = None, params: dict[str, Any] | None = None
) -> AsyncIterator[GraphQLWebSocket]:
    """Connected and initialised (`connection_init` with the token); raises if not acked."""
    async with websockets.connect(
        f"ws://{host}/graphql", subprotocols=["graphql-transport-ws"]
    ) as connection:
        client = GraphQLWebSocket(connection)
        payload = dict(params or {})
        if token:
            payload["Authorization"] = f"Bearer {token}"
        await client.send({"type": "connection_init", "payload": payload})
        yield client
