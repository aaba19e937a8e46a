"""Revocation by the issuer: recorded at once (the status list and verification see it), then
anchored in a revocation batch so that the revocation itself is on chain."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from domain.audit.log import AuditKind, record_audit
from domain.auth.organizations import is_member
from domain.auth.principal import Principal, Role
from domain.credentials.anchoring import CREDENTIAL_REVOKED
from domain.credentials.issuing import anchor_soon
from domain.credentials.models import Credential, CredentialStatus
from domain.errors import ErrorCode, NotFound, ValidationFailed, validated
from domain.unit_of_work import UnitOfWork
from domain.values import Model


class RevocationRequest(Model):
    reason: str = Field(min_length=1, max_length=500)


async def revoke_credential(
    uow: UnitOfWork,
    actor: Principal,
    credential_id: uuid.UUID,
    reason: str,
    *,
    now: datetime,
    anchor_interval_seconds: float,
) -> Credential:
    """Only the issuing organisation (or an admin) revokes; revoking twice changes nothing."""
    actor.require_role(Role.ISSUER, Role.ADMIN)
    request = validated(RevocationRequest, {"reason": reason})
    credential = await uow.session.get(Credential, credential_id, with_for_update=True)
    if credential is None or not (
        actor.is_admin or await is_member(uow.session, actor, credential.organization_id)
    ):
        raise NotFound("credential")
    if credential.status == CredentialStatus.REVOKED:
        return credential
    if credential.status == CredentialStatus.AWAITING_SIGNATURE:
        raise ValidationFailed.single(
            "id", ErrorCode.ILLEGAL_TRANSITION, "An unsigned credential cannot be revoked."
        )
    credential.status = CredentialStatus.REVOKED
    credential.revoked_at = now
    credential.revocation_reason = request.reason
    uow.record(
        CREDENTIAL_REVOKED,
        credential_id=str(credential.id),
        profile_id=str(credential.subject_profile_id),
        organization_id=str(credential.organization_id),
    )
    record_audit(
        uow.session,
        AuditKind.CREDENTIAL_REVOKED,
        actor_id=actor.user_id,
        subject_id=credential.subject_profile_id,
        credential_id=credential.id,
        reason=request.reason,
    )
    anchor_soon(uow, now, anchor_interval_seconds)
    return credential
