"""The platform's own view for verification: its issuer directory and revocations from the
database, and the same data published as JSON for verifiers that do not trust us (the public
issuer directory and each issuer's Bitstring Status List)."""

from __future__ import annotations

import time
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


class AnchoringAddressCache:
    """`anchoring_addresses` per current account, read once and kept for `max_age_seconds`.

    The set grows only when a batch from an account other than the current one is confirmed
    (after the anchoring key changed): in this process the anchorer says so
    (`confirmed_by`), which drops the entries it would change. A batch confirmed by another
    process with another key is seen here within `max_age_seconds` at most, the same minute
    the public directory is cacheable for (`GET /credentials/issuers`); until then its
    credentials fail ANCHORED, and pass again on the next read."""

    def __init__(
        self, max_age_seconds: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._max_age = max_age_seconds
        self._clock = clock
        self._entries: dict[str, tuple[frozenset[str], float]] = {}
        self._generation = 0  # bumped by every forgetting, so a read racing one is not kept

    async def get(
        self, session_factory: Callable[[], AsyncSession], current: str
    ) -> frozenset[str]:
        entry = self._entries.get(current)
        if entry is not None and self._clock() - entry[1] < self._max_age:
            return entry[0]
        read_at, generation = self._clock(), self._generation
        async with session_factory() as session:
            addresses = await anchoring_addresses(session, current)
        if generation == self._generation:
            self._entries[current] = (addresses, read_at)
        return addresses

    def confirmed_by(self, sender: str) -> None:
        """A batch from `sender` was committed as CONFIRMED: forget the sets it is missing
        from (none in the usual case, where it is the current account), and any read in
        flight, which may have started before the commit."""
        self._generation += 1
        for current in [key for key, (known, _) in self._entries.items() if sender not in known]:
            del self._entries[current]

    def clear(self) -> None:
        self._generation += 1
        self._entries.clear()


ANCHORING_ADDRESSES = AnchoringAddressCache()


async def verify_document(
    session_factory: Callable[[], AsyncSession],
    chain: ChainReader,
    document: Any,
    *,
    anchoring_address: str,
    min_confirmations: int,
    now: datetime,
    addresses_cache: AnchoringAddressCache = ANCHORING_ADDRESSES,
) -> Verification:
    addresses = await addresses_cache.get(session_factory, anchoring_address)
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
