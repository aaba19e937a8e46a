"""Registering and signing in."""

from __future__ import annotations

import re
from typing import Any, Self

from pydantic import Field, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.auth.models import Membership, Organization, OrganizationKind, User
from domain.auth.passwords import hash_password, verify_password
from domain.auth.principal import Role
from domain.errors import ErrorCode, FieldErrorSignal, ValidationFailed, validated
from domain.unit_of_work import UnitOfWork
from domain.values import Model

SELF_SERVICE_ROLES = frozenset({Role.WORKER, Role.EMPLOYER, Role.ISSUER})
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


class Registration(Model):
    email: str = Field(max_length=254)
    password: str = Field(min_length=10, max_length=128)
    display_name: str = Field(min_length=1, max_length=100)
    role: Role
    organization_name: str | None = Field(default=None, min_length=1, max_length=200)
    locale: str = Field(default="ja", pattern=r"^(ja|en)$")

    @field_validator("email")
    @classmethod
    def _email(cls, email: str) -> str:
        if not _EMAIL.match(email):
            raise ValueError("Enter a valid email address.")
        return email.lower()

    @model_validator(mode="after")
    def _role_rules(self) -> Self:
        if self.role not in SELF_SERVICE_ROLES:
            raise FieldErrorSignal(
                ErrorCode.FORBIDDEN, "This role cannot be chosen at sign-up.", "role"
            )
        if self.role in (Role.EMPLOYER, Role.ISSUER) and not self.organization_name:
            raise FieldErrorSignal(
                ErrorCode.REQUIRED,
                "Employers and issuers register an organisation.",
                "organization_name",
            )
        return self


async def user_by_email(session: AsyncSession, email: str) -> User | None:
    statement = select(User).where(User.email == email.strip().lower())  # type: ignore[arg-type]
    return (await session.execute(statement)).scalar()


async def register(uow: UnitOfWork, data: dict[str, Any]) -> User:
    registration = validated(Registration, data)
    return await create_user(
        uow,
        email=registration.email,
        password=registration.password,
        display_name=registration.display_name,
        roles=[registration.role],
        locale=registration.locale,
        organization_name=registration.organization_name,
    )


async def create_user(
    uow: UnitOfWork,
    *,
    email: str,
    password: str,
    display_name: str,
    roles: list[Role],
    locale: str = "ja",
    organization_name: str | None = None,
) -> User:
    """Create an account (and its organisation); also used by the CLI for admins and partners."""
    if await user_by_email(uow.session, email) is not None:
        raise ValidationFailed.single(
            "email", ErrorCode.ALREADY_EXISTS, "An account with this email already exists."
        )
    user = User(
        email=email.lower(),
        password_hash=await hash_password(password),
        display_name=display_name,
        roles=[role.value for role in roles],
        locale=locale,
    )
    uow.session.add(user)
    await uow.session.flush()
    if organization_name:
        kind = OrganizationKind.ISSUER if Role.ISSUER in roles else OrganizationKind.EMPLOYER
        organization = Organization(name=organization_name, kind=kind.value)
        uow.session.add(organization)
        await uow.session.flush()
        uow.session.add(Membership(user_id=user.id, organization_id=organization.id))
    uow.record("user.registered", user_id=str(user.id), roles=[r.value for r in roles])
    return user


async def authenticate(session: AsyncSession, email: str, password: str) -> User:
    """The user with these credentials, or one generic error that reveals nothing more."""
    user = await user_by_email(session, email)
    if not await verify_password(user.password_hash if user else None, password) or user is None:
        raise ValidationFailed.single(
            None, ErrorCode.INVALID_CREDENTIALS, "The email or password is not correct."
        )
    return user
