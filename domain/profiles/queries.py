"""The worker directory: which profiles an employer may find, and how they are searched."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from pydantic import Field
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from domain.auth.partners import PartnerScope
from domain.auth.principal import Principal, Role
from domain.errors import validated
from domain.filters import Near, PayBound, SkillFilter, has_skills
from domain.geo.distance import within_km_condition
from domain.geo.prefectures import Prefecture
from domain.pagination import Page, PageRequest, keyset_page
from domain.profiles.inputs import Visibility
from domain.profiles.models import WorkerProfile, WorkerSkill
from domain.skills.models import Skill
from domain.sql import uuid_array
from domain.text_search import MAX_QUERY_LENGTH, search_condition
from domain.values import EmploymentType, Model

DIRECTORY_ROLES = (Role.EMPLOYER, Role.ADMIN, Role.PARTNER)


class WorkerFilter(Model):
    text: str | None = Field(default=None, max_length=MAX_QUERY_LENGTH)
    # `level` here is the least level a worker must have in each matched skill.
    skills: SkillFilter | None = None
    prefecture: Prefecture | None = None
    near: Near | None = None
    # Workers whose desired pay is at most this (what the employer can offer).
    pay_at_most: PayBound | None = None
    employment_types: list[EmploymentType] | None = None
    remote_ok: bool | None = None


def can_see_profile(profile: WorkerProfile, actor: Principal) -> bool:
    """A worker sees their own profile; employers see public ones; admins see all."""
    if actor.client_id is None and (actor.user_id == profile.user_id or actor.is_admin):
        return True
    if profile.visibility != Visibility.PUBLIC:
        return False
    if actor.has(Role.PARTNER):
        return actor.scopes is not None and PartnerScope.WORKERS_READ in actor.scopes
    return actor.has(Role.EMPLOYER)


def worker_search_statement(wanted: WorkerFilter, *, include_hidden: bool) -> Select[Any]:
    statement = select(WorkerProfile)
    if not include_hidden:
        statement = statement.where(WorkerProfile.visibility == Visibility.PUBLIC.value)  # type: ignore[arg-type]
    if wanted.text:
        statement = statement.where(
            search_condition(WorkerProfile.search_grams, WorkerProfile.search_text, wanted.text)
        )
    if wanted.skills:
        level = wanted.skills.level
        statement = statement.where(
            has_skills(
                WorkerProfile.id,
                WorkerSkill.profile_id,
                WorkerSkill.skill_id,
                WorkerSkill.level >= level if level else None,  # type: ignore[operator]
                wanted.skills.match,
                uuid_array(wanted.skills.skill_ids),
                len(set(wanted.skills.skill_ids)),
            )
        )
    if wanted.prefecture:
        statement = statement.where(WorkerProfile.prefecture == wanted.prefecture)  # type: ignore[arg-type]
    if wanted.near:
        near = wanted.near
        statement = statement.where(
            within_km_condition(WorkerProfile.lat, WorkerProfile.lon, near.lat, near.lon, near.km)
        )
    if wanted.pay_at_most:
        bound = wanted.pay_at_most
        statement = statement.where(
            col(WorkerProfile.desired_pay_period) == bound.period.value,
            col(WorkerProfile.desired_pay_amount) <= bound.amount,
        )
    if wanted.employment_types:
        types = [t.value for t in wanted.employment_types]
        statement = statement.where(
            WorkerProfile.employment_types.overlap(types)  # type: ignore[attr-defined]
        )
    if wanted.remote_ok is not None:
        statement = statement.where(WorkerProfile.remote_ok == wanted.remote_ok)  # type: ignore[arg-type]
    return statement


async def browse_workers(
    session_factory: Callable[[], Any],
    actor: Principal,
    filter_data: dict[str, Any],
    page: PageRequest,
) -> Page[WorkerProfile]:
    actor.require_role(*DIRECTORY_ROLES)
    actor.require_scope(PartnerScope.WORKERS_READ)
    wanted = validated(WorkerFilter, filter_data)
    page.validate()
    statement = worker_search_statement(wanted, include_hidden=actor.is_admin)
    return await keyset_page(
        session_factory, statement, WorkerProfile.created_at, WorkerProfile.id, page
    )


async def profiles_visible_to(
    session: AsyncSession, actor: Principal, profile_ids: list[uuid.UUID]
) -> dict[uuid.UUID, WorkerProfile]:
    rows = await session.execute(
        select(WorkerProfile).where(WorkerProfile.id.in_(profile_ids))  # type: ignore[attr-defined]
    )
    return {p.id: p for p in rows.scalars() if can_see_profile(p, actor)}


async def skills_of_profiles(
    session: AsyncSession, profile_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[WorkerSkill, Skill]]]:
    rows = await session.execute(
        select(WorkerSkill, Skill)
        .join(Skill, Skill.id == WorkerSkill.skill_id)  # type: ignore[arg-type]
        .where(WorkerSkill.profile_id.in_(profile_ids))  # type: ignore[attr-defined]
        .order_by(WorkerSkill.profile_id, WorkerSkill.position)  # type: ignore[arg-type]
    )
    found: dict[uuid.UUID, list[tuple[WorkerSkill, Skill]]] = {pid: [] for pid in profile_ids}
    for link, skill in rows:
        found[link.profile_id].append((link, skill))
    return found


async def profiles_of_users(
    session: AsyncSession, actor: Principal, user_ids: list[uuid.UUID]
) -> dict[uuid.UUID, WorkerProfile]:
    rows = await session.execute(
        select(WorkerProfile).where(WorkerProfile.user_id.in_(user_ids))  # type: ignore[attr-defined]
    )
    return {p.user_id: p for p in rows.scalars() if can_see_profile(p, actor)}
