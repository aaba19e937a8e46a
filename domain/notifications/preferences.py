"""Which kinds reach a user on which channel, and their quiet hours.

Quiet hours are a local time range in the user's time zone (default
Asia/Tokyo), and may wrap midnight (22:00–07:00). During them EMAIL and PUSH
deliveries are deferred — not dropped — until the range ends; IN_APP is never
held back, and urgent kinds (account security) are never deferred.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any, Self
from zoneinfo import ZoneInfo, available_timezones

from pydantic import Field, field_validator, model_validator
from sqlalchemy.ext.asyncio import AsyncSession

from domain.auth.principal import Principal
from domain.clock import utcnow
from domain.errors import ErrorCode, FieldError, FieldErrorSignal, ValidationFailed, validated
from domain.notifications.access import notification_owner
from domain.notifications.kinds import KIND_SPECS, Channel, NotificationKind
from domain.notifications.models import DEFAULT_TIME_ZONE, NotificationPreference
from domain.unit_of_work import UnitOfWork
from domain.values import Model

_HH_MM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def enabled(row: NotificationPreference | None, kind: NotificationKind, channel: Channel) -> bool:
    """The one rule: locked channels are always on, then the user's choice, then the default."""
    spec = KIND_SPECS[kind]
    if channel in spec.locked:
        return True
    chosen = (row.channels if row else {}).get(kind.value, {})
    if channel.value in chosen:
        return bool(chosen[channel.value])
    return channel in spec.defaults


def quiet_hours_end(now: datetime, start: time, end: time, zone: ZoneInfo) -> datetime | None:
    """When the quiet hours around `now` end (UTC), or None if `now` is not in them."""
    local = now.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    end_day: date = local.date()
    if start < end:
        quiet = start <= clock < end
    else:  # wraps midnight, e.g. 22:00–07:00
        quiet = clock >= start or clock < end
        if clock >= start:
            end_day += timedelta(days=1)
    if not quiet:
        return None
    return datetime.combine(end_day, end, tzinfo=zone).astimezone(UTC)


def deliver_after(
    row: NotificationPreference | None, kind: NotificationKind, now: datetime
) -> datetime | None:
    """For EMAIL and PUSH: the moment a delivery may go out, or None for at once."""
    if row is None or row.quiet_hours_start is None or row.quiet_hours_end is None:
        return None
    if KIND_SPECS[kind].urgent:
        return None
    return quiet_hours_end(now, row.quiet_hours_start, row.quiet_hours_end, ZoneInfo(row.time_zone))


async def preferences_row(session: AsyncSession, user_id: uuid.UUID) -> NotificationPreference:
    row = await session.get(NotificationPreference, user_id)
    return row if row is not None else NotificationPreference(user_id=user_id)


# --- reading and changing them ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PreferenceEntry:
    kind: NotificationKind
    channel: Channel
    enabled: bool
    locked: bool


@dataclass(frozen=True, slots=True)
class Preferences:
    entries: list[PreferenceEntry]
    quiet_hours_start: time | None
    quiet_hours_end: time | None
    time_zone: str

    @classmethod
    def of(cls, row: NotificationPreference) -> Preferences:
        entries = [
            PreferenceEntry(kind, channel, enabled(row, kind, channel), channel in spec.locked)
            for kind, spec in KIND_SPECS.items()
            for channel in Channel
        ]
        return cls(entries, row.quiet_hours_start, row.quiet_hours_end, row.time_zone)


async def notification_preferences(
    session_factory: Callable[[], Any], actor: Principal
) -> Preferences:
    user_id = notification_owner(actor)
    async with session_factory() as session:
        return Preferences.of(await preferences_row(session, user_id))


class PreferenceChange(Model):
    kind: NotificationKind
    channel: Channel
    enabled: bool


class QuietHours(Model):
    start: str
    end: str

    @field_validator("start", "end")
    @classmethod
    def _hh_mm(cls, value: str) -> str:
        if not _HH_MM.match(value):
            raise ValueError("Use 24-hour HH:MM, e.g. 22:00.")
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if self.start == self.end:
            raise FieldErrorSignal(ErrorCode.INVALID, "Start and end must differ.", "end")
        return self


class PreferencesUpdate(Model):
    preferences: list[PreferenceChange] = Field(
        default_factory=list, max_length=len(KIND_SPECS) * len(Channel)
    )
    quiet_hours: QuietHours | None = None  # sent as null: no quiet hours; omitted: unchanged
    time_zone: str | None = Field(default=None, max_length=64)

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None and value not in _time_zones():
            raise ValueError("Use an IANA time zone such as Asia/Tokyo.")
        return value


def _problems(update: PreferencesUpdate) -> list[FieldError]:
    problems, seen = [], set()
    for index, change in enumerate(update.preferences):
        pair = (change.kind, change.channel)
        if pair in seen:
            problems.append(
                FieldError(
                    f"preferences.{index}", ErrorCode.DUPLICATE, "This kind and channel repeat."
                )
            )
        seen.add(pair)
        if not change.enabled and change.channel in KIND_SPECS[change.kind].locked:
            problems.append(
                FieldError(
                    f"preferences.{index}.enabled",
                    ErrorCode.FORBIDDEN,
                    "Security alerts on this channel cannot be turned off.",
                )
            )
    return problems


async def update_notification_preferences(
    uow: UnitOfWork, actor: Principal, data: dict[str, Any]
) -> Preferences:
    user_id = notification_owner(actor)
    update = validated(PreferencesUpdate, data)
    if problems := _problems(update):
        raise ValidationFailed(problems)
    row = await uow.session.get(NotificationPreference, user_id, with_for_update=True)
    if row is None:
        row = NotificationPreference(user_id=user_id, time_zone=DEFAULT_TIME_ZONE)
        uow.session.add(row)
    channels = {kind: dict(chosen) for kind, chosen in (row.channels or {}).items()}
    for change in update.preferences:
        chosen = channels.setdefault(change.kind.value, {})
        if change.enabled == (change.channel in KIND_SPECS[change.kind].defaults):
            chosen.pop(change.channel.value, None)  # back to the default: keep no override
        else:
            chosen[change.channel.value] = change.enabled
    row.channels = {kind: chosen for kind, chosen in channels.items() if chosen}
    if "quiet_hours" in update.model_fields_set:
        quiet = update.quiet_hours
        row.quiet_hours_start = time.fromisoformat(quiet.start) if quiet else None
        row.quiet_hours_end = time.fromisoformat(quiet.end) if quiet else None
    if update.time_zone is not None:
        row.time_zone = update.time_zone
    row.updated_at = utcnow()
    await uow.session.flush()
    return Preferences.of(row)
