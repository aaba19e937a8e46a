"""Workers' personal data through the API: encrypted at rest, readable only by the worker
and admins, validated field by field, and re-encrypted under a new key on rotation."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy import text

from domain.auth.principal import ANONYMOUS, Principal, Role
from domain.auth.service import create_user
from domain.crypto.field_encryption import (
    UnknownKeyId,
    encode_key,
    generate_key,
    key_id_of,
)
from domain.profiles.personal_data.codec import PersonalData, aad_for
from domain.profiles.personal_data.rotation import reencrypt_personal_data
from domain.profiles.personal_data.service import personal_data_of_profiles
from schema.ids import from_global_id
from server import cli
from server.app import create_app
from server.services import Services, build_services, keyring_from_settings
from server.settings import Environment, Settings
from tests.factories import create_profile
from tests.graphql_client import PASSWORD, Account, data, error_codes, gql, register

PERSONAL_FIELDS = """
phone birthDate residenceCardNumber documents updatedAt
postalAddress { postalCode prefecture city line1 line2 }
"""

UPDATE = f"""
mutation Update($input: UpdateWorkerPersonalDataInput!) {{
  updateWorkerPersonalData(input: $input) {{
    personalData {{ {PERSONAL_FIELDS} }}
    worker {{ id personalData {{ phone }} }}
    errors {{ field code message }}
  }}
}}
"""

MINE = f"{{ me {{ workerProfile {{ id personalData {{ {PERSONAL_FIELDS} }} }} }} }}"

NODE = f"""
query Node($id: ID!) {{
  node(id: $id) {{ ... on Worker {{ id headline personalData {{ {PERSONAL_FIELDS} }} }} }}
}}
"""

PAGE = """
query Page($first: Int) {
  workers(first: $first) { edges { node { id personalData { phone residenceCardNumber } } } }
}
"""

LOGIN = """
mutation Login($input: LoginInput!) {
  login(input: $input) { user { id } accessToken errors { code } }
}
"""

ADDRESS = {
    "postalCode": "2110004",
    "prefecture": "KANAGAWA",
    "city": "川崎市中原区",
    "line1": "新丸子東3-1200",
    "line2": "グランハイツ武蔵小杉 702",
}
FULL_INPUT = {
    "phone": "090-1234-5678",
    "birthDate": "1994-07-15",
    "postalAddress": ADDRESS,
    "residenceCardNumber": "ab12345678cd",
    "documents": ["upl_7f3a9c1e-residence-card-front.jpg", "upl_0b2d44aa-passport-scan.pdf"],
}
STORED = {
    "phone": "09012345678",
    "birthDate": "1994-07-15",
    "postalAddress": {**ADDRESS, "postalCode": "211-0004"},
    "residenceCardNumber": "AB12345678CD",
    "documents": FULL_INPUT["documents"],
}
# Every piece of plaintext, as sent and as normalised: none may appear anywhere in the database.
PLAINTEXTS = [
    "090-1234-5678",
    "09012345678",
    "1994-07-15",
    "2110004",
    "211-0004",
    "川崎市中原区",
    "新丸子東",
    "グランハイツ",
    "AB12345678CD",
    "ab12345678cd",
    "residence-card-front",
    "passport-scan",
]


async def update(client, token: str | None, **fields) -> dict:
    return await gql(client, UPDATE, {"input": fields}, token)


async def saved(client, token: str, **fields) -> dict:
    payload = data(await update(client, token, **fields))["updateWorkerPersonalData"]
    assert payload["errors"] == [], payload["errors"]
    return payload["personalData"]


def without_timestamp(personal: dict) -> dict:
    return {k: v for k, v in personal.items() if k != "updatedAt"}


async def worker_with_profile(client, email: str) -> tuple[Account, str]:
    account = await register(client, email)
    profile = await create_profile(client, account.token)
    return account, profile["id"]


async def create_admin(services: Services, client) -> Account:
    async with services.database.transaction(services.bus, services.queue) as uow:
        await create_user(
            uow,
            email="admin@example.com",
            password=PASSWORD,
            display_name="Admin",
            roles=[Role.ADMIN],
        )
    payload = data(
        await gql(client, LOGIN, {"input": {"email": "admin@example.com", "password": PASSWORD}})
    )["login"]
    return Account(payload["accessToken"], payload["user"]["id"], "admin@example.com")


async def raw_rows(services: Services) -> list[dict]:
    async with services.database.session() as session:
        rows = await session.execute(text("SELECT * FROM worker_personal_data ORDER BY profile_id"))
        return [dict(row) for row in rows.mappings()]


async def execute(services: Services, sql: str, **params) -> None:
    async with services.database.session() as session:
        await session.execute(text(sql), params)
        await session.commit()


@pytest.fixture
async def worker(client) -> tuple[Account, str]:
    return await worker_with_profile(client, "linh@example.com")


# --- writing and reading --------------------------------------------------------------------


async def test_worker_sets_and_reads_back_their_personal_data(client, worker):
    account, worker_id = worker
    payload = data(await update(client, account.token, **FULL_INPUT))["updateWorkerPersonalData"]
    assert payload["errors"] == []
    assert without_timestamp(payload["personalData"]) == STORED
    assert payload["personalData"]["updatedAt"]
    assert payload["worker"] == {"id": worker_id, "personalData": {"phone": "09012345678"}}

    mine = data(await gql(client, MINE, token=account.token))["me"]["workerProfile"]
    assert without_timestamp(mine["personalData"]) == STORED
    node = data(await gql(client, NODE, {"id": worker_id}, account.token))["node"]
    assert node["personalData"] == mine["personalData"]


async def test_an_edit_changes_only_what_was_sent_and_null_clears(client, worker):
    account, _ = worker
    await saved(client, account.token, **FULL_INPUT)
    edited = await saved(client, account.token, phone="+81 80-9876-5432", birthDate=None)
    assert without_timestamp(edited) == {**STORED, "phone": "+818098765432", "birthDate": None}
    cleared = await saved(client, account.token, documents=[], postalAddress=None)
    assert cleared["documents"] == [] and cleared["postalAddress"] is None
    assert cleared["residenceCardNumber"] == "AB12345678CD"


async def test_a_worker_without_personal_data_reads_an_empty_record(client, worker):
    account, _ = worker
    mine = data(await gql(client, MINE, token=account.token))["me"]["workerProfile"]
    assert mine["personalData"] == {
        "phone": None,
        "birthDate": None,
        "residenceCardNumber": None,
        "documents": [],
        "updatedAt": None,
        "postalAddress": None,
    }


async def test_personal_data_needs_a_profile_first(client, services):
    account = await register(client, "noprofile@example.com")
    payload = data(await update(client, account.token, phone="09012345678"))
    assert payload["updateWorkerPersonalData"]["errors"] == [
        {
            "field": None,
            "code": "NOT_FOUND",
            "message": "Create your worker profile before adding personal data.",
        }
    ]
    assert await raw_rows(services) == []


async def test_only_workers_write_personal_data(client):
    employer = await register(client, "hr@example.com", "EMPLOYER", "KK Example")
    assert error_codes(await update(client, employer.token, phone="09012345678")) == ["FORBIDDEN"]
    assert error_codes(await update(client, None, phone="09012345678")) == ["UNAUTHENTICATED"]


# --- the database never reveals it ------------------------------------------------------------


async def test_no_table_holds_any_plaintext(client, services, worker):
    account, worker_id = worker
    await saved(client, account.token, **FULL_INPUT)
    await saved(client, account.token, phone="090-1234-5678")  # an edit too

    async with services.database.session() as session:
        tables = (
            await session.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            )
        ).scalars()
        dump = {
            table: "\n".join(
                (await session.execute(text(f'SELECT t::text FROM "{table}" t'))).scalars()
            )
            for table in list(tables)
        }
    assert dump["worker_personal_data"] and dump["worker_profiles"]
    for table, content in dump.items():
        for plaintext in PLAINTEXTS:
            assert plaintext not in content, f"{plaintext!r} found in {table}"

    [row] = await raw_rows(services)
    _, profile_pk = from_global_id(worker_id)
    assert row["profile_id"] == profile_pk and row["key_id"] == services.keyring.active_key_id
    for column in (
        "phone_encrypted",
        "birth_date_encrypted",
        "postal_address_encrypted",
        "residence_card_number_encrypted",
        "documents_encrypted",
    ):
        assert row[column].startswith(f"v1.{services.keyring.active_key_id}.")
    assert row["version"] == 2


async def test_the_database_refuses_plaintext_in_encrypted_columns(client, services, worker):
    account, _ = worker
    await saved(client, account.token, phone="09012345678")
    with pytest.raises(Exception, match="ck_worker_personal_data_encrypted"):
        await execute(services, "UPDATE worker_personal_data SET phone_encrypted = '09012345678'")


async def test_a_ciphertext_moved_to_another_row_or_field_does_not_decrypt(client, services):
    alice, _ = await worker_with_profile(client, "alice@example.com")
    bob, _ = await worker_with_profile(client, "bob@example.com")
    await saved(client, alice.token, phone="09011112222", residenceCardNumber="AA11111111AA")
    await saved(client, bob.token, phone="09033334444", residenceCardNumber="BB22222222BB")

    # Bob's row gets Alice's phone ciphertext.
    await execute(
        services,
        """UPDATE worker_personal_data SET phone_encrypted = (
               SELECT p.phone_encrypted FROM worker_personal_data p
               JOIN worker_profiles w ON w.id = p.profile_id JOIN users u ON u.id = w.user_id
               WHERE u.email = 'alice@example.com')
           WHERE profile_id = (SELECT w.id FROM worker_profiles w JOIN users u ON u.id = w.user_id
                               WHERE u.email = 'bob@example.com')""",
    )
    result = await gql(client, MINE, token=bob.token)
    assert result["data"]["me"]["workerProfile"]["personalData"] is None
    assert error_codes(result) == ["INTERNAL_SERVER_ERROR"]
    assert "failed authentication" in result["errors"][0]["message"]
    assert "09011112222" not in json.dumps(result)
    # Alice's own row is untouched and still reads.
    alice_data = data(await gql(client, MINE, token=alice.token))["me"]["workerProfile"]
    assert alice_data["personalData"]["phone"] == "09011112222"

    # Within one row: Alice's phone ciphertext moved into her residence-card column.
    await execute(
        services,
        "UPDATE worker_personal_data SET residence_card_number_encrypted = phone_encrypted",
    )
    result = await gql(client, MINE, token=alice.token)
    assert error_codes(result) == ["INTERNAL_SERVER_ERROR"]
    assert result["data"]["me"]["workerProfile"]["personalData"] is None


async def test_tampered_ciphertext_fails_and_fails_only_its_own_row(client, services):
    alice, alice_id = await worker_with_profile(client, "alice@example.com")
    bob, bob_id = await worker_with_profile(client, "bob@example.com")
    await saved(client, alice.token, birthDate="1990-01-02")
    await saved(client, bob.token, birthDate="1991-03-04")
    _, alice_pk = from_global_id(alice_id)
    [row] = [r for r in await raw_rows(services) if r["profile_id"] == alice_pk]
    token = row["birth_date_encrypted"]
    flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    await execute(
        services,
        "UPDATE worker_personal_data SET birth_date_encrypted = :token WHERE profile_id = :id",
        token=flipped,
        id=alice_pk,
    )
    admin = await create_admin(services, client)
    result = await gql(client, PAGE.replace("phone", "phone birthDate"), {"first": 10}, admin.token)
    by_id = {e["node"]["id"]: e["node"]["personalData"] for e in result["data"]["workers"]["edges"]}
    assert by_id[alice_id] is None
    assert by_id[bob_id]["birthDate"] == "1991-03-04"
    assert error_codes(result) == ["INTERNAL_SERVER_ERROR"]
    assert "failed authentication" in result["errors"][0]["message"]


# --- who may read it ----------------------------------------------------------------------------


async def test_only_the_worker_and_admins_can_read_personal_data(client, services, worker):
    account, worker_id = worker
    await saved(client, account.token, **FULL_INPUT)
    employer = await register(client, "hr@example.com", "EMPLOYER", "KK Example")
    other_worker, _ = await worker_with_profile(client, "other@example.com")
    admin = await create_admin(services, client)

    def personal(result: dict) -> dict | None:
        node = data(result)["node"]
        return node and node["personalData"]

    assert (
        without_timestamp(personal(await gql(client, NODE, {"id": worker_id}, admin.token)))
        == STORED
    )
    # The employer sees the public profile, but not its personal data.
    employer_view = data(await gql(client, NODE, {"id": worker_id}, employer.token))["node"]
    assert employer_view["headline"] and employer_view["personalData"] is None
    assert personal(await gql(client, NODE, {"id": worker_id}, other_worker.token)) is None
    assert personal(await gql(client, NODE, {"id": worker_id})) is None

    page = data(await gql(client, PAGE, {"first": 10}, employer.token))["workers"]["edges"]
    assert page and all(edge["node"]["personalData"] is None for edge in page)
    page = data(await gql(client, PAGE, {"first": 10}, admin.token))["workers"]["edges"]
    admin_view = {edge["node"]["id"]: edge["node"]["personalData"] for edge in page}
    assert admin_view[worker_id] == {"phone": "09012345678", "residenceCardNumber": "AB12345678CD"}


async def test_the_domain_rule_denies_every_other_caller_whatever_path_asks(
    client, services, worker
):
    """The loader's rule itself, for callers no GraphQL path lets see the profile at all."""
    account, worker_id = worker
    await saved(client, account.token, phone="09012345678")
    _, profile_pk = from_global_id(worker_id)
    owner = Principal(from_global_id(account.user_id)[1], frozenset({Role.WORKER}))
    callers = {
        "anonymous": ANONYMOUS,
        "other worker": Principal(uuid.UUID(int=7), frozenset({Role.WORKER})),
        "employer": Principal(uuid.UUID(int=8), frozenset({Role.EMPLOYER})),
        "partner": Principal(uuid.UUID(int=9), frozenset({Role.PARTNER})),
        "issuer": Principal(uuid.UUID(int=10), frozenset({Role.ISSUER})),
    }
    async with services.database.session() as session:
        for name, caller in callers.items():
            found = await personal_data_of_profiles(
                session, caller, [profile_pk], keyring=services.keyring
            )
            assert found == {}, name
        found = await personal_data_of_profiles(
            session, owner, [profile_pk], keyring=services.keyring
        )
    assert isinstance(found[profile_pk], PersonalData)
    assert found[profile_pk].phone == "09012345678"


