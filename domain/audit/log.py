"""Writing and reading the audit log of security-relevant events."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from domain.audit.models import AuditEvent
from domain.auth.principal import Principal, Role
from domain.errors import validated
from domain.pagination import Page, PageRequest, keyset_page
from domain.values import Model


class AuditKind(StrEnum):
    USER_REGISTERED = "user.registered"
    LOGIN_SUCCEEDED = "login.succeeded"
    LOGIN_FAILED = "login.failed"
    LOGIN_THROTTLED = "login.throttled"
    SESSION_REFRESHED = "session.refreshed"
    REFRESH_TOKEN_REUSED = "session.refresh_token_reused"
    LOGOUT = "session.logout"
    LOGOUT_EVERYWHERE = "session.logout_everywhere"
    PASSWORD_CHANGED = "password.changed"
    ROLES_CHANGED = "user.roles_changed"
    PARTNER_TOKEN_ISSUED = "partner.token_issued"
    PARTNER_CLIENT_CREATED = "partner.client_created"
    PERSONAL_DATA_VIEWED = "personal_data.viewed"
    PERSONAL_DATA_EXPORTED = "personal_data.exported"
    CREDENTIAL_ISSUED = "credential.issued"
    CREDENTIAL_REVOKED = "credential.revoked"
    ISSUER_KEY_ADDED = "issuer_key.added"
    ISSUER_KEY_RETIRED = "issuer_key.retired"
    ISSUER_KEY_COMPROMISED = "issuer_key.compromised"
    ISSUER_TRUST_CHANGED = "issuer.trust_changed"
    WEBHOOK_CREATED = "webhook.created"
    WEBHOOK_DELETED = "webhook.deleted"


def record_audit(
    session: AsyncSession,
    kind: AuditKind,
    *,
    actor_id: uuid.UUID | None = None,
    subject_id: uuid.UUID | None = None,
    ip: str | None = None,
    **details: Any,
) -> None:
    """Add an event to the current transaction, so it is kept exactly when the change is."""
    session.add(
        AuditEvent(
            kind=kind.value,
            actor_id=actor_id,
            subject_id=subject_id,
            ip=ip,
            details={key: str(value) for key, value in details.items()},
        )
    )


class AuditFilter(Model):
    kinds: list[AuditKind] | None = Field(default=None, max_length=20)
    actor_id: uuid.UUID | None = None
    subject_id: uuid.UUID | None = None


async def browse_audit_log(
    session_factory: Callable[[], Any],
    actor: Principal,
    filter_data: dict[str, Any],
    page: PageRequest,
) -> Page[AuditEvent]:
    """Newest first; admins only."""
    actor.require_role(Role.ADMIN)
    wanted = validated(AuditFilter, filter_data)
    page.validate()
    statement = select(AuditEvent)
    if wanted.kinds:
        statement = statement.where(col(AuditEvent.kind).in_([k.value for k in wanted.kinds]))
    if wanted.actor_id:
        statement = statement.where(col(AuditEvent.actor_id) == wanted.actor_id)
    if wanted.subject_id:
        statement = statement.where(col(AuditEvent.subject_id) == wanted.subject_id)
    return await keyset_page(
        session_factory, statement, col(AuditEvent.occurred_at), col(AuditEvent.id), page
    )
