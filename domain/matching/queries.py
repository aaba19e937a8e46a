"""Reading matches: who sees which, lists and recommendations."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection
from contextlib import AbstractAsyncContextManager
from functools import lru_cache
from typing import Any

from pydantic import Field
from sqlalchemy import Select, Text, any_, bindparam, literal, or_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from domain.auth.models import Organization
from domain.auth.organizations import organization_ids_of
from domain.auth.principal import Principal, Role
from domain.errors import NotFound, validated
from domain.jobs.models import Job
from domain.jobs.queries import JOINED_ORGANIZATION, reads_jobs
from domain.matching.lifecycle import CONTACT_SHARED, FINAL, MatchStatus
from domain.matching.models import Match, MatchTransition
from domain.pagination import Page, PageQuery, PageRequest, keyset_page
from domain.profiles.models import WorkerProfile
from domain.profiles.service import profile_of_user
from domain.sql import Columns, JoinedColumns, Readable, all_but, plain_rows, with_related
from domain.values import Model

Connect = Callable[[], AbstractAsyncContextManager[Readable]]  # a lent read connection
ACTIVE = [status.value for status in MatchStatus if status not in FINAL]


class MatchFilter(Model):
    job_id: uuid.UUID | None = None
    statuses: list[MatchStatus] | None = Field(default=None, max_length=len(MatchStatus))


async def _scope(
    session: AsyncSession, actor: Principal
) -> tuple[set[uuid.UUID], uuid.UUID | None]:
    """The organisations whose jobs' matches the actor sees, and their own profile."""
    user_id = actor.require_user()
    if actor.client_id is not None:
        return set(), None
    organizations = set(await organization_ids_of(session, user_id))
    profile = await profile_of_user(session, user_id) if actor.has(Role.WORKER) else None
    return organizations, profile.id if profile else None


def _visible(
    statement: Select[Any],
    organizations: set[uuid.UUID],
    profile_id: uuid.UUID | None,
    actor: Principal,
) -> Select[Any]:
    if actor.is_admin:
        return statement
    conditions: list[Any] = []
    if organizations:
        conditions.append(col(Job.organization_id).in_(organizations))
    if profile_id is not None:
        conditions.append(col(Match.profile_id) == profile_id)
    if not conditions:
        return statement.where(col(Match.id).is_(None))  # sees nothing
    return statement.where(or_(*conditions))


async def browse_matches(
    session_factory: Callable[[], Any],
    actor: Principal,
    filter_data: dict[str, Any],
    page: PageRequest,
) -> Page[Match]:
    """Your matches (as a worker) and your organisation's (as an employer), newest first."""
    wanted = validated(MatchFilter, filter_data)
    page.validate()
    async with session_factory() as session:
        organizations, profile_id = await _scope(session, actor)
    statement: Select[Any] = select(Match).join(Job, col(Job.id) == col(Match.job_id))
    statement = _visible(statement, organizations, profile_id, actor)
    if wanted.job_id:
        statement = statement.where(col(Match.job_id) == wanted.job_id)
    if wanted.statuses:
        statement = statement.where(col(Match.status).in_([s.value for s in wanted.statuses]))
    return await keyset_page(session_factory, statement, col(Match.created_at), col(Match.id), page)


async def recommended_workers(
    session_factory: Callable[[], Any],
    actor: Principal,
    job_id: uuid.UUID,
    page: PageRequest,
    columns: Collection[str] | None = None,
    connect: Connect | None = None,
) -> Page[Match | Columns]:
    """The job's open matches, best score first (the employer's view). With `columns`,
    only those columns are read, as `Columns` (the rest raise on access); the page on a connection
    from `connect` when given (`keyset_page`)."""
    page.validate()
    async with session_factory() as session:
        job = await session.get(Job, job_id)
        allowed = job is not None and (
            actor.is_admin
            or (
                actor.user_id is not None
                and actor.client_id is None
                and job.organization_id in await organization_ids_of(session, actor.user_id)
            )
        )
    if not allowed:
        raise NotFound("job")
    query = PageQuery(_job_suggestions, None, {"job_id": job_id})
    return await _best_first(session_factory, query, page, columns, connect=connect)


# A list of the active statuses: one constant array, so the statements compile once.
_IS_ACTIVE = col(Match.status) == any_(literal(ACTIVE, ARRAY(Text)))


@lru_cache(maxsize=1)
def _job_suggestions(_shape: None) -> Select[Any]:
    """A job's active matches (`PageQuery`: compiled once)."""
    return select(Match).where(col(Match.job_id) == bindparam("job_id"), _IS_ACTIVE)


@lru_cache(maxsize=2)
def _recommendations(with_organization: bool) -> Select[Any]:
    """A worker's active matches with open jobs (and their organisations, to read them
    too), the worker's profile found inside the statement (one round trip, not two;
    `PageQuery`: compiled once per shape)."""
    caller_profile = (
        select(WorkerProfile.id)
        .where(col(WorkerProfile.user_id) == bindparam("user_id"))
        .scalar_subquery()
    )
    statement = select(Match).join(Job, col(Job.id) == col(Match.job_id))
    if with_organization:
        statement = statement.join(Organization, col(Organization.id) == col(Job.organization_id))
    return statement.where(
        col(Match.profile_id) == caller_profile, _IS_ACTIVE, col(Job.status) == "OPEN"
    )


