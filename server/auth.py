"""Reading the caller from an HTTP request or a WebSocket's connection params."""

from __future__ import annotations

from domain.auth.principal import ANONYMOUS, Principal
from domain.auth.tokens import AccessTokens, InvalidToken


def principal_from_authorization(tokens: AccessTokens, header: str | None) -> Principal:
    """A valid bearer token gives its user; a bad one gives an anonymous caller that
    remembers why, so fields that need a user can say "expired" rather than "sign in"."""
    if not header:
        return ANONYMOUS
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return Principal(credential_problem="Use `Authorization: Bearer <access token>`.")
    try:
        return tokens.verify(token.strip())
    except InvalidToken as problem:
        return Principal(credential_problem=str(problem))
