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
from schema.errors import UserError
from schema.ids import to_global_id
from schema.notifications import DeliveryStatus  # the enum is registered there
from schema.relay import Connection, Node

strawberry.enum(
    WebhookEventKind,
    description="Events a webhook can receive. Payloads carry only ids and kinds; fetch "
    "details with `node(id:)`.",
)


@strawberry.type(description="One event sent (or being sent) to a webhook.")
class WebhookDelivery:
    id: strawberry.ID
    event_id: str = strawberry.field(description="Also sent as `X-Iworkz-Event-Id`.")
    event_kind: WebhookEventKind
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None

    @classmethod
    def from_row(cls, row: WebhookDeliveryRow) -> WebhookDelivery:
        return cls(
            id=strawberry.ID(to_global_id("WebhookDelivery", row.id)),
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
    url: str
    event_kinds: list[WebhookEventKind]
    description: str | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: WebhookRow) -> Webhook:
        return cls(
            id=strawberry.ID(to_global_id("Webhook", row.id)),
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
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
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
    event_kinds: list[WebhookEventKind]
    description: str | None = None


@strawberry.type(description="The new webhook and its signing secret, or the errors.")
class CreateWebhookPayload:
    webhook: Webhook | None
    secret: str | None = strawberry.field(
        description="Signs every delivery (HMAC-SHA256). Shown this once: store it now."
    )
    errors: list[UserError]


@strawberry.input(description="The webhook to delete.")
class DeleteWebhookInput:
    id: strawberry.ID


@strawberry.type(description="The deleted webhook's ID, or the errors that stopped it.")
class DeleteWebhookPayload:
    deleted_webhook_id: strawberry.ID | None
    errors: list[UserError]
