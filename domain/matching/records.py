"""Plain inputs of the scoring engine: what it needs to know about one worker or one job.

The database loader and the demo seeder both feed these from their own rows through
`worker_record` and `job_record`, which read ORM attributes and mapping keys alike, so the
engine never sees a session or a table.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

DEFAULT_TRAVEL_RADIUS_KM = 20.0


@dataclass(frozen=True, slots=True)
class SkillHeld:
    skill_id: uuid.UUID
    level: int  # 1–5
    years: float = 0.0


@dataclass(frozen=True, slots=True)
class SkillWanted:
    skill_id: uuid.UUID
    min_level: int = 1
    required: bool = True  # False: nice to have


@dataclass(frozen=True, slots=True)
class LanguageSkill:
    code: str  # ISO 639-1
    level: str  # JLPT N5–N1 for Japanese, CEFR A1–C2 otherwise, or NATIVE


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A weekly window; an `end` at or before `start` runs past midnight into the next day."""

    day: str  # MON … SUN
    start: str  # HH:MM
    end: str  # HH:MM


@dataclass(frozen=True, slots=True)
class WorkerRecord:
    id: uuid.UUID
    skills: tuple[SkillHeld, ...] = ()
    languages: tuple[LanguageSkill, ...] = ()
    lat: float | None = None
    lon: float | None = None
    travel_radius_km: float = DEFAULT_TRAVEL_RADIUS_KM
    remote_ok: bool = False
    desired_pay_amount: int | None = None  # yen per `desired_pay_period`
    desired_pay_period: str | None = None  # HOURLY, DAILY, MONTHLY, YEARLY
    employment_types: frozenset[str] = frozenset()  # none stated: any
    availability: tuple[TimeWindow, ...] = ()  # none stated: any time
    earliest_start: date | None = None  # none: now
    residence_status: str | None = None  # none: no work authorisation on file
    authorization_expires_on: date | None = None
    credential_types: frozenset[str] = frozenset()  # verified credentials held
    text: str = ""  # headline and bio
    # Sentence embedding of the headline and skill names (`domain.ai.saved`), 512 float16
    # little-endian; None until the background reading has stored one.
    short_vector: bytes | None = None


@dataclass(frozen=True, slots=True)
class JobRecord:
    id: uuid.UUID
    skills: tuple[SkillWanted, ...] = ()
    languages: tuple[LanguageSkill, ...] = ()
    remote: bool = False
    lat: float | None = None
    lon: float | None = None
    pay_min: int = 0
    pay_max: int = 0
    pay_period: str = "HOURLY"
    employment_type: str = "FULL_TIME"
    schedule: tuple[TimeWindow, ...] = ()  # none: not constrained
    start_date: date | None = None  # none: as soon as possible
    required_credential_types: frozenset[str] = frozenset()
    # Credentials the employer would like but does not require (a soft factor only).
    preferred_credential_types: frozenset[str] = frozenset()
    openings: int = 1
    text: str = ""  # title and description
    short_vector: bytes | None = None  # of the title and skill names, as for workers


def _get(source: Any, name: str, default: Any = None) -> Any:
    if isinstance(source, Mapping):
        return source.get(name, default)
    return getattr(source, name, default)


def _text(*parts: Any) -> str:
    return "\n".join(str(part) for part in parts if part)


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _languages(items: Iterable[Any] | None) -> tuple[LanguageSkill, ...]:
    return tuple(
        LanguageSkill(code=str(_get(item, "code")), level=str(_get(item, "level")))
        for item in items or ()
    )


def _windows(items: Iterable[Any] | None) -> tuple[TimeWindow, ...]:
    return tuple(
        TimeWindow(
            day=str(_get(item, "day")), start=str(_get(item, "start")), end=str(_get(item, "end"))
        )
        for item in items or ()
    )


def _in_position_order(items: Iterable[Any]) -> list[Any]:
    rows = list(items)
    return sorted(rows, key=lambda row: _get(row, "position", 0) or 0)


def worker_record(
    profile: Any,
    skills: Iterable[Any] = (),
    *,
    credential_types: Iterable[str] = (),
    short_vector: bytes | None = None,
) -> WorkerRecord:
    """A `WorkerRecord` from a `worker_profiles` row (ORM object or column mapping), its
    `worker_skills` rows, the types of the worker's verified credentials and the stored
    short-text embedding."""
    pay_amount = _get(profile, "desired_pay_amount")
    return WorkerRecord(
        id=_get(profile, "id"),
        skills=tuple(
            SkillHeld(
                skill_id=_get(row, "skill_id"),
                level=int(_get(row, "level")),
                years=float(_get(row, "years", 0.0) or 0.0),
            )
            for row in _in_position_order(skills)
        ),
        languages=_languages(_get(profile, "languages")),
        lat=_get(profile, "lat"),
        lon=_get(profile, "lon"),
        travel_radius_km=float(_get(profile, "travel_radius_km", DEFAULT_TRAVEL_RADIUS_KM)),
        remote_ok=bool(_get(profile, "remote_ok", False)),
        desired_pay_amount=None if pay_amount is None else int(pay_amount),
        desired_pay_period=_optional_str(_get(profile, "desired_pay_period")),
        employment_types=frozenset(str(t) for t in _get(profile, "employment_types") or ()),
        availability=_windows(_get(profile, "weekly_availability")),
        earliest_start=_get(profile, "earliest_start"),
        residence_status=_optional_str(_get(profile, "residence_status")),
        authorization_expires_on=_get(profile, "work_authorization_expires_on"),
        credential_types=frozenset(credential_types),
        text=_text(_get(profile, "headline"), _get(profile, "bio")),
        short_vector=short_vector,
    )


def job_record(
    job: Any, skills: Iterable[Any] = (), *, short_vector: bytes | None = None
) -> JobRecord:
    """A `JobRecord` from a `jobs` row (ORM object or column mapping), its `job_skills` and
    the stored short-text embedding."""
    return JobRecord(
        id=_get(job, "id"),
        skills=tuple(
            SkillWanted(
                skill_id=_get(row, "skill_id"),
                min_level=int(_get(row, "min_level", 1)),
                required=bool(_get(row, "required", True)),
            )
            for row in _in_position_order(skills)
        ),
        languages=_languages(_get(job, "languages")),
        remote=bool(_get(job, "remote", False)),
        lat=_get(job, "lat"),
        lon=_get(job, "lon"),
        pay_min=int(_get(job, "pay_min", 0)),
        pay_max=int(_get(job, "pay_max", 0)),
        pay_period=str(_get(job, "pay_period", "HOURLY")),
        employment_type=str(_get(job, "employment_type", "FULL_TIME")),
        schedule=_windows(_get(job, "schedule")),
        start_date=_get(job, "start_date"),
        required_credential_types=frozenset(_get(job, "required_credential_types") or ()),
        preferred_credential_types=frozenset(_get(job, "preferred_credential_types") or ()),
        openings=int(_get(job, "openings", 1)),
        text=_text(_get(job, "title"), _get(job, "description")),
        short_vector=short_vector,
    )
