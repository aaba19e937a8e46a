"""The engine at work: rank after a change, store the top K as SUGGESTED matches.

A process keeps one FeatureCache (built from the database on first use and
rebuilt when it grows old); every run first refreshes the row it is about, so
the changed job or profile is always scored as it is now. Runs are keyed by the
object's version: a run for an older version than the database holds does
nothing, so a burst of edits costs one ranking (debounce), and a retried run
is harmless (idempotent).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from domain.ai.models import AiExtraction
from domain.auth.organizations import organization_ids_of
from domain.auth.principal import Principal, Role
from domain.clock import utcnow
from domain.credentials.queries import verified_credential_types
from domain.errors import ErrorCode, FieldError, ValidationFailed
from domain.jobs.models import Job, JobSkill
from domain.jobs.status import JobStatus
from domain.matching.cache import FeatureCache
from domain.matching.explain import Audience, SkillNames
from domain.matching.lifecycle import FINAL, MatchOrigin, MatchStatus
from domain.matching.models import Match, MatchTransition
from domain.matching.records import JobRecord, WorkerRecord, job_record, worker_record
from domain.matching.scoring import RankedMatch
from domain.matching.staffing import StaffingProposal, propose_staffing, staffing_scores
from domain.matching.weights import DEFAULT_WEIGHTS, MatchingWeights
from domain.profiles.inputs import Visibility
from domain.profiles.models import WorkerProfile, WorkerSkill
from domain.skills.models import Skill
from domain.sql import any_of
from domain.unit_of_work import UnitOfWork

RANK_WORKERS_FOR_JOB = "rank_workers_for_job"
RANK_JOBS_FOR_WORKER = "rank_jobs_for_worker"


async def _skills_by_owner(
    session: AsyncSession, model: type[Any], owner: Any, owner_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[Any]]:
    found: dict[uuid.UUID, list[Any]] = defaultdict(list)
    if owner_ids:
        rows = await session.execute(select(model).where(any_of(owner, owner_ids)))
        for row in rows.scalars():
            found[getattr(row, owner.key)].append(row)
    return found


async def _short_vectors(
    session: AsyncSession, owner: Any, owner_ids: list[uuid.UUID]
) -> dict[uuid.UUID, bytes]:
    """The stored short-text embeddings of these jobs or profiles (one statement)."""
    if not owner_ids:
        return {}
    rows = await session.execute(
        select(owner, AiExtraction.short_embedding).where(
            any_of(owner, owner_ids), col(AiExtraction.short_embedding).is_not(None)
        )
    )
    return {owner_id: vector for owner_id, vector in rows.all()}


# Rows read per statement when loading every candidate: bounds the ORM objects alive at
# once (100,000 profiles with their skills as one result held ~3 GiB in the worker).
LOAD_CHUNK = 5_000


async def _in_chunks(session: AsyncSession, statement: Any, key: Any) -> AsyncIterator[list[Any]]:
    """The statement's rows, `LOAD_CHUNK` at a time in key order (keyset pages)."""
    after: Any = None
    while True:
        page = statement.order_by(key).limit(LOAD_CHUNK)
        if after is not None:
            page = page.where(key > after)
        rows = list((await session.execute(page)).scalars())
        if rows:
            yield rows
        if len(rows) < LOAD_CHUNK:
            return
        after = getattr(rows[-1], key.key)  # the session holds unchanged rows weakly: they go


async def worker_records(
    session: AsyncSession, profile_ids: list[uuid.UUID] | None = None
) -> list[WorkerRecord]:
    """Candidates: public profiles (all, or the given ones)."""
    statement = select(WorkerProfile).where(WorkerProfile.visibility == Visibility.PUBLIC.value)
    if profile_ids is not None:
        statement = statement.where(col(WorkerProfile.id).in_(profile_ids))
    records: list[WorkerRecord] = []
    async for profiles in _in_chunks(session, statement, col(WorkerProfile.id)):
        ids = [p.id for p in profiles]
        skills = await _skills_by_owner(session, WorkerSkill, col(WorkerSkill.profile_id), ids)
        credentials = await verified_credential_types(session, ids, utcnow())
        vectors = await _short_vectors(session, col(AiExtraction.profile_id), ids)
        records.extend(
            worker_record(
                profile,
                skills[profile.id],
                credential_types=credentials[profile.id],
                short_vector=vectors.get(profile.id),
            )
            for profile in profiles
        )
    return records


