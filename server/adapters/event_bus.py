"""EventBus adapters: in-memory for the embedded mode, Redis pub/sub across processes.

Either way, local listeners (subscriptions) are fed from one place in the
process: the in-memory bus calls them directly; the Redis bus has one pub/sub
connection per process whose relay task fans each message out to them. A
listener has a bounded buffer: one that falls behind is cut off, never the
others.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from redis.asyncio import Redis
from redis.exceptions import RedisError

from domain.events import DomainEvent
from server import metrics

log = logging.getLogger(__name__)
DEFAULT_BUFFER = 256


class SlowListener(Exception):
    """The listener's buffer overflowed; it missed events and must reconnect."""


class Listener:
    def __init__(self, buffer: int) -> None:
        self._queue: asyncio.Queue[DomainEvent] = asyncio.Queue(buffer)
        self.overflowed = asyncio.Event()

    def offer(self, event: DomainEvent) -> None:
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed.set()

    async def get(self) -> DomainEvent:
        """The next event; raises SlowListener once the buffer has overflowed."""
        if self.overflowed.is_set():
            raise SlowListener
        getter = asyncio.ensure_future(self._queue.get())
        overflow = asyncio.ensure_future(self.overflowed.wait())
        try:
            await asyncio.wait({getter, overflow}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            overflow.cancel()
            if not getter.done():
                getter.cancel()
        if getter.done() and not getter.cancelled():
            return getter.result()
        raise SlowListener


class InMemoryEventBus:
    def __init__(self) -> None:
        self._listeners: set[Listener] = set()

    async def publish(self, event: DomainEvent) -> None:
        metrics.EVENTS_PUBLISHED.labels(event.name).inc()
        self._fan_out(event)

    def _fan_out(self, event: DomainEvent) -> None:
        for listener in list(self._listeners):
            listener.offer(event)
            metrics.EVENTS_DELIVERED.inc()

    @asynccontextmanager
    async def listen(self, buffer: int = DEFAULT_BUFFER) -> AsyncIterator[Listener]:
        listener = Listener(buffer)
        self._listeners.add(listener)
        metrics.EVENT_LISTENERS.inc()
        try:
            yield listener
        finally:
            self._listeners.discard(listener)
            metrics.EVENT_LISTENERS.dec()

    async def start(self) -> None:
        """Nothing to connect: events stay in this process."""

    async def stop(self) -> None:
        """Nothing to disconnect."""


class RedisEventBus(InMemoryEventBus):
    """Publishes to one Redis channel; a relay task (one connection per process) feeds
    the local listeners, reconnecting with backoff when Redis goes away."""

    def __init__(self, redis: Redis, channel: str, *, max_backoff: float = 5.0) -> None:
        super().__init__()
        self._redis = redis
        self._channel = channel
        self._max_backoff = max_backoff
        self._relay: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()

    async def publish(self, event: DomainEvent) -> None:
        """Never raises: while Redis is down the loss is logged and counted, not crashed on."""
        try:
            await self._redis.publish(self._channel, json.dumps(event.to_json()))
            metrics.EVENTS_PUBLISHED.labels(event.name).inc()
        except (RedisError, OSError):
            metrics.EVENTS_PUBLISH_FAILURES.labels(event.name).inc()
            log.error("could not publish %s (%s): Redis unavailable", event.name, event.id)

    async def start(self) -> None:
        if self._relay is None:
            self._relay = asyncio.create_task(self._run_relay(), name="event-bus-relay")
            with suppress(TimeoutError):
                await asyncio.wait_for(self.connected.wait(), timeout=5)

    async def stop(self) -> None:
        if self._relay is not None:
            self._relay.cancel()
            with suppress(asyncio.CancelledError):
                await self._relay
            self._relay = None

    async def _run_relay(self) -> None:
        backoff = 0.1
        while True:
            try:
                async with self._redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(self._channel)
                    self.connected.set()
                    backoff = 0.1
                    while True:
                        message = await pubsub.get_message(timeout=1.0)
                        if message is None:
                            await pubsub.ping()  # notice a dead connection while idle
                        elif message.get("type") == "message":
                            self._relay_message(message["data"])
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as error:
                self.connected.clear()
                metrics.BUS_RECONNECTS.inc()
                log.warning("event bus lost Redis (%s); retrying in %.1f s", error, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)

    def _relay_message(self, raw: bytes | str) -> None:
        try:
            event = DomainEvent.from_json(json.loads(raw))
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring a malformed event on the bus")
            return
        self._fan_out(event)
