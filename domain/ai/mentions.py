"""What the extractors find: one small frozen dataclass per kind of item.

Every mention carries the `Span` it came from (offsets into the caller's
original text) and a `confidence` in [0, 1], so an app can highlight the
words behind each pre-filled field and ask the user to confirm the weak ones.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from domain.ai.text import Span
from domain.profiles.inputs import ResidenceStatus
from domain.values import EmploymentType, LanguageLevel, PayPeriod, Weekday


class CredentialKind(StrEnum):
    """The credential engine's types, mirrored here so domain/ai does not depend on it."""

    LICENCE = "LICENCE"
    CERTIFICATE = "CERTIFICATE"
    LANGUAGE_TEST = "LANGUAGE_TEST"
    EMPLOYMENT_HISTORY = "EMPLOYMENT_HISTORY"
    RESIDENCE_STATUS = "RESIDENCE_STATUS"


class ScheduleKind(StrEnum):
    NIGHT_SHIFT = "NIGHT_SHIFT"  # 夜勤あり, night shifts
    WEEKENDS_ONLY = "WEEKENDS_ONLY"  # 土日のみ, weekends only
    WEEKDAYS_ONLY = "WEEKDAYS_ONLY"  # 平日のみ, 土日祝休み, Monday to Friday
    DAYS = "DAYS"  # named days: 月・水・金, Mon/Wed/Fri
    HOURS = "HOURS"  # a time window: 9:00〜18:00, 9am-6pm
    DAYS_PER_WEEK = "DAYS_PER_WEEK"  # 週3日〜, 3 days a week


def clamp(value: float) -> float:
    """Confidence in [0, 1], rounded for stable output."""
    return round(min(1.0, max(0.0, value)), 3)


@dataclass(frozen=True, slots=True)
class SkillMention:
    skill_id: uuid.UUID
    slug: str
    name_en: str
    name_ja: str
    span: Span
    confidence: float
    level: int | None = None  # 1–5 when the text states it (中級, advanced, 5 years …)
    years: float | None = None  # years of experience stated next to the skill
    required: bool = True  # False when the ad says 歓迎 / preferred / a plus


@dataclass(frozen=True, slots=True)
class LanguageMention:
    code: str  # ISO 639-1
    level: LanguageLevel | None  # None when the language is named without a level
    span: Span
    confidence: float
    test: str | None = None  # "JLPT", "TOEIC", "EIKEN", "IELTS" when a test names the level


@dataclass(frozen=True, slots=True)
class PayMention:
    min: int  # yen
    max: int | None  # None for an open range ("1,300円〜", "from ¥1,300")
    period: PayPeriod
    span: Span
    confidence: float


@dataclass(frozen=True, slots=True)
class LocationMention:
    prefecture: str | None  # domain.geo Prefecture code, e.g. "AICHI"
    city: str | None  # city name as in domain.geo data, in the text's language
    station: str | None  # station name without 駅 / Station
    lat: float | None
    lon: float | None
    span: Span
    confidence: float


@dataclass(frozen=True, slots=True)
class EmploymentTypeMention:
    value: EmploymentType
    detail: str  # finer wording: "DISPATCH", "TEMPORARY", "SEASONAL" … or the value
    span: Span
    confidence: float


@dataclass(frozen=True, slots=True)
class ScheduleMention:
    kind: ScheduleKind
    span: Span
    confidence: float
    days: tuple[Weekday, ...] = ()
    start: str | None = None  # HH:MM
    end: str | None = None  # HH:MM; before start means past midnight
    per_week: int | None = None


@dataclass(frozen=True, slots=True)
class CredentialMention:
    kind: CredentialKind
    name: str  # what is asked for, e.g. "forklift-operation" or "JLPT"
    span: Span
    confidence: float


@dataclass(frozen=True, slots=True)
class ResidenceMention:
    status: ResidenceStatus
    span: Span
    confidence: float


@dataclass(frozen=True, slots=True)
class StartDateMention:
    date: date
    immediate: bool  # 即日 / immediately / ASAP
    span: Span
    confidence: float