async def job_records(
    session: AsyncSession, job_ids: list[uuid.UUID] | None = None
) -> list[JobRecord]:
    """Open jobs (all, or the given ones)."""
    statement = select(Job).where(Job.status == JobStatus.OPEN.value)
    if job_ids is not None:
        statement = statement.where(col(Job.id).in_(job_ids))
    records: list[JobRecord] = []
    async for jobs in _in_chunks(session, statement, col(Job.id)):
        ids = [j.id for j in jobs]
        skills = await _skills_by_owner(session, JobSkill, col(JobSkill.job_id), ids)
        vectors = await _short_vectors(session, col(AiExtraction.job_id), ids)
        records.extend(
            job_record(job, skills[job.id], short_vector=vectors.get(job.id)) for job in jobs
        )
    return records


async def skill_names(session: AsyncSession) -> SkillNames:
    rows = await session.execute(select(Skill.id, Skill.name_en, Skill.name_ja))
    return {skill_id: (name_en, name_ja) for skill_id, name_en, name_ja in rows.all()}


async def refresh_suggestions_for_job(
    uow: UnitOfWork,
    cache: FeatureCache,
    job_id: uuid.UUID,
    version: int,
    *,
    top_k: int,
    weights: MatchingWeights = DEFAULT_WEIGHTS,
) -> int | None:
    """Rank every candidate for the job and store the best; None when a newer version
    of the job will be (or was) ranked instead."""
    job = await uow.session.get(Job, job_id, with_for_update=True)
    if job is None or job.version != version:
        return None
    records = await job_records(uow.session, [job_id])
    ranked: list[RankedMatch] = []
    if records:
        cache.put_job(records[0])
        ranked = cache.rank_workers_for_job(job_id, weights, top_k)
    else:
        cache.remove_job(job_id)  # no longer open: its suggestions go
    stored = await _store(uow, ranked, job_id=job_id)
    job.matching_status = "DONE"
    job.matched_at = utcnow()
    return stored


async def refresh_suggestions_for_worker(
    uow: UnitOfWork,
    cache: FeatureCache,
    profile_id: uuid.UUID,
    version: int,
    *,
    top_k: int,
    weights: MatchingWeights = DEFAULT_WEIGHTS,
) -> int | None:
    profile = await uow.session.get(WorkerProfile, profile_id, with_for_update=True)
    if profile is None or profile.version != version:
        return None
    records = await worker_records(uow.session, [profile_id])
    ranked: list[RankedMatch] = []
    if records:
        cache.put_worker(records[0])
        ranked = cache.rank_jobs_for_worker(profile_id, weights, top_k)
    else:
        cache.remove_worker(profile_id)  # hidden: no more suggestions
    stored = await _store(uow, ranked, profile_id=profile_id)
    profile.matching_status = "DONE"
    profile.matched_at = utcnow()
    return stored


