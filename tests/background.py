"""Running background jobs in tests, and the local servers the delivery channels talk to.

The test services queue jobs in Redis (arq) without running them; `run_jobs`
runs them with a real arq worker in burst mode — the worker the `iworkz worker`
command runs, retries and backoff included — until the queue is empty.
"""

from __future__ import annotations

import asyncio
import dataclasses
import socket
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from aiosmtpd.controller import Controller
from arq.worker import Worker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.services import Services
from workers.settings import worker_settings


def services_with(services: Services, **settings: Any) -> Services:
    """The test services (same database, Redis and queue) under other settings: the
    channels (SMTP, push, retry delays) are built from these."""
    return dataclasses.replace(services, settings=services.settings.model_copy(update=settings))


async def run_jobs(services: Services) -> Worker:
    """Run every queued job, and the jobs they queue, with a real arq worker (burst mode)."""
    options = worker_settings(
        services.settings,
        burst=True,
        poll_delay=0.02,
        handle_signals=False,
        on_startup=None,
        on_shutdown=None,
        cron_jobs=[],
        ctx={"services": services},
    )
    worker = Worker(**options)
    try:
        await worker.async_run()
    finally:
        await worker.close()
    return worker


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class FakeEndpoint:
    """A local HTTP endpoint that records each POST and answers from a script: each entry
    is a status code, or a (status, JSON) pair; when the script runs out, `default`."""

    script: list[Any] = field(default_factory=list)
    default: Any = 200
    answer: Callable[[Received], Any] | None = None
    received: list[Received] = field(default_factory=list)

    async def _handle(self, request: Request) -> Response:
        got = Received(
            request.url.path, dict(request.headers), await request.body(), time.monotonic()
        )
        self.received.append(got)
        planned = self.script.pop(0) if self.script else self.default
        if self.answer is not None and not isinstance(planned, int | tuple):
            planned = self.answer(got)
        if callable(planned):
            planned = planned(got)
        if isinstance(planned, tuple):
            return JSONResponse(planned[1], status_code=planned[0])
        return Response(status_code=planned)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{path:path}", self._handle, methods=["POST"])])


@asynccontextmanager
async def serving(endpoint: FakeEndpoint) -> AsyncIterator[str]:
    """Serve the endpoint with uvicorn on a free localhost port; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(
        endpoint.app(), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@dataclass
class Mailbox:
    """What a local SMTP server (aiosmtpd) accepted; `refuse` scripts SMTP replies first."""

    messages: list[Any] = field(default_factory=list)
    refuse: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return self.refuse.pop(0)
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


@asynccontextmanager
async def smtp_server(mailbox: Mailbox) -> AsyncIterator[int]:
    """A real SMTP server on a free localhost port (in its own thread); yields the port."""
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    await asyncio.to_thread(controller.start)
    try:
        yield port
    finally:
        await asyncio.to_thread(controller.stop)
