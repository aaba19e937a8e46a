"""The market as pandas frames: open jobs, public worker profiles and what they ask or offer.

The suggestions (`domain.ai.suggestions`, `domain.ai.ad_quality`) compare one worker
with many jobs, or one job with many workers. Each side is fetched with one query per
table (narrowed in SQL by place and pay period first) and compared column-wise, so a
suggestion costs the same handful of statements whatever the market's size.

Requirements and holdings share one shape — (`kind`, `key`, `rank`) — so "does this
worker meet that requirement" is one comparison: a skill's key is its id and its rank
the level; a language's key is its code and its rank `domain.values.language_rank`; a
credential's key is its type and its rank 1.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from domain.clock import utcnow
from domain.credentials.queries import verified_credential_types
from domain.geo.distance import within_km_condition
from domain.jobs.models import Job, JobSkill
from domain.jobs.status import JobStatus
from domain.matching.pay import hourly_equivalent
from domain.profiles.inputs import Visibility
from domain.profiles.models import WorkerProfile, WorkerSkill
from domain.skills.models import Skill
from domain.values import LanguageLevel, language_rank

SKILL, LANGUAGE, CREDENTIAL = "SKILL", "LANGUAGE", "CREDENTIAL"
NEEDS = ["owner", "kind", "key", "rank", "required"]
HOLDS = ["owner", "kind", "key", "rank"]
_JOB_COLUMNS = {
    "job_id": col(Job.id),
    "organization_id": col(Job.organization_id),
    "title": col(Job.title),
    "prefecture": col(Job.prefecture),
    "lat": col(Job.lat),
    "lon": col(Job.lon),
    "remote": col(Job.remote),
    "pay_min": col(Job.pay_min),
    "pay_max": col(Job.pay_max),
    "pay_period": col(Job.pay_period),
    "employment_type": col(Job.employment_type),
    "languages": col(Job.languages),
    "credential_types": col(Job.required_credential_types),
}
_PROFILE_COLUMNS = {
    "profile_id": col(WorkerProfile.id),
    "lat": col(WorkerProfile.lat),
    "lon": col(WorkerProfile.lon),
    "travel_radius_km": col(WorkerProfile.travel_radius_km),
    "remote_ok": col(WorkerProfile.remote_ok),
    "languages": col(WorkerProfile.languages),
}


def _frame(rows: Iterable[Any], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame([tuple(row) for row in rows], columns=columns)


async def open_jobs(session: AsyncSession, *conditions: Any) -> pd.DataFrame:
    """Open jobs meeting the SQL conditions, with `hourly`: the yen per hour of the middle
    of their pay range (so jobs paid by the hour, day or month can be ranked together)."""
    statement = select(*_JOB_COLUMNS.values()).where(
        col(Job.status) == JobStatus.OPEN.value, *conditions
    )
    frame = _frame((await session.execute(statement)).all(), list(_JOB_COLUMNS))
    middle = (frame["pay_min"] + frame["pay_max"]) / 2
    frame["hourly"] = [
        hourly_equivalent(amount, period)
        for amount, period in zip(middle, frame["pay_period"], strict=True)
    ]
    return frame


def near_condition(
    lat_column: Any, lon_column: Any, lat: float, lon: float, km: float, remote: Any | None
) -> Any:
    """Within `km` of a point, or (when given) remote."""
    within = within_km_condition(lat_column, lon_column, lat, lon, km)
    return within if remote is None else or_(within, remote)


async def job_needs(session: AsyncSession, jobs: pd.DataFrame) -> pd.DataFrame:
    """Every requirement of the jobs, one row each: skills (required or nice-to-have),
    languages (always required) and credential types (required)."""
    ids = list(jobs["job_id"])
    rows: Iterable[Any] = (
        await session.execute(
            select(
                col(JobSkill.job_id),
                col(JobSkill.skill_id),
                col(JobSkill.min_level),
                col(JobSkill.required),
            ).where(col(JobSkill.job_id).in_(ids))
        )
        if ids
        else []
    )
    skills = _frame(rows, ["owner", "key", "rank", "required"]).assign(kind=SKILL)
    skills["key"] = skills["key"].astype(str)
    languages = [
        (job_id, LANGUAGE, item["code"], _rank(item), True)
        for job_id, items in zip(jobs["job_id"], jobs["languages"], strict=True)
        for item in items
    ]
    credentials = [
        (job_id, CREDENTIAL, credential_type, 1, True)
        for job_id, types in zip(jobs["job_id"], jobs["credential_types"], strict=True)
        for credential_type in types
    ]
    return pd.concat(
        [skills[NEEDS], _frame(languages, NEEDS), _frame(credentials, NEEDS)], ignore_index=True
    )


def _rank(language: dict[str, str]) -> int:
    return language_rank(language["code"], LanguageLevel(language["level"]))


async def public_profiles(session: AsyncSession, *conditions: Any) -> pd.DataFrame:
    statement = select(*_PROFILE_COLUMNS.values()).where(
        col(WorkerProfile.visibility) == Visibility.PUBLIC.value, *conditions
    )
    return _frame((await session.execute(statement)).all(), list(_PROFILE_COLUMNS))


async def holdings(
    session: AsyncSession, profile_ids: list[uuid.UUID], languages: dict[uuid.UUID, list[Any]]
) -> pd.DataFrame:
    """What the workers have: skills at their level, languages at their rank, and the
    credential types they hold verified (so a claim on a profile is not a licence)."""
    if not profile_ids:
        return _frame([], HOLDS)
    rows = await session.execute(
        select(
            col(WorkerSkill.profile_id), col(WorkerSkill.skill_id), col(WorkerSkill.level)
        ).where(col(WorkerSkill.profile_id).in_(profile_ids))
    )
    skills = [(owner, SKILL, str(skill), level) for owner, skill, level in rows.all()]
    spoken = [
        (owner, LANGUAGE, item["code"], _rank(item))
        for owner, items in languages.items()
        for item in items
    ]
    verified = await verified_credential_types(session, profile_ids, utcnow())
    held = [(owner, CREDENTIAL, kind, 1) for owner, kinds in verified.items() for kind in kinds]
    return _frame([*skills, *spoken, *held], HOLDS)


def unmet(needs: pd.DataFrame, held: pd.DataFrame) -> pd.Series:
    """For each row of `needs` (owner = a job) against ONE worker's `held`: True when
    the worker lacks it or has it below the rank asked."""
    ranks = held.groupby(["kind", "key"])["rank"].max()
    have = pd.Series(
        [ranks.get((kind, key), 0) for kind, key in zip(needs["kind"], needs["key"], strict=True)],
        index=needs.index,
        dtype="int64",
    )
    return have < needs["rank"].astype("int64")


def meets_matrix(
    needs: pd.DataFrame, held: pd.DataFrame, workers: list[uuid.UUID]
) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """workers × needs (ONE job's requirements): True where the worker meets it."""
    ranks = held.pivot_table(index="owner", columns=["kind", "key"], values="rank", aggfunc="max")
    ranks = ranks.reindex(index=workers)
    matrix = np.zeros((len(workers), len(needs)), dtype=np.bool_)
    for column, (kind, key, rank) in enumerate(
        zip(needs["kind"], needs["key"], needs["rank"], strict=True)
    ):
        if (kind, key) in ranks.columns:
            matrix[:, column] = ranks[(kind, key)].fillna(0).to_numpy() >= rank
    return matrix


async def skill_info(session: AsyncSession, skill_ids: Iterable[str]) -> dict[str, Skill]:
    """Skills by id (as the frames hold them: strings)."""
    ids = {uuid.UUID(skill_id) for skill_id in skill_ids}
    if not ids:
        return {}
    rows = await session.execute(select(Skill).where(col(Skill.id).in_(ids)))
    return {str(skill.id): skill for skill in rows.scalars()}
