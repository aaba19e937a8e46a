"""Between validated personal data and the encrypted columns of its row.

Every value is encrypted with associated data naming the table, the field and
the profile, so a token copied to another row or field does not decrypt.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from domain.crypto.field_encryption import KeyRing, field_aad
from domain.geo.prefectures import Prefecture
from domain.profiles.personal_data.inputs import PersonalDataDraft, PostalAddress
from domain.profiles.personal_data.models import ENCRYPTED_COLUMNS, TABLE, WorkerPersonalData


@dataclass(frozen=True)
class PersonalData:
    """A worker's personal data in the clear: exists only in memory, for one reader."""

    phone: str | None = None
    birth_date: date | None = None
    postal_address: PostalAddress | None = None
    residence_card_number: str | None = None
    documents: list[str] = field(default_factory=list)
    updated_at: datetime | None = None

    def as_input(self) -> dict[str, Any]:
        """The data as the input that would recreate it: the base an edit is merged onto."""
        return {
            "phone": self.phone,
            "birth_date": self.birth_date,
            "postal_address": self.postal_address.model_dump() if self.postal_address else None,
            "residence_card_number": self.residence_card_number,
            "documents": list(self.documents),
        }


def aad_for(profile_id: uuid.UUID, name: str) -> bytes:
    return field_aad(TABLE, name, profile_id)


def _to_text(draft: PersonalDataDraft) -> dict[str, str | None]:
    address = draft.postal_address
    return {
        "phone": draft.phone,
        "birth_date": draft.birth_date.isoformat() if draft.birth_date else None,
        "postal_address": json.dumps(address.model_dump(mode="json"), ensure_ascii=False)
        if address
        else None,
        "residence_card_number": draft.residence_card_number,
        "documents": json.dumps(draft.documents, ensure_ascii=False) if draft.documents else None,
    }


def encrypted_columns(
    keyring: KeyRing, profile_id: uuid.UUID, draft: PersonalDataDraft
) -> dict[str, str | None]:
    """Column → token (or None) for every personal field, all under the active key."""
    columns: dict[str, str | None] = {}
    for name, plaintext in _to_text(draft).items():
        columns[ENCRYPTED_COLUMNS[name]] = (
            None if plaintext is None else keyring.encrypt(plaintext, aad_for(profile_id, name))
        )
    return columns


def _address(fields: dict[str, Any]) -> PostalAddress:
    return PostalAddress.model_construct(
        **{**fields, "prefecture": Prefecture(fields["prefecture"])}
    )


def decrypt_row(keyring: KeyRing, row: WorkerPersonalData) -> PersonalData:
    clear: dict[str, str | None] = {}
    for name, column in ENCRYPTED_COLUMNS.items():
        token = getattr(row, column)
        if token is not None:
            clear[name] = keyring.decrypt(token, aad_for(row.profile_id, name))
    birth_date, address = clear.get("birth_date"), clear.get("postal_address")
    documents = clear.get("documents")
    return PersonalData(
        phone=clear.get("phone"),
        birth_date=date.fromisoformat(birth_date) if birth_date else None,
        # Built without re-validating: what was valid when written is shown as written.
        postal_address=_address(json.loads(address)) if address else None,
        residence_card_number=clear.get("residence_card_number"),
        documents=json.loads(documents) if documents else [],
        updated_at=row.updated_at,
    )
