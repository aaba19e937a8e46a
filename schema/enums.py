"""Domain enums exposed in the schema: each domain class is registered with strawberry
once, here, and schema modules import it from this module so registration always runs."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any, TypeVar

import strawberry

from domain.auth.models import OrganizationKind
from domain.auth.principal import Role
from domain.errors import ErrorCode
from domain.filters import SkillMatch
from domain.geo.prefectures import Prefecture, prefectures
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


def describe_values(enum: type[Enum], descriptions: Mapping[Enum, str]) -> None:
    """Describe every value of an enum already registered with strawberry.

    Domain enums cannot use `strawberry.enum_value` (domain/ does not import strawberry),
    so the descriptions are attached here, to strawberry's definition. A value without a
    description (a new member) stops the import: partners read these in generated code."""
    definition = enum.__strawberry_definition__  # type: ignore[attr-defined]
    missing = [value.name for value in definition.values if enum[value.name] not in descriptions]
    if missing:
        raise ValueError(f"{enum.__name__}: describe {', '.join(missing)}")
    for value in definition.values:
        value.description = descriptions[enum[value.name]]


describe_values(
    Role,
    {
        Role.WORKER: "Looks for work: keeps a worker profile, applies to jobs.",
        Role.EMPLOYER: "Hires for an organisation: posts jobs, invites and hires workers.",
        Role.ISSUER: "Issues verifiable credentials for an issuer organisation.",
        Role.ADMIN: "Runs the platform: sees everything, manages roles and issuer trust.",
        Role.PARTNER: "An outside company using the API with OAuth client credentials.",
    },
)
describe_values(
    OrganizationKind,
    {
        OrganizationKind.EMPLOYER: "Posts jobs and hires workers.",
        OrganizationKind.ISSUER: "Issues credentials (schools, test centres, authorities).",
    },
)
describe_values(
    Prefecture,
    {
        Prefecture(
            code
        ): f"{info.name_en} ({info.name_ja}), {info.region}; JIS code {info.jis:02d}."
        for code, info in prefectures().items()
    },
)
describe_values(
    JobStatus,
    {
        JobStatus.DRAFT: "Being written; seen by its organisation only.",
        JobStatus.OPEN: "Published: anyone can find it and workers can apply.",
        JobStatus.PAUSED: "Temporarily hidden from search; can be opened again.",
        JobStatus.FILLED: "All openings are filled (final).",
        JobStatus.CLOSED: "Withdrawn without being filled (final).",
    },
)
describe_values(
    EmploymentType,
    {
        EmploymentType.FULL_TIME: "Full-time employment (正社員・フルタイム).",
        EmploymentType.PART_TIME: "Part-time employment (パート・アルバイト).",
        EmploymentType.CONTRACT: "A fixed-term contract (契約社員・派遣).",
        EmploymentType.SHIFT: "Individual shifts booked one at a time (スポットワーク).",
    },
)
describe_values(
    PayPeriod,
    {
        PayPeriod.HOURLY: "Yen per hour.",
        PayPeriod.DAILY: "Yen per day.",
        PayPeriod.MONTHLY: "Yen per month.",
        PayPeriod.YEARLY: "Yen per year.",
    },
)
describe_values(
    Weekday,
    {
        Weekday.MON: "Monday.",
        Weekday.TUE: "Tuesday.",
        Weekday.WED: "Wednesday.",
        Weekday.THU: "Thursday.",
        Weekday.FRI: "Friday.",
        Weekday.SAT: "Saturday.",
        Weekday.SUN: "Sunday.",
    },
)
describe_values(
    LanguageLevel,
    {
        LanguageLevel.N5: "JLPT N5: basic Japanese (the easiest level).",
        LanguageLevel.N4: "JLPT N4: elementary Japanese.",
        LanguageLevel.N3: "JLPT N3: everyday Japanese.",
        LanguageLevel.N2: "JLPT N2: Japanese for most workplaces.",
        LanguageLevel.N1: "JLPT N1: advanced Japanese (the hardest level).",
        LanguageLevel.A1: "CEFR A1: beginner.",
        LanguageLevel.A2: "CEFR A2: elementary.",
        LanguageLevel.B1: "CEFR B1: intermediate.",
        LanguageLevel.B2: "CEFR B2: upper intermediate.",
        LanguageLevel.C1: "CEFR C1: advanced.",
        LanguageLevel.C2: "CEFR C2: proficient.",
        LanguageLevel.NATIVE: "Native speaker; ranks above N1 and C2.",
    },
)
describe_values(
    Sector,
    {
        Sector.CARE: "Nursing and elderly care (介護).",
        Sector.CONSTRUCTION: "Construction and civil engineering (建設).",
        Sector.MANUFACTURING: "Factories and production lines (製造).",
        Sector.FOOD_SERVICE: "Restaurants and food preparation (外食).",
        Sector.HOSPITALITY: "Hotels and accommodation (宿泊).",
        Sector.AGRICULTURE: "Farming and horticulture (農業).",
        Sector.LOGISTICS: "Warehousing, delivery and driving (物流).",
        Sector.CLEANING: "Building cleaning (ビルクリーニング).",
        Sector.IT: "Software and IT support.",
        Sector.RETAIL: "Shops and sales (小売).",
        Sector.GENERAL: "Skills for any sector: customer service, office software, driving ...",
    },
)
describe_values(
    SkillMatch,
    {
        SkillMatch.ALL: "Every listed skill must match.",
        SkillMatch.ANY: "At least one listed skill must match.",
    },
)
describe_values(
    ResidenceStatus,
    {
        ResidenceStatus.JAPANESE_NATIONAL: "Japanese citizen: no restriction on work.",
        ResidenceStatus.PERMANENT_RESIDENT: "Permanent resident (永住者): no restriction on work.",
        ResidenceStatus.SPOUSE_OR_CHILD_OF_JAPANESE: (
            "Spouse or child of a Japanese national (日本人の配偶者等): no restriction on work."
        ),
        ResidenceStatus.LONG_TERM_RESIDENT: "Long-term resident (定住者): no restriction on work.",
        ResidenceStatus.SPECIFIED_SKILLED_WORKER_1: (
            "Specified skilled worker (i) (特定技能1号): work in the designated sector."
        ),
        ResidenceStatus.SPECIFIED_SKILLED_WORKER_2: (
            "Specified skilled worker (ii) (特定技能2号): work in the designated sector."
        ),
        ResidenceStatus.TECHNICAL_INTERN_TRAINING: (
            "Technical intern training (技能実習): work at the training employer only."
        ),
        ResidenceStatus.ENGINEER_SPECIALIST_IN_HUMANITIES: (
            "Engineer / specialist in humanities / international services "
            "(技術・人文知識・国際業務)."
        ),
        ResidenceStatus.STUDENT: (
            "Student (留学): part-time work only, with permission, within the weekly hour limit."
        ),
        ResidenceStatus.DESIGNATED_ACTIVITIES: (
            "Designated activities (特定活動): work as the designation allows."
        ),
        ResidenceStatus.DEPENDENT: ("Dependent (家族滞在): part-time work only, with permission."),
        ResidenceStatus.OTHER: "Another status of residence.",
    },
)
describe_values(
    Visibility,
    {
        Visibility.PUBLIC: "Employers can find the profile in search and recommendations.",
        Visibility.HIDDEN: "Only the worker (and admins) see the profile.",
    },
)
describe_values(
    ErrorCode,
    {
        ErrorCode.REQUIRED: "A value is missing.",
        ErrorCode.INVALID: "The value has the wrong form.",
        ErrorCode.TOO_SHORT: "The text or list is too short.",
        ErrorCode.TOO_LONG: "The text or list is too long.",
        ErrorCode.OUT_OF_RANGE: "The number or date is outside the allowed range.",
        ErrorCode.INVALID_ID: "The ID is not an ID of the expected type.",
        ErrorCode.UNKNOWN_SKILL: "No skill has this ID.",
        ErrorCode.DUPLICATE: "The same item is listed twice.",
        ErrorCode.NOT_FOUND: "The object does not exist, or you may not see it.",
        ErrorCode.ILLEGAL_TRANSITION: "The object's status does not allow this change.",
        ErrorCode.INVALID_CREDENTIALS: "The email or password is not correct.",
        ErrorCode.ALREADY_EXISTS: "It exists already (an account, a profile, a key).",
        ErrorCode.FORBIDDEN: "You may not do this (your role, or a setting you cannot change).",
        ErrorCode.TOO_MANY_ATTEMPTS: "Too many failed attempts: wait before trying again.",
        ErrorCode.INVALID_TOKEN: "The token is unknown, expired or already used.",
    },
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


E = TypeVar("E", bound=Enum)


def member_of(enum: type[E]) -> Callable[[Any], E]:
    """`enum(value)` as a dict lookup. Why: `Enum.__call__` costs ~1 µs, and a page of 100
    jobs converts ~1,500 stored values (weekdays, levels, statuses) — 4.5 % of a page's
    CPU in a profile. A value that is not a member goes to `enum(value)`, which raises
    exactly as before."""
    members: dict[Any, E] = dict(enum._value2member_map_)  # type: ignore[arg-type]

    def lookup(value: Any) -> E:
        try:
            return members[value]
        except (KeyError, TypeError):
            return enum(value)

    return lookup


as_employment_type = member_of(EmploymentType)
as_job_status = member_of(JobStatus)
as_language_level = member_of(LanguageLevel)
as_organization_kind = member_of(OrganizationKind)
as_pay_period = member_of(PayPeriod)
as_prefecture = member_of(Prefecture)
as_sector = member_of(Sector)
as_weekday = member_of(Weekday)
