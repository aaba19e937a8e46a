"""Mutation errors a user can fix, mapped from the domain's field errors."""

from __future__ import annotations

import re
from collections.abc import Iterable

import strawberry

from domain.errors import FieldError
from schema.enums import UserErrorCode


def camel_path(path: str | None) -> str | None:
    """`pay.min_level` → `pay.minLevel`: error paths name the GraphQL input fields."""
    if path is None:
        return None
    return re.sub(r"_([a-z])", lambda m: m.group(1).upper(), path)


@strawberry.type(description="A problem with the input that the user can fix; nothing was changed.")
class UserError:
    field: str | None = strawberry.field(
        description="Dotted path of the input field at fault (e.g. `pay.min`, `skills.2.skillId`); "
        "null when the whole input is at fault."
    )
    code: UserErrorCode = strawberry.field(
        description="The kind of problem, for the app to react to.",
    )
    message: str = strawberry.field(description="A sentence to show to the user.")

    @classmethod
    def from_domain(cls, errors: Iterable[FieldError]) -> list[UserError]:
        return [cls(field=camel_path(e.field), code=e.code, message=e.message) for e in errors]
