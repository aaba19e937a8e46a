"""AI agent types: reading job ads and profiles, the search assistant, and suggestions.

Structured values and drafts are JSON in the shape of this API's own inputs
(camelCase keys, enum names, global IDs), so an app can pass a draft straight to
`createJob` / `createWorkerProfile` and the assistant's filters to `jobs(filter:)`.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import uuid
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.scalars import JSON

from domain.ai.ad_quality import MIN_POOL, RESTRICTIVE_SHOWN, SHORT_DESCRIPTION, HintKind, Severity
from domain.ai.ad_quality import AdQualityHint as DomainHint
from domain.ai.answers import Locale
from domain.ai.assistant import AskResult
from domain.ai.items import ExtractedItem as DomainItem
from domain.ai.items import ItemKind
from domain.ai.models import AiExtraction, ExtractionStatus
from domain.ai.requirements import Requirement as DomainRequirement
from domain.ai.requirements import RequirementKind
from domain.ai.suggestions import MIN_SAMPLE, PayBasis, PayPosition, SkillGapReport
from domain.ai.suggestions import CloseJob as DomainCloseJob
from domain.ai.suggestions import PaySuggestion as DomainPaySuggestion
from domain.ai.suggestions import SkillGap as DomainSkillGap
from domain.ai.text import Span
from domain.errors import FieldError
from schema.context import Info
from schema.enums import LanguageLevel, PayPeriod, describe_values
from schema.errors import UserError
from schema.ids import to_global_id
from schema.relay import Connection
from schema.skills import Skill, load_skill
from schema.values import Language

if TYPE_CHECKING:
    from schema.jobs import Job

LazyJob = Annotated["Job", strawberry.lazy("schema.jobs")]

strawberry.enum(Locale, description="The language an answer or explanation is given in.")
strawberry.enum(
    ItemKind, name="ExtractedItemKind", description="What kind of thing was found in a text."
)
strawberry.enum(
    ExtractionStatus,
    description="Where the background reading of a saved job ad or profile stands.",
)
strawberry.enum(RequirementKind, description="A skill at a level, a language, or a credential.")
strawberry.enum(
    PayBasis,
    name="PayComparisonBasis",
    description="Which open jobs the pay was compared with: the same skills, field (sector) "
    "or employment type, in the job's prefecture or across Japan; always jobs paid by the "
    "same period.",
)
strawberry.enum(
    PayPosition, description="Where the job's mid-range pay sits among comparable jobs."
)
strawberry.enum(HintKind, name="AdHintKind", description="What an ad quality hint is about.")
strawberry.enum(
    Severity, name="HintSeverity", description="How much an ad quality hint likely matters."
)
describe_values(
    Locale,
    {
        Locale.JA: "Japanese (日本語).",
        Locale.EN: "English.",
    },
)
describe_values(
    ItemKind,
    {
        ItemKind.SKILL: "A taxonomy skill (see `skill`); value `{skillId, level, years, "
        "required}`, where level and years may be null.",
        ItemKind.LANGUAGE: "A language (ISO 639-1 code); value `{code, level, test}`, "
        "`level` a `LanguageLevel` or null, `test` the test that names it (JLPT, TOEIC …).",
        ItemKind.PAY: "A pay amount or range in yen; value `{min, max, period}`, `max` null "
        "for an open range (from ¥1,300), `period` a `PayPeriod`.",
        ItemKind.LOCATION: "A place of work or home; value `{prefecture, city, station, lat, "
        "lon}`, any of which may be null.",
        ItemKind.EMPLOYMENT_TYPE: "An employment type; value `{value, detail}` (`value` an "
        "`EmploymentType`).",
        ItemKind.SCHEDULE: "When the work is; value `{kind, days, start, end, perWeek}`, "
        "`kind` one of NIGHT_SHIFT, WEEKENDS_ONLY, WEEKDAYS_ONLY, DAYS (`days`), HOURS "
        "(`start`–`end`) or DAYS_PER_WEEK (`perWeek`).",
        ItemKind.CREDENTIAL: "A licence, certificate or other credential; value `{kind, "
        "name}` (`kind` a `CredentialType`).",
        ItemKind.RESIDENCE_STATUS: "A status of residence (在留資格); value `{status}` (a "
        "`ResidenceStatus`).",
        ItemKind.START_DATE: "When the work starts or the worker can start; value `{date, "
        "immediate}` (an ISO date; `immediate` for 即日 / immediately).",
        ItemKind.REMOTE: "The work can be done remotely; value `{}`.",
    },
)
describe_values(
    ExtractionStatus,
    {
        ExtractionStatus.PENDING: "The text changed and is queued to be read; `items` and "
        "`draft` still describe the previous reading, if any.",
        ExtractionStatus.DONE: "The current text has been read: `items` and `draft` describe it.",
        ExtractionStatus.FAILED: "The current text could not be read (the job or profile "
        "itself is unaffected); `items` and `draft` are from any earlier reading.",
    },
)
describe_values(
    RequirementKind,
    {
        RequirementKind.SKILL: "A taxonomy skill at a minimum level (`skill`, `level`).",
        RequirementKind.LANGUAGE: "A language at a minimum level (`language`).",
        RequirementKind.CREDENTIAL: "A credential of a type (`credentialType`); only a "
        "verified credential meets it.",
    },
)
describe_values(
    PayBasis,
    {
        PayBasis.SAME_SKILLS_IN_PREFECTURE: "Jobs in the job's prefecture asking for at least "
        "one of its skills.",
        PayBasis.SAME_SECTOR_IN_PREFECTURE: "Jobs in the job's prefecture with a skill in its "
        "skills' main sector.",
        PayBasis.SAME_EMPLOYMENT_TYPE_IN_PREFECTURE: "Jobs in the job's prefecture of the same "
        "employment type (for a job that lists no skills).",
        PayBasis.SAME_SKILLS_NATIONWIDE: "Jobs anywhere in Japan asking for at least one of "
        "its skills.",
        PayBasis.SAME_SECTOR_NATIONWIDE: "Jobs anywhere in Japan with a skill in its skills' "
        "main sector.",
        PayBasis.SAME_EMPLOYMENT_TYPE_NATIONWIDE: "Jobs anywhere in Japan of the same "
        "employment type (for a job that lists no skills).",
    },
)
describe_values(
    PayPosition,
    {
        PayPosition.BELOW: "Below the middle half of comparable jobs (under `low`).",
        PayPosition.WITHIN: "Within the middle half of comparable jobs (`low` to `high`).",
        PayPosition.ABOVE: "Above the middle half of comparable jobs (over `high`).",
        PayPosition.UNKNOWN: "There are no comparable open jobs to compare with.",
    },
)
describe_values(
    HintKind,
    {
        HintKind.MISSING_PAY: "The pay shows ¥0: no real pay is stated.",
        HintKind.NO_PAY_RANGE: "The pay is a single amount, not a range.",
        HintKind.PAY_BELOW_MARKET: "The pay is below the middle half of comparable open jobs "
        f"(only said when there are at least {MIN_SAMPLE}; see `Job.paySuggestion`).",
        HintKind.VAGUE_REQUIREMENTS: "No skill, language or credential is listed at all.",
        HintKind.VAGUE_WORDING: "The description uses character words (やる気, motivated) "
        "instead of saying what the work needs; see `spans`.",
        HintKind.SKILLS_ONLY_IN_TEXT: "The description names skills the skill list lacks, so "
        "matching cannot use them; see `skills` and `spans`.",
        HintKind.SHORT_DESCRIPTION: "The description is too short to say what the job is "
        f"(under {SHORT_DESCRIPTION['ja']} characters in Japanese, {SHORT_DESCRIPTION['en']} "
        "in English).",
        HintKind.RESTRICTIVE_REQUIREMENT: "A required skill, language or credential rules "
        f"out workers within reach (the {RESTRICTIVE_SHOWN} costliest are shown; WARNING when "
        "half or more); see `requirement` and the worker counts.",
        HintKind.FEW_WORKERS_NEARBY: f"Fewer than {MIN_POOL} public worker profiles can reach "
        "the job, too few to say which requirement narrows them; see `candidatePool`.",
    },
)
describe_values(
    Severity,
    {
        Severity.WARNING: "Likely costs the job applicants; listed first.",
        Severity.INFO: "Advice worth a look.",
    },
)
ExtractedItemKind = ItemKind
PayComparisonBasis = PayBasis
AdHintKind = HintKind
HintSeverity = Severity

LocaleArgument = Annotated[
    Locale, strawberry.argument(description="The language to give it in: JA (default) or EN.")
]

_GLOBAL_ID_KEYS = {"skill_id": "Skill", "skill_ids": "Skill", "organization_id": "Organization"}


def _camel(name: str) -> str:
    return re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), name)


def graphql_json(value: Any, key: str | None = None) -> Any:
    """A domain dict (snake_case, UUIDs, dates, enums) as this API's input JSON."""
    if isinstance(value, dict):
        return {_camel(k): graphql_json(v, k) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [graphql_json(item, key) for item in value]
    if key in _GLOBAL_ID_KEYS and isinstance(value, uuid.UUID | str):
        return to_global_id(_GLOBAL_ID_KEYS[key], uuid.UUID(str(value)))
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


@strawberry.interface(description="Something the agent explains in Japanese and English.")
class Explained:
    explanation_ja: str = strawberry.field(description="The explanation in Japanese.")
    explanation_en: str = strawberry.field(description="The explanation in English.")

    @strawberry.field(description="The explanation in the given language.")
    def explanation(self, locale: LocaleArgument = Locale.JA) -> str:
        return self.explanation_ja if locale is Locale.JA else self.explanation_en


@strawberry.type(description="Where in the text an item was found.")
class TextSpan:
    start: int = strawberry.field(description="Offset of its first character (0-based).")
    end: int = strawberry.field(description="Offset just after its last character.")
    text: str = strawberry.field(description="The words themselves, as the user wrote them.")

    @classmethod
    def from_domain(cls, span: Span) -> TextSpan:
        return cls(start=span.start, end=span.end, text=span.text)


@strawberry.type(description="One thing found in a text, for the user to confirm.")
class ExtractedItem:
    skill_pk: strawberry.Private[uuid.UUID | None]
    kind: ExtractedItemKind = strawberry.field(description="What was found.")
    label_ja: str = strawberry.field(description="How to show it, in Japanese.")
    label_en: str = strawberry.field(description="How to show it, in English.")
    value: JSON = strawberry.field(
        description="The structured value (camelCase, enum names, skills as global IDs), "
        "e.g. `{min, max, period}` for PAY or `{skillId, level, required}` for SKILL."
    )
    span: TextSpan = strawberry.field(description="The words it was read from.")
    confidence: float = strawberry.field(description="0 (a guess) to 1 (certain).")

    @classmethod
    def from_domain(cls, item: DomainItem) -> ExtractedItem:
        return cls(
            skill_pk=item.skill_id,
            kind=item.kind,
            label_ja=item.label_ja,
            label_en=item.label_en,
            value=graphql_json(item.value),
            span=TextSpan.from_domain(item.span),
            confidence=item.confidence,
        )

    @strawberry.field(description="The label in the given language.")
    def label(self, locale: LocaleArgument = Locale.JA) -> str:
        return self.label_ja if locale is Locale.JA else self.label_en

    @strawberry.field(description="The taxonomy skill, for SKILL items.")
    async def skill(self, info: Info) -> Skill | None:
        return await load_skill(info, self.skill_pk) if self.skill_pk else None


@strawberry.type(description="What a job ad asks for, read from its text; nothing is saved.")
class JobExtraction:
    language: str = strawberry.field(description="The text's language: `ja` or `en`.")
    items: list[ExtractedItem] = strawberry.field(description="Everything found, in text order.")
    draft: JSON = strawberry.field(
        description="A `CreateJobInput` with only what the text states (title and description "
        "always): show it for the employer to complete and confirm, then call `createJob`."
    )
    draft_errors: list[UserError] = strawberry.field(
        description="What `createJob` would still reject in `draft`: usually what the text "
        "does not say, such as the pay or the location."
    )


@strawberry.type(description="What a worker offers, read from their self-introduction.")
class ProfileExtraction:
    language: str = strawberry.field(description="The text's language: `ja` or `en`.")
    items: list[ExtractedItem] = strawberry.field(description="Everything found, in text order.")
    draft: JSON = strawberry.field(
        description="A `CreateWorkerProfileInput` with only what the text states (headline and "
        "bio always; skill levels not stated are 1): for the worker to confirm."
    )
    draft_errors: list[UserError] = strawberry.field(
        description="What `createWorkerProfile` would still reject in `draft`."
    )


def extraction_fields(
    language: str, items: list[DomainItem], draft: dict[str, Any], errors: list[FieldError]
) -> dict[str, Any]:
    """The fields `JobExtraction` and `ProfileExtraction` share, from domain values."""
    return {
        "language": language,
        "items": [ExtractedItem.from_domain(item) for item in items],
        "draft": graphql_json(draft),
        "draft_errors": UserError.from_domain(errors),
    }


@strawberry.type(
    description="The agent's background reading of a saved job ad or profile: its status "
    "and what it found."
)
class TextExtraction:
    status: ExtractionStatus = strawberry.field(description="Whether the saved text is read yet.")
    version: int = strawberry.field(description="The job's or profile's version it describes.")
    language: str | None = strawberry.field(description="`ja` or `en`, once read.")
    items: list[ExtractedItem] = strawberry.field(description="Everything found, in text order.")
    draft: JSON = strawberry.field(
        description="The fields the saved text states (skills, pay, languages …), as the "
        "update input takes them: compare with the saved fields to suggest additions."
    )
    requested_at: dt.datetime = strawberry.field(description="When the text was last queued.")
    completed_at: dt.datetime | None = strawberry.field(
        description="When it was last read (DONE or FAILED)."
    )

    @classmethod
    def from_row(cls, row: AiExtraction) -> TextExtraction:
        return cls(
            status=ExtractionStatus(row.status),
            version=row.version,
            language=row.language,
            items=[
                ExtractedItem.from_domain(DomainItem.from_json(item))
                for item in row.result.get("items", [])
            ],
            draft=graphql_json(row.result.get("draft", {})),
            requested_at=row.requested_at,  # type: ignore[arg-type]
            completed_at=row.completed_at,
        )


@strawberry.type(description="The answer to a spoken or typed job search.")
class AskAnswer:
    answer: str = strawberry.field(
        description="A short spoken-style answer: what was searched and how many jobs match, "
        "or what to ask when the question was not understood."
    )
    locale: Locale = strawberry.field(description="The language of the answer.")
    understood: list[str] = strawberry.field(
        description="What was read from the question, in its language, to show as chips."
    )
    filters: JSON = strawberry.field(
        description="The filters applied, as `jobs(filter:)` takes them: show them, let the "
        "user edit them, and search again with `jobs`."
    )
    jobs: Connection[LazyJob] = strawberry.field(
        description="The first page of matching open jobs (the newest jobs when nothing was "
        "understood)."
    )
    match_count: int = strawberry.field(description="How many open jobs match the filters.")
    suggestions: list[str] = strawberry.field(
        description="What to try next: example questions when nothing was understood, or "
        "which condition to drop when nothing matched."
    )
    understood_nothing: bool = strawberry.field(
        description="True when the question was not understood (the answer says what to ask)."
    )
    reworded: bool = strawberry.field(
        description="True when the configured language model reworded the template answer."
    )

    @classmethod
    def from_domain(cls, result: AskResult) -> AskAnswer:
        from schema.jobs import Job  # the job type imports this module's types

        return cls(
            answer=result.answer,
            locale=Locale(result.locale),
            understood=list(result.intent.understood),
            filters=graphql_json(result.filters),
            jobs=Connection.from_page(result.page, Job.from_row),
            match_count=result.total,
            suggestions=result.suggestions,
            understood_nothing=result.understood_nothing,
            reworded=result.reworded,
        )


@strawberry.type(description="One requirement of a job: a skill, a language or a credential.")
class Requirement:
    skill_pk: strawberry.Private[uuid.UUID | None]
    kind: RequirementKind = strawberry.field(description="Skill, language or credential.")
    level: int | None = strawberry.field(description="For skills: the level asked, 1 to 5.")
    language: Language | None = strawberry.field(description="For languages: code and level.")
    credential_type: str | None = strawberry.field(description="For credentials: the type.")
    label_ja: str = strawberry.field(description="How to show it, in Japanese.")
    label_en: str = strawberry.field(description="How to show it, in English.")

    @classmethod
    def from_domain(cls, needed: DomainRequirement) -> Requirement:
        level = needed.language_level
        return cls(
            skill_pk=needed.skill_id,
            kind=needed.kind,
            level=needed.rank if needed.kind is RequirementKind.SKILL else None,
            language=Language(code=needed.key, level=LanguageLevel(level.value)) if level else None,
            credential_type=needed.key if needed.kind is RequirementKind.CREDENTIAL else None,
            label_ja=needed.label_ja,
            label_en=needed.label_en,
        )

    @strawberry.field(description="The label in the given language.")
    def label(self, locale: LocaleArgument = Locale.JA) -> str:
        return self.label_ja if locale is Locale.JA else self.label_en

    @strawberry.field(description="For skills: the taxonomy skill.")
    async def skill(self, info: Info) -> Skill | None:
        return await load_skill(info, self.skill_pk) if self.skill_pk else None


@strawberry.type(description="A skill, language or credential the worker lacks, and what it "
                 "would open up.")  # fmt: skip
class SkillGap(Explained):
    requirement: Requirement = strawberry.field(description="What the worker lacks.")
    jobs_unlocked: int = strawberry.field(
        description="Nearby open jobs this alone stands between the worker and."
    )
    well_paid_jobs_unlocked: int = strawberry.field(
        description="Of those, the ones paying at least `wellPaidFrom` an hour."
    )
    jobs_asking: int = strawberry.field(description="Nearby open jobs asking for it.")
    median_hourly_pay: int | None = strawberry.field(
        description="Median yen an hour of the jobs it unlocks (else of those asking)."
    )

    @classmethod
    def from_domain(cls, gap: DomainSkillGap) -> SkillGap:
        return cls(
            requirement=Requirement.from_domain(gap.requirement),
            jobs_unlocked=gap.jobs_unlocked,
            well_paid_jobs_unlocked=gap.well_paid_jobs_unlocked,
            jobs_asking=gap.jobs_asking,
            median_hourly_pay=gap.median_hourly_pay,
            explanation_ja=gap.explanation_ja,
            explanation_en=gap.explanation_en,
        )


@strawberry.type(description="An open job the worker meets every requirement of but one.")
class CloseJob(Explained):
    job_pk: strawberry.Private[uuid.UUID]
    missing: Requirement = strawberry.field(description="The one requirement not met yet.")
    hourly_pay: int = strawberry.field(description="Its mid-range pay in yen an hour.")

    @classmethod
    def from_domain(cls, close: DomainCloseJob) -> CloseJob:
        return cls(
            job_pk=close.job_id,
            missing=Requirement.from_domain(close.missing),
            hourly_pay=close.hourly_pay,
            explanation_ja=close.explanation_ja,
            explanation_en=close.explanation_en,
        )

    @strawberry.field(description="The job (null if it is no longer visible).")
    async def job(self, info: Info) -> LazyJob | None:
        from schema.jobs import Job

        row = await info.context.loaders.visible_job.load(self.job_pk)
        return Job.from_row(row) if row else None


@strawberry.type(
    description="Market gap analysis for a worker: what to learn or certify next to reach "
    "more nearby, well-paid open jobs."
)
class SkillGapSuggestions(Explained):
    radius_km: float | None = strawberry.field(
        description="The area considered: the worker's travel radius; null for all of Japan."
    )
    jobs_nearby: int = strawberry.field(description="Open jobs in the area.")
    jobs_qualified: int = strawberry.field(
        description="Of those, the ones whose listed requirements the worker already meets."
    )
    well_paid_from: int | None = strawberry.field(
        description="Yen an hour counted as well paid: the worker's desired pay, else the "
        "area's median."
    )
    gaps: list[SkillGap] = strawberry.field(description="Most valuable first.")
    close_jobs: list[CloseJob] = strawberry.field(
        description="Jobs one requirement away, best paid first."
    )

    @classmethod
    def from_domain(cls, report: SkillGapReport) -> SkillGapSuggestions:
        return cls(
            radius_km=report.radius_km,
            jobs_nearby=report.jobs_nearby,
            jobs_qualified=report.jobs_qualified,
            well_paid_from=report.well_paid_from,
            gaps=[SkillGap.from_domain(gap) for gap in report.gaps],
            close_jobs=[CloseJob.from_domain(close) for close in report.close_jobs],
            explanation_ja=report.explanation_ja,
            explanation_en=report.explanation_en,
        )


@strawberry.type(
    description="Market pay for a job's role and place, from comparable open jobs paid by "
    "the same period."
)
class PaySuggestion(Explained):
    period: PayPeriod = strawberry.field(description="The job's pay period, as every amount.")
    basis: PayComparisonBasis | None = strawberry.field(
        description="Which jobs were compared; null when there were none."
    )
    sample_size: int = strawberry.field(description="How many comparable open jobs.")
    sufficient: bool = strawberry.field(
        description="False when there are too few (under 5) to rely on."
    )
    median: int | None = strawberry.field(description="Median of their mid-range pay, in yen.")
    low: int | None = strawberry.field(description="25th percentile: the suggested minimum.")
    high: int | None = strawberry.field(description="75th percentile: the suggested maximum.")
    minimum: int | None = strawberry.field(description="The lowest minimum among them.")
    maximum: int | None = strawberry.field(description="The highest maximum among them.")
    position: PayPosition = strawberry.field(description="Where the job's own pay sits.")

    @classmethod
    def from_domain(cls, found: DomainPaySuggestion) -> PaySuggestion:
        return cls(
            period=PayPeriod(found.period.value),
            basis=found.basis,
            sample_size=found.sample_size,
            sufficient=found.sufficient,
            median=found.median,
            low=found.low,
            high=found.high,
            minimum=found.minimum,
            maximum=found.maximum,
            position=found.position,
            explanation_ja=found.explanation_ja,
            explanation_en=found.explanation_en,
        )


@strawberry.type(description="One way to make a job ad reach more of the right workers.")
class AdQualityHint(Explained):
    skill_pks: strawberry.Private[tuple[uuid.UUID, ...]]
    kind: AdHintKind = strawberry.field(description="What the hint is about.")
    severity: HintSeverity = strawberry.field(description="How much it likely matters.")
    requirement: Requirement | None = strawberry.field(
        description="For RESTRICTIVE_REQUIREMENT: the requirement."
    )
    workers_excluded: int | None = strawberry.field(
        description="Public worker profiles within reach that the requirement rules out."
    )
    workers_otherwise_qualified: int | None = strawberry.field(
        description="Of those, the ones meeting every other requirement."
    )
    candidate_pool: int | None = strawberry.field(
        description="Public worker profiles within reach of the job."
    )
    spans: list[TextSpan] = strawberry.field(
        description="Where in the description (vague words, skills named but not listed)."
    )

    @classmethod
    def from_domain(cls, hint: DomainHint) -> AdQualityHint:
        return cls(
            skill_pks=hint.skill_ids,
            kind=hint.kind,
            severity=hint.severity,
            requirement=Requirement.from_domain(hint.requirement) if hint.requirement else None,
            workers_excluded=hint.workers_excluded,
            workers_otherwise_qualified=hint.workers_otherwise_qualified,
            candidate_pool=hint.candidate_pool,
            spans=[TextSpan.from_domain(span) for span in hint.spans],
            explanation_ja=hint.explanation_ja,
            explanation_en=hint.explanation_en,
        )

    @strawberry.field(description="For SKILLS_ONLY_IN_TEXT: the skills to add to the job.")
    async def skills(self, info: Info) -> list[Skill]:
        rows = await info.context.loaders.skill.load_many(list(self.skill_pks))
        return [Skill.from_row(row) for row in rows if row is not None]
