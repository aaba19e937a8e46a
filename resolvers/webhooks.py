"""Partner webhooks: create, delete, list, and read their deliveries."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.webhooks import service
from resolvers.mutations import in_transaction
from resolvers.pagination import page_request
from schema.context import Info
from schema.inputs import to_domain
from schema.relay import After, Before, Connection, First, Last
from schema.webhooks import (
    CreateWebhookInput,
    CreateWebhookPayload,
    DeleteWebhookInput,
    DeleteWebhookPayload,
    Webhook,
)


async def webhooks(
    info: Info,
    first: First = None,
    after: After = None,
    last: Last = None,
    before: Before = None,
) -> Connection[Webhook]:
    """Your webhooks, newest first (partners)."""
    ctx = info.context
    page = await service.browse_webhooks(
        ctx.services.database.session, ctx.principal, page_request(first, after, last, before)
    )
    return Connection.from_page(page, Webhook.from_row)


async def create_webhook(
    info: Info,
    input: Annotated[
        CreateWebhookInput,
        strawberry.argument(
            description="Where to deliver, which event kinds, and a note for yourself."
        ),
    ],
) -> CreateWebhookPayload:
    """Register a webhook for event kinds (partners). The secret is in this payload only."""
    ctx = info.context
    created, errors = await in_transaction(
        info,
        lambda uow: service.create_webhook(
            uow,
            ctx.principal,
            to_domain(input, drop_none=True),
            keyring=ctx.services.keyring,
            policy=ctx.services.channels.webhook_policy,
        ),
    )
    if created is None:
        return CreateWebhookPayload(webhook=None, secret=None, errors=errors)
    return CreateWebhookPayload(
        webhook=Webhook.from_row(created.webhook), secret=created.secret, errors=[]
    )


async def delete_webhook(
    info: Info,
    input: Annotated[DeleteWebhookInput, strawberry.argument(description="The webhook to delete.")],
) -> DeleteWebhookPayload:
    """Delete one of your webhooks, with its delivery record."""
    actor = info.context.principal

    async def action(uow):  # type: ignore[no-untyped-def]
        webhook_id = to_domain(input, id_types={"id": "Webhook"})["id"]
        await service.delete_webhook(uow, actor, webhook_id)

    _, errors = await in_transaction(info, action)
    return DeleteWebhookPayload(deleted_webhook_id=None if errors else input.id, errors=errors)
