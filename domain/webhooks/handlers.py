"""Fan an event out to the partners' webhooks that asked for its kind: one delivery row
and one background job per webhook. Idempotent per (webhook, event)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col

from domain.auth.models import User
from domain.auth.principal import Role
from domain.event_handlers import handles
from domain.events import DomainEvent
from domain.notifications.models import DeliveryStatus
from domain.unit_of_work import UnitOfWork
from domain.webhooks.kinds import WEBHOOK_EVENTS
from domain.webhooks.models import Webhook, WebhookDelivery

DELIVER_WEBHOOK = "deliver_webhook"  # the background task (workers/tasks.py)


def webhook_job_id(delivery_id: uuid.UUID) -> str:
    return f"webhook-delivery:{delivery_id}"


@handles(*WEBHOOK_EVENTS)
async def deliver_to_webhooks(uow: UnitOfWork, event: DomainEvent) -> None:
    spec = WEBHOOK_EVENTS[event.name]
    data = await spec.data(uow.session, event)
    if data is None:
        return
    payload = {
        "id": event.id,
        "type": spec.kind.value,
        "occurredAt": event.occurred_at,
        "data": data,
    }
    webhooks = await uow.session.execute(
        select(col(Webhook.id))
        .join(User, col(User.id) == col(Webhook.owner_id))
        .where(
            col(Webhook.event_kinds).contains([spec.kind.value]),
            col(User.roles).contains([Role.PARTNER.value]),  # a withdrawn partner gets nothing
        )
    )
    for webhook_id in webhooks.scalars():
        inserted = await uow.session.execute(
            insert(WebhookDelivery)
            .values(
                id=uuid.uuid4(),
                webhook_id=webhook_id,
                event_id=event.id,
                event_kind=spec.kind.value,
                payload=payload,
            )
            .on_conflict_do_nothing(constraint="uq_webhook_deliveries_event")
            .returning(col(WebhookDelivery.id), col(WebhookDelivery.status))
        )
        row = inserted.first()
        if row is None:  # a retried handler: submit the job again if it never ran
            row = (
                await uow.session.execute(
                    select(col(WebhookDelivery.id), col(WebhookDelivery.status)).where(
                        col(WebhookDelivery.webhook_id) == webhook_id,
                        col(WebhookDelivery.event_id) == event.id,
                    )
                )
            ).one()
        delivery_id, status = row
        if status == DeliveryStatus.PENDING:
            uow.enqueue_after_commit(
                DELIVER_WEBHOOK, job_id=webhook_job_id(delivery_id), delivery_id=str(delivery_id)
            )
