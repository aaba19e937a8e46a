"""Job types and inputs."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import strawberry

from domain.jobs.models import Job as JobRow
from schema.context import Info
from schema.enums import EmploymentType, JobStatus, PayPeriod, Prefecture, SkillMatch
from schema.errors import UserError
from schema.ids import to_global_id
from schema.organizations import Organization
from schema.relay import Node
from schema.skills import Skill
from schema.values import (
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
    skill: Skill
    min_level: int = strawberry.field(description="1 (beginner) to 5 (expert).")
    required: bool = strawberry.field(description="False for nice-to-have skills.")


@strawberry.type(description="A job an organisation offers.")
class Job(Node):
    pk: strawberry.Private[uuid.UUID]
    organization_pk: strawberry.Private[uuid.UUID]
    title: str
    description: str
    employment_type: EmploymentType
    remote: bool = strawberry.field(description="True when the work can be done remotely.")
    location: Location | None = strawberry.field(description="Null for fully remote jobs.")
    pay: PayRange
    languages: list[Language] = strawberry.field(description="Languages required, with level.")
    schedule: list[WeeklySlot] = strawberry.field(description="Weekly working hours.")
    openings: int
    start_date: date | None
    required_credential_types: list[str]
    status: JobStatus
    created_at: datetime
    updated_at: datetime | None
    published_at: datetime | None
    matching_status: str = strawberry.field(
        description="IDLE, PENDING (a ranking is queued) or DONE (suggestions stored)."
    )
    matched_at: datetime | None = strawberry.field(description="When matching last ran.")

    @classmethod
    def from_row(cls, row: JobRow) -> Job:
        return cls(
            id=strawberry.ID(to_global_id("Job", row.id)),
            pk=row.id,
            organization_pk=row.organization_id,
            title=row.title,
            description=row.description,
            employment_type=EmploymentType(row.employment_type),
            remote=row.remote,
            location=Location.from_columns(row),
            pay=PayRange(min=row.pay_min, max=row.pay_max, period=PayPeriod(row.pay_period)),
            languages=Language.from_json(row.languages),
            schedule=WeeklySlot.from_json(row.schedule),
            openings=row.openings,
            start_date=row.start_date,
            required_credential_types=list(row.required_credential_types),
            status=JobStatus(row.status),
            created_at=row.created_at,  # type: ignore[arg-type]
            updated_at=row.updated_at,
            published_at=row.published_at,
            matching_status=row.matching_status,
            matched_at=row.matched_at,
        )

    @strawberry.field
    async def organization(self, info: Info) -> Organization:
        return Organization.from_row(
            await info.context.loaders.organization.load(self.organization_pk)
        )

    @strawberry.field(
        description="Skills asked for, required ones and nice-to-have, in the employer's order."
    )
    async def skills(self, info: Info) -> list[SkillRequirement]:
        links = await info.context.loaders.job_skills.load(self.pk)
        return [
            SkillRequirement(
                skill=Skill.from_row(skill), min_level=link.min_level, required=link.required
            )
            for link, skill in links
        ]


@strawberry.input(description="A skill the job asks for.")
class SkillRequirementInput:
    skill_id: strawberry.ID
    min_level: int = 1
    required: bool = True


@strawberry.input(description="A new job; it starts as a DRAFT.")
class CreateJobInput:
    organization_id: strawberry.ID | None = strawberry.field(
        default=None, description="Needed only when you belong to several organisations."
    )
    title: str
    description: str = ""
    employment_type: EmploymentType
    remote: bool = False
    location: LocationInput | None = strawberry.field(
        default=None, description="Required unless the job is remote."
    )
    pay: PayRangeInput
    skills: list[SkillRequirementInput] = strawberry.field(default_factory=list)
    languages: list[LanguageInput] = strawberry.field(default_factory=list)
    schedule: list[WeeklySlotInput] = strawberry.field(default_factory=list)
    openings: int = 1
    start_date: date | None = None
    required_credential_types: list[str] = strawberry.field(default_factory=list)


@strawberry.input(description="Changes to a job; omitted fields keep their value.")
class UpdateJobInput:
    id: strawberry.ID
    title: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    employment_type: EmploymentType | None = strawberry.UNSET
    remote: bool | None = strawberry.UNSET
    location: LocationInput | None = strawberry.UNSET
    pay: PayRangeInput | None = strawberry.UNSET
    skills: list[SkillRequirementInput] | None = strawberry.UNSET
    languages: list[LanguageInput] | None = strawberry.UNSET
    schedule: list[WeeklySlotInput] | None = strawberry.UNSET
    openings: int | None = strawberry.UNSET
    start_date: date | None = strawberry.UNSET
    required_credential_types: list[str] | None = strawberry.UNSET


@strawberry.input(description="Which job.")
class JobIdInput:
    id: strawberry.ID


@strawberry.type(description="The job after the mutation, or the errors that stopped it.")
class JobPayload:
    job: Job | None
    errors: list[UserError]


@strawberry.input(description="Jobs with these skills.")
class JobSkillFilter:
    skill_ids: list[strawberry.ID]
    match: SkillMatch = SkillMatch.ALL
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
    skills: JobSkillFilter | None = None
    prefecture: Prefecture | None = None
    near: NearInput | None = None
    pay_at_least: PayInput | None = strawberry.field(
        default=None, description="Jobs whose pay range reaches this amount for this period."
    )
    employment_types: list[EmploymentType] | None = None
    remote: bool | None = None
    organization_id: strawberry.ID | None = None
    statuses: list[JobStatus] | None = strawberry.field(
        default=None,
        description="Defaults to OPEN. Other statuses need your own `organizationId`.",
    )
