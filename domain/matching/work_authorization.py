"""Work authorisation as columns: until when a status of residence allows work, and for whom
it only allows part-time work."""

from __future__ import annotations

from datetime import date

from domain.profiles.inputs import NO_EXPIRY, ResidenceStatus

NEVER = 0  # a date ordinal before any real date: no valid authorisation
ALWAYS = date.max.toordinal()  # statuses that do not expire
# Students and dependants may work 28 hours a week (資格外活動許可), part-time or in shifts.
PART_TIME_ONLY = frozenset({ResidenceStatus.STUDENT, ResidenceStatus.DEPENDENT})
PART_TIME_ONLY_EMPLOYMENT = frozenset({"PART_TIME", "SHIFT"})
PART_TIME_ONLY_MAX_WEEKLY_HOURS = 28.0


def authorized_until(residence_status: str | None, expires_on: date | None) -> int:
    """The last day (as a date ordinal) the worker may work: ALWAYS for statuses that do not
    expire, the expiry date for the others, NEVER without a status (or without the expiry a
    status needs)."""
    if residence_status is None:
        return NEVER
    if residence_status in NO_EXPIRY:
        return ALWAYS
    return NEVER if expires_on is None else expires_on.toordinal()


def is_part_time_only(residence_status: str | None) -> bool:
    return residence_status in PART_TIME_ONLY
