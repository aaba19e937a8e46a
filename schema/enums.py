"""Domain enums exposed in the schema: each domain class is registered with strawberry
once, here, and schema modules import it from this module so registration always runs."""

from __future__ import annotations

import strawberry

from domain.auth.models import OrganizationKind
from domain.auth.principal import Role
from domain.errors import ErrorCode
from domain.filters import SkillMatch
from domain.geo.prefectures import Prefecture
from domain.jobs.status import JobStatus
from domain.profiles.inputs import ResidenceStatus, Visibility
from domain.skills.models import Sector
from domain.values import EmploymentType, LanguageLevel, PayPeriod, Weekday

strawberry.enum(Role, description="What a user may do on the platform.")
strawberry.enum(OrganizationKind, description="Employer or credential issuer.")
strawberry.enum(Prefecture, description="A prefecture of Japan.")
strawberry.enum(
    JobStatus, description="Lifecycle of a job: DRAFT → OPEN ⇄ PAUSED → FILLED | CLOSED."
)
strawberry.enum(EmploymentType, description="How a job is employed.")
strawberry.enum(PayPeriod, description="The period a yen amount is paid for.")
strawberry.enum(Weekday, description="Day of the week.")
strawberry.enum(
    LanguageLevel, description="JLPT N5–N1 for Japanese, CEFR A1–C2 for other languages, or NATIVE."
)
strawberry.enum(Sector, description="Industry sector of a skill.")
strawberry.enum(SkillMatch, description="Whether all or any listed skills must match.")
strawberry.enum(
    ResidenceStatus, description="Status of residence (在留資格) that governs work in Japan."
)
strawberry.enum(Visibility, name="ProfileVisibility", description="Who can find a worker profile.")
strawberry.enum(
    ErrorCode, name="UserErrorCode", description="What kind of problem a `UserError` reports."
)

ProfileVisibility = Visibility
UserErrorCode = ErrorCode

__all__ = [
    "EmploymentType",
    "JobStatus",
    "LanguageLevel",
    "OrganizationKind",
    "PayPeriod",
    "Prefecture",
    "ProfileVisibility",
    "ResidenceStatus",
    "Role",
    "Sector",
    "SkillMatch",
    "UserErrorCode",
    "Weekday",
]
