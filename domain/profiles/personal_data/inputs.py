"""What a worker may submit as personal data, validated before anything is encrypted."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints, field_validator

from domain.clock import today
from domain.errors import ErrorCode, FieldErrorSignal
from domain.geo.prefectures import Prefecture
from domain.values import Model

PHONE_MAX = 30
MIN_WORKING_AGE = 15  # Japan's Labour Standards Act: no employment before school leaving age
MAX_AGE = 120
DOCUMENTS_MAX = 20
DOCUMENT_REF_MAX = 200

_PHONE_SEPARATORS = re.compile(r"[\s\-().]")
_INTERNATIONAL_PHONE = re.compile(r"^\+[1-9]\d{7,14}$")  # E.164: at most 15 digits
_JAPANESE_PHONE = re.compile(r"^0\d{9,10}$")  # 03-1234-5678, 090-1234-5678
_RESIDENCE_CARD = re.compile(r"^[A-Z]{2}\d{8}[A-Z]{2}$")
_POSTAL_CODE = re.compile(r"^(\d{3})-?(\d{4})$")


def _no_control_characters(value: str) -> str:
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        raise ValueError("Remove control characters.")
    return value


DocumentRef = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=DOCUMENT_REF_MAX),
    AfterValidator(_no_control_characters),
]


class PostalAddress(Model):
    """A home address in Japan, as on the residence card."""

    postal_code: str = Field(max_length=10)
    prefecture: Prefecture
    city: str = Field(min_length=1, max_length=100)
    line1: str = Field(min_length=1, max_length=200, description="Town, block and number")
    line2: str = Field(default="", max_length=200, description="Building and room")

    @field_validator("postal_code")
    @classmethod
    def _postal_code(cls, value: str) -> str:
        match = _POSTAL_CODE.match(unicodedata.normalize("NFKC", value))
        if not match:
            raise ValueError("A postal code is 7 digits, e.g. 160-0022.")
        return f"{match[1]}-{match[2]}"


class PersonalDataDraft(Model):
    """The whole of a worker's personal data; an edit is merged onto the current one first."""

    phone: str | None = Field(default=None, max_length=PHONE_MAX)
    birth_date: date | None = None
    postal_address: PostalAddress | None = None
    residence_card_number: str | None = Field(default=None, max_length=20)
    documents: list[DocumentRef] = Field(default_factory=list, max_length=DOCUMENTS_MAX)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        digits = _PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", value))
        if not (_INTERNATIONAL_PHONE.match(digits) or _JAPANESE_PHONE.match(digits)):
            raise ValueError(
                "Enter a phone number such as 090-1234-5678 or +81 90 1234 5678 "
                "(10–11 digits starting with 0, or + and the country code)."
            )
        return digits

    @field_validator("birth_date")
    @classmethod
    def _plausible_birth_date(cls, value: date | None) -> date | None:
        if value is None:
            return None
        now = today()
        if value >= now:
            raise FieldErrorSignal(ErrorCode.OUT_OF_RANGE, "A birth date must be in the past.")
        if value > _years_before(now, MIN_WORKING_AGE):
            raise FieldErrorSignal(
                ErrorCode.OUT_OF_RANGE, f"You must be at least {MIN_WORKING_AGE} years old."
            )
        if value < _years_before(now, MAX_AGE):
            raise FieldErrorSignal(
                ErrorCode.OUT_OF_RANGE, f"A birth date more than {MAX_AGE} years ago is not valid."
            )
        return value

    @field_validator("residence_card_number")
    @classmethod
    def _residence_card(cls, value: str | None) -> str | None:
        if value is None:
            return None
        number = unicodedata.normalize("NFKC", value).replace(" ", "").upper()
        if not _RESIDENCE_CARD.match(number):
            raise ValueError(
                "A residence card number is 2 letters, 8 digits and 2 letters, e.g. AB12345678CD."
            )
        return number

    @field_validator("documents")
    @classmethod
    def _distinct_documents(cls, values: list[str]) -> list[str]:
        if len(set(values)) != len(values):
            raise FieldErrorSignal(ErrorCode.DUPLICATE, "Each document is listed once.")
        return values


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)
