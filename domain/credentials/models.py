"""Issuer signing keys, issued credentials and the anchor batches that put their Merkle roots
on chain. Hashes and addresses are stored as 0x-prefixed hex, exactly as they appear in the
documents and on chain."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlmodel import Field, SQLModel

from domain.columns import created_at, jsonb, text_array, timestamp, uuid_pk

HASH_LENGTH = 66  # 0x + 64 hex digits
ADDRESS_LENGTH = 42  # 0x + 40 hex digits


class CredentialStatus(StrEnum):
    AWAITING_SIGNATURE = "AWAITING_SIGNATURE"  # prepared for an issuer that signs itself
    ISSUED = "ISSUED"  # signed, waiting for its batch to be anchored
    ANCHORED = "ANCHORED"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"  # never stored: derived from validUntil when read


class BatchKind(StrEnum):
    CREDENTIALS = "CREDENTIALS"
    REVOCATIONS = "REVOCATIONS"


class BatchStatus(StrEnum):
    PREPARED = "PREPARED"  # signed and recorded, perhaps not yet sent
    SENT = "SENT"
    CONFIRMED = "CONFIRMED"
    FAILED = "FAILED"  # mined but reverted: its leaves go into a later batch


def _fk(target: str, *, nullable: bool = False, ondelete: str = "CASCADE") -> Any:
    return Field(
        default=None if nullable else ...,
        sa_column=Column(
            UUID(as_uuid=True), ForeignKey(target, ondelete=ondelete), nullable=nullable
        ),
    )


class IssuerKey(SQLModel, table=True):
    """An Ethereum key an issuer signs with. Platform-held keys are AES-256-GCM encrypted
    under the data-encryption keys; a key the issuer holds itself has no private part here."""

    __tablename__ = "issuer_keys"
    __table_args__ = (
        CheckConstraint(
            "private_key_encrypted IS NULL OR private_key_encrypted LIKE 'v1.%'",
            name="ck_issuer_keys_private_key_encrypted",
        ),
        CheckConstraint(
            "valid_until IS NULL OR valid_until > valid_from", name="ck_issuer_keys_window"
        ),
        Index("ix_issuer_keys_organization", "organization_id", text("created_at DESC")),
    )

    id: uuid.UUID = uuid_pk()
    organization_id: uuid.UUID = _fk("organizations.id")
    address: str = Field(sa_column=Column(String(ADDRESS_LENGTH), nullable=False, unique=True))
    label: str = Field(sa_column=Column(String(100), nullable=False))
    private_key_encrypted: str | None = Field(default=None, sa_column=Column(Text))
    valid_from: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    valid_until: datetime | None = timestamp()
    retired_at: datetime | None = timestamp()
    compromised_at: datetime | None = timestamp()
    created_at: datetime | None = created_at()


class AnchorBatch(SQLModel, table=True):
    """One anchor transaction. The signed bytes are stored before they are broadcast, so a
    crash between sending and recording is recovered by re-sending the same bytes."""

    __tablename__ = "anchor_batches"
    __table_args__ = (
        UniqueConstraint("chain_id", "sender", "nonce", name="uq_anchor_batches_nonce"),
        Index(
            "ix_anchor_batches_open",
            "created_at",
            postgresql_where=text("status IN ('PREPARED', 'SENT')"),
        ),
    )

    id: uuid.UUID = uuid_pk()
    kind: str = Field(sa_column=Column(String(12), nullable=False))
    status: str = Field(sa_column=Column(String(10), nullable=False))
    merkle_root: str = Field(sa_column=Column(String(HASH_LENGTH), nullable=False))
    leaf_count: int = Field(sa_column=Column(Integer, nullable=False))
    chain_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    sender: str = Field(sa_column=Column(String(ADDRESS_LENGTH), nullable=False))
    nonce: int = Field(sa_column=Column(BigInteger, nullable=False))
    tx_hash: str = Field(sa_column=Column(String(HASH_LENGTH), nullable=False))
    raw_transaction: str = Field(sa_column=Column(Text, nullable=False))
    max_fee_per_gas: int = Field(sa_column=Column(BigInteger, nullable=False))
    max_priority_fee_per_gas: int = Field(sa_column=Column(BigInteger, nullable=False))
    # Every hash sent for this nonce: a replaced transaction may still be the one mined.
    tx_hashes: list[str] = text_array()
    block_number: int | None = Field(default=None, sa_column=Column(BigInteger))
    block_timestamp: datetime | None = timestamp()
    sent_at: datetime | None = timestamp()
    confirmed_at: datetime | None = timestamp()
    created_at: datetime | None = created_at()


class Credential(SQLModel, table=True):
    """A signed credential about a worker. `document` is the whole W3C VC with its proofs
    (the anchor proof is added once the batch is confirmed); deleting the worker's profile
    deletes it, and only Merkle roots, which identify no one, stay on chain."""

    __tablename__ = "credentials"
    __table_args__ = (
        UniqueConstraint(
            "organization_id", "status_list_index", name="uq_credentials_status_list_index"
        ),
        UniqueConstraint(
            "organization_id", "idempotency_key", name="uq_credentials_idempotency_key"
        ),
        Index("ix_credentials_subject", "subject_profile_id", text("created_at DESC")),
        Index("ix_credentials_issuer_newest", "organization_id", text("created_at DESC")),
        Index(
            "ix_credentials_unanchored",
            "created_at",
            postgresql_where=text("batch_id IS NULL AND status = 'ISSUED'"),
        ),
        Index(
            "ix_credentials_revocations_unanchored",
            "revoked_at",
            postgresql_where=text("revoked_at IS NOT NULL AND revocation_batch_id IS NULL"),
        ),
    )

    id: uuid.UUID = uuid_pk()
    organization_id: uuid.UUID = _fk("organizations.id")
    subject_profile_id: uuid.UUID = _fk("worker_profiles.id")
    issuer_key_id: uuid.UUID = _fk("issuer_keys.id", ondelete="RESTRICT")
    credential_type: str = Field(sa_column=Column(String(30), nullable=False))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    status: str = Field(sa_column=Column(String(20), nullable=False))
    document: dict[str, Any] = jsonb({})
    document_hash: str = Field(sa_column=Column(String(HASH_LENGTH), nullable=False, unique=True))
    leaf: str | None = Field(default=None, sa_column=Column(String(HASH_LENGTH)))
    status_list_index: int = Field(sa_column=Column(Integer, nullable=False))
    valid_from: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    valid_until: datetime | None = timestamp()
    idempotency_key: str | None = Field(default=None, sa_column=Column(String(100)))
    batch_id: uuid.UUID | None = _fk("anchor_batches.id", nullable=True, ondelete="SET NULL")
    merkle_path: list[str] = text_array()
    anchored_at: datetime | None = timestamp()
    revoked_at: datetime | None = timestamp()
    revocation_reason: str | None = Field(default=None, sa_column=Column(String(500)))
    revocation_batch_id: uuid.UUID | None = _fk(
        "anchor_batches.id", nullable=True, ondelete="SET NULL"
    )
    revocation_path: list[str] = text_array()
    created_at: datetime | None = created_at()
