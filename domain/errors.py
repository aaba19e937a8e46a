"""Errors the domain raises; the API layer maps each kind to its own shape.

`ValidationFailed` carries errors a user can fix (they become `UserError`s in a
mutation payload). `NotFound` is also raised for objects the caller may not
see, so that guessing IDs reveals nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError


class ErrorCode(StrEnum):
    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    TOO_SHORT = "TOO_SHORT"
    TOO_LONG = "TOO_LONG"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    INVALID_ID = "INVALID_ID"
    UNKNOWN_SKILL = "UNKNOWN_SKILL"
    DUPLICATE = "DUPLICATE"
    NOT_FOUND = "NOT_FOUND"
    ILLEGAL_TRANSITION = "ILLEGAL_TRANSITION"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    FORBIDDEN = "FORBIDDEN"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"
    INVALID_TOKEN = "INVALID_TOKEN"


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem a user can fix; `field` is a dotted path into the input, or None."""

    field: str | None
    code: ErrorCode
    message: str


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""


class ValidationFailed(DomainError):
    def __init__(self, errors: Iterable[FieldError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(e.message for e in self.errors))

    @classmethod
    def single(cls, field: str | None, code: ErrorCode, message: str) -> ValidationFailed:
        return cls([FieldError(field, code, message)])


class NotFound(DomainError):
    def __init__(self, what: str = "object") -> None:
        super().__init__(f"{what} not found")


class Forbidden(DomainError):
    def __init__(self, message: str = "You are not allowed to do this.") -> None:
        super().__init__(message)


class Unauthenticated(DomainError):
    def __init__(self, message: str = "Sign in to do this.") -> None:
        super().__init__(message)


_PYDANTIC_CODES: dict[str, ErrorCode] = {
    "missing": ErrorCode.REQUIRED,
    "string_too_short": ErrorCode.TOO_SHORT,
    "too_short": ErrorCode.TOO_SHORT,
    "string_too_long": ErrorCode.TOO_LONG,
    "too_long": ErrorCode.TOO_LONG,
    "greater_than": ErrorCode.OUT_OF_RANGE,
    "greater_than_equal": ErrorCode.OUT_OF_RANGE,
    "less_than": ErrorCode.OUT_OF_RANGE,
    "less_than_equal": ErrorCode.OUT_OF_RANGE,
}


def from_pydantic(error: ValidationError) -> ValidationFailed:
    """Turn pydantic's report into field errors with dotted paths (`pay.min`, `skills.2.level`)."""
    errors = []
    for item in error.errors(include_url=False):
        path = ".".join(str(part) for part in item["loc"]) or None
        ctx_error = (item.get("ctx") or {}).get("error")
        if isinstance(ctx_error, FieldErrorSignal):
            errors.append(
                FieldError(
                    ".".join(p for p in (path, ctx_error.subfield) if p) or None,
                    ctx_error.code,
                    str(ctx_error),
                )
            )
            continue
        code = _PYDANTIC_CODES.get(item["type"], ErrorCode.INVALID)
        message = item["msg"].removeprefix("Value error, ")
        errors.append(FieldError(path, code, message))
    return ValidationFailed(errors)


class FieldErrorSignal(ValueError):
    """Raised inside a pydantic validator to report a specific code (and optional sub-field)."""

    def __init__(self, code: ErrorCode, message: str, subfield: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.subfield = subfield


_Input = TypeVar("_Input", bound=BaseModel)


def validated(model: type[_Input], data: Any) -> _Input:
    """Validate input against a domain model, raising field errors a user can act on."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise from_pydantic(error) from None
