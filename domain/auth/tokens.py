"""Short-lived JWT access tokens (joserfc), with an allow-listed algorithm."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, OctKey, RSAKey

from domain.auth.principal import Principal, Role
from domain.clock import utcnow

Key = OctKey | RSAKey | ECKey


@dataclass(frozen=True, slots=True)
class TokenSettings:
    algorithm: str  # exactly one of HS256, RS256, ES256
    signing_key: Key
    verification_key: Key
    issuer: str
    audience: str
    ttl: timedelta

    @classmethod
    def from_secret_or_pem(
        cls,
        algorithm: str,
        *,
        secret: str | None,
        private_pem: str | None,
        public_pem: str | None,
        issuer: str,
        audience: str,
        ttl_seconds: int,
    ) -> TokenSettings:
        signing: Key
        verification: Key
        if algorithm == "HS256":
            if not secret:
                raise ValueError("HS256 needs a secret")
            signing = verification = OctKey.import_key(secret)
        else:
            key_type: type[RSAKey] | type[ECKey] = RSAKey if algorithm == "RS256" else ECKey
            if not private_pem or not public_pem:
                raise ValueError(f"{algorithm} needs a private and a public key")
            signing = key_type.import_key(private_pem)
            verification = key_type.import_key(public_pem)
        return cls(
            algorithm, signing, verification, issuer, audience, timedelta(seconds=ttl_seconds)
        )


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    expires_at: datetime


class InvalidToken(Exception):
    """The token is malformed, tampered with, expired or not for us; the message says which."""


class AccessTokens:
    def __init__(self, settings: TokenSettings) -> None:
        self._settings = settings
        self._claims = jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": settings.issuer},
            aud={"essential": True, "value": settings.audience},
            exp={"essential": True},
            iat={"essential": True},
            sub={"essential": True},
            jti={"essential": True},
            leeway=30,
        )

    def issue(self, user_id: uuid.UUID, roles: list[str]) -> IssuedToken:
        now = utcnow()
        expires_at = now + self._settings.ttl
        claims = {
            "iss": self._settings.issuer,
            "aud": self._settings.audience,
            "sub": str(user_id),
            "iat": int(now.timestamp()),
            "exp": int(expires_at.timestamp()),
            "jti": uuid.uuid4().hex,
            "roles": sorted(roles),
        }
        header = {"alg": self._settings.algorithm, "typ": "JWT"}
        token = jwt.encode(
            header, claims, self._settings.signing_key, algorithms=[self._settings.algorithm]
        )
        return IssuedToken(token, expires_at.replace(microsecond=0))

    def verify(self, token: str) -> Principal:
        try:
            decoded = jwt.decode(
                token, self._settings.verification_key, algorithms=[self._settings.algorithm]
            )
            self._claims.validate(decoded.claims)
        except JoseError as error:
            raise InvalidToken(_describe(error)) from None
        except ValueError:
            raise InvalidToken("The access token is malformed.") from None
        claims = decoded.claims
        try:
            user_id = uuid.UUID(str(claims["sub"]))
            roles = frozenset(Role(role) for role in claims.get("roles", []))
        except (ValueError, KeyError):
            raise InvalidToken("The access token is malformed.") from None
        return Principal(user_id=user_id, roles=roles)


def _describe(error: JoseError) -> str:
    name = type(error).__name__
    if name == "ExpiredTokenError":
        return "The access token has expired."
    if name in {"BadSignatureError", "UnsupportedAlgorithmError"}:
        return "The access token's signature is not valid."
    return "The access token is not valid."