async def test_a_page_of_personal_data_costs_the_same_statements_whatever_its_size(
    client, services, sql_statements
):
    for n in range(12):
        account, _ = await worker_with_profile(client, f"w{n}@example.com")
        await saved(
            client, account.token, phone=f"0901234{n:04d}", residenceCardNumber="AB12345678CD"
        )
    admin = await create_admin(services, client)

    async def statements(first: int) -> int:
        sql_statements.statements.clear()
        edges = data(await gql(client, PAGE, {"first": first}, admin.token))["workers"]["edges"]
        assert len(edges) == first and all(e["node"]["personalData"]["phone"] for e in edges)
        return sql_statements.count

    assert await statements(2) == await statements(12)
    decrypting = [s for s in sql_statements.statements if "worker_personal_data" in s]
    assert len(decrypting) == 1


# --- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"phone": "12345"}, "phone", "INVALID"),
        ({"phone": "090-1234-567a"}, "phone", "INVALID"),
        ({"phone": "+0 90 1234 5678"}, "phone", "INVALID"),
        ({"phone": "0" * 31}, "phone", "TOO_LONG"),
        (
            {"birthDate": (date.today() + timedelta(days=1)).isoformat()},
            "birthDate",
            "OUT_OF_RANGE",
        ),
        ({"birthDate": date.today().isoformat()}, "birthDate", "OUT_OF_RANGE"),
        (
            {"birthDate": (date.today() - timedelta(days=365 * 10)).isoformat()},
            "birthDate",
            "OUT_OF_RANGE",
        ),
        ({"birthDate": "1890-05-01"}, "birthDate", "OUT_OF_RANGE"),
        ({"residenceCardNumber": "A1234567890B"}, "residenceCardNumber", "INVALID"),
        ({"residenceCardNumber": "AB1234567CD"}, "residenceCardNumber", "INVALID"),
        ({"residenceCardNumber": "AB12345678C1"}, "residenceCardNumber", "INVALID"),
        ({"residenceCardNumber": "X" * 21}, "residenceCardNumber", "TOO_LONG"),
        (
            {"postalAddress": {**ADDRESS, "postalCode": "12-345"}},
            "postalAddress.postalCode",
            "INVALID",
        ),
        ({"postalAddress": {**ADDRESS, "city": ""}}, "postalAddress.city", "TOO_SHORT"),
        ({"postalAddress": {**ADDRESS, "line1": "x" * 201}}, "postalAddress.line1", "TOO_LONG"),
        ({"documents": [f"doc-{n}" for n in range(21)]}, "documents", "TOO_LONG"),
        ({"documents": ["doc-1", "doc-1"]}, "documents", "DUPLICATE"),
        ({"documents": ["x" * 201]}, "documents.0", "TOO_LONG"),
        ({"documents": ["ok", "bad\u0000name"]}, "documents.1", "INVALID"),
        ({"documents": ["  "]}, "documents.0", "TOO_SHORT"),
    ],
)
async def test_bad_input_gives_field_errors_and_writes_nothing(
    client, services, worker, fields, field, code
):
    account, _ = worker
    payload = data(await update(client, account.token, **fields))["updateWorkerPersonalData"]
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, code)]
    assert payload["errors"][0]["message"]
    assert payload["personalData"] is None and payload["worker"] is None
    assert await raw_rows(services) == []


