"""Partners register, list and delete their webhooks."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from domain.audit.log import AuditKind, record_audit
from domain.auth.principal import Principal, Role
from domain.crypto.field_encryption import KeyRing, field_aad
from domain.errors import ErrorCode, NotFound, ValidationFailed, validated
from domain.pagination import Page, PageRequest, keyset_page
from domain.unit_of_work import UnitOfWork
from domain.values import Model
from domain.webhooks.kinds import WebhookEventKind
from domain.webhooks.models import Webhook, WebhookDelivery
from domain.webhooks.targets import MAX_URL_LENGTH, RefusedTarget, TargetPolicy, check_webhook_url

MAX_WEBHOOKS_PER_PARTNER = 10
SECRET_PREFIX = "whsec_"


def secret_aad(webhook_id: uuid.UUID) -> bytes:
    return field_aad("webhooks", "secret_encrypted", webhook_id)


class WebhookRegistration(Model):
    url: str = Field(min_length=1, max_length=MAX_URL_LENGTH)
    event_kinds: list[WebhookEventKind] = Field(min_length=1, max_length=20)  # repeats are fine
    description: str | None = Field(default=None, min_length=1, max_length=200)


@dataclass(frozen=True, slots=True)
class NewWebhook:
    webhook: Webhook
    secret: str  # shown once, in the createWebhook payload; stored only encrypted


async def create_webhook(
    uow: UnitOfWork,
    actor: Principal,
    data: dict[str, Any],
    *,
    keyring: KeyRing,
    policy: TargetPolicy,
) -> NewWebhook:
    owner_id = actor.require_role(Role.PARTNER)
    registration = validated(WebhookRegistration, data)
    try:
        url = check_webhook_url(registration.url, policy)
    except RefusedTarget as refused:
        raise ValidationFailed.single("url", ErrorCode.INVALID, str(refused)) from None
    existing = await uow.session.execute(
        select(func.count()).select_from(Webhook).where(col(Webhook.owner_id) == owner_id)
    )
    if existing.scalar_one() >= MAX_WEBHOOKS_PER_PARTNER:
        raise ValidationFailed.single(
            None,
            ErrorCode.OUT_OF_RANGE,
            f"A partner has at most {MAX_WEBHOOKS_PER_PARTNER} webhooks.",
        )
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    webhook = Webhook(
        owner_id=owner_id,
        url=url,
        event_kinds=sorted({kind.value for kind in registration.event_kinds}),
        description=registration.description,
        secret_encrypted="",
    )
    webhook.secret_encrypted = keyring.encrypt(secret, secret_aad(webhook.id))
    uow.session.add(webhook)
    await uow.session.flush()
    await uow.session.refresh(webhook)
    record_audit(
        uow.session,
        AuditKind.WEBHOOK_CREATED,
        actor_id=owner_id,
        subject_id=owner_id,
        webhook_id=webhook.id,
        kinds=",".join(webhook.event_kinds),
    )
    return NewWebhook(webhook, secret)


async def delete_webhook(uow: UnitOfWork, actor: Principal, webhook_id: uuid.UUID) -> None:
    """The owner (or an admin) deletes a webhook and its delivery record; anyone else's
    looks missing."""
    user_id = actor.require_user()
    webhook = await uow.session.get(Webhook, webhook_id, with_for_update=True)
    if webhook is None or (webhook.owner_id != user_id and not actor.is_admin):
        raise ValidationFailed.single("id", ErrorCode.NOT_FOUND, "No such webhook.")
    await uow.session.delete(webhook)
    record_audit(
        uow.session,
        AuditKind.WEBHOOK_DELETED,
        actor_id=user_id,
        subject_id=webhook.owner_id,
        webhook_id=webhook.id,
    )


async def browse_webhooks(
    session_factory: Callable[[], Any], actor: Principal, page: PageRequest
) -> Page[Webhook]:
    """The caller's webhooks, newest first (partners only)."""
    owner_id = actor.require_role(Role.PARTNER)
    page.validate()
    statement = select(Webhook).where(col(Webhook.owner_id) == owner_id)
    return await keyset_page(
        session_factory, statement, col(Webhook.created_at), col(Webhook.id), page
    )


async def webhooks_visible_to(
    session: AsyncSession, actor: Principal, ids: list[uuid.UUID]
) -> dict[uuid.UUID, Webhook]:
    if actor.user_id is None:
        return {}
    statement = select(Webhook).where(col(Webhook.id).in_(ids))
    if not actor.is_admin:
        statement = statement.where(col(Webhook.owner_id) == actor.user_id)
    return {row.id: row for row in (await session.execute(statement)).scalars()}


async def browse_webhook_deliveries(
    session_factory: Callable[[], Any], actor: Principal, webhook_id: uuid.UUID, page: PageRequest
) -> Page[WebhookDelivery]:
    """A webhook's deliveries, newest first, for its owner."""
    page.validate()
    async with session_factory() as session:
        if not await webhooks_visible_to(session, actor, [webhook_id]):
            raise NotFound("webhook")
    statement = select(WebhookDelivery).where(col(WebhookDelivery.webhook_id) == webhook_id)
    return await keyset_page(
        session_factory,
        statement,
        col(WebhookDelivery.created_at),
        col(WebhookDelivery.id),
        page,
    )


async def reencrypt_webhook_secrets(session_factory: Callable[[], Any], keyring: KeyRing) -> int:
    """Move webhook secrets onto the active key (part of `iworkz reencrypt`, so a retired
    key can be dropped). Returns how many were re-encrypted; safe to run again."""
    moved = 0
    async with session_factory() as session, session.begin():
        rows = await session.execute(select(Webhook).with_for_update(skip_locked=True))
        for webhook in rows.scalars():
            if not keyring.is_current(webhook.secret_encrypted):
                webhook.secret_encrypted = keyring.reencrypt(
                    webhook.secret_encrypted, secret_aad(webhook.id)
                )
                moved += 1
    return moved
