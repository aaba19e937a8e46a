"""Worker (profile) types and inputs."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import strawberry

from domain.ai import suggestions
from domain.clock import utcnow
from domain.credentials.queries import browse_worker_credentials
from domain.pagination import PageRequest
from domain.profiles.models import WorkerProfile
from schema.ai import SkillGapSuggestions, TextExtraction
from schema.context import Info
from schema.credentials import Credential
from schema.enums import (
    EmploymentType,
    PayPeriod,
    Prefecture,
    ProfileVisibility,
    ResidenceStatus,
    SkillMatch,
)
from schema.errors import UserError
from schema.ids import node_id
from schema.personal_data import PersonalData
from schema.relay import After, Before, Connection, First, Last, Node
from schema.skills import Skill
from schema.values import (
    Language,
    LanguageInput,
    Location,
    LocationInput,
    NearInput,
    Pay,
    PayInput,
    WeeklySlot,
    WeeklySlotInput,
)


@strawberry.type(description="A skill a worker has.")
class WorkerSkill:
    skill: Skill = strawberry.field(description="The skill.")
    level: int = strawberry.field(description="1 (beginner) to 5 (expert).")
    years: float = strawberry.field(description="Years of experience.")


@strawberry.type(description="The status of residence that allows the worker to work in Japan.")
class WorkAuthorization:
    residence_status: ResidenceStatus = strawberry.field(description="The status of residence.")
    expires_on: date | None = strawberry.field(description="Null for statuses that do not expire.")


@strawberry.type(description="A person looking for work, as their profile presents them.")
class Worker(Node):
    pk: strawberry.Private[uuid.UUID]
    user_pk: strawberry.Private[uuid.UUID]
    headline: str = strawberry.field(description="One line about the worker.")
    bio: str = strawberry.field(description="The worker's self-introduction.")
    languages: list[Language] = strawberry.field(description="Languages spoken, with level.")
    location: Location | None = strawberry.field(description="Home area.")
    travel_radius_km: int = strawberry.field(description="How far the worker will travel.")
    remote_ok: bool = strawberry.field(description="True when the worker accepts remote work.")
    desired_pay: Pay | None = strawberry.field(description="The least pay the worker accepts.")
    employment_types: list[EmploymentType] = strawberry.field(
        description="The kinds of employment wanted.",
    )
    weekly_availability: list[WeeklySlot] = strawberry.field(
        description="When the worker is free, week by week.",
    )
    earliest_start: date | None = strawberry.field(
        description="The first day the worker can start.",
    )
    work_authorization: WorkAuthorization | None = strawberry.field(
        description="The status of residence that allows work in Japan.",
    )
    visibility: ProfileVisibility = strawberry.field(
        description="Whether employers can find the profile.",
    )
    created_at: datetime = strawberry.field(description="When the profile was created.")
    updated_at: datetime | None = strawberry.field(
        description="When it last changed; null if never.",
    )
    matching_status: str = strawberry.field(
        description="IDLE, PENDING (a ranking is queued) or DONE (suggestions stored)."
    )
    matched_at: datetime | None = strawberry.field(description="When matching last ran.")

    @classmethod
    def from_row(cls, row: WorkerProfile) -> Worker:
        return cls(
            id=node_id("Worker", row.id),
            pk=row.id,
            user_pk=row.user_id,
            headline=row.headline,
            bio=row.bio,
            languages=Language.from_json(row.languages),
            location=Location.from_columns(row),
            travel_radius_km=row.travel_radius_km,
            remote_ok=row.remote_ok,
            desired_pay=None
            if row.desired_pay_amount is None or row.desired_pay_period is None
            else Pay(amount=row.desired_pay_amount, period=PayPeriod(row.desired_pay_period)),
            employment_types=[EmploymentType(t) for t in row.employment_types],
            weekly_availability=WeeklySlot.from_json(row.weekly_availability),
            earliest_start=row.earliest_start,
            work_authorization=None
            if row.residence_status is None
            else WorkAuthorization(
                residence_status=ResidenceStatus(row.residence_status),
                expires_on=row.work_authorization_expires_on,
            ),
            visibility=ProfileVisibility(row.visibility),
            created_at=row.created_at,  # type: ignore[arg-type]
            updated_at=row.updated_at,
            matching_status=row.matching_status,
            matched_at=row.matched_at,
        )

    @strawberry.field(description="The worker's name as they show it.")
    async def display_name(self, info: Info) -> str:
        user = await info.context.loaders.user.load(self.user_pk)
        return user.display_name if user else ""

    @strawberry.field(description="Skills, in the worker's order.")
    async def skills(self, info: Info) -> list[WorkerSkill]:
        links = await info.context.loaders.worker_skills.load(self.pk)
        return [
            WorkerSkill(skill=Skill.from_row(skill), level=link.level, years=link.years)
            for link, skill in links
        ]

    @strawberry.field(
        description="Phone, birth date, address, residence card and documents: only the worker "
        "themself and admins can read them; null for everyone else."
    )
    async def personal_data(self, info: Info) -> PersonalData | None:
        data = await info.context.loaders.personal_data.load(self.pk)
        if isinstance(data, Exception):  # the loader raises these; this narrows the type
            raise data
        return PersonalData.from_domain(data) if data is not None else None

    @strawberry.field(
        description="Credentials about this worker, newest first: all of them for the worker, "
        "those it issued for an issuer, and the verified ones for an employer once the worker "
        "has applied to or accepted an invitation for one of its jobs."
    )
    async def credentials(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Credential]:
        page = await browse_worker_credentials(
            info.context.services.database.session,
            info.context.principal,
            self.pk,
            PageRequest(first=first, after=after, last=last, before=before),
            utcnow(),
        )
        return Connection.from_page(page, Credential.from_row)

    @strawberry.field(
        description="What the agent read from the saved profile in the background, with its "
        "status; the worker themself only (null for others, and before the first reading)."
    )
    async def ai_extraction(self, info: Info) -> TextExtraction | None:
        row = await info.context.loaders.profile_ai_extraction.load(self.pk)
        return TextExtraction.from_row(row) if row else None

    @strawberry.field(
        description="The skills, languages or credentials that would unlock the most nearby, "
        "well-paid open jobs, and the jobs one requirement away; the worker themself only."
    )
    async def skill_gap_suggestions(self, info: Info) -> SkillGapSuggestions | None:
        ctx = info.context
        report = await suggestions.skill_gap_suggestions(
            ctx.services.database.session, ctx.principal, self.pk
        )
        return SkillGapSuggestions.from_domain(report) if report else None


@strawberry.input(description="A skill the worker has.")
class WorkerSkillInput:
    skill_id: strawberry.ID = strawberry.field(description="The skill's ID.")
    level: int = strawberry.field(description="1 (beginner) to 5 (expert).")
    years: float = strawberry.field(default=0, description="Years of experience, 0 to 60.")


@strawberry.input(description="The worker's status of residence.")
class WorkAuthorizationInput:
    residence_status: ResidenceStatus = strawberry.field(description="The status of residence.")
    expires_on: date | None = strawberry.field(
        default=None,
        description="When it expires; required unless the status does not expire.",
    )


@strawberry.input(description="The caller's worker profile.")
class CreateWorkerProfileInput:
    headline: str = strawberry.field(description="One line about the worker, 1 to 120 characters.")
    bio: str = strawberry.field(
        default="",
        description="A self-introduction, up to 3,000 characters.",
    )
    skills: list[WorkerSkillInput] = strawberry.field(
        default_factory=list,
        description="Up to 50 skills, with level and experience.",
    )
    languages: list[LanguageInput] = strawberry.field(
        default_factory=list,
        description="Up to 10 languages spoken, with level.",
    )
    location: LocationInput | None = strawberry.field(default=None, description="Home area.")
    travel_radius_km: int = strawberry.field(
        default=20,
        description="How far the worker will travel, 0 to 500 km (default 20).",
    )
    remote_ok: bool = strawberry.field(
        default=False,
        description="True when the worker accepts remote work.",
    )
    desired_pay: PayInput | None = strawberry.field(
        default=None,
        description="The least pay the worker accepts.",
    )
    employment_types: list[EmploymentType] = strawberry.field(
        default_factory=list,
        description="The kinds of employment wanted.",
    )
    weekly_availability: list[WeeklySlotInput] = strawberry.field(
        default_factory=list,
        description="Up to 21 weekly time windows the worker is free.",
    )
    earliest_start: date | None = strawberry.field(
        default=None,
        description="The first day the worker can start.",
    )
    work_authorization: WorkAuthorizationInput | None = strawberry.field(
        default=None,
        description="The status of residence that allows work in Japan.",
    )
    visibility: ProfileVisibility = strawberry.field(
        default=ProfileVisibility.PUBLIC,
        description="Whether employers can find the profile (default PUBLIC).",
    )


@strawberry.input(description="Changes to the caller's profile; omitted fields keep their value.")
class UpdateWorkerProfileInput:
    headline: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="A new headline, 1 to 120 characters.",
    )
    bio: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="A new self-introduction, up to 3,000 characters.",
    )
    skills: list[WorkerSkillInput] | None = strawberry.field(
        default=strawberry.UNSET,
        description="The complete new list of skills (replaces the old one).",
    )
    languages: list[LanguageInput] | None = strawberry.field(
        default=strawberry.UNSET,
        description="The complete new list of languages.",
    )
    location: LocationInput | None = strawberry.field(
        default=strawberry.UNSET,
        description="Home area; null clears it.",
    )
    travel_radius_km: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="How far the worker will travel, 0 to 500 km.",
    )
    remote_ok: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Whether the worker accepts remote work.",
    )
    desired_pay: PayInput | None = strawberry.field(
        default=strawberry.UNSET,
        description="The least pay the worker accepts; null clears it.",
    )
    employment_types: list[EmploymentType] | None = strawberry.field(
        default=strawberry.UNSET,
        description="The complete new list of employment types wanted.",
    )
    weekly_availability: list[WeeklySlotInput] | None = strawberry.field(
        default=strawberry.UNSET,
        description="The complete new weekly availability.",
    )
    earliest_start: date | None = strawberry.field(
        default=strawberry.UNSET,
        description="The first day the worker can start; null clears it.",
    )
    work_authorization: WorkAuthorizationInput | None = strawberry.field(
        default=strawberry.UNSET,
        description="The status of residence; null clears it.",
    )
    visibility: ProfileVisibility | None = strawberry.field(
        default=strawberry.UNSET,
        description="Whether employers can find the profile.",
    )


@strawberry.type(description="The profile after the mutation, or the errors that stopped it.")
class WorkerProfilePayload:
    worker: Worker | None = strawberry.field(
        description="The profile as it is now; null when it failed.",
    )
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.input(description="Workers with these skills.")
class WorkerSkillFilter:
    skill_ids: list[strawberry.ID] = strawberry.field(description="The skills' IDs.")
    match: SkillMatch = strawberry.field(
        default=SkillMatch.ALL,
        description="Whether a worker must have all of them (default) or any.",
    )
    level: int | None = strawberry.field(
        default=None, description="Least level the worker must have in each matched skill."
    )


@strawberry.input(description="Narrow the worker list; all given conditions must hold.")
class WorkerFilter:
    text: str | None = strawberry.field(
        default=None,
        description="Words in the headline, bio, place or skills (English or Japanese).",
    )
    skills: WorkerSkillFilter | None = strawberry.field(
        default=None,
        description="Workers with these skills.",
    )
    prefecture: Prefecture | None = strawberry.field(
        default=None,
        description="Workers living in this prefecture.",
    )
    near: NearInput | None = strawberry.field(
        default=None,
        description="Workers living within a distance of a point.",
    )
    pay_at_most: PayInput | None = strawberry.field(
        default=None, description="Workers whose desired pay is at most this, for this period."
    )
    employment_types: list[EmploymentType] | None = strawberry.field(
        default=None,
        description="Workers wanting any of these employment types.",
    )
    remote_ok: bool | None = strawberry.field(
        default=None,
        description="Workers who accept remote work (true) or who do not (false).",
    )
