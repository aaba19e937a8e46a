"""`node(id:)` and `nodes(ids:)`: any global ID the caller may see, through the loaders.

An object the caller may not see resolves to null, exactly like one that does
not exist, so IDs cannot be probed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import strawberry

from domain.errors import ErrorCode, ValidationFailed
from schema.context import Info
from schema.credentials import Credential
from schema.ids import InvalidGlobalId, from_global_id
from schema.jobs import Job
from schema.matches import Match
from schema.notifications import Notification
from schema.organizations import Organization
from schema.relay import Node
from schema.skills import Skill
from schema.users import User
from schema.webhooks import Webhook
from schema.workers import Worker

MAX_NODES = 100


async def _user_if_self_or_admin(info: Info, pk: Any) -> User | None:
    principal = info.context.principal
    if principal.user_id != pk and not principal.is_admin:
        return None
    row = await info.context.loaders.user.load(pk)
    return User.from_row(row) if row else None


def _via(
    loader: str, to_node: Callable[[Any], Node]
) -> Callable[[Info, Any], Awaitable[Node | None]]:
    async def resolve(info: Info, pk: Any) -> Node | None:
        row = await getattr(info.context.loaders, loader).load(pk)
        return to_node(row) if row else None

    return resolve


RESOLVERS: dict[str, Callable[[Info, Any], Awaitable[Node | None]]] = {
    "Job": _via("visible_job", Job.from_row),
    "Worker": _via("visible_profile", Worker.from_row),
    "Organization": _via("organization", Organization.from_row),
    "Skill": _via("skill", Skill.from_row),
    "User": _user_if_self_or_admin,
    "Match": _via("visible_match", Match.from_row),
    "Notification": _via("notification", Notification.from_row),
    "Webhook": _via("webhook", Webhook.from_row),
    "Credential": _via("visible_credential", Credential.from_row),
}


async def node(
    info: Info,
    id: Annotated[
        strawberry.ID, strawberry.argument(description="A global ID, as any `id` field returns it.")
    ],
) -> Node | None:
    """The object with this global ID, or null if it does not exist or is not yours to see."""
    try:
        type_name, pk = from_global_id(id)
    except InvalidGlobalId as error:
        raise ValidationFailed.single("id", ErrorCode.INVALID_ID, str(error)) from None
    resolve = RESOLVERS.get(type_name)
    return await resolve(info, pk) if resolve else None


async def nodes(
    info: Info,
    ids: Annotated[list[strawberry.ID], strawberry.argument(description="Up to 100 global IDs.")],
) -> list[Node | None]:
    """The objects with these global IDs, in order; null where `node` would be null."""
    if len(ids) > MAX_NODES:
        raise ValidationFailed.single(
            "ids", ErrorCode.OUT_OF_RANGE, f"Ask for at most {MAX_NODES} IDs at once."
        )
    return list(await asyncio.gather(*(node(info, id) for id in ids)))
