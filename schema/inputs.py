"""Turning GraphQL inputs into the plain dicts domain/ validates.

Omitted fields (UNSET) are left out, so an edit changes only what was sent;
global IDs in fields named `*_id` / `*_ids` are decoded to UUIDs of the
expected type, and a wrong one becomes a field error like any other.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any

from strawberry import UNSET

from domain.errors import ErrorCode, FieldError, ValidationFailed
from schema.ids import InvalidGlobalId, expect_global_id

ID_TYPES = {
    "skill_id": "Skill",
    "skill_ids": "Skill",
    "organization_id": "Organization",
    "job_id": "Job",
}


def to_domain(
    value: Any, *, id_types: dict[str, str] | None = None, drop_none: bool = False
) -> dict[str, Any]:
    errors: list[FieldError] = []
    converted = _convert(value, "", None, {**ID_TYPES, **(id_types or {})}, errors, drop_none)
    if errors:
        raise ValidationFailed(errors)
    return converted if isinstance(converted, dict) else {}


def _convert(
    value: Any,
    path: str,
    name: str | None,
    id_types: dict[str, str],
    errors: list[FieldError],
    drop_none: bool,
) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        result = {}
        for field in dataclasses.fields(value):
            item = getattr(value, field.name)
            if item is UNSET or (drop_none and item is None):
                continue
            child_path = f"{path}.{field.name}" if path else field.name
            result[field.name] = _convert(item, child_path, field.name, id_types, errors, drop_none)
        return result
    if isinstance(value, list):
        return [
            _convert(item, f"{path}.{index}", name, id_types, errors, drop_none)
            for index, item in enumerate(value)
        ]
    if isinstance(value, str) and name in id_types:
        try:
            return expect_global_id(value, id_types[name])
        except InvalidGlobalId as error:
            errors.append(FieldError(path, ErrorCode.INVALID_ID, str(error)))
            return None
    if isinstance(value, enum.Enum):
        return value.value
    return value
