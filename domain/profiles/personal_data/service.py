"""Workers write their own personal data; the owner and admins read it, decrypted on demand."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.auth.principal import Principal, Role
from domain.clock import utcnow
from domain.crypto.field_encryption import FieldEncryptionError, KeyRing
from domain.errors import ErrorCode, ValidationFailed, validated
from domain.matching.queries import profiles_sharing_contact_with
from domain.profiles.models import WorkerProfile
from domain.profiles.personal_data.access import can_see_personal_data
from domain.profiles.personal_data.codec import PersonalData, decrypt_row, encrypted_columns
from domain.profiles.personal_data.inputs import PersonalDataDraft
from domain.profiles.personal_data.models import WorkerPersonalData
from domain.profiles.service import profile_of_user
from domain.unit_of_work import UnitOfWork


async def update_personal_data(
    uow: UnitOfWork, keyring: KeyRing, actor: Principal, changes: dict[str, Any]
) -> tuple[WorkerProfile, PersonalData]:
    """Merge an edit onto the caller's personal data, validate the whole, store it encrypted.

    Every field is encrypted afresh under the active key, so an edit also moves
    the row off any older key.
    """
    user_id = actor.require_role(Role.WORKER)
    # Locking the profile serialises edits, including the first one that inserts the row.
    profile = await profile_of_user(uow.session, user_id, lock=True)
    if profile is None:
        raise ValidationFailed.single(
            None, ErrorCode.NOT_FOUND, "Create your worker profile before adding personal data."
        )
    row = await uow.session.get(WorkerPersonalData, profile.id)
    current = decrypt_row(keyring, row) if row else PersonalData()
    draft = validated(PersonalDataDraft, {**current.as_input(), **changes})
    if row is None:
        row = WorkerPersonalData(profile_id=profile.id, key_id=keyring.active_key_id)
        uow.session.add(row)
    else:
        row.version += 1
    for column, token in encrypted_columns(keyring, profile.id, draft).items():
        setattr(row, column, token)
    row.key_id = keyring.active_key_id
    row.updated_at = utcnow()
    # Names of the changed fields only: events travel over Redis and must carry no values.
    uow.record(
        "personal_data.updated",
        profile_id=str(profile.id),
        user_id=str(user_id),
        fields=sorted(changes),
    )
    return profile, PersonalData(
        phone=draft.phone,
        birth_date=draft.birth_date,
        postal_address=draft.postal_address,
        residence_card_number=draft.residence_card_number,
        documents=list(draft.documents),
        updated_at=row.updated_at,
    )


async def personal_data_of_profiles(
    session: AsyncSession, actor: Principal, profile_ids: list[uuid.UUID], *, keyring: KeyRing
) -> dict[uuid.UUID, PersonalData | FieldEncryptionError]:
    """Decrypted personal data of the profiles the actor may read it for, in one statement.

    Profiles the actor may not read are absent (the API shows null); a readable
    profile without personal data yet gets an empty `PersonalData`. Only readable
    rows are decrypted, and a row that cannot be (wrong key, tampered, moved)
    yields its error instead, so it fails its own field and not the whole page.
    """
    if not actor.is_authenticated:
        return {}
    rows = await session.execute(
        select(WorkerProfile, WorkerPersonalData)
        .outerjoin(WorkerPersonalData, WorkerPersonalData.profile_id == WorkerProfile.id)  # type: ignore[arg-type]
        .where(WorkerProfile.id.in_(profile_ids))  # type: ignore[attr-defined]
    )
    shared = await profiles_sharing_contact_with(session, actor, profile_ids)
    found: dict[uuid.UUID, PersonalData | FieldEncryptionError] = {}
    for profile, data in rows.all():
        if not can_see_personal_data(actor, profile, contact_shared=profile.id in shared):
            continue
        try:
            found[profile.id] = decrypt_row(keyring, data) if data is not None else PersonalData()
        except FieldEncryptionError as error:
            found[profile.id] = error
    return found
