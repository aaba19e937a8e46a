"""Worker (profile) types and inputs."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import strawberry

from domain.clock import utcnow
from domain.credentials.queries import browse_worker_credentials
from domain.pagination import PageRequest
from domain.profiles.models import WorkerProfile
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
from schema.ids import to_global_id
from schema.personal_data import PersonalData
from schema.relay import Connection, Node
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
    skill: Skill
    level: int = strawberry.field(description="1 (beginner) to 5 (expert).")
    years: float = strawberry.field(description="Years of experience.")


@strawberry.type(description="The status of residence that allows the worker to work in Japan.")
class WorkAuthorization:
    residence_status: ResidenceStatus
    expires_on: date | None = strawberry.field(description="Null for statuses that do not expire.")


@strawberry.type(description="A person looking for work, as their profile presents them.")
class Worker(Node):
    pk: strawberry.Private[uuid.UUID]
    user_pk: strawberry.Private[uuid.UUID]
    headline: str
    bio: str
    languages: list[Language]
    location: Location | None = strawberry.field(description="Home area.")
    travel_radius_km: int = strawberry.field(description="How far the worker will travel.")
    remote_ok: bool
    desired_pay: Pay | None = strawberry.field(description="The least pay the worker accepts.")
    employment_types: list[EmploymentType]
    weekly_availability: list[WeeklySlot]
    earliest_start: date | None
    work_authorization: WorkAuthorization | None
    visibility: ProfileVisibility
    created_at: datetime
    updated_at: datetime | None
    matching_status: str = strawberry.field(
        description="IDLE, PENDING (a ranking is queued) or DONE (suggestions stored)."
    )
    matched_at: datetime | None = strawberry.field(description="When matching last ran.")

    @classmethod
    def from_row(cls, row: WorkerProfile) -> Worker:
        return cls(
            id=strawberry.ID(to_global_id("Worker", row.id)),
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
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Credential]:
        page = await browse_worker_credentials(
            info.context.services.database.session,
            info.context.principal,
            self.pk,
            PageRequest(first=first, after=after, last=last, before=before),
            utcnow(),
        )
        return Connection.from_page(page, Credential.from_row)


@strawberry.input(description="A skill the worker has.")
class WorkerSkillInput:
    skill_id: strawberry.ID
    level: int = strawberry.field(description="1 (beginner) to 5 (expert).")
    years: float = 0


@strawberry.input(description="The worker's status of residence.")
class WorkAuthorizationInput:
    residence_status: ResidenceStatus
    expires_on: date | None = None


@strawberry.input(description="The caller's worker profile.")
class CreateWorkerProfileInput:
    headline: str
    bio: str = ""
    skills: list[WorkerSkillInput] = strawberry.field(default_factory=list)
    languages: list[LanguageInput] = strawberry.field(default_factory=list)
    location: LocationInput | None = None
    travel_radius_km: int = 20
    remote_ok: bool = False
    desired_pay: PayInput | None = None
    employment_types: list[EmploymentType] = strawberry.field(default_factory=list)
    weekly_availability: list[WeeklySlotInput] = strawberry.field(default_factory=list)
    earliest_start: date | None = None
    work_authorization: WorkAuthorizationInput | None = None
    visibility: ProfileVisibility = ProfileVisibility.PUBLIC


@strawberry.input(description="Changes to the caller's profile; omitted fields keep their value.")
class UpdateWorkerProfileInput:
    headline: str | None = strawberry.UNSET
    bio: str | None = strawberry.UNSET
    skills: list[WorkerSkillInput] | None = strawberry.UNSET
    languages: list[LanguageInput] | None = strawberry.UNSET
    location: LocationInput | None = strawberry.UNSET
    travel_radius_km: int | None = strawberry.UNSET
    remote_ok: bool | None = strawberry.UNSET
    desired_pay: PayInput | None = strawberry.UNSET
    employment_types: list[EmploymentType] | None = strawberry.UNSET
    weekly_availability: list[WeeklySlotInput] | None = strawberry.UNSET
    earliest_start: date | None = strawberry.UNSET
    work_authorization: WorkAuthorizationInput | None = strawberry.UNSET
    visibility: ProfileVisibility | None = strawberry.UNSET


@strawberry.type(description="The profile after the mutation, or the errors that stopped it.")
class WorkerProfilePayload:
    worker: Worker | None
    errors: list[UserError]


@strawberry.input(description="Workers with these skills.")
class WorkerSkillFilter:
    skill_ids: list[strawberry.ID]
    match: SkillMatch = SkillMatch.ALL
    level: int | None = strawberry.field(
        default=None, description="Least level the worker must have in each matched skill."
    )


@strawberry.input(description="Narrow the worker list; all given conditions must hold.")
class WorkerFilter:
    text: str | None = strawberry.field(
        default=None,
        description="Words in the headline, bio, place or skills (English or Japanese).",
    )
    skills: WorkerSkillFilter | None = None
    prefecture: Prefecture | None = None
    near: NearInput | None = None
    pay_at_most: PayInput | None = strawberry.field(
        default=None, description="Workers whose desired pay is at most this, for this period."
    )
    employment_types: list[EmploymentType] | None = None
    remote_ok: bool | None = None
