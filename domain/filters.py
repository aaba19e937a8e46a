"""Search filters shared by the job board and the worker directory."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any

from pydantic import Field
from sqlalchemy import any_, func, select

from domain.values import Model, PayPeriod, Yen

MAX_RADIUS_KM = 500
MAX_FILTER_SKILLS = 20


class SkillMatch(StrEnum):
    ALL = "ALL"  # every listed skill
    ANY = "ANY"  # at least one listed skill


class Near(Model):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    km: float = Field(gt=0, le=MAX_RADIUS_KM)


class PayBound(Model):
    amount: Yen
    period: PayPeriod


class SkillFilter(Model):
    skill_ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_FILTER_SKILLS)
    match: SkillMatch = SkillMatch.ALL
    level: int | None = Field(default=None, ge=1, le=5)


def has_skills(
    owner_id: Any,
    link_owner_id: Any,
    link_skill_id: Any,
    level_condition: Any | None,
    match: SkillMatch,
    skill_ids: Any,
    distinct_skills: Any,
) -> Any:
    """`owner_id IN (owners linked to the wanted skills)`, driven by the skill index.
    `skill_ids` is an array of ids (`domain.sql.uuid_array`, or a parameter) and, for
    `SkillMatch.ALL`, `distinct_skills` how many different ones it holds."""
    linked = select(link_owner_id).where(link_skill_id == any_(skill_ids))
    if level_condition is not None:
        linked = linked.where(level_condition)
    if match is SkillMatch.ALL:
        linked = linked.group_by(link_owner_id).having(
            func.count(func.distinct(link_skill_id)) == distinct_skills
        )
    return owner_id.in_(linked)
