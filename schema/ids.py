"""Relay global IDs: base64 of "TypeName:uuid", opaque to clients, typed for us."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable
from typing import cast

import strawberry

from domain.global_ids import to_global_id

__all__ = ["InvalidGlobalId", "expect_global_id", "from_global_id", "node_id", "to_global_id"]

# `to_global_id` typed as the `ID` it gives: `strawberry.ID` is a `NewType`, and calling
# it is a Python call per object shown (~450 a page of jobs) that returns its argument.
node_id = cast("Callable[[str, uuid.UUID], strawberry.ID]", to_global_id)


class InvalidGlobalId(ValueError):
    pass


def from_global_id(global_id: str) -> tuple[str, uuid.UUID]:
    try:
        type_name, _, raw = base64.b64decode(global_id, validate=True).decode().partition(":")
        return type_name, uuid.UUID(raw)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidGlobalId("This is not a valid ID.") from None


def expect_global_id(global_id: str, type_name: str) -> uuid.UUID:
    found, pk = from_global_id(global_id)
    if found != type_name:
        raise InvalidGlobalId(f"Expected the ID of a {type_name}, got one of a {found}.")
    return pk
