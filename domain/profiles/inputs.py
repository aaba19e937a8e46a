"""What a worker may submit for their profile, validated before anything is written."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Self

from pydantic import AfterValidator, Field, field_validator, model_validator

from domain.errors import ErrorCode, FieldErrorSignal
from domain.values import (
    EmploymentType,
    Language,
    Location,
    Model,
    Pay,
    SkillLevel,
    WeeklySlot,
    unique_languages,
    unique_skills,
)

HEADLINE_MAX = 120
BIO_MAX = 3000


class ResidenceStatus(StrEnum):
    """Status of residence (在留資格) relevant to work in Japan."""

    JAPANESE_NATIONAL = "JAPANESE_NATIONAL"
    PERMANENT_RESIDENT = "PERMANENT_RESIDENT"
    SPOUSE_OR_CHILD_OF_JAPANESE = "SPOUSE_OR_CHILD_OF_JAPANESE"
    LONG_TERM_RESIDENT = "LONG_TERM_RESIDENT"
    SPECIFIED_SKILLED_WORKER_1 = "SPECIFIED_SKILLED_WORKER_1"
    SPECIFIED_SKILLED_WORKER_2 = "SPECIFIED_SKILLED_WORKER_2"
    TECHNICAL_INTERN_TRAINING = "TECHNICAL_INTERN_TRAINING"
    ENGINEER_SPECIALIST_IN_HUMANITIES = "ENGINEER_SPECIALIST_IN_HUMANITIES"
    STUDENT = "STUDENT"
    DESIGNATED_ACTIVITIES = "DESIGNATED_ACTIVITIES"
    DEPENDENT = "DEPENDENT"
    OTHER = "OTHER"


NO_EXPIRY = frozenset({ResidenceStatus.JAPANESE_NATIONAL, ResidenceStatus.PERMANENT_RESIDENT})


class Visibility(StrEnum):
    PUBLIC = "PUBLIC"  # employers can find the profile
    HIDDEN = "HIDDEN"  # only the worker (and admins) see it


class WorkAuthorization(Model):
    residence_status: ResidenceStatus
    expires_on: date | None = None

    @model_validator(mode="after")
    def _expiry_when_it_expires(self) -> Self:
        if self.residence_status in NO_EXPIRY:
            if self.expires_on is not None:
                raise FieldErrorSignal(
                    ErrorCode.INVALID, "This status of residence does not expire.", "expires_on"
                )
        elif self.expires_on is None:
            raise FieldErrorSignal(
                ErrorCode.REQUIRED, "Give the date your status of residence expires.", "expires_on"
            )
        return self


class ProfileDraft(Model):
    headline: str = Field(min_length=1, max_length=HEADLINE_MAX)
    bio: str = Field(default="", max_length=BIO_MAX)
    skills: Annotated[list[SkillLevel], AfterValidator(unique_skills)] = Field(
        default_factory=list, max_length=50
    )
    languages: Annotated[list[Language], AfterValidator(unique_languages)] = Field(
        default_factory=list, max_length=10
    )
    location: Location | None = None
    travel_radius_km: int = Field(default=20, ge=0, le=500)
    remote_ok: bool = False
    desired_pay: Pay | None = None
    employment_types: list[EmploymentType] = Field(default_factory=list, max_length=4)
    weekly_availability: list[WeeklySlot] = Field(default_factory=list, max_length=21)
    earliest_start: date | None = None
    work_authorization: WorkAuthorization | None = None
    visibility: Visibility = Visibility.PUBLIC

    @field_validator("employment_types")
    @classmethod
    def _distinct(cls, values: list[EmploymentType]) -> list[EmploymentType]:
        return list(dict.fromkeys(values))
