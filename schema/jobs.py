"""Job types and inputs."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import date, datetime
from operator import attrgetter
from typing import Any, ClassVar

import strawberry

from domain.ai import ad_quality, suggestions
from domain.jobs.models import Job as JobRow
from domain.jobs.queries import JOINED_ORGANIZATION, SkillLink
from domain.sql import Columns
from schema.ai import AdQualityHint, PaySuggestion, TextExtraction
from schema.context import Info
from schema.enums import (
    EmploymentType,
    JobStatus,
    Prefecture,
    SkillMatch,
    as_employment_type,
    as_job_status,
)
from schema.errors import UserError
from schema.ids import node_id
from schema.loaded_fields import loaded_field
from schema.organizations import Organization
from schema.relay import Node
from schema.row_backed import RowBacked, column_values
from schema.shown import ShownPerRow
from schema.skills import Skill
from schema.values import (
    LOCATION_OF_ROW,
    PAY_OF_ROW,
    Language,
    LanguageInput,
    Location,
    LocationInput,
    NearInput,
    PayInput,
    PayRange,
    PayRangeInput,
    WeeklySlot,
    WeeklySlotInput,
)


@strawberry.type(description="A skill a job asks for, and how well.")
class SkillRequirement:
    skill: Skill = strawberry.field(description="The skill.")
    min_level: int = strawberry.field(description="1 (beginner) to 5 (expert).")
    required: bool = strawberry.field(description="False for nice-to-have skills.")

    @staticmethod
    def from_links(links: list[SkillLink]) -> list[SkillRequirement]:
        """One requirement per link object (`schema/shown.py`): links are shared by the
        reads that find them (`domain.jobs.queries.skills_of_jobs`, the public cache)."""
        return [_REQUIREMENTS.of(link, _requirement) for link in links]


_REQUIREMENTS: ShownPerRow[SkillRequirement] = ShownPerRow(SkillRequirement, 8192)


def _requirement(link: SkillLink) -> SkillRequirement:
    return SkillRequirement(
        skill=Skill.from_row(link.skill), min_level=link.min_level, required=link.required
    )


# Where a job made of a row read with its organisation (`JOINED_ORGANIZATION`) keeps the
# organisation's columns for `organization` (not a field of the GraphQL type).
_PRELOADED_ORGANIZATION = "_organization_row"


@strawberry.type(description="A job an organisation offers.")
class Job(RowBacked, Node):
    pk: strawberry.Private[uuid.UUID]
    organization_pk: strawberry.Private[uuid.UUID]
    title: str = strawberry.field(description="The job title.")
    description: str = strawberry.field(description="The ad text.")
    employment_type: EmploymentType = strawberry.field(description="How the job is employed.")
    remote: bool = strawberry.field(description="True when the work can be done remotely.")
    location: Location | None = strawberry.field(description="Null for fully remote jobs.")
    pay: PayRange = strawberry.field(description="The pay range.")
    languages: list[Language] = strawberry.field(description="Languages required, with level.")
    schedule: list[WeeklySlot] = strawberry.field(description="Weekly working hours.")
    openings: int = strawberry.field(description="How many people the job hires.")
    start_date: date | None = strawberry.field(description="When the work starts, if fixed.")
    required_credential_types: list[str] = strawberry.field(
        description="Credential types a worker must hold as verified credentials.",
    )
    status: JobStatus = strawberry.field(description="Where the job is in its lifecycle.")
    created_at: datetime = strawberry.field(description="When the job was created.")
    updated_at: datetime | None = strawberry.field(
        description="When the job last changed; null if never.",
    )
    published_at: datetime | None = strawberry.field(
        description="When the job was first published; null for drafts.",
    )
    matching_status: str = strawberry.field(
        description="IDLE, PENDING (a ranking is queued) or DONE (suggestions stored)."
    )
    matched_at: datetime | None = strawberry.field(description="When matching last ran.")

    @classmethod
    def from_row(cls, row: JobRow | Columns) -> Job:
        """The job, each field converted from `row` when first read (`RowBacked`)."""
        columns = column_values(row)
        pk = columns.id
        known = {"id": node_id("Job", pk), "pk": pk, "organization_pk": columns.organization_id}
        if row.__class__ is Columns and JOINED_ORGANIZATION in row.__dict__:
            # read with the job (`domain.sql.with_related`)
            known[_PRELOADED_ORGANIZATION] = row.__dict__[JOINED_ORGANIZATION]
        return cls.lazily(columns, known)

    converters: ClassVar[Mapping[str, Callable[[JobRow], Any]]] = {
        "title": attrgetter("title"),
        "description": attrgetter("description"),
        "employment_type": lambda row: as_employment_type(row.employment_type),
        "remote": attrgetter("remote"),
        "location": LOCATION_OF_ROW,
        "pay": PAY_OF_ROW,
        "languages": lambda row: Language.from_json(row.languages),
        "schedule": lambda row: WeeklySlot.from_json(row.schedule),
        "openings": attrgetter("openings"),
        "start_date": attrgetter("start_date"),
        "required_credential_types": lambda row: list(row.required_credential_types),
        "status": lambda row: as_job_status(row.status),
        "created_at": attrgetter("created_at"),
        "updated_at": attrgetter("updated_at"),
        "published_at": attrgetter("published_at"),
        "matching_status": attrgetter("matching_status"),
        "matched_at": attrgetter("matched_at"),
    }
    always_read: ClassVar[tuple[str, ...]] = ("id", "organization_id")
    columns_of_field: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "location": ("prefecture", "city", "lat", "lon"),
        "pay": ("pay_min", "pay_max", "pay_period"),
    }

    @classmethod
    def from_optional_row(cls, row: JobRow | Columns | None) -> Job | None:
        """Null for a job the loader found none of (or that the caller may not see)."""
        return cls.from_row(row) if row else None

    organization: Organization = loaded_field(
        "organization",
        key="organization_pk",
        convert=Organization.from_row,
        description="The organisation offering the job.",
        preloaded=_PRELOADED_ORGANIZATION,
    )
    skills: list[SkillRequirement] = loaded_field(
        "job_skills",
        key="pk",
        convert=SkillRequirement.from_links,
        description="Skills asked for, required ones and nice-to-have, in the employer's order.",
    )

    @strawberry.field(
        description="What the agent read from the saved ad in the background, with its status; "
        "the job's organisation only (null for others, and before the first reading)."
    )
    async def ai_extraction(self, info: Info) -> TextExtraction | None:
        row = await info.context.loaders.job_ai_extraction.load(self.pk)
        return TextExtraction.from_row(row) if row else None

    @strawberry.field(
        description="Market pay for this role and place (median and range of comparable open "
        "jobs, with the sample size); the job's organisation only, null for others."
    )
    async def pay_suggestion(self, info: Info) -> PaySuggestion | None:
        ctx = info.context
        found = await suggestions.pay_suggestion(
            ctx.services.database.session, ctx.principal, self.pk
        )
        return PaySuggestion.from_domain(found) if found else None

    @strawberry.field(
        description="How the ad could reach more of the right workers, most costly first: pay, "
        "vague or unlisted requirements, a short description, and the requirements that rule "
        "out the most workers within reach. The job's organisation only, null for others."
    )
    async def ad_quality_hints(self, info: Info) -> list[AdQualityHint] | None:
        ctx = info.context
        hints = await ad_quality.ad_quality_hints(
            ctx.services.database.session, ctx.principal, self.pk
        )
        return None if hints is None else [AdQualityHint.from_domain(hint) for hint in hints]


@strawberry.input(description="A skill the job asks for.")
class SkillRequirementInput:
    skill_id: strawberry.ID = strawberry.field(description="The skill's ID.")
    min_level: int = strawberry.field(
        default=1,
        description="The least level accepted, 1 (beginner) to 5 (expert).",
    )
    required: bool = strawberry.field(default=True, description="False for a nice-to-have skill.")


@strawberry.input(description="A new job; it starts as a DRAFT.")
class CreateJobInput:
    organization_id: strawberry.ID | None = strawberry.field(
        default=None, description="Needed only when you belong to several organisations."
    )
    title: str = strawberry.field(description="The job title, 1 to 120 characters.")
    description: str = strawberry.field(
        default="",
        description="The ad text, up to 5,000 characters; needed before publishing.",
    )
    employment_type: EmploymentType = strawberry.field(description="How the job is employed.")
    remote: bool = strawberry.field(
        default=False,
        description="True when the work can be done remotely; an on-site job needs `location`.",
    )
    location: LocationInput | None = strawberry.field(
        default=None, description="Required unless the job is remote."
    )
    pay: PayRangeInput = strawberry.field(description="The pay range.")
    skills: list[SkillRequirementInput] = strawberry.field(
        default_factory=list,
        description="Up to 30 skills the job asks for.",
    )
    languages: list[LanguageInput] = strawberry.field(
        default_factory=list,
        description="Up to 10 languages required, with level.",
    )
    schedule: list[WeeklySlotInput] = strawberry.field(
        default_factory=list,
        description="Up to 21 weekly time windows.",
    )
    openings: int = strawberry.field(
        default=1,
        description="How many people the job hires, 1 to 1000 (default 1).",
    )
    start_date: date | None = strawberry.field(
        default=None,
        description="When the work starts, if fixed.",
    )
    required_credential_types: list[str] = strawberry.field(
        default_factory=list,
        description="Up to 10 credential types a worker must hold as verified credentials.",
    )


@strawberry.input(description="Changes to a job; omitted fields keep their value.")
class UpdateJobInput:
    id: strawberry.ID = strawberry.field(description="The job to change.")
    title: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="A new title, 1 to 120 characters.",
    )
    description: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="The new ad text, up to 5,000 characters.",
    )
    employment_type: EmploymentType | None = strawberry.field(
        default=strawberry.UNSET,
        description="How the job is employed.",
    )
    remote: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Whether the work can be done remotely.",
    )
    location: LocationInput | None = strawberry.field(
        default=strawberry.UNSET,
        description="Where the work is; null for a remote job.",
    )
    pay: PayRangeInput | None = strawberry.field(
        default=strawberry.UNSET,
        description="The pay range.",
    )
    skills: list[SkillRequirementInput] | None = strawberry.field(
        default=strawberry.UNSET,
        description="The complete new list of skills (replaces the old one).",
    )
    languages: list[LanguageInput] | None = strawberry.field(
        default=strawberry.UNSET,
        description="The complete new list of languages.",
    )
    schedule: list[WeeklySlotInput] | None = strawberry.field(
        default=strawberry.UNSET,
        description="The complete new weekly schedule.",
    )
    openings: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="How many people the job hires.",
    )
    start_date: date | None = strawberry.field(
        default=strawberry.UNSET,
        description="When the work starts; null clears it.",
    )
    required_credential_types: list[str] | None = strawberry.field(
        default=strawberry.UNSET,
        description="The complete new list of required credential types.",
    )


@strawberry.input(description="Which job.")
class JobIdInput:
    id: strawberry.ID = strawberry.field(description="The job's ID.")


@strawberry.type(description="The job after the mutation, or the errors that stopped it.")
class JobPayload:
    job: Job | None = strawberry.field(description="The job as it is now; null when it failed.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.input(description="Jobs with these skills.")
class JobSkillFilter:
    skill_ids: list[strawberry.ID] = strawberry.field(description="The skills' IDs.")
    match: SkillMatch = strawberry.field(
        default=SkillMatch.ALL,
        description="Whether a job must ask for all of them (default) or any.",
    )
    level: int | None = strawberry.field(
        default=None,
        description="Your level: jobs asking more in a matched skill are left out.",
    )


@strawberry.input(description="Narrow the job list; all given conditions must hold.")
class JobFilter:
    text: str | None = strawberry.field(
        default=None,
        description="Words in the title, description, place or skills (English or Japanese).",
    )
    skills: JobSkillFilter | None = strawberry.field(
        default=None,
        description="Jobs asking for these skills.",
    )
    prefecture: Prefecture | None = strawberry.field(
        default=None,
        description="Jobs in this prefecture.",
    )
    near: NearInput | None = strawberry.field(
        default=None,
        description="Jobs within a distance of a point.",
    )
    pay_at_least: PayInput | None = strawberry.field(
        default=None, description="Jobs whose pay range reaches this amount for this period."
    )
    employment_types: list[EmploymentType] | None = strawberry.field(
        default=None,
        description="Jobs of any of these employment types.",
    )
    remote: bool | None = strawberry.field(
        default=None,
        description="Remote jobs only (true) or on-site jobs only (false).",
    )
    night_shift: bool | None = strawberry.field(
        default=None,
        description="Jobs whose weekly schedule has (true) or has no (false) hours between "
        "22:00 and 05:00.",
    )
    weekends_only: bool | None = strawberry.field(
        default=None,
        description="Jobs whose weekly schedule is (true) or is not (false) all on weekends.",
    )
    starts_from: date | None = strawberry.field(
        default=None,
        description="Jobs starting on or after this day; jobs that state no start date "
        "(they start when hired) are kept.",
    )
    organization_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Jobs of this organisation.",
    )
    statuses: list[JobStatus] | None = strawberry.field(
        default=None,
        description="Defaults to OPEN. Other statuses need your own `organizationId`.",
    )
