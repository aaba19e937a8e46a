"""`extract_job_requirements` and `extract_worker_profile`: free text in, mentions out.

Both run the same rule set over one folded copy of the text; they differ in
how the findings become a draft (a job's requirements vs a worker's skills).
Pure functions: no I/O, no model beyond the Sudachi dictionary, about a
millisecond or two per ad on one core.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from typing import Any, TypeVar

from domain.ai.credentials import find_credentials
from domain.ai.dates import find_start_dates
from domain.ai.employment import find_employment_types, find_remote, primary_employment_type
from domain.ai.languages import find_languages
from domain.ai.location import find_locations
from domain.ai.mentions import SkillMention, clamp
from domain.ai.pay import find_pay, primary_pay
from domain.ai.residence import find_residence_statuses
from domain.ai.results import Extraction, JobExtraction, ProfileExtraction
from domain.ai.schedule import find_schedule
from domain.ai.skill_context import read_context
from domain.ai.skill_index import SkillIndex, default_skill_index
from domain.ai.text import FoldedText

MAX_TEXT = 20_000  # longer texts are cut: a job ad is at most 5,000 characters
_DECORATION = re.compile(
    r"^[\s【】\[\]■□●○◆◇★☆※♪!！:：・\-~=＝]+|[\s【】\[\]■□●○◆◇★☆※♪!！:：・\-~=＝]+$"
)

_TAGS = re.compile(r"^\s*(?:[【\[][^】\]]{0,12}[】\]]\s*)+(?=\S)")
_SENTENCE_END = re.compile(r"(?<=[。！？!?])|(?<=\.)\s")
_E = TypeVar("_E", bound=Extraction)


def find_skill_mentions(text: FoldedText, index: SkillIndex) -> list[SkillMention]:
    hits = index.find(text)
    positions = [(hit.start, hit.end) for hit in hits]
    mentions: list[SkillMention] = []
    seen: set[str] = set()
    for hit in hits:
        if hit.entry.slug in seen:
            continue  # the first mention of a skill carries it; repeats add nothing to a draft
        seen.add(hit.entry.slug)
        context = read_context(text.text, hit.start, hit.end, other_hits=positions)
        confidence = hit.confidence - (0.1 if context.level_from_years else 0)
        mentions.append(
            SkillMention(
                skill_id=hit.entry.id,
                slug=hit.entry.slug,
                name_en=hit.entry.name_en,
                name_ja=hit.entry.name_ja,
                span=text.span(hit.start, hit.end),
                confidence=clamp(confidence),
                level=context.level,
                years=context.years,
                required=context.required,
            )
        )
    return mentions


def _title(text: str, *, sentence: bool) -> str | None:
    """The first meaningful line without its 【急募】-style tags (a profile: first sentence)."""
    for line in text.splitlines():
        cleaned = _DECORATION.sub("", _TAGS.sub("", line)).strip()
        if sentence:
            cleaned = _SENTENCE_END.split(cleaned, maxsplit=1)[0].strip()
        if len(cleaned) >= 2:
            return cleaned[:120]
    return None


def _extract(cls: type[_E], text: str, index: SkillIndex, today: date) -> _E:
    text = text[:MAX_TEXT]
    folded = FoldedText.of(text)
    skills = find_skill_mentions(folded, index)
    languages = find_languages(folded)
    residence = find_residence_statuses(folded)
    pay_mentions = find_pay(folded)
    locations = find_locations(folded)
    employment = find_employment_types(folded)
    starts = find_start_dates(folded, today)
    return cls(
        text=text,
        language=folded.language,
        title=_title(text, sentence=cls is ProfileExtraction),
        skills=tuple(skills),
        languages=tuple(languages),
        pay=primary_pay(pay_mentions),
        pay_mentions=tuple(pay_mentions),
        location=locations[0] if locations else None,
        locations=tuple(locations),
        employment_type=primary_employment_type(employment),
        employment_types=tuple(employment),
        schedule=tuple(find_schedule(folded)),
        credentials=tuple(find_credentials(folded, skills, languages, residence)),
        residence_statuses=tuple(residence),
        start_date=starts[0] if starts else None,
        remote=find_remote(folded),
    )


def extract_job_requirements(
    text: str, *, skills: SkillIndex | None = None, today: date
) -> JobExtraction:
    """Requirements of a job ad in Japanese or English (see `JobExtraction.to_job_draft`)."""
    return _extract(JobExtraction, text, skills or default_skill_index(), today)


def extract_worker_profile(
    text: str, *, skills: SkillIndex | None = None, today: date
) -> ProfileExtraction:
    """A worker's self-introduction in Japanese or English (see `to_profile_draft`).

    In a profile, nothing is "preferred": every skill mentioned is held."""
    found = _extract(ProfileExtraction, text, skills or default_skill_index(), today)
    held = tuple(replace(mention, required=True) for mention in found.skills)
    return replace(found, skills=held)


def as_dict(extraction: Extraction) -> dict[str, Any]:
    """A JSON-friendly view (enums as values, UUIDs and dates as strings) for logs and the API."""
    from dataclasses import asdict

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: plain(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [plain(item) for item in value]
        if isinstance(value, str | int | float | bool) or value is None:
            return value
        if hasattr(value, "value"):
            return value.value
        return str(value)

    return {key: plain(value) for key, value in asdict(extraction).items()}
