"""The platform's own view for verification: its issuer directory and revocations from the
database, and the same data published as JSON for verifiers that do not trust us (the public
issuer directory and each issuer's Bitstring Status List)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from eth_utils import to_checksum_address
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from domain.auth.models import Organization, OrganizationKind
from domain.credentials.directory import IssuerKeyRecord, Revocation, StaticIssuerDirectory
from domain.credentials.documents import ParsedCredential
from domain.credentials.issuing import status_list_url
from domain.credentials.ledger import ChainReader
from domain.credentials.models import AnchorBatch, BatchStatus, Credential, IssuerKey
from domain.credentials.status_list import encode_status_list, status_list_credential
from domain.credentials.verification import Verification, verify_credential


def _record(key: IssuerKey, issuer: Organization) -> IssuerKeyRecord:
    return IssuerKeyRecord(
        address=key.address,
        issuer_id=issuer.id,
        issuer_name=issuer.name,
        issuer_trusted=issuer.trusted_at is not None,
        valid_from=key.valid_from,
        valid_until=key.valid_until,
        retired_at=key.retired_at,
        compromised_at=key.compromised_at,
    )


class DatabaseIssuerDirectory:
    def __init__(
        self, session_factory: Callable[[], AsyncSession], anchoring_addresses: frozenset[str]
    ) -> None:
        self._session_factory = session_factory
        self._anchoring_addresses = anchoring_addresses

    @property
    def anchoring_addresses(self) -> frozenset[str]:
        return self._anchoring_addresses

    async def key(self, address: str) -> IssuerKeyRecord | None:
        async with self._session_factory() as session:
            row = (
                await session.execute(
                    select(IssuerKey, Organization)
                    .join(Organization, col(Organization.id) == col(IssuerKey.organization_id))
                    .where(col(IssuerKey.address) == to_checksum_address(address))
                )
            ).first()
        return _record(row[0], row[1]) if row else None


class DatabaseRevocations:
    def __init__(self, session_factory: Callable[[], AsyncSession]) -> None:
        self._session_factory = session_factory

    async def revocation(self, credential: ParsedCredential) -> Revocation | None:
        async with self._session_factory() as session:
            row = await session.get(Credential, credential.credential_id)
        if row is None or row.revoked_at is None:
            return None
        return Revocation(revoked_at=row.revoked_at, reason=row.revocation_reason)


async def anchoring_addresses(session: AsyncSession, current: str) -> frozenset[str]:
    """Every account that ever anchored for us, and the current one."""
    rows = await session.execute(
        select(col(AnchorBatch.sender))
        .where(col(AnchorBatch.status) == BatchStatus.CONFIRMED)
        .distinct()
    )
    return frozenset({current, *rows.scalars()})


async def verify_document(
    session_factory: Callable[[], AsyncSession],
    chain: ChainReader,
    document: Any,
    *,
    anchoring_address: str,
    min_confirmations: int,
    now: datetime,
) -> Verification:
    async with session_factory() as session:
        addresses = await anchoring_addresses(session, anchoring_address)
    return await verify_credential(
        document,
        chain=chain,
        directory=DatabaseIssuerDirectory(session_factory, addresses),
        revocations=DatabaseRevocations(session_factory),
        min_confirmations=min_confirmations,
        now=now,
    )


async def issuer_directory(session: AsyncSession, anchoring_address: str) -> dict[str, Any]:
    """The public directory (`GET /credentials/issuers`): every issuer with its keys'
    windows, and the anchoring accounts; what `iworkz verify --issuers` reads."""
    rows = await session.execute(
        select(IssuerKey, Organization)
        .join(Organization, col(Organization.id) == col(IssuerKey.organization_id))
        .where(col(Organization.kind) == OrganizationKind.ISSUER)
        .order_by(col(Organization.id), col(IssuerKey.created_at))
    )
    records = [_record(key, issuer) for key, issuer in rows]
    directory = StaticIssuerDirectory(
        records, await anchoring_addresses(session, anchoring_address)
    )
    return directory.to_json()


async def status_list(
    session: AsyncSession, organization_id: uuid.UUID, base_url: str, now: datetime
) -> dict[str, Any] | None:
    """An issuer's Bitstring Status List credential: bit i set when the credential at index
    i is revoked. None for an unknown issuer."""
    issuer = await session.get(Organization, organization_id)
    if issuer is None or issuer.kind != OrganizationKind.ISSUER:
        return None
    revoked = await session.execute(
        select(col(Credential.status_list_index)).where(
            col(Credential.organization_id) == organization_id,
            col(Credential.revoked_at).is_not(None),
        )
    )
    return status_list_credential(
        url=status_list_url(base_url, organization_id),
        issuer_id=issuer.id,
        issuer_name=issuer.name,
        encoded_list=encode_status_list(revoked.scalars()),
        valid_from=now.replace(microsecond=0),
    )
