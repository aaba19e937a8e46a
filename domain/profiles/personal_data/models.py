"""The table holding a worker's personal data, every value an encrypted token.

A table of its own rather than columns on `worker_profiles`: profile reads,
searches and exports never load ciphertext, and its access can be granted
separately at the database level.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlmodel import Field, SQLModel

from domain.columns import created_at

TABLE = "worker_personal_data"

# Logical field → column. The logical name goes into each value's associated data.
ENCRYPTED_COLUMNS: dict[str, str] = {
    "phone": "phone_encrypted",
    "birth_date": "birth_date_encrypted",
    "postal_address": "postal_address_encrypted",
    "residence_card_number": "residence_card_number_encrypted",
    "documents": "documents_encrypted",
}

# The database refuses anything that is not an encrypted token, so a bug can
# never write plaintext here.
_ONLY_TOKENS = " AND ".join(
    f"({column} IS NULL OR {column} LIKE 'v1.%')" for column in ENCRYPTED_COLUMNS.values()
)


class WorkerPersonalData(SQLModel, table=True):
    __tablename__ = TABLE
    __table_args__ = (
        CheckConstraint(_ONLY_TOKENS, name="ck_worker_personal_data_encrypted"),
        # `iworkz reencrypt` finds rows not under the active key through this index.
        Index("ix_worker_personal_data_key_id", "key_id"),
    )

    profile_id: uuid.UUID = Field(
        sa_column=Column(
            UUID(as_uuid=True),
            ForeignKey("worker_profiles.id", ondelete="CASCADE"),
            primary_key=True,
        )
    )
    # The key every value of the row is encrypted under (each token also names it).
    key_id: str = Field(sa_column=Column(String(40), nullable=False))
    phone_encrypted: str | None = Field(default=None, sa_column=Column(Text))
    birth_date_encrypted: str | None = Field(default=None, sa_column=Column(Text))
    postal_address_encrypted: str | None = Field(default=None, sa_column=Column(Text))
    residence_card_number_encrypted: str | None = Field(default=None, sa_column=Column(Text))
    documents_encrypted: str | None = Field(default=None, sa_column=Column(Text))
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False))
    updated_at: datetime | None = created_at()
