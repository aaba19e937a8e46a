"""The one shape every mutation resolver shares: run a domain action in a transaction,
turn fixable problems into `UserError`s."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from domain.auth.partners import PartnerScope
from domain.errors import ValidationFailed
from domain.unit_of_work import UnitOfWork
from schema.context import Info
from schema.errors import UserError
from schema.inputs import to_domain

T = TypeVar("T")


async def in_transaction(
    info: Info, action: Callable[[UnitOfWork], Awaitable[T]]
) -> tuple[T | None, list[UserError]]:
    """The action's result after commit, or the user errors that rolled it back.

    Every write passes here, so this is where partner tokens without the `write`
    scope are stopped."""
    info.context.principal.require_scope(PartnerScope.WRITE)
    try:
        async with info.context.transaction() as uow:
            return await action(uow), []
    except ValidationFailed as failure:
        return None, UserError.from_domain(failure.errors)


async def in_transaction_with_input(
    info: Info,
    input: object,
    action: Callable[[UnitOfWork, dict[str, Any]], Awaitable[T]],
    *,
    id_types: dict[str, str] | None = None,
) -> tuple[T | None, list[UserError]]:
    """`in_transaction` for an action on the decoded input: decoding runs inside it, so an
    ID of the wrong type is a user error of the payload like the domain's own."""
    return await in_transaction(info, lambda uow: action(uow, to_domain(input, id_types=id_types)))
