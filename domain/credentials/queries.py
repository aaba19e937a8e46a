"""Who sees which credential, and what "verified" means inside the platform.

The worker sees all of theirs and the issuing organisation all it issued. An employer sees
a worker's *verified* credentials once the worker has applied to, or accepted an invitation
for, one of its jobs. "Verified" here is the database's view of the same checks a public
verifier runs: anchored, not revoked, inside its validity period, from a trusted issuer.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from domain.auth.models import Organization
from domain.auth.organizations import is_member, organization_ids_of
from domain.auth.principal import Principal
from domain.clock import utcnow
from domain.credentials.models import Credential, CredentialStatus
from domain.matching.lifecycle import CREDENTIALS_SHARED
from domain.matching.queries import profiles_sharing_with
from domain.pagination import Page, PageRequest, keyset_page
from domain.profiles.models import WorkerProfile
from domain.sql import any_of


def effective_status(credential: Credential, now: datetime) -> CredentialStatus:
    status = CredentialStatus(credential.status)
    if (
        status in (CredentialStatus.ISSUED, CredentialStatus.ANCHORED)
        and credential.valid_until is not None
        and credential.valid_until <= now
    ):
        return CredentialStatus.EXPIRED
    return status


def verified_condition(now: datetime) -> Any:
    """SQL for "verified": anchored, in its validity period, and its issuer trusted."""
    return and_(
        col(Credential.status) == CredentialStatus.ANCHORED,
        col(Credential.valid_from) <= now,
        or_(col(Credential.valid_until).is_(None), col(Credential.valid_until) > now),
        col(Credential.organization_id).in_(
            select(col(Organization.id)).where(col(Organization.trusted_at).is_not(None))
        ),
    )


async def _owned_profiles(
    session: AsyncSession, actor: Principal, profile_ids: list[uuid.UUID]
) -> set[uuid.UUID]:
    if actor.user_id is None or not profile_ids:
        return set()
    rows = await session.execute(
        select(col(WorkerProfile.id)).where(
            col(WorkerProfile.id).in_(profile_ids), col(WorkerProfile.user_id) == actor.user_id
        )
    )
    return set(rows.scalars())


async def credentials_visible_to(
    session: AsyncSession, actor: Principal, ids: list[uuid.UUID], now: datetime | None = None
) -> dict[uuid.UUID, Credential]:
    """By id, only those the actor may see; the rest look missing."""
    now = now or utcnow()
    if actor.user_id is None or not ids:
        return {}
    rows = await session.execute(select(Credential).where(col(Credential.id).in_(ids)))
    found = list(rows.scalars())
    if actor.is_admin:
        return {c.id: c for c in found}
    profile_ids = list({c.subject_profile_id for c in found})
    owned = await _owned_profiles(session, actor, profile_ids)
    organizations = set(await organization_ids_of(session, actor.user_id))
    sharing = await profiles_sharing_with(session, actor, profile_ids, CREDENTIALS_SHARED)
    verified_ids = await _verified_ids(
        session, [c.id for c in found if c.subject_profile_id in sharing], now
    )
    return {
        c.id: c
        for c in found
        if c.subject_profile_id in owned
        or c.organization_id in organizations
        or c.id in verified_ids
    }


async def _verified_ids(
    session: AsyncSession, ids: list[uuid.UUID], now: datetime
) -> set[uuid.UUID]:
    if not ids:
        return set()
    rows = await session.execute(
        select(col(Credential.id)).where(col(Credential.id).in_(ids), verified_condition(now))
    )
    return set(rows.scalars())


async def browse_worker_credentials(
    session_factory: Callable[[], Any],
    actor: Principal,
    profile_id: uuid.UUID,
    page: PageRequest,
    now: datetime,
) -> Page[Credential]:
    """A worker's credentials, newest first: all for the worker and admins, those an issuer
    issued for its members, the verified ones for an employer the worker shares them with,
    none for anyone else."""
    page.validate()
    statement = select(Credential).where(col(Credential.subject_profile_id) == profile_id)
    async with session_factory() as session:
        if actor.user_id is None:
            statement = statement.where(false())
        elif not (actor.is_admin or await _owned_profiles(session, actor, [profile_id])):
            organizations = await organization_ids_of(session, actor.user_id)
            shared = await profiles_sharing_with(session, actor, [profile_id], CREDENTIALS_SHARED)
            visible: Any = col(Credential.organization_id).in_(organizations)
            if shared:
                visible = or_(visible, verified_condition(now))
            statement = statement.where(visible)
    return await keyset_page(
        session_factory, statement, col(Credential.created_at), col(Credential.id), page
    )


async def browse_issued_credentials(
    session_factory: Callable[[], Any],
    actor: Principal,
    organization_id: uuid.UUID,
    page: PageRequest,
) -> Page[Credential]:
    """What an issuer has issued, newest first, for its members and admins."""
    page.validate()
    async with session_factory() as session:
        allowed = actor.is_admin or await is_member(session, actor, organization_id)
    statement = select(Credential).where(col(Credential.organization_id) == organization_id)
    if not allowed:
        statement = statement.where(false())
    return await keyset_page(
        session_factory, statement, col(Credential.created_at), col(Credential.id), page
    )


async def verified_credential_types(
    session: AsyncSession, profile_ids: list[uuid.UUID], now: datetime
) -> dict[uuid.UUID, set[str]]:
    """For matching: the credential types each worker holds verified."""
    found: dict[uuid.UUID, set[str]] = defaultdict(set)
    if not profile_ids:
        return found
    rows = await session.execute(
        select(col(Credential.subject_profile_id), col(Credential.credential_type)).where(
            any_of(col(Credential.subject_profile_id), profile_ids), verified_condition(now)
        )
    )
    for profile_id, credential_type in rows:
        found[profile_id].add(credential_type)
    return found
