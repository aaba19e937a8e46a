"""Value objects shared by jobs and worker profiles, validated once here."""

from __future__ import annotations

import re
import uuid
from enum import StrEnum
from typing import Annotated, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from domain.errors import ErrorCode, FieldErrorSignal
from domain.geo.prefectures import Prefecture

MAX_YEN = 100_000_000


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class PayPeriod(StrEnum):
    HOURLY = "HOURLY"
    DAILY = "DAILY"
    MONTHLY = "MONTHLY"
    YEARLY = "YEARLY"


class EmploymentType(StrEnum):
    FULL_TIME = "FULL_TIME"
    PART_TIME = "PART_TIME"
    CONTRACT = "CONTRACT"
    SHIFT = "SHIFT"


class Weekday(StrEnum):
    MON = "MON"
    TUE = "TUE"
    WED = "WED"
    THU = "THU"
    FRI = "FRI"
    SAT = "SAT"
    SUN = "SUN"


class LanguageLevel(StrEnum):
    """JLPT levels for Japanese, CEFR levels for other languages, NATIVE for either."""

    N5 = "N5"
    N4 = "N4"
    N3 = "N3"
    N2 = "N2"
    N1 = "N1"
    A1 = "A1"
    A2 = "A2"
    B1 = "B1"
    B2 = "B2"
    C1 = "C1"
    C2 = "C2"
    NATIVE = "NATIVE"


JLPT_LEVELS = (
    LanguageLevel.N5,
    LanguageLevel.N4,
    LanguageLevel.N3,
    LanguageLevel.N2,
    LanguageLevel.N1,
)
CEFR_LEVELS = (
    LanguageLevel.A1,
    LanguageLevel.A2,
    LanguageLevel.B1,
    LanguageLevel.B2,
    LanguageLevel.C1,
    LanguageLevel.C2,
)


def language_rank(code: str, level: LanguageLevel) -> int:
    """Comparable proficiency within one language: higher is better, NATIVE is top."""
    scale = JLPT_LEVELS if code == "ja" else CEFR_LEVELS
    return len(scale) + 1 if level is LanguageLevel.NATIVE else scale.index(level) + 1


class Language(Model):
    code: str = Field(description="ISO 639-1 code, e.g. 'ja', 'en', 'vi'")
    level: LanguageLevel

    @field_validator("code")
    @classmethod
    def _iso_639_1(cls, code: str) -> str:
        code = code.lower()
        if not re.fullmatch(r"[a-z]{2}", code):
            raise ValueError("Use a two-letter ISO 639-1 language code, such as 'ja' or 'en'.")
        return code

    @model_validator(mode="after")
    def _level_fits_language(self) -> Self:
        if self.level is LanguageLevel.NATIVE:
            return self
        if self.code == "ja" and self.level not in JLPT_LEVELS:
            raise FieldErrorSignal(
                ErrorCode.INVALID, "Japanese levels are JLPT N5–N1 or NATIVE.", "level"
            )
        if self.code != "ja" and self.level not in CEFR_LEVELS:
            raise FieldErrorSignal(
                ErrorCode.INVALID, "Levels for this language are CEFR A1–C2 or NATIVE.", "level"
            )
        return self


def unique_languages(languages: list[Language]) -> list[Language]:
    codes = [language.code for language in languages]
    if len(codes) != len(set(codes)):
        raise ValueError("Each language may be listed once.")
    return languages


class Location(Model):
    prefecture: Prefecture
    city: str = Field(default="", max_length=100)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


Yen = Annotated[int, Field(ge=0, le=MAX_YEN)]


class PayRange(Model):
    min: Yen
    max: Yen
    period: PayPeriod

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.min > self.max:
            raise FieldErrorSignal(
                ErrorCode.OUT_OF_RANGE, "The minimum pay is above the maximum.", "min"
            )
        return self


class Pay(Model):
    amount: Yen
    period: PayPeriod


_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class WeeklySlot(Model):
    """A weekly time window; an `end` before `start` runs past midnight (night shifts)."""

    day: Weekday
    start: str
    end: str

    @field_validator("start", "end")
    @classmethod
    def _hh_mm(cls, value: str) -> str:
        if not _TIME.match(value):
            raise ValueError("Use 24-hour HH:MM, e.g. 09:00 or 22:30.")
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if self.start == self.end:
            raise FieldErrorSignal(ErrorCode.INVALID, "A time window cannot be empty.", "end")
        return self


class SkillLevel(Model):
    skill_id: uuid.UUID
    level: int = Field(ge=1, le=5)
    years: float = Field(default=0, ge=0, le=60)


class SkillRequirement(Model):
    skill_id: uuid.UUID
    min_level: int = Field(default=1, ge=1, le=5)
    required: bool = True


_Skills = TypeVar("_Skills", SkillLevel, SkillRequirement)


def unique_skills(items: list[_Skills]) -> list[_Skills]:
    ids = [item.skill_id for item in items]
    if len(ids) != len(set(ids)):
        raise ValueError("Each skill may be listed once.")
    return items
