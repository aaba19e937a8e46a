"""The skills taxonomy and the prefecture list."""

from __future__ import annotations

from domain.errors import ErrorCode, ValidationFailed
from domain.skills.lookup import search_skills
from domain.text_search import MAX_QUERY_LENGTH
from schema.context import Info
from schema.enums import Sector
from schema.skills import Skill

MAX_SKILL_RESULTS = 100


async def skills(
    info: Info,
    search: str = "",
    sector: Sector | None = None,
    first: int = 20,
) -> list[Skill]:
    """Skills whose English or Japanese name or alias contains `search`; exact names first."""
    if not 0 <= first <= MAX_SKILL_RESULTS:
        raise ValidationFailed.single(
            "first", ErrorCode.OUT_OF_RANGE, f"`first` must be 0–{MAX_SKILL_RESULTS}."
        )
    if len(search) > MAX_QUERY_LENGTH:
        raise ValidationFailed.single(
            "search", ErrorCode.TOO_LONG, f"Search at most {MAX_QUERY_LENGTH} characters."
        )
    async with info.context.services.database.session() as session:
        rows = await search_skills(session, search, sector.value if sector else None, first)
    return [Skill.from_row(row) for row in rows]
