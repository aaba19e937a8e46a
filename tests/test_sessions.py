"""Sessions: refresh-token rotation and reuse detection, sign-out, password change,
login throttling, role changes and the audit log that records them."""

from __future__ import annotations

import dataclasses

import httpx
import pytest
from sqlalchemy import text

from domain.auth.throttle import LoginThrottle
from server.adapters.attempt_counter import RedisAttemptCounter
from server.app import create_app
from tests.graphql_client import (
    LOGIN,
    PASSWORD,
    create_admin,
    data,
    error_codes,
    gql,
    login,
    register,
)

ME = "{ me { email roles } }"
REFRESH = """
mutation($t: String!) {
  refreshSession(input: {refreshToken: $t}) { accessToken refreshToken errors { field code } }
}
"""
LOGOUT = "mutation($t: String!) { logout(input: {refreshToken: $t}) { ok errors { code } } }"
LOGOUT_EVERYWHERE = "mutation { logoutEverywhere { ok errors { code } } }"
CHANGE_PASSWORD = """
mutation($input: ChangePasswordInput!) {
  changePassword(input: $input) { accessToken refreshToken errors { field code } }
}
"""
AUDIT = """
query($filter: AuditFilter) {
  auditEvents(filter: $filter, first: 50) {
    totalCount edges { node { kind actorId subjectId ip details } }
  }
}
"""


async def refresh(client, token) -> dict:
    return data(await gql(client, REFRESH, {"t": token}))["refreshSession"]


async def audit_kinds(client, admin, kinds=None) -> list[str]:
    result = data(
        await gql(client, AUDIT, {"filter": {"kinds": kinds} if kinds else None}, admin.token)
    )
    return [edge["node"]["kind"] for edge in result["auditEvents"]["edges"]]


async def test_refresh_rotates_the_pair(client):
    account = await register(client, "rot@example.com")
    first = await refresh(client, account.refresh_token)
    assert first["errors"] == []
    assert first["refreshToken"] != account.refresh_token
    assert (
        data(await gql(client, ME, token=first["accessToken"]))["me"]["email"] == "rot@example.com"
    )
    second = await refresh(client, first["refreshToken"])
    assert second["errors"] == []


async def test_reused_refresh_token_revokes_the_whole_family(client, services):
    victim = await register(client, "victim@example.com")
    stolen = victim.refresh_token
    legitimate = await refresh(client, stolen)  # the victim rotates
    replay = await refresh(client, stolen)  # the thief replays the old token
    assert [e["code"] for e in replay["errors"]] == ["INVALID_TOKEN"]
    # The family is gone: the victim's current token no longer works either.
    after = await refresh(client, legitimate["refreshToken"])
    assert [e["code"] for e in after["errors"]] == ["INVALID_TOKEN"]
    admin = await create_admin(services, client)
    assert "REFRESH_TOKEN_REUSED" in await audit_kinds(client, admin)


async def test_garbage_refresh_token_is_a_user_error(client):
    result = await refresh(client, "not-a-token")
    assert result["errors"] == [{"field": "refreshToken", "code": "INVALID_TOKEN"}]


async def test_logout_ends_that_session_only(client):
    await register(client, "two@example.com")
    phone = await login(client, "two@example.com")
    laptop = await login(client, "two@example.com")
    assert data(await gql(client, LOGOUT, {"t": phone.refresh_token}))["logout"]["ok"] is True
    assert (await refresh(client, phone.refresh_token))["errors"]
    assert (await refresh(client, laptop.refresh_token))["errors"] == []


async def test_logout_everywhere_stops_access_and_refresh_tokens_at_once(client):
    await register(client, "all@example.com")
    phone = await login(client, "all@example.com")
    laptop = await login(client, "all@example.com")
    result = data(await gql(client, LOGOUT_EVERYWHERE, token=phone.token))["logoutEverywhere"]
    assert result == {"ok": True, "errors": []}
    for session in (phone, laptop):
        assert error_codes(await gql(client, ME, token=session.token)) == ["UNAUTHENTICATED"]
        assert (await refresh(client, session.refresh_token))["errors"]
    fresh = await login(client, "all@example.com")
    assert data(await gql(client, ME, token=fresh.token))["me"]["email"] == "all@example.com"


async def test_logout_everywhere_needs_a_session(client):
    assert error_codes(await gql(client, LOGOUT_EVERYWHERE)) == ["UNAUTHENTICATED"]


async def test_password_change_revokes_every_other_session(client):
    await register(client, "pw@example.com")
    other_device = await login(client, "pw@example.com")
    this_device = await login(client, "pw@example.com")
    new_password = "an even longer passphrase"
    result = data(
        await gql(
            client,
            CHANGE_PASSWORD,
            {"input": {"currentPassword": PASSWORD, "newPassword": new_password}},
            this_device.token,
        )
    )
    changed = result["changePassword"]
    assert changed["errors"] == []
    assert error_codes(await gql(client, ME, token=other_device.token)) == ["UNAUTHENTICATED"]
    assert error_codes(await gql(client, ME, token=this_device.token)) == ["UNAUTHENTICATED"]
    assert (await refresh(client, other_device.refresh_token))["errors"]
    assert (
        data(await gql(client, ME, token=changed["accessToken"]))["me"]["email"] == "pw@example.com"
    )
    old = data(
        await gql(client, LOGIN, {"input": {"email": "pw@example.com", "password": PASSWORD}})
    )
    assert old["login"]["errors"][0]["code"] == "INVALID_CREDENTIALS"
    await login(client, "pw@example.com", new_password)


