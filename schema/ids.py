"""Relay global IDs: base64 of "TypeName:uuid", opaque to clients, typed for us."""

from __future__ import annotations

import base64
import binascii
import uuid


class InvalidGlobalId(ValueError):
    pass


def to_global_id(type_name: str, pk: uuid.UUID) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


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
