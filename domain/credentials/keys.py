"""Issuers' signing keys: added (generated and held encrypted, or the issuer's own address),
retired, or marked compromised from a date that verification honours."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Literal

from eth_account import Account
from eth_utils import is_hex_address, to_checksum_address
from pydantic import Field, ValidationInfo, field_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from domain.audit.log import AuditKind, record_audit
from domain.auth.models import Organization, OrganizationKind
from domain.auth.organizations import is_member, resolve_acting_organization
from domain.auth.principal import Principal, Role
from domain.credentials.models import IssuerKey
from domain.crypto.field_encryption import KeyRing, field_aad
from domain.errors import ErrorCode, Forbidden, NotFound, ValidationFailed, validated
from domain.unit_of_work import UnitOfWork
from domain.values import Model

MAX_KEYS_PER_ISSUER = 20


def private_key_aad(key_id: uuid.UUID) -> bytes:
    return field_aad("issuer_keys", "private_key_encrypted", key_id)


class IssuerKeyRequest(Model):
    organization_id: uuid.UUID | None = None
    label: str = Field(min_length=1, max_length=100)
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    # Set when the issuer keeps the private key and signs on its own side.
    address: str | None = None

    @field_validator("address")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if value is not None and not is_hex_address(value):
            raise ValueError("must be a 0x-prefixed, 20-byte Ethereum address")
        return None if value is None else to_checksum_address(value)

    @field_validator("valid_until")
    @classmethod
    def _after_valid_from(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        start = info.data.get("valid_from")
        if value is not None and start is not None and value <= start:
            raise ValueError("must be after validFrom")
        return value


def key_usable_at(key: IssuerKey, moment: datetime) -> bool:
    """Inside its window and neither retired nor compromised by then."""
    ends = [t for t in (key.valid_until, key.retired_at, key.compromised_at) if t is not None]
    return key.valid_from <= moment and all(moment < end for end in ends)


async def acting_issuer(
    session: AsyncSession, actor: Principal, requested: uuid.UUID | None
) -> Organization:
    """The issuer organisation the actor acts for (ISSUER role, and an ISSUER organisation)."""
    actor.require_role(Role.ISSUER)
    organization_id = await resolve_acting_organization(session, actor, requested)
    organization = await session.get(Organization, organization_id)
    if organization is None or organization.kind != OrganizationKind.ISSUER:
        raise Forbidden("Only an issuer organisation holds signing keys and issues credentials.")
    return organization


async def add_issuer_key(
    uow: UnitOfWork, actor: Principal, data: dict[str, object], *, keyring: KeyRing, now: datetime
) -> IssuerKey:
    request = validated(IssuerKeyRequest, data)
    issuer = await acting_issuer(uow.session, actor, request.organization_id)
    existing = await uow.session.execute(
        select(col(IssuerKey.id)).where(col(IssuerKey.organization_id) == issuer.id)
    )
    if len(existing.all()) >= MAX_KEYS_PER_ISSUER:
        raise ValidationFailed.single(
            None, ErrorCode.OUT_OF_RANGE, f"An issuer has at most {MAX_KEYS_PER_ISSUER} keys."
        )
    key = IssuerKey(
        organization_id=issuer.id,
        address="",
        label=request.label,
        # Whole seconds: block timestamps, the trusted clock of verification, have no fraction.
        valid_from=request.valid_from or now.replace(microsecond=0),
        valid_until=request.valid_until,
    )
    if request.address is not None:
        if (
            await uow.session.execute(
                select(col(IssuerKey.id)).where(col(IssuerKey.address) == request.address)
            )
        ).first():
            raise ValidationFailed.single(
                "address", ErrorCode.ALREADY_EXISTS, "This address is already registered."
            )
        key.address = request.address
    else:
        account = Account.create()
        key.address = account.address
        key.private_key_encrypted = keyring.encrypt(account.key.hex(), private_key_aad(key.id))
    uow.session.add(key)
    await uow.session.flush()
    await uow.session.refresh(key)
    record_audit(
        uow.session,
        AuditKind.ISSUER_KEY_ADDED,
        actor_id=actor.user_id,
        subject_id=issuer.id,
        key_id=key.id,
        address=key.address,
        held_by="issuer" if request.address else "platform",
    )
    return key


async def _own_key(session: AsyncSession, actor: Principal, key_id: uuid.UUID) -> IssuerKey:
    actor.require_role(Role.ISSUER, Role.ADMIN)
    key = await session.get(IssuerKey, key_id, with_for_update=True)
    if key is None or not (actor.is_admin or await is_member(session, actor, key.organization_id)):
        raise NotFound("issuer key")
    return key


async def _end_key(
    uow: UnitOfWork,
    actor: Principal,
    key_id: uuid.UUID,
    *,
    end: Literal["retired_at", "compromised_at"],
    moment: datetime,
    argument: str,
    refused: Callable[[IssuerKey], bool],
    reason: str,
    audit: AuditKind,
) -> IssuerKey:
    """Retiring and compromising differ only in which end moves: an end only ever moves
    earlier, so repeating either (or a later date) never re-validates what a key signed."""
    key = await _own_key(uow.session, actor, key_id)
    if refused(key):
        raise ValidationFailed.single(argument, ErrorCode.OUT_OF_RANGE, reason)
    current = getattr(key, end)
    if current is None or moment < current:
        setattr(key, end, moment)
    record_audit(
        uow.session,
        audit,
        actor_id=actor.user_id,
        subject_id=key.organization_id,
        key_id=key.id,
        **{argument: moment.isoformat()},
    )
    return key


async def retire_issuer_key(
    uow: UnitOfWork, actor: Principal, key_id: uuid.UUID, *, at: datetime | None, now: datetime
) -> IssuerKey:
    """Stop signing with a key from `at` (default now); what it signed before stays valid."""
    moment = at or now
    return await _end_key(
        uow,
        actor,
        key_id,
        end="retired_at",
        moment=moment,
        argument="at",
        refused=lambda key: moment < key.valid_from,
        reason="A key cannot be retired before it was valid.",
        audit=AuditKind.ISSUER_KEY_RETIRED,
    )


async def mark_issuer_key_compromised(
    uow: UnitOfWork, actor: Principal, key_id: uuid.UUID, *, since: datetime, now: datetime
) -> IssuerKey:
    """From `since` (which may be in the past) nothing signed with the key verifies, and a
    credential whose anchor does not prove it older fails too; the platform forgets the
    private part, so the key can never sign again here."""
    key = await _end_key(
        uow,
        actor,
        key_id,
        end="compromised_at",
        moment=since,
        argument="since",
        refused=lambda _key: since > now,
        reason="A compromise cannot start in the future.",
        audit=AuditKind.ISSUER_KEY_COMPROMISED,
    )
    key.private_key_encrypted = None
    return key


async def set_issuer_trust(
    uow: UnitOfWork, actor: Principal, organization_id: uuid.UUID, *, trusted: bool, now: datetime
) -> Organization:
    """Admins vouch for an issuer (or withdraw it); only vouched issuers issue credentials,
    and verification reports whether the issuer is still vouched for."""
    actor.require_role(Role.ADMIN)
    organization = await uow.session.get(Organization, organization_id, with_for_update=True)
    if organization is None or organization.kind != OrganizationKind.ISSUER:
        raise ValidationFailed.single("organizationId", ErrorCode.NOT_FOUND, "No such issuer.")
    organization.trusted_at = (organization.trusted_at or now) if trusted else None
    record_audit(
        uow.session,
        AuditKind.ISSUER_TRUST_CHANGED,
        actor_id=actor.user_id,
        subject_id=organization.id,
        trusted=trusted,
    )
    return organization


async def issuer_keys_of(
    session: AsyncSession, actor: Principal, organization_id: uuid.UUID
) -> list[IssuerKey]:
    """An issuer's keys, newest first, for its members and admins (public keys are also in
    the public issuer directory)."""
    if not (actor.is_admin or await is_member(session, actor, organization_id)):
        return []
    rows = await session.execute(
        select(IssuerKey)
        .where(col(IssuerKey.organization_id) == organization_id)
        .order_by(col(IssuerKey.created_at).desc())
    )
    return list(rows.scalars())
