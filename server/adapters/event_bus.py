"""EventBus adapters: in-memory for the embedded mode, Redis pub/sub for production."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict

from redis.asyncio import Redis

from domain.events import DomainEvent

log = logging.getLogger(__name__)
CHANNEL = "iworkz:events"


class InMemoryEventBus:
    """Fan-out within one process; each listener gets its own bounded queue."""

    def __init__(self, buffer: int = 1000) -> None:
        self._listeners: set[asyncio.Queue[DomainEvent]] = set()
        self._buffer = buffer

    async def publish(self, event: DomainEvent) -> None:
        for queue in list(self._listeners):
            if queue.full():
                log.warning("dropping %s for a listener that is not keeping up", event.name)
                continue
            queue.put_nowait(event)

    @asynccontextmanager
    async def listen(self) -> AsyncIterator[asyncio.Queue[DomainEvent]]:
        queue: asyncio.Queue[DomainEvent] = asyncio.Queue(self._buffer)
        self._listeners.add(queue)
        try:
            yield queue
        finally:
            self._listeners.discard(queue)


class RedisEventBus(InMemoryEventBus):
    """Publishes to one Redis channel; a per-process relay feeds the local listeners."""

    def __init__(self, redis: Redis, channel: str = CHANNEL) -> None:
        super().__init__()
        self._redis = redis
        self._channel = channel

    async def publish(self, event: DomainEvent) -> None:
        try:
            await self._redis.publish(self._channel, json.dumps(asdict(event)))
        except Exception:
            log.exception("could not publish %s to Redis", event.name)
