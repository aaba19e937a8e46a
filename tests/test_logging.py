"""Logs carry no secrets, tokens or personal data — checked on the real output, at DEBUG,
through sign-up, login, refresh, password change and a personal-data update."""

from __future__ import annotations

import json
import logging

from server.observability.log_format import (
    JsonFormatter,
    RedactingFilter,
    RequestContextFilter,
    TextFormatter,
    log_fields,
)
from tests.factories import create_profile
from tests.graphql_client import PASSWORD, REGISTER, data, gql, login

EMAIL = "hanako.private@example.jp"
NEW_PASSWORD = "an even longer secret passphrase"
PERSONAL = {
    "phone": "090-1234-5678",
    "birthDate": "1994-07-15",
    "postalAddress": {
        "postalCode": "2110004",
        "prefecture": "KANAGAWA",
        "city": "川崎市中原区",
        "line1": "新丸子東3-1200",
        "line2": "グランハイツ武蔵小杉 702",
    },
    "residenceCardNumber": "ab12345678cd",
    "documents": ["upl_7f3a9c1e-residence-card-front.jpg"],
}
UPDATE_PERSONAL = """
mutation Update($input: UpdateWorkerPersonalDataInput!) {
  updateWorkerPersonalData(input: $input) { personalData { phone } errors { field code } }
}
"""
REFRESH = """
mutation Refresh($t: String!) {
  refreshSession(input: {refreshToken: $t}) { accessToken refreshToken errors { code } }
}
"""
CHANGE_PASSWORD = """
mutation Change($input: ChangePasswordInput!) {
  changePassword(input: $input) { accessToken refreshToken errors { field code } }
}
"""


async def test_no_secrets_or_personal_data_in_logs(client):
    from tests.observability_helpers import captured_logs

    secrets: list[str] = [EMAIL, PASSWORD, NEW_PASSWORD]
    with captured_logs(logging.DEBUG) as logs:
        registered = data(
            await gql(
                client,
                REGISTER,
                {
                    "input": {
                        "email": EMAIL,
                        "password": PASSWORD,
                        "displayName": "Hanako",
                        "role": "WORKER",
                    }
                },
            )
        )["register"]
        assert registered["errors"] == []
        # Signing up twice, and a wrong password: the failure paths log too.
        again = await gql(
            client,
            REGISTER,
            {"input": {"email": EMAIL, "password": PASSWORD, "displayName": "H", "role": "WORKER"}},
        )
        assert data(again)["register"]["errors"]
        wrong = await gql(
            client,
            "mutation L($i: LoginInput!) { login(input: $i) { errors { code } } }",
            {"i": {"email": EMAIL, "password": "not the password at all"}},
        )
        assert data(wrong)["login"]["errors"]
        secrets.append("not the password at all")
        account = await login(client, EMAIL)
        secrets += [account.token, account.refresh_token, registered["accessToken"]]
        secrets.append(registered["refreshToken"])
        refreshed = data(await gql(client, REFRESH, {"t": account.refresh_token}))
        secrets += [
            refreshed["refreshSession"]["accessToken"],
            refreshed["refreshSession"]["refreshToken"],
        ]
        token = refreshed["refreshSession"]["accessToken"]
        await create_profile(client, token)
        updated = data(await gql(client, UPDATE_PERSONAL, {"input": PERSONAL}, token))
        assert updated["updateWorkerPersonalData"]["errors"] == []
        changed = data(
            await gql(
                client,
                CHANGE_PASSWORD,
                {"input": {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}},
                token,
            )
        )["changePassword"]
        assert changed["errors"] == []
        secrets += [changed["accessToken"], changed["refreshToken"]]
        # What a careless library or debugging session might log.
        noisy = logging.getLogger("some.library")
        noisy.debug("request headers %s", {"Authorization": f"Bearer {token}"})
        noisy.info("body %s", json.dumps({"query": "…", "variables": {"password": PASSWORD}}))
        noisy.warning("user %s phone=%s", EMAIL, PERSONAL["phone"])
        noisy.info(
            "structured", extra=log_fields(email=EMAIL, refresh_token=changed["refreshToken"])
        )
        try:
            raise ValueError(f"cannot parse residence card {PERSONAL['residenceCardNumber']}")
        except ValueError:
            noisy.exception("while handling %s", EMAIL)

    output = logs.text
    assert '"logger": "iworkz.access"' in output and '"operation_name": "Update"' in output
    assert "[Filtered]" in output
    personal = [
        "090-1234-5678",
        "09012345678",
        "1994-07-15",
        "2110004",
        "川崎市中原区",
        "新丸子東",
        "グランハイツ",
        "ab12345678cd",
        "AB12345678CD",
    ]
    for value in secrets + personal:
        assert value not in output, value


def _record(message: str, *args: object, **fields: object) -> logging.LogRecord:
    record = logging.LogRecord("test", logging.INFO, __file__, 1, message, args, None)
    if fields:
        record.fields = fields
    return record


def test_the_filter_redacts_by_key_and_by_shape():
    record = _record(
        "login %s with %s",
        "a.b@example.com",
        {"password": "hunter22", "newPassword": "x y z", "ok": 1},
        email="c@example.com",
        phone="+81 90 1234 5678",
        client_ip="203.0.113.5",
        duration_ms=1.5,
    )
    RedactingFilter().filter(record)
    assert (
        record.getMessage()
        == "login [Filtered] with {'password': [Filtered], 'newPassword': [Filtered], 'ok': 1}"
    )
    assert record.fields == {
        "email": "[Filtered]",
        "phone": "[Filtered]",
        "client_ip": "203.0.113.5",
        "duration_ms": 1.5,
    }


def test_json_and_text_lines():
    record = _record("POST /graphql 200", method="POST", status=200, user_id=None)
    record.request_id = "req-1"
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "POST /graphql 200" and line["request_id"] == "req-1"
    assert line["method"] == "POST" and line["status"] == 200 and line["level"] == "INFO"
    text = TextFormatter().format(record)
    assert "INFO test [req-1] POST /graphql 200 method=POST status=200" in text
    assert "user_id" not in text
    plain = _record("no request")
    RequestContextFilter().filter(plain)
    assert plain.request_id is None
    assert "[" not in TextFormatter().format(plain).split("test", 1)[1]
