"""Registering, signing in, and what a token does and does not let through."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from joserfc import jwt
from joserfc.jwk import OctKey
from sqlalchemy import func, select

from domain.auth.models import User
from domain.auth.tokens import AccessTokens, InvalidToken, TokenSettings
from domain.clock import utcnow
from tests.graphql_client import PASSWORD, REGISTER, data, error_codes, gql, register

ME = "{ me { id email displayName roles locale organizations { name kind } } }"
LOGIN = """
mutation Login($input: LoginInput!) {
  login(input: $input) { user { email } accessToken expiresAt errors { field code message } }
}
"""


async def user_count(services) -> int:
    async with services.database.session() as session:
        return (await session.execute(select(func.count()).select_from(User))).scalar_one()


async def register_errors(client, **fields) -> list[dict]:
    values = {
        "email": "new@example.com",
        "password": PASSWORD,
        "displayName": "New",
        "role": "WORKER",
        **fields,
    }
    result = data(await gql(client, REGISTER, {"input": values}))["register"]
    assert result["accessToken"] is None and result["user"] is None
    return result["errors"]


async def test_worker_registers_and_sees_themself(client):
    account = await register(client, "Aiko@Example.com")
    me = data(await gql(client, ME, token=account.token))["me"]
    assert me["email"] == "aiko@example.com"
    assert me["roles"] == ["WORKER"]
    assert me["organizations"] == []


async def test_employer_registers_with_an_organisation(client):
    account = await register(client, "boss@example.com", "EMPLOYER", "さくら物流株式会社")
    me = data(await gql(client, ME, token=account.token))["me"]
    assert me["organizations"] == [{"name": "さくら物流株式会社", "kind": "EMPLOYER"}]


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"role": "EMPLOYER"}, "organizationName", "REQUIRED"),
        ({"role": "ADMIN"}, "role", "FORBIDDEN"),
        ({"password": "short"}, "password", "TOO_SHORT"),
        ({"password": "x" * 129}, "password", "TOO_LONG"),
        ({"email": "not-an-email"}, "email", "INVALID"),
        ({"displayName": ""}, "displayName", "TOO_SHORT"),
        ({"locale": "fr"}, "locale", "INVALID"),
    ],
)
async def test_bad_registration_is_refused_and_writes_nothing(
    client, services, fields, field, code
):
    errors = await register_errors(client, **fields)
    assert [(e["field"], e["code"]) for e in errors] == [(field, code)]
    assert await user_count(services) == 0


async def test_an_email_registers_once_whatever_its_case(client, services):
    await register(client, "taken@example.com")
    errors = await register_errors(client, email="TAKEN@example.com")
    assert [(e["field"], e["code"]) for e in errors] == [("email", "ALREADY_EXISTS")]
    assert await user_count(services) == 1


async def test_login_gives_a_working_token(client):
    await register(client, "kenji@example.com")
    result = data(
        await gql(client, LOGIN, {"input": {"email": "KENJI@example.com", "password": PASSWORD}})
    )["login"]
    assert result["errors"] == []
    me = data(await gql(client, ME, token=result["accessToken"]))["me"]
    assert me["email"] == "kenji@example.com"


async def test_login_failure_does_not_reveal_whether_the_email_exists(client):
    await register(client, "kenji@example.com")
    wrong_password = data(
        await gql(
            client, LOGIN, {"input": {"email": "kenji@example.com", "password": "wrong password!"}}
        )
    )
    unknown_email = data(
        await gql(client, LOGIN, {"input": {"email": "nobody@example.com", "password": PASSWORD}})
    )
    assert wrong_password == unknown_email
    assert wrong_password["login"]["errors"][0]["code"] == "INVALID_CREDENTIALS"
    assert wrong_password["login"]["accessToken"] is None


async def test_anonymous_me_is_null(client):
    assert data(await gql(client, ME))["me"] is None


def _forge(claims: dict, header: dict, key: OctKey | None = None) -> str:
    if key is not None:
        return jwt.encode(header, claims, key, algorithms=[header["alg"]])

    return f"{_b64(header)}.{_b64(claims)}."


def _b64(part: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).decode().rstrip("=")


async def _claims_of(client) -> dict:
    account = await register(client, "victim@example.com")
    payload = account.token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


async def test_tampered_token_is_rejected(client):
    account = await register(client, "mallory@example.com")
    header, payload, signature = account.token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["roles"] = ["ADMIN"]
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    result = await gql(client, ME, token=f"{header}.{forged_payload}.{signature}")
    assert error_codes(result) == ["UNAUTHENTICATED"]


async def test_unsigned_token_alg_none_is_rejected(client):
    claims = await _claims_of(client)
    result = await gql(client, ME, token=_forge(claims, {"alg": "none", "typ": "JWT"}))
    assert error_codes(result) == ["UNAUTHENTICATED"]


async def test_token_signed_with_another_key_is_rejected(client):
    claims = await _claims_of(client)
    other_key = OctKey.import_key("another-secret-that-is-long-enough-0123456789abcdef")
    result = await gql(
        client, ME, token=_forge(claims, {"alg": "HS256", "kid": other_key.thumbprint()}, other_key)
    )
    assert error_codes(result) == ["UNAUTHENTICATED"]


async def test_expired_token_is_rejected_and_says_so(client, settings):
    claims = await _claims_of(client)
    claims["exp"] = claims["iat"] - 3600
    key = OctKey.import_key(settings.jwt_signing_secret)
    result = await gql(
        client, ME, token=_forge(claims, {"alg": "HS256", "kid": key.thumbprint()}, key)
    )
    assert error_codes(result) == ["UNAUTHENTICATED"]
    assert "expired" in result["errors"][0]["message"]


async def test_token_for_another_audience_is_rejected(client, settings):
    claims = await _claims_of(client)
    claims["aud"] = "some-other-api"
    key = OctKey.import_key(settings.jwt_signing_secret)
    result = await gql(
        client, ME, token=_forge(claims, {"alg": "HS256", "kid": key.thumbprint()}, key)
    )
    assert error_codes(result) == ["UNAUTHENTICATED"]


def _pem_pair(private_key) -> tuple[str, str]:
    private = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@pytest.mark.parametrize(
    ("algorithm", "make_key"),
    [
        ("RS256", lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)),
        ("ES256", lambda: ec.generate_private_key(ec.SECP256R1())),
    ],
)
def test_key_pair_tokens_verify_and_resist_algorithm_confusion(algorithm, make_key):
    private, public = _pem_pair(make_key())
    tokens = AccessTokens(
        TokenSettings.from_secret_or_pem(
            algorithm,
            secret=None,
            private_pem=private,
            public_pem=public,
            issuer="iss",
            audience="aud",
            ttl_seconds=60,
        )
    )
    user_id = uuid.uuid4()
    assert tokens.verify(tokens.issue(user_id, ["WORKER"]).token).subject == str(user_id)

    # The classic attack: sign HS256 with the public key as the HMAC secret.
    issued = tokens.issue(user_id, ["ADMIN"])
    payload = issued.token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    header = json.loads(base64.urlsafe_b64decode(issued.token.split(".")[0] + "=="))
    signing_input = f"{_b64({'alg': 'HS256', 'typ': 'JWT', 'kid': header['kid']})}.{_b64(claims)}"
    mac = hmac.new(public.encode(), signing_input.encode(), hashlib.sha256).digest()
    confused = f"{signing_input}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"
    with pytest.raises(InvalidToken):
        tokens.verify(confused)


def test_token_lifetime_follows_settings():
    tokens = AccessTokens(
        TokenSettings.from_secret_or_pem(
            "HS256",
            secret="s" * 40,
            private_pem=None,
            public_pem=None,
            issuer="iss",
            audience="aud",
            ttl_seconds=900,
        )
    )
    issued = tokens.issue(uuid.uuid4(), [])
    remaining = issued.expires_at - utcnow()
    assert timedelta(seconds=880) < remaining <= timedelta(seconds=900)


def _hs256(
    secret: str, previous: tuple[str, ...] = (), now: Callable[[], int] | None = None
) -> AccessTokens:
    return AccessTokens(
        TokenSettings.from_secret_or_pem(
            "HS256",
            secret=secret,
            private_pem=None,
            public_pem=None,
            issuer="iss",
            audience="aud",
            ttl_seconds=60,
            previous=previous,
        ),
        now=now,
    )


def test_a_token_verified_before_still_expires_and_a_changed_one_still_fails():
    clock = [int(time.time())]
    tokens = _hs256("s" * 40, now=lambda: clock[0])
    issued = tokens.issue(uuid.uuid4(), ["WORKER"])
    assert tokens.verify(issued.token).roles == ("WORKER",)
    assert tokens.verify(issued.token).roles == ("WORKER",)  # remembered: same answer
    header, payload, _ = issued.token.split(".")
    another_signature = tokens.issue(uuid.uuid4(), ["ADMIN"]).token.split(".")[2]
    with pytest.raises(InvalidToken, match="signature"):
        tokens.verify(f"{header}.{payload}.{another_signature}")
    clock[0] += 1 + 60 + 30  # a second's tick since `issue`, the lifetime, the leeway
    with pytest.raises(InvalidToken, match="expired"):
        tokens.verify(issued.token)
    with pytest.raises(InvalidToken, match="expired"):  # and not remembered as valid again
        tokens.verify(issued.token)


def test_keys_rotate_by_kid_without_signing_anyone_out():
    old, new = "old-secret-" + "o" * 40, "new-secret-" + "n" * 40
    before_rotation = _hs256(old).issue(uuid.uuid4(), ["WORKER"]).token
    rotated = _hs256(new, previous=(old,))
    assert rotated.verify(before_rotation).roles == ("WORKER",)  # old key still verifies
    after_rotation = rotated.issue(uuid.uuid4(), ["WORKER"]).token
    assert _kid(after_rotation) != _kid(before_rotation)
    retired = _hs256(new)  # the old key dropped after one token lifetime
    with pytest.raises(InvalidToken, match="key we know"):
        retired.verify(before_rotation)
    assert retired.verify(after_rotation)


def _kid(token: str) -> str:
    return json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))["kid"]