@pytest.mark.parametrize(
    ("current", "new", "field", "code"),
    [
        ("wrong password!", "a brand new password", "currentPassword", "INVALID_CREDENTIALS"),
        (PASSWORD, "short", "newPassword", "TOO_SHORT"),
        (PASSWORD, PASSWORD, "newPassword", "INVALID"),
    ],
)
async def test_bad_password_change_changes_nothing(client, current, new, field, code):
    account = await register(client, "pw2@example.com")
    result = data(
        await gql(
            client,
            CHANGE_PASSWORD,
            {"input": {"currentPassword": current, "newPassword": new}},
            account.token,
        )
    )["changePassword"]
    assert result["errors"] == [{"field": field, "code": code}]
    assert data(await gql(client, ME, token=account.token))["me"]["email"] == "pw2@example.com"
    await login(client, "pw2@example.com")


async def attempt(client, email, password="wrong password!") -> list[str]:
    result = data(await gql(client, LOGIN, {"input": {"email": email, "password": password}}))
    return [e["code"] for e in result["login"]["errors"]]


async def test_repeated_failures_throttle_the_account_even_with_the_right_password(
    client, services
):
    await register(client, "target@example.com")
    for _ in range(5):
        assert await attempt(client, "target@example.com") == ["INVALID_CREDENTIALS"]
    assert await attempt(client, "target@example.com", PASSWORD) == ["TOO_MANY_ATTEMPTS"]
    # Throttling an unknown email looks exactly the same: no account enumeration.
    for _ in range(5):
        await attempt(client, "ghost@example.com")
    assert await attempt(client, "ghost@example.com", PASSWORD) == ["TOO_MANY_ATTEMPTS"]
    # Another account is unaffected.
    await register(client, "bystander@example.com")
    assert await attempt(client, "bystander@example.com", PASSWORD) == []
    admin = await create_admin(services, client)
    kinds = await audit_kinds(client, admin, ["LOGIN_FAILED", "LOGIN_THROTTLED"])
    assert kinds.count("LOGIN_FAILED") == 10 and kinds.count("LOGIN_THROTTLED") == 2


async def test_failures_from_one_address_throttle_it_across_accounts(settings, services):
    strict = dataclasses.replace(
        services,
        login_throttle=LoginThrottle(
            RedisAttemptCounter(services.redis, settings.redis_key_prefix),
            max_failures_per_ip=3,
        ),
    )
    app = create_app(settings, strict)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("203.0.113.9", 1)), base_url="http://t"
    ) as attacker:
        for n in range(3):
            assert await attempt(attacker, f"spray{n}@example.com") == ["INVALID_CREDENTIALS"]
        assert await attempt(attacker, "spray9@example.com") == ["TOO_MANY_ATTEMPTS"]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("198.51.100.7", 1)), base_url="http://t"
    ) as someone_else:
        assert await attempt(someone_else, "spray9@example.com") == ["INVALID_CREDENTIALS"]


async def test_admin_changes_roles_and_they_apply_on_the_next_request(client, services):
    worker = await register(client, "promote@example.com")
    admin = await create_admin(services, client)
    mutation = """mutation($input: SetUserRolesInput!) {
      setUserRoles(input: $input) { user { roles } errors { field code } } }"""
    variables = {"input": {"userId": worker.user_id, "roles": ["WORKER", "EMPLOYER"]}}
    assert error_codes(await gql(client, mutation, variables, worker.token)) == ["FORBIDDEN"]
    result = data(await gql(client, mutation, variables, admin.token))["setUserRoles"]
    assert result == {"user": {"roles": ["EMPLOYER", "WORKER"]}, "errors": []}
    me = data(await gql(client, ME, token=worker.token))["me"]  # same token as before
    assert sorted(me["roles"]) == ["EMPLOYER", "WORKER"]
    assert "ROLES_CHANGED" in await audit_kinds(client, admin)


async def test_audit_log_is_for_admins_and_append_only(client, services):
    worker = await register(client, "nosy@example.com")
    assert error_codes(await gql(client, AUDIT, {}, worker.token)) == ["FORBIDDEN"]
    assert error_codes(await gql(client, AUDIT, {})) == ["UNAUTHENTICATED"]
    admin = await create_admin(services, client)
    assert {"USER_REGISTERED", "LOGIN_SUCCEEDED"} <= set(await audit_kinds(client, admin))
    async with services.database.session() as session:
        for statement in ("UPDATE audit_events SET kind = 'x'", "DELETE FROM audit_events"):
            with pytest.raises(Exception, match="append-only"):
                await session.execute(text(statement))
            await session.rollback()