async def test_a_rejected_edit_leaves_the_stored_data_as_it_was(client, services, worker):
    account, _ = worker
    await saved(client, account.token, **FULL_INPUT)
    before = await raw_rows(services)
    payload = data(
        await update(client, account.token, phone="0901234567899", residenceCardNumber="nope")
    )["updateWorkerPersonalData"]
    assert {e["field"] for e in payload["errors"]} == {"phone", "residenceCardNumber"}
    assert await raw_rows(services) == before


def test_messages_explain_the_residence_card_format():
    from domain.errors import ValidationFailed, validated
    from domain.profiles.personal_data.inputs import PersonalDataDraft

    with pytest.raises(ValidationFailed) as failure:
        validated(PersonalDataDraft, {"residence_card_number": "12AB"})
    assert "2 letters, 8 digits and 2 letters" in failure.value.errors[0].message


# --- key rotation -------------------------------------------------------------------------------


def settings_with_keys(base: Settings, keys: dict[str, bytes], active: str) -> Settings:
    return Settings(
        environment=Environment.TEST,
        database_url=base.database_url,
        data_dir=base.data_dir,
        jwt_secret=base.jwt_secret,
        data_encryption_keys={key_id: encode_key(key) for key_id, key in keys.items()},
        data_encryption_active_key=active,
    )


