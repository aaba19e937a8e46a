"""Creating, listing and reading notifications.

`notify` is what event handlers call. It stores the notification once per
(source event, user) — a retried handler inserts nothing — records
`notification.created` for the live feed, and plans one background delivery
per outside channel the user wants (deferred past quiet hours).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Self

from pydantic import Field, model_validator
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from domain.auth.principal import Principal
from domain.clock import utcnow
from domain.errors import ErrorCode, FieldError, FieldErrorSignal, ValidationFailed, validated
from domain.events import DomainEvent
from domain.notifications.access import notification_owner
from domain.notifications.kinds import OUTSIDE_CHANNELS, Channel, NotificationKind
from domain.notifications.models import DeliveryStatus, Notification, NotificationDelivery
from domain.notifications.preferences import deliver_after, enabled, preferences_row
from domain.pagination import MAX_PAGE_SIZE, Page, PageRequest, keyset_page
from domain.unit_of_work import UnitOfWork
from domain.values import Model

DELIVER_NOTIFICATION = "deliver_notification"  # the background task (workers/tasks.py)
NOTIFICATION_CREATED = "notification.created"


def delivery_job_id(delivery_id: uuid.UUID) -> str:
    return f"notification-delivery:{delivery_id}"


async def notify(
    uow: UnitOfWork,
    *,
    user_id: uuid.UUID,
    kind: NotificationKind,
    payload: dict[str, Any],
    event: DomainEvent,
) -> uuid.UUID | None:
    """Notify one user of one event; idempotent. Returns the new notification's id, or
    None if the user wants none of it or it already exists."""
    session = uow.session
    preferences = await preferences_row(session, user_id)
    channels = [channel for channel in Channel if enabled(preferences, kind, channel)]
    if not channels:
        return None
    now = utcnow()
    in_app = Channel.IN_APP in channels
    inserted = await session.execute(
        insert(Notification)
        .values(
            id=uuid.uuid4(),
            user_id=user_id,
            kind=kind.value,
            payload=payload,
            source_event_id=event.id,
            # Not wanted in the app: kept as history (and for the other channels), but
            # already read, so it neither counts as unread nor goes out on the live feed.
            read_at=None if in_app else now,
        )
        .on_conflict_do_nothing(constraint="uq_notifications_event_user")
        .returning(col(Notification.id))
    )
    notification_id = inserted.scalar()
    if notification_id is None:
        await _resubmit_pending_deliveries(uow, event.id, user_id)
        return None
    if in_app:
        uow.record(
            NOTIFICATION_CREATED,
            notification_id=str(notification_id),
            user_id=str(user_id),
            kind=kind.value,
        )
    later = deliver_after(preferences, kind, now)
    for channel in OUTSIDE_CHANNELS:
        if channel not in channels:
            continue
        delivery = NotificationDelivery(
            notification_id=notification_id, channel=channel.value, deliver_after=later
        )
        session.add(delivery)
        uow.enqueue_after_commit(
            DELIVER_NOTIFICATION,
            job_id=delivery_job_id(delivery.id),
            defer_until=later,
            delivery_id=str(delivery.id),
        )
    return notification_id


async def _resubmit_pending_deliveries(uow: UnitOfWork, event_id: str, user_id: uuid.UUID) -> None:
    """A retried handler: the notification exists, but the jobs of its deliveries may not
    have been submitted (the queue was down after the commit). Submitting again is safe —
    the job id is the delivery's."""
    rows = await uow.session.execute(
        select(NotificationDelivery)
        .join(Notification, col(Notification.id) == col(NotificationDelivery.notification_id))
        .where(
            col(Notification.source_event_id) == event_id,
            col(Notification.user_id) == user_id,
            col(NotificationDelivery.status) == DeliveryStatus.PENDING,
        )
    )
    for delivery in rows.scalars():
        uow.enqueue_after_commit(
            DELIVER_NOTIFICATION,
            job_id=delivery_job_id(delivery.id),
            defer_until=delivery.deliver_after,
            delivery_id=str(delivery.id),
        )


