"""Reading the taxonomy: existence checks for inputs, search, and names for search text."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import ErrorCode, FieldError, ValidationFailed
from domain.skills.models import Skill
from domain.text_search import normalize, search_condition


async def skills_by_id(
    session: AsyncSession, skill_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, Skill]:
    ids = list(set(skill_ids))
    if not ids:
        return {}
    rows = await session.execute(select(Skill).where(Skill.id.in_(ids)))  # type: ignore[attr-defined]
    return {skill.id: skill for skill in rows.scalars()}


async def require_known_skills(
    session: AsyncSession, skill_ids: Sequence[uuid.UUID], field: str
) -> dict[uuid.UUID, Skill]:
    """All the skills, or a field error naming each unknown one (`skills.2.skillId`)."""
    found = await skills_by_id(session, skill_ids)
    errors = [
        FieldError(f"{field}.{index}.skill_id", ErrorCode.UNKNOWN_SKILL, "No such skill.")
        for index, skill_id in enumerate(skill_ids)
        if skill_id not in found
    ]
    if errors:
        raise ValidationFailed(errors)
    return found


def skill_search_text(skill: Skill) -> list[str]:
    return [skill.name_en, skill.name_ja, *skill.aliases_en, *skill.aliases_ja]


async def search_skills(
    session: AsyncSession, query: str, sector: str | None, limit: int
) -> list[Skill]:
    """Skills whose name or alias, in either language, contains the query.

    Exact name matches come first, then shorter names (closer matches), then by slug."""
    statement = select(Skill).where(
        search_condition(Skill.search_grams, Skill.search_text, query)  # type: ignore[arg-type]
    )
    if sector:
        statement = statement.where(Skill.sector == sector)  # type: ignore[arg-type]
    rows = (await session.execute(statement.order_by(Skill.slug))).scalars().all()  # type: ignore[arg-type]
    wanted = normalize(query)

    def rank(skill: Skill) -> tuple[int, int, str]:
        names = [normalize(name) for name in skill_search_text(skill)]
        return (0 if wanted in names else 1, min(len(n) for n in names), skill.slug)

    return sorted(rows, key=rank)[:limit]


async def taxonomy_fingerprint(session: AsyncSession) -> str:
    """A digest of the whole taxonomy. Cached skills are keyed by it: the taxonomy changes
    only by migration, and a changed one makes every older entry unreachable at once."""
    digest = await session.execute(
        text("SELECT md5(coalesce(string_agg(md5(s::text), '' ORDER BY s.id), '')) FROM skills s")
    )
    return str(digest.scalar_one())
