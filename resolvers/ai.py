"""AI agent queries: read a pasted job ad or profile, and answer a search question."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.ai import assistant
from domain.ai.answers import Locale
from domain.ai.assistant import MAX_ASK_TEXT, MAX_EXTRACT_TEXT
from domain.ai.items import items_of
from domain.jobs.inputs import JobDraft
from domain.pagination import MAX_PAGE_SIZE
from domain.profiles.inputs import ProfileDraft
from resolvers.pagination import page_request
from schema.ai import AskAnswer, JobExtraction, ProfileExtraction, extraction_fields
from schema.context import Info

JobAdText = Annotated[
    str,
    strawberry.argument(
        description=f"The job ad, in Japanese or English (at most {MAX_EXTRACT_TEXT:,} characters)."
    ),
]
SelfIntroductionText = Annotated[
    str,
    strawberry.argument(
        description=f"The worker's self-introduction, in Japanese or English (at most "
        f"{MAX_EXTRACT_TEXT:,} characters)."
    ),
]
QuestionText = Annotated[
    str,
    strawberry.argument(
        description=f"The question as said or typed, in Japanese or English (at most "
        f"{MAX_ASK_TEXT:,} characters)."
    ),
]
AnswerLocale = Annotated[
    Locale | None,
    strawberry.argument(
        description="The language to answer in; by default the question's (Japanese when "
        "it has no letters)."
    ),
]
AskFirst = Annotated[
    int | None,
    strawberry.argument(
        description=f"How many jobs the first page holds (default 10, at most {MAX_PAGE_SIZE}); "
        "page on with `jobs(filter:)` and the answer's `filters`."
    ),
]


async def extract_job_requirements(info: Info, text: JobAdText) -> JobExtraction:
    """Read a job ad (Japanese or English, at most 10,000 characters) into items with
    the words they came from, and a `createJob` draft to confirm (employers)."""
    found = assistant.extract_job_text(info.context.principal, text)
    draft = found.to_job_draft()
    errors = assistant.draft_errors(JobDraft, draft)
    return JobExtraction(**extraction_fields(found.language, items_of(found), draft, errors))


async def extract_worker_profile(info: Info, text: SelfIntroductionText) -> ProfileExtraction:
    """Read a self-introduction (Japanese or English, at most 10,000 characters) into
    items and a `createWorkerProfile` draft to confirm (workers)."""
    found = assistant.extract_profile_text(info.context.principal, text)
    draft = found.to_profile_draft()
    errors = assistant.draft_errors(ProfileDraft, draft)
    return ProfileExtraction(**extraction_fields(found.language, items_of(found), draft, errors))


async def ask(
    info: Info, text: QuestionText, locale: AnswerLocale = None, first: AskFirst = 10
) -> AskAnswer:
    """Search jobs by voice or free text ("大阪で夜勤の介護の仕事、時給1500円以上",
    "forklift jobs near Nagoya"): the filters understood, the first page of jobs and a
    short spoken answer, in the question's language unless `locale` says otherwise. A
    question that is not understood gets advice on what to ask, never an error."""
    ctx = info.context
    result = await assistant.ask(
        ctx.services.database.session,
        ctx.principal,
        text,
        locale=locale.value if locale else None,
        page=page_request(first, None, None, None),
        language_model=ctx.services.language_model,
    )
    return AskAnswer.from_domain(result)