# --- reading ------------------------------------------------------------------------------


def _own(user_id: uuid.UUID) -> Any:
    return select(Notification).where(col(Notification.user_id) == user_id)


async def browse_notifications(
    session_factory: Callable[[], Any], actor: Principal, unread_only: bool, page: PageRequest
) -> Page[Notification]:
    """The caller's notifications, newest first."""
    user_id = notification_owner(actor)
    page.validate()
    statement = _own(user_id)
    if unread_only:
        statement = statement.where(col(Notification.read_at).is_(None))
    return await keyset_page(
        session_factory, statement, col(Notification.created_at), col(Notification.id), page
    )


async def unread_count(session_factory: Callable[[], Any], actor: Principal) -> int:
    user_id = notification_owner(actor)
    async with session_factory() as session:
        return await _unread(session, user_id)


async def _unread(session: AsyncSession, user_id: uuid.UUID) -> int:
    counted = await session.execute(
        select(func.count())
        .select_from(Notification)
        .where(col(Notification.user_id) == user_id, col(Notification.read_at).is_(None))
    )
    return int(counted.scalar_one())


async def notifications_visible_to(
    session: AsyncSession, actor: Principal, ids: list[uuid.UUID]
) -> dict[uuid.UUID, Notification]:
    """By id, only the caller's own: anyone else's look exactly like missing ones."""
    if actor.user_id is None or actor.client_id is not None:
        return {}
    rows = await session.execute(_own(actor.user_id).where(col(Notification.id).in_(ids)))
    return {row.id: row for row in rows.scalars()}


# --- marking read -------------------------------------------------------------------------


class MarkRead(Model):
    ids: list[uuid.UUID] | None = Field(default=None, max_length=MAX_PAGE_SIZE)
    all: bool = False

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if self.all and self.ids is not None:
            raise FieldErrorSignal(ErrorCode.INVALID, "Pass `ids` or `all`, not both.", "all")
        if not self.all and not self.ids:
            raise FieldErrorSignal(
                ErrorCode.REQUIRED, "Pass the `ids` to mark read, or `all: true`.", "ids"
            )
        return self


@dataclass(frozen=True, slots=True)
class MarkedRead:
    notifications: list[Notification]  # the ones named by `ids` (empty for `all`)
    marked: int  # how many were unread and are now read
    unread: int  # the caller's unread count afterwards


async def mark_notifications_read(
    uow: UnitOfWork, actor: Principal, data: dict[str, Any]
) -> MarkedRead:
    """Mark the caller's notifications read (idempotent: read ones keep their time).
    An ID that is not the caller's is reported as not found and nothing changes."""
    user_id = notification_owner(actor)
    request = validated(MarkRead, data)
    session, now = uow.session, utcnow()
    marking = update(Notification).where(
        col(Notification.user_id) == user_id, col(Notification.read_at).is_(None)
    )
    ids = list(dict.fromkeys(request.ids or []))
    if ids:
        found = await notifications_visible_to(session, actor, ids)
        missing = [
            FieldError(f"ids.{index}", ErrorCode.NOT_FOUND, "No such notification.")
            for index, notification_id in enumerate(request.ids or [])
            if notification_id not in found
        ]
        if missing:
            raise ValidationFailed(missing)
        marking = marking.where(col(Notification.id).in_(ids))
    marked = await session.execute(marking.values(read_at=now).returning(col(Notification.id)))
    count = len(marked.scalars().all())
    rows: list[Notification] = []
    if ids:
        refreshed = await session.execute(
            _own(user_id)
            .where(col(Notification.id).in_(ids))
            .execution_options(populate_existing=True)
        )
        by_id = {row.id: row for row in refreshed.scalars()}
        rows = [by_id[notification_id] for notification_id in ids]
    return MarkedRead(rows, count, await _unread(session, user_id))