@asynccontextmanager
async def app_with(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, Services]]:
    """The real app, as a process started with these settings would run it."""
    services = await build_services(settings)
    transport = httpx.ASGITransport(app=create_app(settings, services))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http, services
    finally:
        await services.close()


async def run_reencrypt(monkeypatch, capsys, settings: Settings, *args: str) -> str:
    """`iworkz reencrypt`, configured through the environment like the real command."""
    keys = settings.data_encryption_keys or {}
    monkeypatch.setenv("ENVIRONMENT", "test")
    monkeypatch.setenv("DATABASE_URL", settings.database_url or "")
    monkeypatch.setenv("DATA_DIR", str(settings.data_dir))
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv(
        "DATA_ENCRYPTION_KEYS", json.dumps({k: v.get_secret_value() for k, v in keys.items()})
    )
    monkeypatch.setenv("DATA_ENCRYPTION_ACTIVE_KEY", settings.data_encryption_active_key or "")
    capsys.readouterr()
    await asyncio.to_thread(cli.main, ["reencrypt", *args])  # it runs its own event loop
    return capsys.readouterr().out


async def test_key_rotation_add_key_reencrypt_then_remove_the_old_key(
    settings, services, monkeypatch, capsys
):
    old_key, new_key = generate_key(), generate_key()
    with_old = settings_with_keys(settings, {"old": old_key}, "old")
    both = settings_with_keys(settings, {"old": old_key, "new": new_key}, "new")
    only_new = settings_with_keys(settings, {"new": new_key}, "new")

    async with app_with(with_old) as (client, _):
        workers = []
        for n in range(3):
            account, _ = await worker_with_profile(client, f"rot{n}@example.com")
            await saved(client, account.token, **{**FULL_INPUT, "phone": f"0901111000{n}"})
            workers.append(account)
    rows = await raw_rows(services)
    assert [r["key_id"] for r in rows] == ["old"] * 3
    old_token = rows[0]["phone_encrypted"]
    assert key_id_of(old_token) == "old"

    # Step 1: the new key is added and made active; old values still read.
    async with app_with(both) as (client, _):
        for n, account in enumerate(workers):
            mine = data(await gql(client, MINE, token=account.token))["me"]["workerProfile"]
            assert mine["personalData"]["phone"] == f"0901111000{n}"
        # An edit writes the whole row under the active key.
        await saved(client, workers[0].token, phone="09022220000")
    assert sorted(r["key_id"] for r in await raw_rows(services)) == ["new", "old", "old"]

    # Without the old key the remaining old rows cannot be read yet.
    async with app_with(only_new) as (client, _):
        result = await gql(client, MINE, token=workers[1].token)
        assert error_codes(result) == ["INTERNAL_SERVER_ERROR"]
        assert "key 'old', which is not configured" in result["errors"][0]["message"]

    # Step 2: `iworkz reencrypt` moves everything onto the active key, in batches.
    out = await run_reencrypt(monkeypatch, capsys, both, "--batch-size", "1")
    assert "re-encrypted 2 rows (10 values) to key 'new'" in out
    assert "rows by key now: new: 3" in out
    rows = await raw_rows(services)
    for row in rows:
        assert row["key_id"] == "new"
        tokens = [v for k, v in row.items() if k.endswith("_encrypted")]
        assert len(tokens) == 5 and all(key_id_of(t) == "new" for t in tokens)
    # Safe to re-run: nothing left to do, nothing changed.
    out = await run_reencrypt(monkeypatch, capsys, both)
    assert "re-encrypted 0 rows (0 values)" in out
    assert await raw_rows(services) == rows

    # Step 3: the old key is removed; every value still reads.
    async with app_with(only_new) as (client, _):
        for n, account in enumerate(workers):
            mine = data(await gql(client, MINE, token=account.token))["me"]["workerProfile"]
            expected = "09022220000" if n == 0 else f"0901111000{n}"
            assert mine["personalData"]["phone"] == expected
            assert mine["personalData"]["residenceCardNumber"] == "AB12345678CD"
    with pytest.raises(UnknownKeyId):
        keyring_from_settings(only_new).decrypt(old_token, aad_for(rows[0]["profile_id"], "phone"))


async def test_reencrypt_reports_rows_it_cannot_decrypt_and_moves_the_rest(
    client, services, settings
):
    alice, _ = await worker_with_profile(client, "alice@example.com")
    bob, _ = await worker_with_profile(client, "bob@example.com")
    await saved(client, alice.token, phone="09011112222")
    await saved(client, bob.token, phone="09033334444")
    current = services.keyring
    ring = current.with_key("next", generate_key(), active=True)
    [broken, _] = await raw_rows(services)
    await execute(
        services,
        "UPDATE worker_personal_data SET key_id = 'gone', phone_encrypted = "
        "replace(phone_encrypted, :prefix, 'v1.gone.') WHERE profile_id = :id",
        prefix=f"v1.{current.active_key_id}.",
        id=broken["profile_id"],
    )
    report = await reencrypt_personal_data(services.database.session, ring, batch_size=10)
    assert report.rows_reencrypted == 1 and report.values_reencrypted == 1
    assert list(report.failures) == [broken["profile_id"]]
    assert "key 'gone'" in report.failures[broken["profile_id"]]
    assert report.rows_by_key == {"next": 1, "gone": 1}
    assert report.rows_not_current == 1
