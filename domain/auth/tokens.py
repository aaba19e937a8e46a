"""Short-lived JWT access tokens (joserfc): one allow-listed algorithm, keys chosen by `kid`.

Tokens are signed with the active key and verified with any key still in the
ring, so keys rotate without signing anyone out: add the new key as active, keep
the old one for verification for one token lifetime, then drop it.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, OctKey, RSAKey

from domain.bounded import keep
from domain.clock import utcnow

Key = OctKey | RSAKey | ECKey
ALGORITHMS: dict[str, type[OctKey] | type[RSAKey] | type[ECKey]] = {
    "HS256": OctKey,
    "RS256": RSAKey,
    "ES256": ECKey,
}


@dataclass(frozen=True, slots=True)
class TokenSettings:
    algorithm: str  # exactly one of ALGORITHMS
    signing_key: Key
    verification_keys: dict[str, Key]  # by kid; includes the signing key's public half
    issuer: str
    audience: str
    ttl: timedelta
    signing_kid: str = field(default="")

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
        previous: Sequence[str] = (),
    ) -> TokenSettings:
        """`previous`: older secrets (HS256) or public PEMs, still accepted for verification."""
        key_type = ALGORITHMS[algorithm]
        signing: Key
        verifying: list[Key]
        if algorithm == "HS256":
            if not secret:
                raise ValueError("HS256 needs a secret")
            signing = OctKey.import_key(secret)
            verifying = [signing, *(OctKey.import_key(old) for old in previous)]
        else:
            if not private_pem or not public_pem:
                raise ValueError(f"{algorithm} needs a private and a public key")
            signing = key_type.import_key(private_pem)  # type: ignore[assignment]
            verifying = [key_type.import_key(pem) for pem in (public_pem, *previous)]  # type: ignore[misc]
        keys = {key.thumbprint(): key for key in verifying}
        return cls(
            algorithm,
            signing,
            keys,
            issuer,
            audience,
            timedelta(seconds=ttl_seconds),
            signing_kid=signing.thumbprint(),
        )


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class VerifiedToken:
    subject: str
    session_epoch: int
    expires_at: datetime
    roles: tuple[str, ...]
    scopes: tuple[str, ...]
    client_id: str | None


class InvalidToken(Exception):
    """The token is malformed, tampered with, expired or not for us; the message says which."""


# Tokens whose signature and claims were checked, remembered by the whole token text.
VERIFIED_TOKENS_KEPT = 4096


class AccessTokens:
    def __init__(self, settings: TokenSettings, now: Callable[[], int] | None = None) -> None:
        """`now`: the clock expiry is checked against (joserfc's, the system's, unless a
        test passes its own)."""
        self._settings = settings
        self._verified: dict[str, tuple[VerifiedToken, float]] = {}  # and its `exp`
        self._claims = jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": settings.issuer},
            aud={"essential": True, "value": settings.audience},
            exp={"essential": True},
            iat={"essential": True},
            sub={"essential": True},
            jti={"essential": True},
            leeway=30,
            now=now,
        )

    @property
    def ttl(self) -> timedelta:
        return self._settings.ttl

    def issue(
        self,
        subject: str | uuid.UUID,
        roles: Sequence[str],
        *,
        scopes: Sequence[str] = (),
        client_id: str | None = None,
        session_epoch: int = 0,
    ) -> IssuedToken:
        now = utcnow().replace(microsecond=0)
        expires_at = now + self._settings.ttl
        claims: dict[str, object] = {
            "iss": self._settings.issuer,
            "aud": self._settings.audience,
            "sub": str(subject),
            "iat": int(now.timestamp()),
            "exp": int(expires_at.timestamp()),
            "jti": uuid.uuid4().hex,
            "roles": sorted(roles),
            "sep": session_epoch,
        }
        if scopes:
            claims["scope"] = " ".join(sorted(scopes))
        if client_id:
            claims["client_id"] = client_id
        header = {"alg": self._settings.algorithm, "typ": "JWT", "kid": self._settings.signing_kid}
        token = jwt.encode(
            header, claims, self._settings.signing_key, algorithms=[self._settings.algorithm]
        )
        return IssuedToken(token, expires_at)

    def verify(self, token: str) -> VerifiedToken:
        """The token's claims, once its signature and claims are valid.

        A token that passed is remembered (by its whole text, bounded): verifying it
        again cost ~160 µs of CPU in every authenticated request (bench/README.md), and
        of the checks only expiry can change the answer for the same text and keys, so a
        remembered token is checked for that alone, as joserfc checks it. Roles and
        sign-outs are not read from the token (`domain/auth/authentication.py`)."""
        remembered = self._verified.get(token)
        if remembered is None:
            remembered = self._verified_now(token)
            keep(self._verified, token, remembered, VERIFIED_TOKENS_KEPT)
        elif remembered[1] <= self._claims.now - self._claims.leeway:  # joserfc's own test
            del self._verified[token]
            raise InvalidToken("The access token has expired.")
        return remembered[0]

    def _verified_now(self, token: str) -> tuple[VerifiedToken, float]:
        key = self._settings.verification_keys.get(_kid_of(token) or "")
        if key is None:
            raise InvalidToken("The access token was not signed by a key we know.")
        try:
            decoded = jwt.decode(token, key, algorithms=[self._settings.algorithm])
            self._claims.validate(decoded.claims)
        except JoseError as error:
            raise InvalidToken(_describe(error)) from None
        except ValueError:
            raise InvalidToken("The access token is malformed.") from None
        claims = decoded.claims
        try:
            verified = VerifiedToken(
                subject=str(claims["sub"]),
                session_epoch=int(claims.get("sep", 0)),
                expires_at=datetime.fromtimestamp(int(claims["exp"]), tz=UTC),
                roles=tuple(str(role) for role in claims.get("roles", [])),
                scopes=tuple(str(claims.get("scope", "")).split()),
                client_id=claims.get("client_id"),
            )
        except (ValueError, TypeError, KeyError):
            raise InvalidToken("The access token is malformed.") from None
        return verified, claims["exp"]  # validated as a number by `_claims`


def _kid_of(token: str) -> str | None:
    try:
        header_segment = token.split(".", 1)[0]
        header = json.loads(
            base64.urlsafe_b64decode(header_segment + "=" * (-len(header_segment) % 4))
        )
        kid = header.get("kid")
        return kid if isinstance(kid, str) else None
    except (ValueError, AttributeError):
        return None


def _describe(error: JoseError) -> str:
    name = type(error).__name__
    if name == "ExpiredTokenError":
        return "The access token has expired."
    if name in {"BadSignatureError", "UnsupportedAlgorithmError"}:
        return "The access token's signature is not valid."
    return "The access token is not valid."
