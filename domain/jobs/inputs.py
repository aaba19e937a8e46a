"""What an employer may submit for a job, validated before anything is written."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Self

from pydantic import AfterValidator, Field, field_validator, model_validator

from domain.errors import ErrorCode, FieldErrorSignal
from domain.values import (
    EmploymentType,
    Language,
    Location,
    Model,
    PayRange,
    SkillRequirement,
    WeeklySlot,
    unique_languages,
    unique_skills,
)

TITLE_MAX = 120
DESCRIPTION_MAX = 5000


class JobDraft(Model):
    organization_id: uuid.UUID | None = None
    title: str = Field(min_length=1, max_length=TITLE_MAX)
    description: str = Field(default="", max_length=DESCRIPTION_MAX)
    employment_type: EmploymentType
    remote: bool = False
    location: Location | None = None
    pay: PayRange
    skills: Annotated[list[SkillRequirement], AfterValidator(unique_skills)] = Field(
        default_factory=list, max_length=30
    )
    languages: Annotated[list[Language], AfterValidator(unique_languages)] = Field(
        default_factory=list, max_length=10
    )
    schedule: list[WeeklySlot] = Field(default_factory=list, max_length=21)
    openings: int = Field(default=1, ge=1, le=1000)
    start_date: date | None = None
    required_credential_types: list[str] = Field(default_factory=list, max_length=10)

    @field_validator("required_credential_types")
    @classmethod
    def _credential_types(cls, values: list[str]) -> list[str]:
        for value in values:
            if not value or len(value) > 60:
                raise ValueError("Credential types are 1–60 characters.")
        return values

    @model_validator(mode="after")
    def _on_site_needs_location(self) -> Self:
        if not self.remote and self.location is None:
            raise FieldErrorSignal(
                ErrorCode.REQUIRED, "An on-site job needs a location.", "location"
            )
        return self
