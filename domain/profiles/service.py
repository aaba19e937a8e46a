"""Workers create and edit their own profile; nobody else writes it."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.auth.principal import Principal, Role
from domain.clock import utcnow
from domain.errors import ErrorCode, NotFound, ValidationFailed, validated
from domain.geo.prefectures import location_search_terms
from domain.profiles.inputs import ProfileDraft
from domain.profiles.models import WorkerProfile, WorkerSkill
from domain.skills.lookup import require_known_skills, skill_search_text
from domain.skills.models import Skill
from domain.text_search import grams, normalize
from domain.unit_of_work import UnitOfWork


async def profile_of_user(
    session: AsyncSession, user_id: uuid.UUID, *, lock: bool = False
) -> WorkerProfile | None:
    statement = select(WorkerProfile).where(WorkerProfile.user_id == user_id)  # type: ignore[arg-type]
    if lock:
        statement = statement.with_for_update()
    return (await session.execute(statement)).scalar()


async def create_profile(uow: UnitOfWork, actor: Principal, data: dict[str, Any]) -> WorkerProfile:
    user_id = actor.require_role(Role.WORKER)
    draft = validated(ProfileDraft, data)
    if await profile_of_user(uow.session, user_id) is not None:
        raise ValidationFailed.single(
            None, ErrorCode.ALREADY_EXISTS, "You already have a profile: edit it instead."
        )
    skills = await require_known_skills(uow.session, [s.skill_id for s in draft.skills], "skills")
    profile = WorkerProfile(
        user_id=user_id, matching_status="PENDING", **profile_columns(draft, skills)
    )
    uow.session.add(profile)
    await uow.session.flush()
    replace_skills(uow.session, profile.id, draft)
    uow.record(
        "profile.created", profile_id=str(profile.id), user_id=str(user_id), version=profile.version
    )
    return profile


async def update_profile(
    uow: UnitOfWork, actor: Principal, changes: dict[str, Any]
) -> WorkerProfile:
    """Apply a partial edit to the caller's own profile; the result is validated whole."""
    user_id = actor.require_role(Role.WORKER)
    profile = await profile_of_user(uow.session, user_id, lock=True)
    if profile is None:
        raise NotFound("profile")
    current = await draft_of(uow.session, profile)
    draft = validated(ProfileDraft, {**current.model_dump(), **changes})
    skills = await require_known_skills(uow.session, [s.skill_id for s in draft.skills], "skills")
    for column, value in profile_columns(draft, skills).items():
        setattr(profile, column, value)
    profile.version += 1
    profile.matching_status = "PENDING"  # ranked again in the background
    profile.updated_at = utcnow()
    await uow.session.execute(
        delete(WorkerSkill).where(WorkerSkill.profile_id == profile.id)  # type: ignore[arg-type]
    )
    replace_skills(uow.session, profile.id, draft)
    uow.record(
        "profile.updated", profile_id=str(profile.id), user_id=str(user_id), version=profile.version
    )
    return profile


async def draft_of(session: AsyncSession, profile: WorkerProfile) -> ProfileDraft:
    """The profile as the input that would recreate it: the base an edit is merged onto."""
    rows = await session.execute(
        select(WorkerSkill)
        .where(WorkerSkill.profile_id == profile.id)  # type: ignore[arg-type]
        .order_by(WorkerSkill.position)  # type: ignore[arg-type]
    )
    return ProfileDraft.model_validate(
        {
            "headline": profile.headline,
            "bio": profile.bio,
            "skills": [
                {"skill_id": s.skill_id, "level": s.level, "years": s.years} for s in rows.scalars()
            ],
            "languages": profile.languages,
            "location": None
            if profile.prefecture is None
            else {
                "prefecture": profile.prefecture,
                "city": profile.city,
                "lat": profile.lat,
                "lon": profile.lon,
            },
            "travel_radius_km": profile.travel_radius_km,
            "remote_ok": profile.remote_ok,
            "desired_pay": None
            if profile.desired_pay_amount is None
            else {"amount": profile.desired_pay_amount, "period": profile.desired_pay_period},
            "employment_types": profile.employment_types,
            "weekly_availability": profile.weekly_availability,
            "earliest_start": profile.earliest_start,
            "work_authorization": None
            if profile.residence_status is None
            else {
                "residence_status": profile.residence_status,
                "expires_on": profile.work_authorization_expires_on,
            },
            "visibility": profile.visibility,
        }
    )


def profile_columns(draft: ProfileDraft, skills: dict[uuid.UUID, Skill]) -> dict[str, Any]:
    location, pay, authorization = draft.location, draft.desired_pay, draft.work_authorization
    searchable = [draft.headline, draft.bio]
    if location is not None:
        searchable += location_search_terms(location.prefecture, location.city)
    for item in draft.skills:
        searchable += skill_search_text(skills[item.skill_id])
    return {
        "headline": draft.headline,
        "bio": draft.bio,
        "prefecture": location.prefecture if location else None,
        "city": location.city if location else "",
        "lat": location.lat if location else None,
        "lon": location.lon if location else None,
        "travel_radius_km": draft.travel_radius_km,
        "remote_ok": draft.remote_ok,
        "desired_pay_amount": pay.amount if pay else None,
        "desired_pay_period": pay.period.value if pay else None,
        "employment_types": [t.value for t in draft.employment_types],
        "languages": [language.model_dump(mode="json") for language in draft.languages],
        "weekly_availability": [slot.model_dump(mode="json") for slot in draft.weekly_availability],
        "earliest_start": draft.earliest_start,
        "residence_status": authorization.residence_status.value if authorization else None,
        "work_authorization_expires_on": authorization.expires_on if authorization else None,
        "visibility": draft.visibility.value,
        "search_text": " | ".join(normalize(text) for text in searchable if text),
        "search_grams": grams(searchable),
    }


def replace_skills(session: AsyncSession, profile_id: uuid.UUID, draft: ProfileDraft) -> None:
    for position, item in enumerate(draft.skills):
        session.add(
            WorkerSkill(
                profile_id=profile_id,
                skill_id=item.skill_id,
                level=item.level,
                years=item.years,
                position=position,
            )
        )
