"""Who acts for which organisation: the rule behind every employer and issuer action."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.auth.models import Membership, Organization, User
from domain.auth.principal import Principal
from domain.errors import ErrorCode, Forbidden, ValidationFailed
from domain.sql import CompiledRead, Readable, any_of_parameter, plain_rows


async def organization_ids_of(session: AsyncSession, user_id: uuid.UUID) -> list[uuid.UUID]:
    rows = await session.execute(
        select(Membership.organization_id)  # type: ignore[call-overload]
        .where(Membership.user_id == user_id)  # type: ignore[arg-type]
        .order_by(Membership.created_at)  # type: ignore[arg-type]
    )
    return list(rows.scalars())


async def is_member(session: AsyncSession, actor: Principal, organization_id: uuid.UUID) -> bool:
    if actor.user_id is None:
        return False
    return organization_id in await organization_ids_of(session, actor.user_id)


async def resolve_acting_organization(
    session: AsyncSession, actor: Principal, requested: uuid.UUID | None
) -> uuid.UUID:
    """The organisation an action is for: the requested one if the actor belongs to it,
    else the actor's only organisation."""
    user_id = actor.require_user()
    memberships = await organization_ids_of(session, user_id)
    if requested is not None:
        if requested not in memberships:
            raise Forbidden("You can act only for your own organisation.")
        return requested
    if len(memberships) == 1:
        return memberships[0]
    if not memberships:
        raise Forbidden("You do not belong to an organisation.")
    raise ValidationFailed.single(
        "organization_id", ErrorCode.REQUIRED, "You belong to several organisations: choose one."
    )


_PLAIN_ORGANIZATIONS = plain_rows(Organization)
_ORGANIZATIONS_BY_ID = CompiledRead(
    select(*_PLAIN_ORGANIZATIONS.columns).where(any_of_parameter(Organization.id, "ids"))
)


async def organizations_by_id(
    on: Readable, organization_ids: list[uuid.UUID]
) -> dict[uuid.UUID, Organization]:
    """Read-only rows, as plain columns: this is the loader behind every `organization`."""
    rows = await _ORGANIZATIONS_BY_ID.fetch(on, ids=organization_ids)
    found = (_PLAIN_ORGANIZATIONS.instance(row) for row in rows)
    return {organization.id: organization for organization in found}


async def organizations_of_users(
    session: AsyncSession, user_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[Organization]]:
    rows = await session.execute(
        select(Membership.user_id, Organization)  # type: ignore[call-overload]
        .join(Organization, Organization.id == Membership.organization_id)  # type: ignore[arg-type]
        .where(Membership.user_id.in_(user_ids))  # type: ignore[attr-defined]
        .order_by(Membership.created_at)  # type: ignore[arg-type]
    )
    found: dict[uuid.UUID, list[Organization]] = {user_id: [] for user_id in user_ids}
    for user_id, organization in rows:
        found[user_id].append(organization)
    return found


async def users_by_id(session: AsyncSession, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, User]:
    rows = await session.execute(select(User).where(User.id.in_(user_ids)))  # type: ignore[attr-defined]
    return {user.id: user for user in rows.scalars()}
