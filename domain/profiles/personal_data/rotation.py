"""Key rotation: move every personal-data value onto the active key, in batches.

Safe to re-run and to run beside live traffic: each batch is its own
transaction, rows being edited right now are skipped (the edit writes them
under the active key anyway) and a row already under the active key is left
alone, so a second run finds nothing to do.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from domain.crypto.field_encryption import FieldEncryptionError, KeyRing
from domain.profiles.personal_data.codec import aad_for
from domain.profiles.personal_data.models import ENCRYPTED_COLUMNS, WorkerPersonalData

DEFAULT_BATCH_SIZE = 500


@dataclass
class ReencryptionReport:
    active_key_id: str
    rows_reencrypted: int = 0
    values_reencrypted: int = 0
    failures: dict[uuid.UUID, str] = field(default_factory=dict)
    rows_by_key: dict[str, int] = field(default_factory=dict)

    @property
    def rows_not_current(self) -> int:
        """Rows still under another key after the run: failures, or rows locked by an edit."""
        return sum(n for key_id, n in self.rows_by_key.items() if key_id != self.active_key_id)


async def reencrypt_personal_data(
    session_factory: Callable[[], AsyncSession],
    keyring: KeyRing,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> ReencryptionReport:
    report = ReencryptionReport(keyring.active_key_id)
    after: uuid.UUID | None = None
    while True:
        async with session_factory() as session, session.begin():
            statement = (
                select(WorkerPersonalData)
                .where(col(WorkerPersonalData.key_id) != keyring.active_key_id)
                .order_by(col(WorkerPersonalData.profile_id))
                .limit(batch_size)
                .with_for_update(skip_locked=True)
            )
            if after is not None:
                statement = statement.where(col(WorkerPersonalData.profile_id) > after)
            rows = list((await session.execute(statement)).scalars())
            if not rows:
                break
            for row in rows:
                _reencrypt_row(keyring, row, report)
            after = rows[-1].profile_id
    async with session_factory() as session:
        counts = await session.execute(
            select(col(WorkerPersonalData.key_id), func.count()).group_by(
                col(WorkerPersonalData.key_id)
            )
        )
        report.rows_by_key = {key_id: count for key_id, count in counts.all()}
    return report


def _reencrypt_row(keyring: KeyRing, row: WorkerPersonalData, report: ReencryptionReport) -> None:
    """All of a row's values move together, or none do (a failure is reported, not raised)."""
    updated: dict[str, str] = {}
    try:
        for name, column in ENCRYPTED_COLUMNS.items():
            token = getattr(row, column)
            if token is not None and not keyring.is_current(token):
                updated[column] = keyring.reencrypt(token, aad_for(row.profile_id, name))
    except FieldEncryptionError as error:
        report.failures[row.profile_id] = str(error)
        return
    for column, token in updated.items():
        setattr(row, column, token)
    row.key_id = keyring.active_key_id
    report.rows_reencrypted += 1
    report.values_reencrypted += len(updated)
