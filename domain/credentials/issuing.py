"""Issuing a credential: reserve its status-list slot, build the W3C document, sign it with a
platform-held issuer key (or take the signature the issuer made on its own side), and leave
it ISSUED for the next anchor batch."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from eth_utils import to_checksum_address
from pydantic import Field, ValidationInfo, field_validator
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from domain.audit.log import AuditKind, record_audit
from domain.auth.models import Organization
from domain.auth.principal import Principal
from domain.credentials.canonical import document_hash
from domain.credentials.documents import CredentialClaims, CredentialType, build_document
from domain.credentials.keys import acting_issuer, key_usable_at, private_key_aad
from domain.credentials.merkle import credential_leaf
from domain.credentials.models import Credential, CredentialStatus, IssuerKey
from domain.credentials.signing import (
    recover_signer,
    sign_document,
    signature_proof,
    typed_data,
    with_proofs,
)
from domain.crypto.field_encryption import KeyRing
from domain.errors import ErrorCode, Forbidden, NotFound, ValidationFailed, validated
from domain.profiles.models import WorkerProfile
from domain.unit_of_work import UnitOfWork
from domain.values import Model

ANCHOR_CREDENTIALS = "anchor_credentials"  # the background task that anchors batches
AttributeValue = str | int | float | bool | None


class CredentialRequest(Model):
    organization_id: uuid.UUID | None = None
    worker_id: uuid.UUID
    credential_type: CredentialType
    name: str = Field(min_length=1, max_length=200)
    attributes: dict[str, AttributeValue] = Field(default_factory=dict, max_length=50)
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    key_id: uuid.UUID | None = None
    idempotency_key: str | None = Field(default=None, min_length=1, max_length=100)

    @field_validator("attributes")
    @classmethod
    def _flat_and_short(cls, value: dict[str, AttributeValue]) -> dict[str, AttributeValue]:
        for key, item in value.items():
            if not 1 <= len(key) <= 64:
                raise ValueError("attribute names are 1 to 64 characters")
            if isinstance(item, str) and len(item) > 500:
                raise ValueError(f"attribute {key!r} is longer than 500 characters")
        return value

    @field_validator("valid_until")
    @classmethod
    def _after_valid_from(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        start = info.data.get("valid_from")
        if value is not None and start is not None and value <= start:
            raise ValueError("must be after validFrom")
        return value


@dataclass(frozen=True, slots=True)
class PreparedCredential:
    """An unsigned credential and the EIP-712 message its issuer signs on its own side."""

    credential: Credential
    typed_data: dict[str, Any]


def status_list_url(base_url: str, organization_id: uuid.UUID) -> str:
    return f"{base_url.rstrip('/')}/credentials/status/{organization_id}"


def anchor_soon(uow: UnitOfWork, now: datetime, interval_seconds: float) -> None:
    """One anchoring run per interval gathers everything issued or revoked meanwhile."""
    bucket = int(now.timestamp() // interval_seconds) + 1
    uow.enqueue_after_commit(
        ANCHOR_CREDENTIALS,
        job_id=f"anchor:{bucket}",
        defer_until=datetime.fromtimestamp(bucket * interval_seconds, tz=now.tzinfo),
    )


async def _existing(
    session: AsyncSession, organization_id: uuid.UUID, request: CredentialRequest
) -> Credential | None:
    if request.idempotency_key is None:
        return None
    found = (
        await session.execute(
            select(Credential).where(
                col(Credential.organization_id) == organization_id,
                col(Credential.idempotency_key) == request.idempotency_key,
            )
        )
    ).scalar_one_or_none()
    if found is not None and (
        found.subject_profile_id != request.worker_id
        or found.credential_type != request.credential_type
        or found.name != request.name
    ):
        raise ValidationFailed.single(
            "idempotencyKey",
            ErrorCode.ALREADY_EXISTS,
            "This idempotency key was used for a different credential.",
        )
    return found


async def _signing_key(
    session: AsyncSession,
    issuer_id: uuid.UUID,
    key_id: uuid.UUID | None,
    now: datetime,
    *,
    platform_held: bool,
) -> IssuerKey:
    statement = select(IssuerKey).where(col(IssuerKey.organization_id) == issuer_id)
    if key_id is not None:
        statement = statement.where(col(IssuerKey.id) == key_id)
    keys = [
        key
        for key in (
            await session.execute(statement.order_by(col(IssuerKey.created_at).desc()))
        ).scalars()
        if key_usable_at(key, now) and (key.private_key_encrypted is not None) == platform_held
    ]
    if not keys:
        held = "platform-held" if platform_held else "issuer-held"
        raise ValidationFailed.single(
            "keyId", ErrorCode.NOT_FOUND, f"No usable {held} signing key."
        )
    return keys[0]


async def _next_status_index(session: AsyncSession, issuer_id: uuid.UUID) -> int:
    # Serialise allocation per issuer for this transaction; the unique constraint backs it.
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"status-list:{issuer_id}"}
    )
    highest = await session.execute(
        select(func.max(Credential.status_list_index)).where(
            col(Credential.organization_id) == issuer_id
        )
    )
    current = highest.scalar_one()
    return 0 if current is None else current + 1


async def _reserve(
    uow: UnitOfWork,
    issuer: Organization,
    request: CredentialRequest,
    key: IssuerKey,
    *,
    base_url: str,
    now: datetime,
) -> tuple[Credential, dict[str, Any]]:
    if await uow.session.get(WorkerProfile, request.worker_id) is None:
        raise ValidationFailed.single("workerId", ErrorCode.NOT_FOUND, "No such worker.")
    if issuer.trusted_at is None:
        raise Forbidden("An administrator must approve this issuer before it issues credentials.")
    credential_id = uuid.uuid4()
    index = await _next_status_index(uow.session, issuer.id)
    valid_from = (request.valid_from or now).replace(microsecond=0)
    valid_until = request.valid_until.replace(microsecond=0) if request.valid_until else None
    document = build_document(
        CredentialClaims(
            credential_id=credential_id,
            credential_type=request.credential_type,
            issuer_id=issuer.id,
            issuer_name=issuer.name,
            subject_id=request.worker_id,
            name=request.name,
            attributes=request.attributes,
            valid_from=valid_from,
            valid_until=valid_until,
            status_list_url=status_list_url(base_url, issuer.id),
            status_list_index=index,
        )
    )
    credential = Credential(
        id=credential_id,
        organization_id=issuer.id,
        subject_profile_id=request.worker_id,
        issuer_key_id=key.id,
        credential_type=request.credential_type.value,
        name=request.name,
        status=CredentialStatus.AWAITING_SIGNATURE,
        document=document,
        document_hash="0x" + document_hash(document).hex(),
        leaf=None,
        status_list_index=index,
        valid_from=valid_from,
        valid_until=valid_until,
        idempotency_key=request.idempotency_key,
    )
    return credential, document


def _seal(credential: Credential, document: dict[str, Any], proof: dict[str, Any]) -> None:
    signature = bytes.fromhex(proof["proofValue"].removeprefix("0x"))
    credential.document = with_proofs(document, proof)
    credential.leaf = "0x" + credential_leaf(document_hash(document), signature).hex()
    credential.status = CredentialStatus.ISSUED


def _issued(
    uow: UnitOfWork,
    actor: Principal,
    credential: Credential,
    now: datetime,
    anchor_interval_seconds: float,
) -> Credential:
    """Audit a signed credential and schedule the anchoring run that will batch it."""
    record_audit(
        uow.session,
        AuditKind.CREDENTIAL_ISSUED,
        actor_id=actor.user_id,
        subject_id=credential.subject_profile_id,
        credential_id=credential.id,
        issuer_id=credential.organization_id,
    )
    anchor_soon(uow, now, anchor_interval_seconds)
    return credential


async def issue_credential(
    uow: UnitOfWork,
    actor: Principal,
    data: dict[str, Any],
    *,
    keyring: KeyRing,
    base_url: str,
    now: datetime,
    anchor_interval_seconds: float,
) -> Credential:
    """Sign with a platform-held key. Repeating a request with the same idempotency key
    returns the first credential instead of issuing a second."""
    request = validated(CredentialRequest, data)
    issuer = await acting_issuer(uow.session, actor, request.organization_id)
    if (found := await _existing(uow.session, issuer.id, request)) is not None:
        return found
    key = await _signing_key(uow.session, issuer.id, request.key_id, now, platform_held=True)
    credential, document = await _reserve(uow, issuer, request, key, base_url=base_url, now=now)
    private_key = keyring.decrypt(key.private_key_encrypted or "", private_key_aad(key.id))
    _seal(
        credential,
        document,
        sign_document(document, private_key, created=now.replace(microsecond=0)),
    )
    uow.session.add(credential)
    await uow.session.flush()
    return _issued(uow, actor, credential, now, anchor_interval_seconds)


async def prepare_credential(
    uow: UnitOfWork, actor: Principal, data: dict[str, Any], *, base_url: str, now: datetime
) -> PreparedCredential:
    """For an issuer that keeps its key: the document and the EIP-712 message to sign."""
    request = validated(CredentialRequest, data)
    issuer = await acting_issuer(uow.session, actor, request.organization_id)
    if (found := await _existing(uow.session, issuer.id, request)) is not None:
        return PreparedCredential(found, typed_data(found.document))
    key = await _signing_key(uow.session, issuer.id, request.key_id, now, platform_held=False)
    credential, document = await _reserve(uow, issuer, request, key, base_url=base_url, now=now)
    uow.session.add(credential)
    await uow.session.flush()
    return PreparedCredential(credential, typed_data(document))


async def submit_credential_signature(
    uow: UnitOfWork,
    actor: Principal,
    credential_id: uuid.UUID,
    signature_hex: str,
    *,
    now: datetime,
    anchor_interval_seconds: float,
) -> Credential:
    """Accept the issuer's own signature of a prepared credential, if it recovers to the key
    chosen when it was prepared and that key is still usable."""
    credential = await uow.session.get(Credential, credential_id, with_for_update=True)
    if credential is None:
        raise NotFound("credential")
    await acting_issuer(uow.session, actor, credential.organization_id)
    if credential.status != CredentialStatus.AWAITING_SIGNATURE:
        raise ValidationFailed.single(
            "id", ErrorCode.ILLEGAL_TRANSITION, "This credential is already signed."
        )
    key = await uow.session.get(IssuerKey, credential.issuer_key_id)
    assert key is not None
    try:
        signature = bytes.fromhex(signature_hex.removeprefix("0x"))
        signer = recover_signer(credential.document, signature)
    except Exception:
        raise ValidationFailed.single(
            "signature", ErrorCode.INVALID, "Not a valid 65-byte signature."
        ) from None
    if signer != to_checksum_address(key.address):
        raise ValidationFailed.single(
            "signature",
            ErrorCode.INVALID,
            f"Signed by {signer}, not by the chosen key {key.address}.",
        )
    if not key_usable_at(key, now):
        raise ValidationFailed.single(
            "signature", ErrorCode.INVALID, "The chosen key is no longer usable."
        )
    proof = signature_proof(
        credential.document, signature, signer, created=now.replace(microsecond=0)
    )
    _seal(credential, credential.document, proof)
    return _issued(uow, actor, credential, now, anchor_interval_seconds)
