"""The audit log, as admins read it."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from domain.audit.log import AuditKind
from domain.audit.models import AuditEvent as AuditEventRow
from schema.enums import describe_values
from schema.ids import node_id

strawberry.enum(AuditKind, description="What happened.")
describe_values(
    AuditKind,
    {
        AuditKind.USER_REGISTERED: "An account was created.",
        AuditKind.LOGIN_SUCCEEDED: "A sign-in with email and password succeeded.",
        AuditKind.LOGIN_FAILED: "A sign-in failed (wrong password or unknown email).",
        AuditKind.LOGIN_THROTTLED: "A sign-in was refused after too many failures.",
        AuditKind.SESSION_REFRESHED: "A refresh token was traded for a new pair.",
        AuditKind.REFRESH_TOKEN_REUSED: (
            "A used refresh token came back: its whole session family was revoked."
        ),
        AuditKind.LOGOUT: "One session was ended.",
        AuditKind.LOGOUT_EVERYWHERE: "Every session of the user was ended.",
        AuditKind.PASSWORD_CHANGED: "The password was changed; other sessions ended.",
        AuditKind.ROLES_CHANGED: "An admin changed a user's roles.",
        AuditKind.PARTNER_TOKEN_ISSUED: "A partner client obtained an access token.",
        AuditKind.PARTNER_CLIENT_CREATED: "OAuth client credentials were created for a partner.",
        AuditKind.PERSONAL_DATA_VIEWED: "Personal data was viewed (not recorded yet).",
        AuditKind.PERSONAL_DATA_EXPORTED: "Personal data was exported (not recorded yet).",
        AuditKind.CREDENTIAL_ISSUED: "A credential was issued.",
        AuditKind.CREDENTIAL_REVOKED: "A credential was revoked.",
        AuditKind.ISSUER_KEY_ADDED: "An issuer signing key was added.",
        AuditKind.ISSUER_KEY_RETIRED: "An issuer signing key was retired.",
        AuditKind.ISSUER_KEY_COMPROMISED: "An issuer signing key was marked compromised.",
        AuditKind.ISSUER_TRUST_CHANGED: "An admin vouched for an issuer, or withdrew it.",
        AuditKind.WEBHOOK_CREATED: "A partner registered a webhook.",
        AuditKind.WEBHOOK_DELETED: "A partner deleted a webhook.",
    },
)


def _user_id(pk: uuid.UUID | None) -> strawberry.ID | None:
    return node_id("User", pk) if pk else None


@strawberry.type(description="One security-relevant event; the log is append-only.")
class AuditEvent:
    id: strawberry.ID = strawberry.field(description="Opaque ID of the entry.")
    kind: AuditKind = strawberry.field(description="What happened.")
    occurred_at: datetime = strawberry.field(description="When it happened.")
    actor_id: strawberry.ID | None = strawberry.field(description="The user who acted, if known.")
    subject_id: strawberry.ID | None = strawberry.field(description="The user acted upon.")
    ip: str | None = strawberry.field(
        description="The client address the request came from, when known.",
    )
    details: JSON = strawberry.field(
        description="Facts about the event (never secrets or personal data), by kind.",
    )

    @classmethod
    def from_row(cls, row: AuditEventRow) -> AuditEvent:
        return cls(
            id=node_id("AuditEvent", row.id),
            kind=AuditKind(row.kind),
            occurred_at=row.occurred_at,  # type: ignore[arg-type]
            actor_id=_user_id(row.actor_id),
            subject_id=_user_id(row.subject_id),
            ip=row.ip,
            details=row.details,  # type: ignore[arg-type]
        )


@strawberry.input(description="Narrow the audit log.")
class AuditFilter:
    kinds: list[AuditKind] | None = strawberry.field(default=None, description="Only these kinds.")
    actor_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Only events this user caused.",
    )
    subject_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Only events about this user.",
    )
