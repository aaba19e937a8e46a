"""Notifications, notification preferences and push devices."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, time

import strawberry
from strawberry import UNSET
from strawberry.scalars import JSON

from domain.notifications.devices import PushPlatform
from domain.notifications.kinds import Channel, NotificationKind
from domain.notifications.messages import Text, render
from domain.notifications.models import DeliveryStatus
from domain.notifications.models import Notification as NotificationRow
from domain.notifications.models import PushToken as PushTokenRow
from domain.notifications.preferences import Preferences
from schema.context import Info
from schema.enums import describe_values
from schema.errors import UserError
from schema.ids import node_id
from schema.relay import Connection, Node

strawberry.enum(
    NotificationKind,
    description="What a notification is about. Kinds for matches and credentials are "
    "listed ahead of the features that send them.",
)
strawberry.enum(Channel, name="NotificationChannel", description="Where a notification goes.")
strawberry.enum(PushPlatform, description="The operating system of a device.")
strawberry.enum(DeliveryStatus, description="Where a delivery on one channel stands.")
describe_values(
    NotificationKind,
    {
        NotificationKind.ACCOUNT_PASSWORD_CHANGED: "Your password was changed (cannot be muted).",
        NotificationKind.ACCOUNT_NEW_SIGN_IN: "A new sign-in to your account.",
        NotificationKind.ACCOUNT_ROLES_CHANGED: "An admin changed your roles.",
        NotificationKind.JOB_PUBLISHED: "A job of your organisation was published.",
        NotificationKind.MATCH_SUGGESTED: "The matching engine suggested a job to you.",
        NotificationKind.APPLICATION_RECEIVED: "A worker applied to a job of your organisation.",
        NotificationKind.INVITATION_RECEIVED: "An employer invited you to a job.",
        NotificationKind.MATCH_STATUS_CHANGED: "A match of yours moved on (interview, offer ...).",
        NotificationKind.CREDENTIAL_ANCHORED: "A credential of yours was anchored on chain.",
        NotificationKind.CREDENTIAL_REVOKED: "A credential of yours was revoked by its issuer.",
    },
)
describe_values(
    Channel,
    {
        Channel.IN_APP: "Listed in the app, counted as unread and sent over the live feed.",
        Channel.EMAIL: "An e-mail to your sign-in address.",
        Channel.PUSH: "A push notification to your registered devices.",
    },
)
describe_values(PushPlatform, {PushPlatform.IOS: "Apple iOS.", PushPlatform.ANDROID: "Android."})
describe_values(
    DeliveryStatus,
    {
        DeliveryStatus.PENDING: "Waiting for its first attempt (or for quiet hours to end).",
        DeliveryStatus.RETRYING: "An attempt failed; another is scheduled.",
        DeliveryStatus.SENT: "Delivered.",
        DeliveryStatus.FAILED: "Given up: a permanent error, or out of attempts.",
        DeliveryStatus.SKIPPED: "Nothing to send: the channel is off or there is no device.",
    },
)


@strawberry.type(description="Something you were told about; only ever visible to you.")
class Notification(Node):
    pk: strawberry.Private[uuid.UUID]
    kind: NotificationKind = strawberry.field(description="What it is about.")
    payload: JSON = strawberry.field(
        description="Ids (global) and values the kind refers to, e.g. `jobId` and `title`."
    )
    read_at: datetime | None = strawberry.field(
        description="When you marked it read; null while unread.",
    )
    created_at: datetime = strawberry.field(description="When it was created.")

    @classmethod
    def from_row(cls, row: NotificationRow) -> Notification:
        return cls(
            id=node_id("Notification", row.id),
            pk=row.id,
            kind=NotificationKind(row.kind),
            payload=row.payload,  # type: ignore[arg-type]
            read_at=row.read_at,
            created_at=row.created_at,  # type: ignore[arg-type]
        )

    @strawberry.field(description="Whether you have marked it read.")
    def read(self) -> bool:
        return self.read_at is not None

    async def _text(self, info: Info) -> Text:
        user_id = info.context.principal.user_id
        user = await info.context.loaders.user.load(user_id) if user_id else None
        return render(self.kind.value, self.payload, user.locale if user else None)  # type: ignore[arg-type]

    @strawberry.field(description="A short headline in your language.")
    async def title(self, info: Info) -> str:
        return (await self._text(info)).title

    @strawberry.field(description="A sentence or two in your language.")
    async def body(self, info: Info) -> str:
        return (await self._text(info)).body


@strawberry.type(description="Your notifications, newest first.")
class NotificationConnection(Connection[Notification]):
    _unread: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many of all your notifications are unread.")
    async def unread_count(self) -> int:
        return await self._unread()


@strawberry.input(description="Which notifications to mark read: `ids`, or `all: true`.")
class MarkNotificationsReadInput:
    ids: list[strawberry.ID] | None = strawberry.field(
        default=UNSET, description="Up to 100 of your notifications."
    )
    all: bool | None = strawberry.field(default=UNSET, description="Every unread one.")


@strawberry.type(description="What was marked read, or the errors that stopped it.")
class MarkNotificationsReadPayload:
    notifications: list[Notification] = strawberry.field(
        description="The notifications named by `ids`, now read (empty for `all`)."
    )
    marked_count: int = strawberry.field(description="How many were unread and now are read.")
    unread_count: int | None = strawberry.field(description="Your unread count afterwards.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="Whether one kind reaches you on one channel.")
class NotificationPreference:
    kind: NotificationKind = strawberry.field(description="The kind of notification.")
    channel: Channel = strawberry.field(description="The channel.")
    enabled: bool = strawberry.field(description="Whether this kind reaches you on this channel.")
    locked: bool = strawberry.field(
        description="Security alerts you cannot turn off on this channel."
    )


@strawberry.type(description="Local times (HH:MM, 24-hour) in your time zone; may wrap midnight.")
class QuietHours:
    start: str = strawberry.field(description="When quiet hours begin, HH:MM.")
    end: str = strawberry.field(
        description="When they end, HH:MM; before `start` when they run past midnight.",
    )


def _hh_mm(value: time) -> str:
    return value.strftime("%H:%M")


@strawberry.type(
    description="Your notification choices. During quiet hours EMAIL and PUSH are held back "
    "until they end (never dropped); IN_APP is not, nor are account security alerts."
)
class NotificationPreferences:
    preferences: list[NotificationPreference] = strawberry.field(
        description="Every kind × channel, with the defaults where you chose nothing."
    )
    quiet_hours: QuietHours | None = strawberry.field(
        description="When EMAIL and PUSH wait; null when there are none.",
    )
    time_zone: str = strawberry.field(description="IANA time zone, e.g. Asia/Tokyo.")

    @classmethod
    def from_domain(cls, preferences: Preferences) -> NotificationPreferences:
        quiet = None
        if preferences.quiet_hours_start and preferences.quiet_hours_end:
            quiet = QuietHours(
                start=_hh_mm(preferences.quiet_hours_start), end=_hh_mm(preferences.quiet_hours_end)
            )
        return cls(
            preferences=[
                NotificationPreference(
                    kind=entry.kind,
                    channel=entry.channel,
                    enabled=entry.enabled,
                    locked=entry.locked,
                )
                for entry in preferences.entries
            ],
            quiet_hours=quiet,
            time_zone=preferences.time_zone,
        )


@strawberry.input(description="Turn one kind on or off on one channel.")
class NotificationPreferenceInput:
    kind: NotificationKind = strawberry.field(description="The kind of notification.")
    channel: Channel = strawberry.field(description="The channel.")
    enabled: bool = strawberry.field(description="On or off.")


@strawberry.input(description="Quiet hours: HH:MM to HH:MM, local time; may wrap midnight.")
class QuietHoursInput:
    start: str = strawberry.field(
        description="When quiet hours begin, HH:MM (24-hour, local time).",
    )
    end: str = strawberry.field(
        description="When they end, HH:MM; before `start` to run past midnight.",
    )


@strawberry.input(description="What to change; omitted fields stay as they are.")
class UpdateNotificationPreferencesInput:
    preferences: list[NotificationPreferenceInput] | None = strawberry.field(
        default=UNSET,
        description="Kind × channel choices to change; the rest stay.",
    )
    quiet_hours: QuietHoursInput | None = strawberry.field(
        default=UNSET, description="null removes quiet hours."
    )
    time_zone: str | None = strawberry.field(default=UNSET, description="IANA, e.g. Asia/Tokyo.")


@strawberry.type(description="Your preferences after the change, or the errors that stopped it.")
class NotificationPreferencesPayload:
    preferences: NotificationPreferences | None = strawberry.field(
        description="Your preferences as saved; null when it failed.",
    )
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="A device of yours that receives push notifications.")
class PushDevice:
    id: strawberry.ID = strawberry.field(description="Opaque ID of the device registration.")
    platform: PushPlatform | None = strawberry.field(
        description="iOS or Android, when the app said.",
    )
    device_name: str | None = strawberry.field(
        description="The device's name, when the app said (e.g. `Aiko's iPhone`).",
    )
    created_at: datetime = strawberry.field(description="When the device was registered.")

    @classmethod
    def from_row(cls, row: PushTokenRow) -> PushDevice:
        return cls(
            id=node_id("PushDevice", row.id),
            platform=PushPlatform(row.platform) if row.platform else None,
            device_name=row.device_name,
            created_at=row.created_at,  # type: ignore[arg-type]
        )


@strawberry.input(description="This device's Expo push token, e.g. `ExponentPushToken[…]`.")
class RegisterPushTokenInput:
    token: str = strawberry.field(description="The Expo push token, `ExponentPushToken[…]`.")
    platform: PushPlatform | None = strawberry.field(default=None, description="iOS or Android.")
    device_name: str | None = strawberry.field(
        default=None,
        description="A name to recognise the device by.",
    )


@strawberry.type(description="The registered device, or the errors that stopped it.")
class RegisterPushTokenPayload:
    device: PushDevice | None = strawberry.field(
        description="The registered device; null when it failed.",
    )
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.input(description="The push token to forget (when signing out on a device).")
class UnregisterPushTokenInput:
    token: str = strawberry.field(description="The Expo push token to forget.")


@strawberry.type(description="Whether the token is no longer registered to you.")
class UnregisterPushTokenPayload:
    ok: bool = strawberry.field(description="True when the token is no longer registered to you.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")
