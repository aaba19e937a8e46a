"""Applying, inviting and moving matches along, for the side allowed to do each."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from domain.auth.organizations import organization_ids_of
from domain.auth.principal import Principal, Role
from domain.clock import utcnow
from domain.errors import ErrorCode, Forbidden, NotFound, ValidationFailed
from domain.jobs.models import Job
from domain.jobs.status import JobStatus
from domain.matching.lifecycle import (
    MatchOrigin,
    MatchStatus,
    Side,
    check_match_transition,
)
from domain.matching.models import Match, MatchTransition
from domain.profiles.inputs import Visibility
from domain.profiles.models import WorkerProfile
from domain.profiles.service import profile_of_user
from domain.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class MatchParties:
    """Who stands on each side of a match, for authorisation and events."""

    worker_user_id: uuid.UUID
    organization_id: uuid.UUID


async def parties_of(session: AsyncSession, match: Match) -> MatchParties:
    worker = select(WorkerProfile.user_id).where(WorkerProfile.id == match.profile_id)
    organization = select(Job.organization_id).where(Job.id == match.job_id)
    row = (
        await session.execute(select(worker.scalar_subquery(), organization.scalar_subquery()))
    ).one()
    return MatchParties(worker_user_id=row[0], organization_id=row[1])


async def side_of(session: AsyncSession, actor: Principal, match: Match) -> Side | None:
    """The side the actor stands on, or None when the match is none of their business."""
    if actor.user_id is None or actor.client_id is not None:
        return None
    parties = await parties_of(session, match)
    if actor.user_id == parties.worker_user_id:
        return Side.WORKER
    if parties.organization_id in await organization_ids_of(session, actor.user_id):
        return Side.EMPLOYER
    return None


def _record(uow: UnitOfWork, match: Match, parties: MatchParties, name: str) -> None:
    uow.record(
        name,
        match_id=str(match.id),
        job_id=str(match.job_id),
        worker_user_id=str(parties.worker_user_id),
        organization_id=str(parties.organization_id),
        status=match.status,
        origin=match.origin,
    )


def _move(
    uow: UnitOfWork, match: Match, target: MatchStatus, actor_id: uuid.UUID | None, note: str = ""
) -> None:
    uow.session.add(
        MatchTransition(
            match_id=match.id,
            from_status=match.status,
            to_status=target.value,
            actor_id=actor_id,
            note=note,
        )
    )
    match.status = target.value
    match.version += 1
    match.updated_at = utcnow()


async def _open_job(session: AsyncSession, job_id: uuid.UUID, *, lock: bool = False) -> Job:
    statement = select(Job).where(Job.id == job_id)
    job = (await session.execute(statement.with_for_update() if lock else statement)).scalar()
    if job is None or job.status == JobStatus.DRAFT:
        raise NotFound("job")
    if job.status != JobStatus.OPEN:
        raise ValidationFailed.single(
            "job_id", ErrorCode.INVALID, f"This job is {job.status.lower()}, not open."
        )
    return job


async def _existing(
    session: AsyncSession, job_id: uuid.UUID, profile_id: uuid.UUID
) -> Match | None:
    statement = (
        select(Match)
        .where(Match.job_id == job_id, Match.profile_id == profile_id)
        .with_for_update()
    )
    return (await session.execute(statement)).scalar()


async def _open_or_advance(
    uow: UnitOfWork,
    job: Job,
    profile_id: uuid.UUID,
    parties: MatchParties,
    *,
    origin: MatchOrigin,
    target: MatchStatus,
    side: Side,
    actor_id: uuid.UUID,
) -> Match:
    """Create the match at `target`, or move an existing one there; already there: no-op."""
    match = await _existing(uow.session, job.id, profile_id)
    if match is None:
        match = Match(
            job_id=job.id, profile_id=profile_id, origin=origin.value, status=target.value
        )
        uow.session.add(match)
        await uow.session.flush()
        uow.session.add(
            MatchTransition(match_id=match.id, to_status=match.status, actor_id=actor_id)
        )
        _record(uow, match, parties, "match.created")
        return match
    if match.status == target:
        return match
    check_match_transition(MatchStatus(match.status), target, side)
    _move(uow, match, target, actor_id)
    _record(uow, match, parties, "match.updated")
    return match


async def apply_to_job(uow: UnitOfWork, actor: Principal, job_id: uuid.UUID) -> Match:
    """Apply (or turn a suggestion into an application). Applying twice is a no-op."""
    user_id = actor.require_role(Role.WORKER)
    profile = await profile_of_user(uow.session, user_id)
    if profile is None:
        raise ValidationFailed.single(None, ErrorCode.REQUIRED, "Create your profile first.")
    job = await _open_job(uow.session, job_id)
    return await _open_or_advance(
        uow,
        job,
        profile.id,
        MatchParties(user_id, job.organization_id),
        origin=MatchOrigin.APPLICATION,
        target=MatchStatus.APPLIED,
        side=Side.WORKER,
        actor_id=user_id,
    )


async def invite_worker(
    uow: UnitOfWork, actor: Principal, job_id: uuid.UUID, profile_id: uuid.UUID
) -> Match:
    """Invite a worker whose profile the employer can see. Inviting twice is a no-op."""
    user_id = actor.require_role(Role.EMPLOYER)
    job = await _open_job(uow.session, job_id)
    if job.organization_id not in await organization_ids_of(uow.session, user_id):
        raise Forbidden("You can invite only to your own organisation's jobs.")
    profile = await uow.session.get(WorkerProfile, profile_id)
    if profile is None or profile.visibility != Visibility.PUBLIC:
        raise NotFound("worker")
    return await _open_or_advance(
        uow,
        job,
        profile.id,
        MatchParties(profile.user_id, job.organization_id),
        origin=MatchOrigin.INVITATION,
        target=MatchStatus.INVITED,
        side=Side.EMPLOYER,
        actor_id=user_id,
    )


async def transition_match(
    uow: UnitOfWork, actor: Principal, match_id: uuid.UUID, target: MatchStatus, note: str = ""
) -> Match:
    user_id = actor.require_user()
    match = (
        await uow.session.execute(select(Match).where(Match.id == match_id).with_for_update())
    ).scalar()
    if match is None:
        raise NotFound("match")
    side = await side_of(uow.session, actor, match)
    if side is None:
        raise NotFound("match")
    if len(note) > 500:
        raise ValidationFailed.single(
            "note", ErrorCode.TOO_LONG, "Notes are at most 500 characters."
        )
    check_match_transition(MatchStatus(match.status), target, side)
    _move(uow, match, target, user_id, note)
    _record(uow, match, await parties_of(uow.session, match), "match.updated")
    return match
