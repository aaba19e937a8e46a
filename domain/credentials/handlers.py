"""What follows a credential's anchoring or revocation: the worker is told, and matching
ranks the worker again (a verified credential can meet a job's requirement; a revoked one no
longer does)."""

from __future__ import annotations

import uuid

from domain.clock import utcnow
from domain.credentials.anchoring import CREDENTIAL_ANCHORED, CREDENTIAL_REVOKED
from domain.event_handlers import handles
from domain.events import DomainEvent
from domain.global_ids import to_global_id
from domain.notifications.kinds import NotificationKind
from domain.notifications.service import notify
from domain.profiles.models import WorkerProfile
from domain.unit_of_work import UnitOfWork

_KINDS = {
    CREDENTIAL_ANCHORED: NotificationKind.CREDENTIAL_ANCHORED,
    CREDENTIAL_REVOKED: NotificationKind.CREDENTIAL_REVOKED,
}


@handles(CREDENTIAL_ANCHORED, CREDENTIAL_REVOKED)
async def credential_changed(uow: UnitOfWork, event: DomainEvent) -> None:
    profile = await uow.session.get(
        WorkerProfile, uuid.UUID(event.payload["profile_id"]), with_for_update=True
    )
    if profile is None:
        return
    await notify(
        uow,
        user_id=profile.user_id,
        kind=_KINDS[event.name],
        payload={
            "credentialId": to_global_id("Credential", uuid.UUID(event.payload["credential_id"]))
        },
        event=event,
    )
    profile.version += 1
    profile.matching_status = "PENDING"
    profile.updated_at = utcnow()
    uow.record(
        "profile.updated",
        profile_id=str(profile.id),
        user_id=str(profile.user_id),
        version=profile.version,
    )
