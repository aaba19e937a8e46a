"""Notification queries and mutations: the viewer's own notifications, preferences and devices."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from domain.notifications import devices, preferences, service
from domain.unit_of_work import UnitOfWork
from resolvers.mutations import in_transaction
from resolvers.pagination import page_request
from schema.context import Info
from schema.inputs import to_domain
from schema.notifications import (
    MarkNotificationsReadInput,
    MarkNotificationsReadPayload,
    Notification,
    NotificationConnection,
    NotificationPreferences,
    NotificationPreferencesPayload,
    PushDevice,
    RegisterPushTokenInput,
    RegisterPushTokenPayload,
    UnregisterPushTokenInput,
    UnregisterPushTokenPayload,
    UpdateNotificationPreferencesInput,
)
from schema.relay import After, Before, Connection, First, Last


async def notifications(
    info: Info,
    unread_only: Annotated[
        bool, strawberry.argument(description="Only the notifications not read yet.")
    ] = False,
    first: First = None,
    after: After = None,
    last: Last = None,
    before: Before = None,
) -> NotificationConnection:
    """Your notifications, newest first; `unreadOnly` keeps the unread ones."""
    ctx = info.context
    sessions = ctx.services.database.session
    page = await service.browse_notifications(
        sessions, ctx.principal, unread_only, page_request(first, after, last, before)
    )
    connection = Connection.from_page(page, Notification.from_row)

    async def unread() -> int:
        return await service.unread_count(sessions, ctx.principal)

    return NotificationConnection(
        edges=connection.edges,
        page_info=connection.page_info,
        _count=page.count_total,
        _unread=unread,
    )


async def notification_preferences(info: Info) -> NotificationPreferences:
    """Which notifications reach you where, and your quiet hours."""
    ctx = info.context
    chosen = await preferences.notification_preferences(
        ctx.services.database.session, ctx.principal
    )
    return NotificationPreferences.from_domain(chosen)


async def mark_notifications_read(
    info: Info,
    input: Annotated[
        MarkNotificationsReadInput,
        strawberry.argument(description="The notifications to mark read, or all of them."),
    ],
) -> MarkNotificationsReadPayload:
    """Mark some (`ids`) or all (`all: true`) of your notifications read."""
    actor = info.context.principal

    async def action(uow: UnitOfWork) -> service.MarkedRead:
        data = to_domain(input, id_types={"ids": "Notification"})
        if data.get("all") is None:
            data.pop("all", None)
        return await service.mark_notifications_read(uow, actor, data)

    marked, errors = await in_transaction(info, action)
    if marked is None:
        return MarkNotificationsReadPayload(
            notifications=[], marked_count=0, unread_count=None, errors=errors
        )
    return MarkNotificationsReadPayload(
        notifications=[Notification.from_row(row) for row in marked.notifications],
        marked_count=marked.marked,
        unread_count=marked.unread,
        errors=[],
    )


def _present(data: dict[str, Any], *names: str) -> dict[str, Any]:
    """null for a list or a value that cannot be null means "leave it as it is"."""
    return {k: v for k, v in data.items() if not (k in names and v is None)}


async def update_notification_preferences(
    info: Info,
    input: Annotated[
        UpdateNotificationPreferencesInput,
        strawberry.argument(description="What to change; omitted fields keep their values."),
    ],
) -> NotificationPreferencesPayload:
    """Turn kinds on or off per channel, set or clear quiet hours, set your time zone."""
    actor = info.context.principal
    chosen, errors = await in_transaction(
        info,
        lambda uow: preferences.update_notification_preferences(
            uow, actor, _present(to_domain(input), "preferences", "time_zone")
        ),
    )
    return NotificationPreferencesPayload(
        preferences=NotificationPreferences.from_domain(chosen) if chosen else None, errors=errors
    )


async def register_push_token(
    info: Info,
    input: Annotated[
        RegisterPushTokenInput,
        strawberry.argument(description="This device's push token and platform."),
    ],
) -> RegisterPushTokenPayload:
    """Let this device receive push notifications (React Native app, Expo push token)."""
    actor = info.context.principal
    row, errors = await in_transaction(
        info, lambda uow: devices.register_push_token(uow, actor, to_domain(input, drop_none=True))
    )
    return RegisterPushTokenPayload(device=PushDevice.from_row(row) if row else None, errors=errors)


async def unregister_push_token(
    info: Info,
    input: Annotated[
        UnregisterPushTokenInput, strawberry.argument(description="The push token to forget.")
    ],
) -> UnregisterPushTokenPayload:
    """Stop push notifications to this device (on sign-out). Succeeds if it was not registered."""
    actor = info.context.principal
    _, errors = await in_transaction(
        info, lambda uow: devices.unregister_push_token(uow, actor, to_domain(input))
    )
    return UnregisterPushTokenPayload(ok=not errors, errors=errors)
