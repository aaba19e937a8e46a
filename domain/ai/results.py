"""What an extraction returns, and how it pre-fills a job or profile draft.

The drafts are plain dicts shaped like `domain.jobs.inputs.JobDraft` and
`domain.profiles.inputs.ProfileDraft` (snake_case keys, UUIDs, enum values),
holding only what the text stated: the app shows them for the user to confirm
and complete, and the existing validation runs on what is submitted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.ai.mentions import (
    CredentialMention,
    EmploymentTypeMention,
    LanguageMention,
    LocationMention,
    PayMention,
    ResidenceMention,
    ScheduleMention,
    SkillMention,
    StartDateMention,
)
from domain.ai.schedule import weekly_slots
from domain.ai.text import Span
from domain.jobs.inputs import DESCRIPTION_MAX, TITLE_MAX
from domain.profiles.inputs import BIO_MAX, HEADLINE_MAX, NO_EXPIRY


@dataclass(frozen=True, slots=True)
class Extraction:
    """Everything found in one text. `language` is the text's language ('ja' or 'en')."""

    text: str
    language: str
    title: str | None  # first meaningful line, a title / headline suggestion
    skills: tuple[SkillMention, ...]
    languages: tuple[LanguageMention, ...]
    pay: PayMention | None  # the main pay statement
    pay_mentions: tuple[PayMention, ...]  # every pay statement (trainee rates, allowances …)
    location: LocationMention | None  # the work location (job) or home (profile)
    locations: tuple[LocationMention, ...]
    employment_type: EmploymentTypeMention | None
    employment_types: tuple[EmploymentTypeMention, ...]
    schedule: tuple[ScheduleMention, ...]
    credentials: tuple[CredentialMention, ...]
    residence_statuses: tuple[ResidenceMention, ...]
    start_date: StartDateMention | None
    remote: Span | None  # where the text says the work can be remote

    def _location_dict(self) -> dict[str, Any] | None:
        place = self.location
        if place is None or place.prefecture is None or place.lat is None or place.lon is None:
            return None
        return {
            "prefecture": place.prefecture,
            "city": place.city or "",
            "lat": place.lat,
            "lon": place.lon,
        }

    def _languages(self) -> list[dict[str, str]]:
        return [
            {"code": m.code, "level": m.level.value} for m in self.languages if m.level is not None
        ]


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


@dataclass(frozen=True, slots=True)
class JobExtraction(Extraction):
    def required_credential_types(self) -> list[str]:
        """Credential types the ad requires, not those it merely welcomes."""
        optional = {m.slug for m in self.skills if not m.required}
        return sorted({c.kind.value for c in self.credentials if c.name not in optional})

    def to_job_draft(self) -> dict[str, Any]:
        """Fields for `JobDraft`, only those the ad states (title and description always)."""
        skills: dict[str, dict[str, Any]] = {}
        for mention in self.skills:
            skills.setdefault(
                str(mention.skill_id),
                {
                    "skill_id": mention.skill_id,
                    "min_level": mention.level or 1,
                    "required": mention.required,
                },
            )
        pay = self.pay
        return _drop_none(
            {
                "title": (self.title or self.text.strip()[:TITLE_MAX] or None),
                "description": self.text[:DESCRIPTION_MAX],
                "employment_type": self.employment_type.value.value
                if self.employment_type
                else None,
                "remote": True if self.remote else None,
                "location": self._location_dict(),
                "pay": {"min": pay.min, "max": pay.max or pay.min, "period": pay.period.value}
                if pay
                else None,
                "skills": list(skills.values()),
                "languages": self._languages(),
                "schedule": weekly_slots(list(self.schedule)),
                "start_date": self.start_date.date if self.start_date else None,
                "required_credential_types": self.required_credential_types(),
            }
        )


@dataclass(frozen=True, slots=True)
class ProfileExtraction(Extraction):
    def to_profile_draft(self) -> dict[str, Any]:
        """Fields for `ProfileDraft`. A level the text does not state is 1 (the user raises it);
        a residence status that expires is left out (its expiry date is required and
        never guessed) and stays in `residence_statuses` for the app to ask about."""
        skills: dict[str, dict[str, Any]] = {}
        for mention in self.skills:
            entry: dict[str, Any] = {"skill_id": mention.skill_id, "level": mention.level or 1}
            if mention.years is not None:
                entry["years"] = min(mention.years, 60.0)
            skills.setdefault(str(mention.skill_id), entry)
        lasting = [m for m in self.residence_statuses if m.status in NO_EXPIRY]
        return _drop_none(
            {
                "headline": (self.title or self.text.strip()[:HEADLINE_MAX] or None),
                "bio": self.text[:BIO_MAX],
                "skills": list(skills.values()),
                "languages": self._languages(),
                "location": self._location_dict(),
                "remote_ok": True if self.remote else None,
                "desired_pay": {"amount": self.pay.min, "period": self.pay.period.value}
                if self.pay
                else None,
                "employment_types": list(
                    dict.fromkeys(m.value.value for m in self.employment_types)
                )
                or None,
                "weekly_availability": weekly_slots(list(self.schedule)),
                "earliest_start": self.start_date.date if self.start_date else None,
                "work_authorization": {"residence_status": lasting[0].status.value}
                if lasting
                else None,
            }
        )
