"""Who is asking: the identity every domain function authorises against."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from domain.errors import Forbidden, Unauthenticated


class Role(StrEnum):
    WORKER = "WORKER"
    EMPLOYER = "EMPLOYER"
    ISSUER = "ISSUER"
    ADMIN = "ADMIN"
    PARTNER = "PARTNER"


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: UUID | None = None
    roles: frozenset[Role] = field(default_factory=frozenset)
    # OAuth scopes of a partner's client-credentials token; None for a user's own session.
    scopes: frozenset[str] | None = None
    client_id: str | None = None
    # When the credential this principal came from stops being valid (live connections close then).
    expires_at: datetime | None = None
    # Why the caller is anonymous despite sending a token ("expired", ...), for a precise error.
    credential_problem: str | None = None

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    def has(self, role: Role) -> bool:
        return role in self.roles

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    def require_user(self) -> UUID:
        if self.user_id is None:
            raise Unauthenticated(self.credential_problem or "Sign in to do this.")
        return self.user_id

    def require_scope(self, scope: str) -> None:
        """Partner tokens carry scopes; a user's own session may do all its roles allow."""
        if self.scopes is not None and scope not in self.scopes:
            raise Forbidden(f"This needs the `{scope}` scope.")

    def require_role(self, *roles: Role) -> UUID:
        user_id = self.require_user()
        if not self.roles.intersection(roles):
            wanted = " or ".join(roles)
            raise Forbidden(f"This needs the {wanted} role.")
        return user_id


ANONYMOUS = Principal()
