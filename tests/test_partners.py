"""Partners: OAuth 2.0 client credentials, scoped and read-only unless granted more."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import update

from domain.auth.models import OAuthClient
from domain.auth.partners import PartnerScope, create_partner_client
from domain.auth.principal import Role
from domain.auth.service import create_user
from domain.clock import utcnow
from tests.factories import CREATE_JOB, create_job, create_profile, job_input
from tests.graphql_client import PASSWORD, create_admin, data, error_codes, gql, register

JOBS = "{ jobs(first: 5) { totalCount } }"
WORKERS = "{ workers(first: 5) { totalCount edges { node { headline } } } }"


async def new_client(services, scopes, email="partner@agency.example"):
    async with services.database.transaction(services.bus, services.queue) as uow:
        owner = await create_user(
            uow, email=email, password=PASSWORD, display_name="Agency", roles=[Role.PARTNER]
        )
        return await create_partner_client(uow, owner.id, "Agency feed", scopes)


def basic(client_id: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


async def token_response(client, headers=None, **form):
    return await client.post(
        "/oauth/token", data={"grant_type": "client_credentials", **form}, headers=headers or {}
    )


async def partner_token(client, credentials, **form) -> str:
    response = await token_response(
        client, basic(credentials.client_id, credentials.client_secret), **form
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


async def test_client_credentials_grant_issues_a_scoped_bearer_token(client, services):
    credentials = await new_client(services, [PartnerScope.JOBS_READ])
    response = await token_response(client, basic(credentials.client_id, credentials.client_secret))
    body = response.json()
    assert response.status_code == 200
    assert body["token_type"] == "Bearer" and body["scope"] == "jobs:read"
    assert body["expires_in"] == 900
    assert response.headers["cache-control"] == "no-store"
    # client_secret_post works too
    posted = await token_response(
        client, client_id=credentials.client_id, client_secret=credentials.client_secret
    )
    assert posted.status_code == 200


async def test_scopes_beyond_the_grant_are_not_given(client, services):
    credentials = await new_client(services, [PartnerScope.JOBS_READ])
    response = await token_response(
        client,
        basic(credentials.client_id, credentials.client_secret),
        scope="jobs:read workers:read write",
    )
    assert response.json()["scope"] == "jobs:read"


@pytest.mark.parametrize(
    ("headers", "form", "status", "error"),
    [
        ("wrong-secret", {}, 401, "invalid_client"),
        ("unknown-client", {}, 401, "invalid_client"),
        ("ok", {"grant_type": "password"}, 400, "unsupported_grant_type"),
    ],
)
async def test_bad_token_requests_are_refused(client, services, headers, form, status, error):
    credentials = await new_client(services, [PartnerScope.JOBS_READ])
    auth = {
        "ok": basic(credentials.client_id, credentials.client_secret),
        "wrong-secret": basic(credentials.client_id, "guess"),
        "unknown-client": basic("ptn_nobody", credentials.client_secret),
    }[headers]
    response = await client.post(
        "/oauth/token", data={"grant_type": "client_credentials", **form}, headers=auth
    )
    assert response.status_code == status
    assert response.json()["error"] == error


async def test_token_endpoint_wants_a_form(client, services):
    credentials = await new_client(services, [PartnerScope.JOBS_READ])
    response = await client.post(
        "/oauth/token",
        json={"grant_type": "client_credentials"},
        headers=basic(credentials.client_id, credentials.client_secret),
    )
    assert response.status_code == 400


async def test_read_only_partner_reads_jobs_but_cannot_write_or_see_workers(client, services):
    employer = await register(client, "hr@example.com", "EMPLOYER", "KK")
    await create_job(client, employer.token, publish=True)
    worker = await register(client, "w@example.com")
    await create_profile(client, worker.token)
    token = await partner_token(client, await new_client(services, [PartnerScope.JOBS_READ]))
    assert data(await gql(client, JOBS, token=token))["jobs"]["totalCount"] == 1
    assert error_codes(await gql(client, WORKERS, token=token)) == ["FORBIDDEN"]
    write = await gql(client, CREATE_JOB, {"input": job_input()}, token)
    assert error_codes(write) == ["FORBIDDEN"]


async def test_partner_with_workers_scope_sees_public_profiles(client, services):
    worker = await register(client, "w@example.com")
    await create_profile(client, worker.token, headline="Forklift pro")
    hidden = await register(client, "h@example.com")
    await create_profile(client, hidden.token, visibility="HIDDEN")
    token = await partner_token(
        client, await new_client(services, [PartnerScope.JOBS_READ, PartnerScope.WORKERS_READ])
    )
    result = data(await gql(client, WORKERS, token=token))["workers"]
    assert [edge["node"]["headline"] for edge in result["edges"]] == ["Forklift pro"]


async def test_jobs_need_the_jobs_scope(client, services):
    employer = await register(client, "hr@example.com", "EMPLOYER", "KK")
    job = await create_job(client, employer.token, publish=True)
    token = await partner_token(client, await new_client(services, [PartnerScope.WORKERS_READ]))
    assert error_codes(await gql(client, JOBS, token=token)) == ["FORBIDDEN"]
    node = await gql(client, "query($id: ID!) { node(id: $id) { id } }", {"id": job["id"]}, token)
    assert node["data"] == {"node": None} and "errors" not in node


async def test_revoking_a_client_stops_its_tokens(client, services):
    credentials = await new_client(services, [PartnerScope.JOBS_READ])
    token = await partner_token(client, credentials)
    async with services.database.session() as session:
        await session.execute(
            update(OAuthClient)
            .where(OAuthClient.client_id == credentials.client_id)
            .values(revoked_at=utcnow())
        )
        await session.commit()
    assert error_codes(await gql(client, "{ me { id } }", token=token)) == ["UNAUTHENTICATED"]
    refused = await token_response(client, basic(credentials.client_id, credentials.client_secret))
    assert refused.status_code == 401


async def test_token_issuance_is_audited(client, services):
    credentials = await new_client(services, [PartnerScope.JOBS_READ])
    await partner_token(client, credentials)
    admin = await create_admin(services, client)
    result = data(
        await gql(
            client,
            "{ auditEvents(filter: {kinds: [PARTNER_TOKEN_ISSUED]}) "
            "{ edges { node { details } } } }",
            token=admin.token,
        )
    )
    details = [edge["node"]["details"] for edge in result["auditEvents"]["edges"]]
    assert details == [{"client_id": credentials.client_id, "scope": "jobs:read"}]
