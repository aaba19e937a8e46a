"""Which domain events notify whom. Registered with `@handles`; imported by workers/tasks.py
so the worker (and the inline queue) know them.

Each handler runs in a unit of work of its own and may run more than once for
one event: `notify` inserts once per (event, user), so a retry adds nothing.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlmodel import col

from domain.auth.models import Membership
from domain.event_handlers import handles
from domain.events import DomainEvent
from domain.global_ids import to_global_id
from domain.jobs.models import Job
from domain.notifications.kinds import NotificationKind
from domain.notifications.service import notify
from domain.unit_of_work import UnitOfWork

# Account security: the events domain/auth/service.py records (payloads hold ids only).
USER_PASSWORD_CHANGED = "user.password_changed"
USER_SIGNED_IN = "user.signed_in"
USER_ROLES_CHANGED = "user.roles_changed"


@handles(USER_PASSWORD_CHANGED)
async def notify_password_changed(uow: UnitOfWork, event: DomainEvent) -> None:
    await notify(
        uow,
        user_id=uuid.UUID(event.payload["user_id"]),
        kind=NotificationKind.ACCOUNT_PASSWORD_CHANGED,
        payload={"at": event.occurred_at},
        event=event,
    )


@handles(USER_SIGNED_IN)
async def notify_new_sign_in(uow: UnitOfWork, event: DomainEvent) -> None:
    await notify(
        uow,
        user_id=uuid.UUID(event.payload["user_id"]),
        kind=NotificationKind.ACCOUNT_NEW_SIGN_IN,
        payload={"at": event.occurred_at},
        event=event,
    )


@handles(USER_ROLES_CHANGED)
async def notify_roles_changed(uow: UnitOfWork, event: DomainEvent) -> None:
    await notify(
        uow,
        user_id=uuid.UUID(event.payload["user_id"]),
        kind=NotificationKind.ACCOUNT_ROLES_CHANGED,
        payload={"roles": list(event.payload.get("roles", []))},
        event=event,
    )


@handles("job.published")
async def notify_job_published(uow: UnitOfWork, event: DomainEvent) -> None:
    """Everyone acting for the job's organisation: "your job is live"."""
    job = await uow.session.get(Job, uuid.UUID(event.payload["job_id"]))
    if job is None:
        return
    members = await uow.session.execute(
        select(col(Membership.user_id)).where(
            col(Membership.organization_id) == job.organization_id
        )
    )
    payload = {"jobId": to_global_id("Job", job.id), "title": job.title}
    for user_id in members.scalars():
        await notify(
            uow, user_id=user_id, kind=NotificationKind.JOB_PUBLISHED, payload=payload, event=event
        )


# Matching (issue 4) and credentials (issue 6) add their handlers here, one each. The match
# events (domain/matching/workflow.py) carry match_id, job_id, worker_user_id,
# organization_id, status and origin, which is all a handler needs:
#   @handles("match.created")   → MATCH_SUGGESTED to the worker (origin ENGINE),
#                                  APPLICATION_RECEIVED to the organisation's members (APPLICATION),
#                                  INVITATION_RECEIVED to the worker (INVITATION)
#   @handles("match.updated")   → MATCH_STATUS_CHANGED to the other side of the transition
#   @handles("credential.anchored") / @handles("credential.revoked") → the credential's worker
# Payloads carry global IDs (jobId, matchId, credentialId) and enum values, never personal data.
# One notification per (event, user) is guaranteed by `notify`, whoever registers the handler.
