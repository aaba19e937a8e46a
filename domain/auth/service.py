"""Accounts and sessions: signing up, signing in and out, changing passwords and roles."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any, Self

from pydantic import Field, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit.log import AuditKind, record_audit
from domain.auth.models import Membership, Organization, OrganizationKind, User
from domain.auth.passwords import hash_password, verify_password
from domain.auth.principal import Principal, Role
from domain.auth.sessions import (
    IssuedRefreshToken,
    family_of,
    issue_refresh_token,
    revoke_all_sessions,
    revoke_family,
    rotate_refresh_token,
)
from domain.auth.throttle import LoginThrottle
from domain.errors import (
    ErrorCode,
    FieldError,
    FieldErrorSignal,
    NotFound,
    ValidationFailed,
    validated,
)
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


@dataclass(frozen=True, slots=True)
class SignIn:
    """A signed-in session: the user and their new refresh token."""

    user: User
    refresh: IssuedRefreshToken


async def register(uow: UnitOfWork, data: dict[str, Any], ip: str | None = None) -> SignIn:
    registration = validated(Registration, data)
    user = await create_user(
        uow,
        email=registration.email,
        password=registration.password,
        display_name=registration.display_name,
        roles=[registration.role],
        locale=registration.locale,
        organization_name=registration.organization_name,
    )
    record_audit(
        uow.session,
        AuditKind.USER_REGISTERED,
        actor_id=user.id,
        subject_id=user.id,
        ip=ip,
        roles=",".join(user.roles),
    )
    return SignIn(user, issue_refresh_token(uow.session, user.id))


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


async def login(
    uow: UnitOfWork, throttle: LoginThrottle, email: str, password: str, ip: str | None
) -> SignIn | FieldError:
    """Sign in, or one generic error that reveals nothing about which emails exist.

    Failures are returned, not raised, so the audit record of them is committed."""
    retry_after = await throttle.retry_after(email, ip)
    if retry_after is not None:
        record_audit(uow.session, AuditKind.LOGIN_THROTTLED, ip=ip, email=email.lower())
        return FieldError(
            None,
            ErrorCode.TOO_MANY_ATTEMPTS,
            f"Too many failed sign-ins. Try again in {retry_after} seconds.",
        )
    user = await user_by_email(uow.session, email)
    if not await verify_password(user.password_hash if user else None, password) or user is None:
        await throttle.failed(email, ip)
        record_audit(
            uow.session,
            AuditKind.LOGIN_FAILED,
            subject_id=user.id if user else None,
            ip=ip,
            email=email.lower(),
        )
        return FieldError(
            None, ErrorCode.INVALID_CREDENTIALS, "The email or password is not correct."
        )
    await throttle.succeeded(email)
    record_audit(
        uow.session, AuditKind.LOGIN_SUCCEEDED, actor_id=user.id, subject_id=user.id, ip=ip
    )
    uow.record("user.signed_in", user_id=str(user.id))  # notifies the owner (ids only)
    return SignIn(user, issue_refresh_token(uow.session, user.id))


async def refresh_session(uow: UnitOfWork, presented: str, ip: str | None) -> SignIn | FieldError:
    rotation = await rotate_refresh_token(uow.session, presented)
    if rotation.reused:
        record_audit(uow.session, AuditKind.REFRESH_TOKEN_REUSED, ip=ip)
    if rotation.user is None or rotation.refresh is None:
        return FieldError(
            "refresh_token", ErrorCode.INVALID_TOKEN, rotation.problem or "Not valid."
        )
    record_audit(uow.session, AuditKind.SESSION_REFRESHED, actor_id=rotation.user.id, ip=ip)
    return SignIn(rotation.user, rotation.refresh)


async def logout(uow: UnitOfWork, presented: str, ip: str | None) -> None:
    """End the session the refresh token belongs to (possessing it is the proof)."""
    token = await family_of(uow.session, presented)
    if token is None:
        raise ValidationFailed.single(
            "refresh_token", ErrorCode.INVALID_TOKEN, "This refresh token is not valid."
        )
    await revoke_family(uow.session, token.family_id, "logout")
    record_audit(uow.session, AuditKind.LOGOUT, actor_id=token.user_id, ip=ip)


async def logout_everywhere(uow: UnitOfWork, actor: Principal, ip: str | None) -> None:
    user = await _current_user(uow, actor)
    await revoke_all_sessions(uow.session, user, "logout_everywhere")
    record_audit(uow.session, AuditKind.LOGOUT_EVERYWHERE, actor_id=user.id, ip=ip)


class PasswordChange(Model):
    current_password: str = Field(max_length=128)
    new_password: str = Field(min_length=10, max_length=128)

    @model_validator(mode="after")
    def _different(self) -> Self:
        if self.current_password == self.new_password:
            raise FieldErrorSignal(
                ErrorCode.INVALID,
                "Choose a password different from the current one.",
                "new_password",
            )
        return self


async def change_password(
    uow: UnitOfWork, actor: Principal, data: dict[str, Any], ip: str | None
) -> SignIn:
    """Every other session ends; the caller gets a fresh one."""
    change = validated(PasswordChange, data)
    user = await _current_user(uow, actor)
    if not await verify_password(user.password_hash, change.current_password):
        raise ValidationFailed.single(
            "current_password", ErrorCode.INVALID_CREDENTIALS, "The current password is wrong."
        )
    user.password_hash = await hash_password(change.new_password)
    await revoke_all_sessions(uow.session, user, "password_changed")
    record_audit(
        uow.session, AuditKind.PASSWORD_CHANGED, actor_id=user.id, subject_id=user.id, ip=ip
    )
    uow.record("user.password_changed", user_id=str(user.id))  # notifies the owner
    return SignIn(user, issue_refresh_token(uow.session, user.id))


class RoleChange(Model):
    user_id: uuid.UUID
    roles: list[Role] = Field(min_length=1, max_length=len(Role))


async def set_user_roles(
    uow: UnitOfWork, actor: Principal, data: dict[str, Any], ip: str | None
) -> User:
    """Admins grant and withdraw roles; effective on the user's next request."""
    admin_id = actor.require_role(Role.ADMIN)
    change = validated(RoleChange, data)
    user = await uow.session.get(User, change.user_id, with_for_update=True)
    if user is None:
        raise NotFound("user")
    before = sorted(user.roles)
    user.roles = sorted({role.value for role in change.roles})
    record_audit(
        uow.session,
        AuditKind.ROLES_CHANGED,
        actor_id=admin_id,
        subject_id=user.id,
        ip=ip,
        before=",".join(before),
        after=",".join(user.roles),
    )
    if user.roles != before:
        uow.record("user.roles_changed", user_id=str(user.id), roles=list(user.roles))
    return user


async def _current_user(uow: UnitOfWork, actor: Principal) -> User:
    user = await uow.session.get(User, actor.require_user(), with_for_update=True)
    if user is None:
        raise NotFound("user")
    return user
