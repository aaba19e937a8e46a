"""A worker's personal data: encrypted at rest, readable only by the worker and admins."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from domain.profiles.personal_data.codec import PersonalData as PersonalDataView
from domain.profiles.personal_data.inputs import PostalAddress as PostalAddressValue
from schema.enums import Prefecture
from schema.errors import UserError

if TYPE_CHECKING:
    from schema.workers import Worker


@strawberry.type(description="A home address in Japan, as on the residence card.")
class PostalAddress:
    postal_code: str = strawberry.field(description="〒 code as 123-4567.")
    prefecture: Prefecture = strawberry.field(description="The prefecture.")
    city: str = strawberry.field(description="City, ward, town or village.")
    line1: str = strawberry.field(description="Town, block and number.")
    line2: str = strawberry.field(description="Building and room.")

    @classmethod
    def from_domain(cls, value: PostalAddressValue) -> PostalAddress:
        return cls(
            postal_code=value.postal_code,
            prefecture=Prefecture(value.prefecture),
            city=value.city,
            line1=value.line1,
            line2=value.line2,
        )


@strawberry.type(
    description="A worker's personal data. Stored encrypted (AES-256-GCM); only the worker "
    "themself and admins can read it."
)
class PersonalData:
    phone: str | None = strawberry.field(
        description="Digits, with a leading + for international numbers."
    )
    birth_date: date | None = strawberry.field(description="Date of birth.")
    postal_address: PostalAddress | None = strawberry.field(description="Home address.")
    residence_card_number: str | None = strawberry.field(
        description="在留カード番号: 2 letters, 8 digits, 2 letters."
    )
    documents: list[str] = strawberry.field(
        description="References (IDs or file names) to documents the worker has uploaded."
    )
    updated_at: datetime | None = strawberry.field(description="Null until first saved.")

    @classmethod
    def from_domain(cls, value: PersonalDataView) -> PersonalData:
        address = value.postal_address
        return cls(
            phone=value.phone,
            birth_date=value.birth_date,
            postal_address=PostalAddress.from_domain(address) if address else None,
            residence_card_number=value.residence_card_number,
            documents=list(value.documents),
            updated_at=value.updated_at,
        )


@strawberry.input(description="A home address in Japan.")
class PostalAddressInput:
    postal_code: str = strawberry.field(description="7 digits, e.g. 160-0022.")
    prefecture: Prefecture = strawberry.field(description="The prefecture.")
    city: str = strawberry.field(description="City, ward, town or village.")
    line1: str = strawberry.field(description="Town, block and number.")
    line2: str = strawberry.field(default="", description="Building and room.")


@strawberry.input(
    description="Changes to the caller's personal data; omitted fields keep their value, "
    "null clears one."
)
class UpdateWorkerPersonalDataInput:
    phone: str | None = strawberry.field(
        default=strawberry.UNSET, description="e.g. 090-1234-5678 or +81 90 1234 5678."
    )
    birth_date: date | None = strawberry.field(
        default=strawberry.UNSET, description="At least 15 years ago."
    )
    postal_address: PostalAddressInput | None = strawberry.field(
        default=strawberry.UNSET,
        description="Home address; null clears it.",
    )
    residence_card_number: str | None = strawberry.field(
        default=strawberry.UNSET, description="2 letters, 8 digits, 2 letters: AB12345678CD."
    )
    documents: list[str] | None = strawberry.field(
        default=strawberry.UNSET,
        description="References to uploaded documents (at most 20); replaces the list.",
    )


@strawberry.type(description="The personal data after the mutation, or the errors that stopped it.")
class WorkerPersonalDataPayload:
    personal_data: PersonalData | None = strawberry.field(
        description="Your personal data as saved; null when it failed.",
    )
    worker: Annotated[Worker, strawberry.lazy("schema.workers")] | None = strawberry.field(
        description="Your worker profile.",
    )
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")
