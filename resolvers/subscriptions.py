"""Subscriptions: events from the bus, filtered to what the subscriber may see.

Every event is re-checked against the subscriber's permissions before it is
sent, with fresh loaders, so a long-lived subscription never serves stale or
no-longer-allowed data.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import OrderedDict
from collections.abc import AsyncGenerator, Awaitable, Callable
from datetime import datetime
from typing import Any

import strawberry

from domain.clock import utcnow
from domain.errors import ErrorCode, NotFound, ValidationFailed
from domain.events import DomainEvent
from domain.jobs import queries as job_queries
from domain.notifications.service import NOTIFICATION_CREATED
from schema.context import Info
from schema.credentials import Credential
from schema.events import (
    CredentialEvent,
    CredentialEventKind,
    JobEvent,
    JobEventKind,
    MatchEvent,
    MatchEventKind,
)
from schema.ids import InvalidGlobalId, expect_global_id
from schema.jobs import Job
from schema.matches import Match
from schema.notifications import Notification
from server.adapters.event_bus import SlowListener
from server.live_connections import CLOSE_FORBIDDEN, CLOSE_TOO_SLOW, close
from server.metrics import SLOW_SUBSCRIBERS


async def _events(
    info: Info, wanted: Callable[[DomainEvent], bool]
) -> AsyncGenerator[DomainEvent, None]:
    """The bus's events that `wanted` keeps; ends the connection when the subscriber's token
    has expired or it has fallen too far behind."""
    ctx = info.context
    async with ctx.services.bus.listen(ctx.settings.subscription_buffer) as listener:
        while True:
            try:
                event = await listener.get()
            except SlowListener:
                SLOW_SUBSCRIBERS.inc()
                if ctx.websocket is not None:
                    await close(ctx.websocket, CLOSE_TOO_SLOW, "Too slow: events were dropped")
                return
            expires_at = ctx.principal.expires_at
            if expires_at is not None and expires_at <= utcnow():
                if ctx.websocket is not None:
                    await close(ctx.websocket, CLOSE_FORBIDDEN, "Access token expired")
                return
            if wanted(event):
                ctx.renew_loaders()
                yield event


def _decode(global_id: strawberry.ID, type_name: str, field: str) -> uuid.UUID:
    try:
        return expect_global_id(global_id, type_name)
    except InvalidGlobalId as error:
        raise ValidationFailed.single(field, ErrorCode.INVALID_ID, str(error)) from None


class _PerEventLookups:
    """One database read per event and key in this process, however many subscribers
    wait for it: the row is shared, the permission check stays per subscriber."""

    def __init__(self, keep: int = 512) -> None:
        self._keep = keep
        self._pending: OrderedDict[tuple[str, uuid.UUID], asyncio.Future[Any]] = OrderedDict()

    async def get(
        self, event: DomainEvent, pk: uuid.UUID, fetch: Callable[[], Awaitable[Any]]
    ) -> Any:
        key = (event.id, pk)
        future = self._pending.get(key)
        if future is None:
            future = asyncio.ensure_future(fetch())
            self._pending[key] = future
            while len(self._pending) > self._keep:
                self._pending.popitem(last=False)
        return await asyncio.shield(future)


_lookups = _PerEventLookups()


async def job_events(info: Info, job_id: strawberry.ID) -> AsyncGenerator[JobEvent, None]:
    """Changes to one job you may see: published, edited, paused, filled, closed."""
    ctx = info.context
    pk = _decode(job_id, "Job", "jobId")
    if await ctx.loaders.visible_job.load(pk) is None:
        raise NotFound("job")
    member_of = (
        {org.id for org in await ctx.loaders.organizations_of_user.load(ctx.principal.user_id)}
        if ctx.principal.user_id
        else set()
    )
    kinds = {kind.value: kind for kind in JobEventKind}

    async def fetch() -> Any:
        async with ctx.services.database.session() as session:
            return (await job_queries.jobs_by_id(session, [pk])).get(pk)

    async for event in _events(
        info, lambda e: e.name in kinds and e.payload.get("job_id") == str(pk)
    ):
        row = await _lookups.get(event, pk, fetch)
        if row is not None and job_queries.job_visible(row, ctx.principal, member_of):
            yield JobEvent(
                kind=kinds[event.name],
                job=Job.from_row(row),
                occurred_at=datetime.fromisoformat(event.occurred_at),
            )


async def match_events(
    info: Info, job_id: strawberry.ID | None = None
) -> AsyncGenerator[MatchEvent, None]:
    """Your matches as they change; with `jobId`, those of your organisation's job."""
    ctx = info.context
    viewer = ctx.principal.require_user()
    job_pk = _decode(job_id, "Job", "jobId") if job_id is not None else None
    if job_pk is not None:
        job = await ctx.loaders.visible_job.load(job_pk)
        members = await ctx.loaders.organizations_of_user.load(viewer)
        if job is None or job.organization_id not in {org.id for org in members}:
            raise NotFound("job")
    kinds = {kind.value: kind for kind in MatchEventKind}

    def wanted(event: DomainEvent) -> bool:
        if event.name not in kinds:
            return False
        if job_pk is not None:
            return event.payload.get("job_id") == str(job_pk)
        return event.payload.get("worker_user_id") == str(viewer)

    async for event in _events(info, wanted):
        row = await ctx.loaders.visible_match.load(uuid.UUID(event.payload["match_id"]))
        if row is not None:
            yield MatchEvent(
                kind=kinds[event.name],
                match=Match.from_row(row),
                occurred_at=datetime.fromisoformat(event.occurred_at),
            )


async def credential_events(
    info: Info, credential_id: strawberry.ID
) -> AsyncGenerator[CredentialEvent, None]:
    """One credential you may see, the moment it is anchored on chain or revoked."""
    ctx = info.context
    ctx.principal.require_user()
    pk = _decode(credential_id, "Credential", "credentialId")
    if await ctx.loaders.visible_credential.load(pk) is None:
        raise NotFound("credential")
    kinds = {kind.value: kind for kind in CredentialEventKind}
    async for event in _events(
        info, lambda e: e.name in kinds and e.payload.get("credential_id") == str(pk)
    ):
        row = await ctx.loaders.visible_credential.load(pk)
        if row is not None:
            yield CredentialEvent(
                kind=kinds[event.name],
                credential=Credential.from_row(row),
                occurred_at=datetime.fromisoformat(event.occurred_at),
            )


async def notifications(info: Info) -> AsyncGenerator[Notification, None]:
    """Your notifications, the moment they are created."""
    ctx = info.context
    viewer = str(ctx.principal.require_user())
    async for event in _events(
        info, lambda e: e.name == NOTIFICATION_CREATED and e.payload.get("user_id") == viewer
    ):
        row = await ctx.loaders.notification.load(uuid.UUID(event.payload["notification_id"]))
        if row is not None:
            yield Notification.from_row(row)
