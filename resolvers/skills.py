"""The skills taxonomy and the prefecture list."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.errors import ErrorCode, ValidationFailed
from domain.skills.lookup import search_skills
from domain.skills.models import Skill as SkillRow
from domain.text_search import MAX_QUERY_LENGTH
from schema.context import Info
from schema.enums import Sector
from schema.skills import Skill

MAX_SKILL_RESULTS = 100


async def skills(
    info: Info,
    search: Annotated[
        str,
        strawberry.argument(
            description="Text to look for in English and Japanese names and aliases."
        ),
    ] = "",
    sector: Annotated[
        Sector | None, strawberry.argument(description="Only skills of this sector.")
    ] = None,
    first: Annotated[int, strawberry.argument(description="How many skills, at most 100.")] = 20,
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
    rows = await _search(info, search, sector.value if sector else None, first)
    return [Skill.from_row(row) for row in rows]


async def _search(info: Info, search: str, sector: str | None, first: int) -> list[SkillRow]:
    """Through the public cache when it may be used (a fill reads the primary: see
    server/cache.py); from the read session otherwise."""
    services = info.context.services
    cache = services.cache
    key = await cache.skill_search_key(search, sector, first) if cache is not None else None
    if cache is not None and key is not None:
        cached = await cache.get_skills(key)
        if cached is not None:
            return cached
    sessions = services.database.read_session if key is None else services.database.session
    async with sessions() as session:
        rows = await search_skills(session, search, sector, first)
    if cache is not None and key is not None:
        await cache.put_skills(key, rows)
    return rows
