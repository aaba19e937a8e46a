"""Partners: machine clients with scoped, read-only-by-default access (OAuth 2.0
client credentials). The token endpoint itself lives in server/oauth.py."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from domain.audit.log import AuditKind, record_audit
from domain.auth.models import OAuthClient, User
from domain.auth.passwords import hash_password
from domain.auth.principal import Role
from domain.errors import ErrorCode, ValidationFailed
from domain.unit_of_work import UnitOfWork


class PartnerScope(StrEnum):
    JOBS_READ = "jobs:read"  # the public job board
    WORKERS_READ = "workers:read"  # public worker profiles (no personal data)
    WRITE = "write"  # any mutation at all; partners are read-only without it


@dataclass(frozen=True, slots=True)
class NewClient:
    client_id: str
    client_secret: str  # shown once, stored only as an argon2 hash


async def create_partner_client(
    uow: UnitOfWork, owner_id: uuid.UUID, name: str, scopes: list[PartnerScope]
) -> NewClient:
    owner = await uow.session.get(User, owner_id)
    if owner is None or Role.PARTNER.value not in owner.roles:
        raise ValidationFailed.single(
            "owner", ErrorCode.INVALID, "A partner client belongs to a user with the PARTNER role."
        )
    client_id = f"ptn_{secrets.token_urlsafe(12)}"
    secret = secrets.token_urlsafe(32)
    uow.session.add(
        OAuthClient(
            client_id=client_id,
            secret_hash=await hash_password(secret),
            name=name,
            owner_id=owner_id,
            scopes=sorted(scope.value for scope in scopes),
        )
    )
    record_audit(
        uow.session,
        AuditKind.PARTNER_CLIENT_CREATED,
        subject_id=owner_id,
        client_id=client_id,
        scopes=",".join(sorted(scopes)),
    )
    return NewClient(client_id, secret)


async def active_client(session: AsyncSession, client_id: str) -> OAuthClient | None:
    statement = select(OAuthClient).where(OAuthClient.client_id == client_id)
    client = (await session.execute(statement)).scalar()
    return client if client is not None and client.revoked_at is None else None
