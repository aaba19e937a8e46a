"""Partner webhooks: registration, and the record of their deliveries."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry

from domain.pagination import PageRequest
from domain.webhooks import service
from domain.webhooks.kinds import WebhookEventKind
from domain.webhooks.models import Webhook as WebhookRow
from domain.webhooks.models import WebhookDelivery as WebhookDeliveryRow
from schema.context import Info
from schema.enums import describe_values
from schema.errors import UserError
from schema.ids import node_id
from schema.notifications import DeliveryStatus  # the enum is registered there
from schema.relay import After, Before, Connection, First, Last, Node

strawberry.enum(
    WebhookEventKind,
    description="Events a webhook can receive. Payloads carry only ids and kinds; fetch "
    "details with `node(id:)`.",
)
describe_values(
    WebhookEventKind,
    {
        WebhookEventKind.JOB_PUBLISHED: "A job was published (it is open).",
        WebhookEventKind.JOB_UPDATED: "An open job was edited or changed status.",
    },
)


@strawberry.type(description="One event sent (or being sent) to a webhook.")
class WebhookDelivery:
    id: strawberry.ID = strawberry.field(description="Opaque ID of the delivery.")
    event_id: str = strawberry.field(description="Also sent as `X-Iworkz-Event-Id`.")
    event_kind: WebhookEventKind = strawberry.field(description="The kind of event delivered.")
    status: DeliveryStatus = strawberry.field(description="Where the delivery stands.")
    attempts: int = strawberry.field(description="POSTs made so far (at most 5).")
    last_status_code: int | None = strawberry.field(
        description="HTTP status of the last attempt; null if none answered.",
    )
    last_error: str | None = strawberry.field(description="Why the last attempt failed, if it did.")
    created_at: datetime = strawberry.field(
        description="When the event was queued for this webhook.",
    )
    delivered_at: datetime | None = strawberry.field(
        description="When an attempt succeeded (2xx); null until then.",
    )

    @classmethod
    def from_row(cls, row: WebhookDeliveryRow) -> WebhookDelivery:
        return cls(
            id=node_id("WebhookDelivery", row.id),
            event_id=row.event_id,
            event_kind=WebhookEventKind(row.event_kind),
            status=DeliveryStatus(row.status),
            attempts=row.attempts,
            last_status_code=row.last_status_code,
            last_error=row.last_error,
            created_at=row.created_at,  # type: ignore[arg-type]
            delivered_at=row.delivered_at,
        )


@strawberry.type(
    description="An HTTPS endpoint of a partner that receives signed events "
    "(see docs/webhooks.md for the signature)."
)
class Webhook(Node):
    pk: strawberry.Private[uuid.UUID]
    url: str = strawberry.field(description="Where events are POSTed.")
    event_kinds: list[WebhookEventKind] = strawberry.field(description="The events it receives.")
    description: str | None = strawberry.field(description="The partner's note about it.")
    created_at: datetime = strawberry.field(description="When it was registered.")

    @classmethod
    def from_row(cls, row: WebhookRow) -> Webhook:
        return cls(
            id=node_id("Webhook", row.id),
            pk=row.id,
            url=row.url,
            event_kinds=[WebhookEventKind(kind) for kind in row.event_kinds],
            description=row.description,
            created_at=row.created_at,  # type: ignore[arg-type]
        )

    @strawberry.field(description="Deliveries to this webhook, newest first.")
    async def deliveries(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[WebhookDelivery]:
        ctx = info.context
        page = await service.browse_webhook_deliveries(
            ctx.services.database.session,
            ctx.principal,
            self.pk,
            PageRequest(first=first, after=after, last=last, before=before),
        )
        return Connection.from_page(page, WebhookDelivery.from_row)


@strawberry.input(description="Where to send events, and which.")
class CreateWebhookInput:
    url: str = strawberry.field(description="https (http and localhost outside production).")
    event_kinds: list[WebhookEventKind] = strawberry.field(
        description="The events to receive (at least one).",
    )
    description: str | None = strawberry.field(default=None, description="A note for yourself.")


@strawberry.type(description="The new webhook and its signing secret, or the errors.")
class CreateWebhookPayload:
    webhook: Webhook | None = strawberry.field(description="The new webhook; null when it failed.")
    secret: str | None = strawberry.field(
        description="Signs every delivery (HMAC-SHA256). Shown this once: store it now."
    )
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.input(description="The webhook to delete.")
class DeleteWebhookInput:
    id: strawberry.ID = strawberry.field(description="The webhook's ID.")


@strawberry.type(description="The deleted webhook's ID, or the errors that stopped it.")
class DeleteWebhookPayload:
    deleted_webhook_id: strawberry.ID | None = strawberry.field(
        description="The ID of the deleted webhook; null when it failed.",
    )
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")