async def _store(
    uow: UnitOfWork,
    ranked: list[RankedMatch],
    *,
    job_id: uuid.UUID | None = None,
    profile_id: uuid.UUID | None = None,
) -> int:
    """Upsert the ranked pairs; suggestions of this job (or worker) that dropped out of the
    top K go. Matches people have acted on keep their status, and get the new score."""
    session = uow.session
    scope = col(Match.job_id) == job_id if job_id else col(Match.profile_id) == profile_id
    existing = {
        (m.job_id, m.profile_id): m
        for m in (await session.execute(select(Match).where(scope).with_for_update())).scalars()
    }
    names = await skill_names(session) if ranked else {}
    users, organizations = await _parties(session, ranked)
    kept: set[uuid.UUID] = set()
    created: list[Match] = []
    for result in ranked:
        explanation_en = result.explanation(names, "en", Audience.WORKER)
        explanation_ja = result.explanation(names, "ja", Audience.WORKER)
        match = existing.get((result.job_id, result.worker_id))
        if match is None:
            match = Match(
                id=uuid.uuid4(),
                job_id=result.job_id,
                profile_id=result.worker_id,
                origin=MatchOrigin.ENGINE.value,
                status=MatchStatus.SUGGESTED.value,
            )
            created.append(match)
        if MatchStatus(match.status) not in FINAL:
            _score(match, result, explanation_en, explanation_ja)
        kept.add(match.id)
    session.add_all(created)
    await session.flush()  # one round trip for all the new suggestions
    for match in created:
        session.add(MatchTransition(match_id=match.id, to_status=match.status))
        uow.record(
            "match.created",
            match_id=str(match.id),
            job_id=str(match.job_id),
            worker_user_id=str(users[match.profile_id]),
            organization_id=str(organizations[match.job_id]),
            status=match.status,
            origin=match.origin,
        )
    stale = [
        m.id for m in existing.values() if m.status == MatchStatus.SUGGESTED and m.id not in kept
    ]
    if stale:
        await session.execute(delete(Match).where(col(Match.id).in_(stale)))
    return len(ranked)


async def _parties(
    session: AsyncSession, ranked: list[RankedMatch]
) -> tuple[dict[uuid.UUID, uuid.UUID], dict[uuid.UUID, uuid.UUID]]:
    """Workers' user ids and jobs' organisation ids, for the events subscribers filter on."""
    if not ranked:
        return {}, {}
    profiles = {r.worker_id for r in ranked}
    jobs = {r.job_id for r in ranked}
    users = await session.execute(
        select(WorkerProfile.id, WorkerProfile.user_id).where(col(WorkerProfile.id).in_(profiles))
    )
    organizations = await session.execute(
        select(Job.id, Job.organization_id).where(col(Job.id).in_(jobs))
    )
    return {row[0]: row[1] for row in users}, {row[0]: row[1] for row in organizations}


def _score(match: Match, result: RankedMatch, explanation_en: str, explanation_ja: str) -> None:
    match.score = round(result.score, 6)
    match.breakdown = result.breakdown
    match.explanation_en = explanation_en
    match.explanation_ja = explanation_ja
    match.updated_at = utcnow()


MAX_STAFFING_JOBS = 50


async def propose_staffing_for(
    session: AsyncSession, actor: Principal, job_ids: list[uuid.UUID]
) -> StaffingProposal:
    """An optimal assignment of available workers to the openings of several of the
    employer's open shift jobs: total score maximal, nobody double-booked. A proposal
    only; the employer confirms it by inviting."""
    user_id = actor.require_role(Role.EMPLOYER)
    if not 1 <= len(set(job_ids)) <= MAX_STAFFING_JOBS:
        raise ValidationFailed.single(
            "job_ids", ErrorCode.OUT_OF_RANGE, f"Give 1 to {MAX_STAFFING_JOBS} jobs."
        )
    jobs = await job_records(session, list(set(job_ids)))
    owned = set(await organization_ids_of(session, user_id))
    rows = await session.execute(
        select(Job.id, Job.organization_id).where(col(Job.id).in_(job_ids))
    )
    owners = {job_id: organization for job_id, organization in rows.all()}
    missing = [
        i
        for i, job_id in enumerate(job_ids)
        if owners.get(job_id) not in owned or job_id not in {j.id for j in jobs}
    ]
    if missing:
        raise ValidationFailed(
            FieldError(f"job_ids.{i}", ErrorCode.INVALID, "Not an open job of yours.")
            for i in missing
        )
    workers = await worker_records(session)
    cache = FeatureCache.build(workers, jobs)
    scores = staffing_scores(jobs, cache.workers)
    return propose_staffing(jobs, [w.id for w in workers], scores)