async def recommended_jobs(
    session_factory: Callable[[], Any],
    actor: Principal,
    page: PageRequest,
    columns: Collection[str] | None = None,
    job_columns: Collection[str] | None = None,
    organization_columns: Collection[str] | None = None,
    connect: Connect | None = None,
) -> Page[Match | Columns]:
    """The viewing worker's open matches, best score first. With `columns`, only those
    columns are read, as `Columns` (the rest raise on access). With `job_columns` too,
    each match's job is read in the same statement, those columns of it, into
    `Page.joined` (`Columns`; None where the actor may not see it): a page of 100
    suggestions then needs no job loader. With `organization_columns` as well, each
    job's `Columns` holds its organisation's as `JOINED_ORGANIZATION` (public, as an open job
    is), and the page needs no organisation loader either."""
    user_id = actor.require_role(Role.WORKER)
    page.validate()
    joined: JoinedColumns | None = None
    with_organization = False
    if columns is not None and job_columns is not None:
        joined = plain_rows(Job, all_but(Job, {*job_columns, "id"}))
        if organization_columns is not None:
            with_organization = True
            organizations = plain_rows(Organization, all_but(Organization, organization_columns))
            joined = with_related(joined, JOINED_ORGANIZATION, organizations)
    query = PageQuery(_recommendations, with_organization, {"user_id": user_id})
    found = await _best_first(session_factory, query, page, columns, joined, connect)
    # Only open jobs are on the page: public, so whether the actor sees them is one answer
    # for the page (`job_visible` of a public job).
    if not reads_jobs(actor):
        found.joined = [None] * len(found.joined)
    if not found.items:  # no suggestions, or no profile to have them
        async with session_factory() as session:
            if await profile_of_user(session, user_id) is None:
                raise NotFound("profile")
    return found


async def _best_first(
    session_factory: Callable[[], Any],
    query: PageQuery,
    page: PageRequest,
    columns: Collection[str] | None,
    joined: JoinedColumns | None = None,
    connect: Connect | None = None,
) -> Page[Match | Columns]:
    """A page of suggestions, best score first, read as plain rows (a page to show) of
    `columns` (then as `Columns`), or of every column (detached rows), with `joined`'s
    columns when given."""
    return await keyset_page(
        session_factory,
        query,
        col(Match.score),
        col(Match.id),
        page,
        read_only_leaving_out=frozenset() if columns is None else all_but(Match, columns),
        joined=joined,
        as_columns=columns is not None,
        connect=connect,
    )


async def matches_visible_to(
    session: AsyncSession, actor: Principal, match_ids: list[uuid.UUID]
) -> dict[uuid.UUID, Match]:
    if actor.user_id is None:
        return {}
    organizations, profile_id = await _scope(session, actor)
    statement = (
        select(Match)
        .join(Job, col(Job.id) == col(Match.job_id))
        .where(col(Match.id).in_(match_ids))
    )
    rows = await session.execute(_visible(statement, organizations, profile_id, actor))
    return {match.id: match for match in rows.scalars()}


async def profiles_sharing_contact_with(
    session: AsyncSession, actor: Principal, profile_ids: list[uuid.UUID]
) -> set[uuid.UUID]:
    """Profiles whose worker has a match with the actor's organisation at INTERVIEWING or
    later (not ended): the employer may then see their contact details."""
    return await profiles_sharing_with(session, actor, profile_ids, CONTACT_SHARED)


async def profiles_sharing_with(
    session: AsyncSession,
    actor: Principal,
    profile_ids: list[uuid.UUID],
    statuses: frozenset[MatchStatus],
) -> set[uuid.UUID]:
    """Profiles whose worker has a match with one of the actor's organisations' jobs in one
    of `statuses` (what a worker shares grows as a match moves on)."""
    if actor.user_id is None or actor.client_id is not None or not profile_ids:
        return set()
    organizations = await organization_ids_of(session, actor.user_id)
    if not organizations:
        return set()
    rows = await session.execute(
        select(Match.profile_id)
        .join(Job, col(Job.id) == col(Match.job_id))
        .where(
            col(Match.profile_id).in_(profile_ids),
            col(Match.status).in_([s.value for s in statuses]),
            col(Job.organization_id).in_(organizations),
        )
    )
    return set(rows.scalars())


async def matched_profiles(
    session: AsyncSession, profile_ids: list[uuid.UUID]
) -> dict[uuid.UUID, WorkerProfile]:
    """Profiles by id, unfiltered: reached only through a match the caller may see.

    Both sides of a match see each other, even a profile hidden from the directory."""
    rows = await session.execute(
        select(WorkerProfile).where(col(WorkerProfile.id).in_(profile_ids))
    )
    return {profile.id: profile for profile in rows.scalars()}


async def history_of_matches(
    session: AsyncSession, match_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[MatchTransition]]:
    rows = await session.execute(
        select(MatchTransition)
        .where(col(MatchTransition.match_id).in_(match_ids))
        .order_by(col(MatchTransition.changed_at), col(MatchTransition.id))
    )
    found: dict[uuid.UUID, list[MatchTransition]] = {match_id: [] for match_id in match_ids}
    for transition in rows.scalars():
        found[transition.match_id].append(transition)
    return found
