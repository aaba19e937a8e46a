"""The agent's inline entry points: extract a pasted text, answer a search question.

These run inside the request (a few milliseconds of rules and dictionary lookups),
so their inputs are capped: a job ad or profile of at most `MAX_EXTRACT_TEXT`
characters, a question of at most `MAX_ASK_TEXT`. Longer saved texts are handled in
the background (`domain.ai.saved`).

`ask` runs the job board's own search (`domain.jobs.queries.browse_jobs`) with the
filters it understood, so the answer, the list and what the app shows as editable
filters always agree with what `Query.jobs(filter:)` returns for the same filters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, cast
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy import func, select

from domain.ai import answers
from domain.ai.answers import Relaxation
from domain.ai.extract import extract_job_requirements, extract_worker_profile
from domain.ai.language_model import LanguageModel, Rephrase, polish
from domain.ai.results import JobExtraction, ProfileExtraction
from domain.ai.search import SearchIntent, parse_search_query
from domain.auth.principal import Principal, Role
from domain.clock import utcnow
from domain.errors import ErrorCode, FieldError, ValidationFailed, validated
from domain.jobs.models import Job
from domain.jobs.queries import JobFilter, browse_jobs, job_search
from domain.pagination import Page, PageRequest
from domain.text_search import MAX_QUERY_LENGTH

MAX_EXTRACT_TEXT = 10_000
MAX_ASK_TEXT = 500
JAPAN = ZoneInfo("Asia/Tokyo")


def japan_today() -> date:
    """ "明日" and "next week" are meant in Japan's calendar, whatever the server's zone."""
    return utcnow().astimezone(JAPAN).date()


def checked_text(text: str, limit: int) -> str:
    if len(text) > limit:
        raise ValidationFailed.single(
            "text",
            ErrorCode.TOO_LONG,
            f"The text is {len(text):,} characters long; send at most {limit:,}.",
        )
    return text


def extract_job_text(actor: Principal, text: str) -> JobExtraction:
    """For employers writing an ad: what it asks for, to pre-fill `createJob`."""
    actor.require_role(Role.EMPLOYER, Role.ADMIN)
    return extract_job_requirements(checked_text(text, MAX_EXTRACT_TEXT), today=japan_today())


def extract_profile_text(actor: Principal, text: str) -> ProfileExtraction:
    """For workers introducing themselves: what they offer, to pre-fill their profile."""
    actor.require_role(Role.WORKER, Role.ADMIN)
    return extract_worker_profile(checked_text(text, MAX_EXTRACT_TEXT), today=japan_today())


def draft_errors(model: type[BaseModel], draft: dict[str, Any]) -> list[FieldError]:
    """What the draft still lacks or gets wrong, exactly as the create mutation would say."""
    try:
        validated(model, draft)
    except ValidationFailed as failure:
        return failure.errors
    return []


@dataclass(frozen=True, slots=True)
class AskResult:
    intent: SearchIntent
    locale: str
    answer: str
    reworded: bool  # a language model reworded the template answer
    filters: dict[str, Any]  # JobFilter fields, as `Query.jobs(filter:)` takes them
    page: Page[Job]
    total: int
    suggestions: list[str]

    @property
    def understood_nothing(self) -> bool:
        return self.intent.is_unknown and not self.filters


def search_filters(intent: SearchIntent) -> dict[str, Any]:
    """The intent's job filters, schedule and start wishes included (sectors stay in the text)."""
    filters = intent.to_job_filter()
    if len(filters.get("text") or "") > MAX_QUERY_LENGTH:  # the search reads no further
        filters["text"] = filters["text"][:MAX_QUERY_LENGTH].rsplit(" ", 1)[0]
    if intent.night_shift:
        filters["night_shift"] = True
    if intent.weekends_only:
        filters["weekends_only"] = True
    if intent.start_from is not None:
        filters["starts_from"] = intent.start_from
    return filters


async def _count(session_factory: Callable[[], Any], filters: dict[str, Any]) -> int:
    search = job_search(validated(JobFilter, filters))
    async with session_factory() as session:
        counted = select(func.count()).select_from(search.built().subquery())
        return int((await session.execute(counted, search.values)).scalar_one())


async def _relaxations(
    session_factory: Callable[[], Any], filters: dict[str, Any]
) -> list[Relaxation]:
    """For each condition, how many jobs there would be without it (one count each)."""
    found = []
    for key in filters:
        rest = {k: v for k, v in filters.items() if k != key}
        found.append(Relaxation(key, await _count(session_factory, rest)))
    return found


def _facts(intent: SearchIntent, total: int, page: Page[Job]) -> tuple[str, ...]:
    """Public facts a language model may use: what was understood, the count, job titles."""
    return (
        *(f"understood: {piece}" for piece in intent.understood),
        f"jobs found: {total}",
        *(f"job title: {job.title}" for job in page.items[:3]),
    )


async def _search(
    session_factory: Callable[[], Any],
    actor: Principal,
    filters: dict[str, Any],
    page: PageRequest,
) -> tuple[Page[Job], int]:
    """A page of the job board's search, and the total (counted only when there is more)."""
    # Without `columns`, every item is a detached row (`browse_jobs`).
    found = cast("Page[Job]", await browse_jobs(session_factory, actor, filters, page))
    exhausted = not found.has_next_page and not page.after and not page.before
    return found, len(found.items) if exhausted else await found.count_total()


async def ask(
    session_factory: Callable[[], Any],
    actor: Principal,
    text: str,
    *,
    locale: str | None,
    page: PageRequest,
    language_model: LanguageModel,
) -> AskResult:
    """Answer a spoken or typed job search in Japanese or English; never fails for
    a question it does not understand (it says what one can ask, and shows new jobs)."""
    intent = parse_search_query(checked_text(text, MAX_ASK_TEXT), today=japan_today())
    # A question without letters (empty, only digits) has no language: the platform's is Japanese.
    lang = locale or (intent.language if any(ch.isalpha() for ch in text) else "ja")
    filters = search_filters(intent)
    found, total = await _search(session_factory, actor, filters, page)
    if filters and intent.is_unknown and total == 0:
        filters = {}  # leftover words found nothing either: show the newest jobs
        found, total = await _search(session_factory, actor, filters, page)
    suggestions: list[str] = []
    if not filters:
        draft, suggestions = answers.unknown_answer(lang), answers.examples(lang)
    elif intent.is_unknown:  # nothing understood, but the words themselves found jobs
        draft = answers.keyword_answer(lang, total)
    elif total == 0:
        relaxations = await _relaxations(session_factory, filters)
        draft = answers.none_answer(intent, lang, relaxations)
        suggestions = answers.relaxation_hints(relaxations, lang)
    else:
        draft = answers.found_answer(intent, lang, total)
    request = Rephrase(draft=draft, facts=_facts(intent, total, found), user_text=intent.query)
    answer, reworded = await polish(language_model, request, locale=lang)
    return AskResult(intent, lang, answer, reworded, filters, found, total, suggestions)
