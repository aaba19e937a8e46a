"""Who may do what: every object type and every mutation, tried as every kind of caller.

Roles: anonymous, worker, other worker, employer, other employer, issuer, admin
and a partner (read-only token with jobs:read and workers:read). Each cell is
the outcome a client sees: the data, `null` (indistinguishable from missing),
or an error code.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import pytest

from domain.auth.partners import PartnerScope, create_partner_client
from domain.auth.principal import Role
from domain.auth.service import create_user
from tests.factories import (
    CREATE_JOB,
    CREATE_PROFILE,
    UPDATE_JOB,
    UPDATE_PROFILE,
    create_job,
    create_profile,
    job_input,
    profile_input,
    transition_mutation,
)
from tests.graphql_client import PASSWORD, create_admin, gql, login, register

ROLES = [
    "anonymous",
    "worker",
    "other_worker",
    "employer",
    "other_employer",
    "issuer",
    "admin",
    "partner",
]


@dataclass
class World:
    tokens: dict[str, str | None]
    ids: dict[str, str]


async def _partner_token(client, services) -> str:
    async with services.database.transaction(services.bus, services.queue) as uow:
        owner = await create_user(
            uow,
            email="partner@example.com",
            password=PASSWORD,
            display_name="Partner",
            roles=[Role.PARTNER],
        )
        credentials = await create_partner_client(
            uow, owner.id, "Feed", [PartnerScope.JOBS_READ, PartnerScope.WORKERS_READ]
        )
    raw = base64.b64encode(f"{credentials.client_id}:{credentials.client_secret}".encode()).decode()
    response = await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {raw}"},
    )
    return response.json()["access_token"]


@pytest.fixture
async def world(client, services) -> World:
    worker = await register(client, "worker@example.com")
    other_worker = await register(client, "other-worker@example.com")
    employer = await register(client, "hr@a.example", "EMPLOYER", "Org A")
    other_employer = await register(client, "hr@b.example", "EMPLOYER", "Org B")
    issuer = await register(client, "registrar@school.example", "ISSUER", "School")
    admin = await create_admin(services, client)
    profile = await create_profile(client, worker.token)
    hidden = await create_profile(client, other_worker.token, visibility="HIDDEN")
    open_job = await create_job(client, employer.token, publish=True)
    draft = await create_job(client, employer.token)
    return World(
        tokens={
            "anonymous": None,
            "worker": worker.token,
            "other_worker": other_worker.token,
            "employer": employer.token,
            "other_employer": other_employer.token,
            "issuer": issuer.token,
            "admin": admin.token,
            "partner": await _partner_token(client, services),
        },
        ids={
            "open_job": open_job["id"],
            "draft_job": draft["id"],
            "profile": profile["id"],
            "hidden_profile": hidden["id"],
            "worker_user": worker.user_id,
            "organization": open_job["organization"]["id"],
        },
    )


def outcome(result: dict[str, Any], field: str) -> str:
    """One word for what the caller got: ok, null, a user-error code or a GraphQL error code."""
    if result.get("errors"):
        return result["errors"][0]["extensions"]["code"]
    value = result["data"][field]
    if value is None:
        return "null"
    if isinstance(value, dict) and value.get("errors"):
        return value["errors"][0]["code"]
    return "ok"


NODE = "query($id: ID!) { node(id: $id) { id } }"

# Who sees each object through node(id:): everyone else gets null, as for a missing ID.
VISIBILITY = {
    "open_job": {
        "anonymous",
        "worker",
        "other_worker",
        "employer",
        "other_employer",
        "issuer",
        "admin",
        "partner",
    },
    "draft_job": {"employer", "admin"},
    "profile": {"worker", "employer", "other_employer", "admin", "partner"},
    "hidden_profile": {"other_worker", "admin"},
    "worker_user": {"worker", "admin"},
    "organization": set(ROLES),
}


@pytest.mark.parametrize("target", sorted(VISIBILITY))
async def test_node_visibility(client, world, target):
    got = {
        role: outcome(await gql(client, NODE, {"id": world.ids[target]}, token), "node")
        for role, token in world.tokens.items()
    }
    assert got == {role: "ok" if role in VISIBILITY[target] else "null" for role in ROLES}


PERSONAL = "query($id: ID!) { node(id: $id) { ... on Worker { personalData { phone } } } }"


async def test_personal_data_only_for_the_worker_and_admins(client, world):
    visible = {}
    for role, token in world.tokens.items():
        result = await gql(client, PERSONAL, {"id": world.ids["profile"]}, token)
        node = result["data"]["node"]
        visible[role] = node is not None and node["personalData"] is not None
    assert {role for role, seen in visible.items() if seen} == {"worker", "admin"}


LISTS = {
    "jobs": ("{ jobs(first: 1) { totalCount } }", set(ROLES)),
    "workers": (
        "{ workers(first: 1) { totalCount } }",
        {"employer", "other_employer", "admin", "partner"},
    ),
    "auditEvents": ("{ auditEvents(first: 1) { totalCount } }", {"admin"}),
}


@pytest.mark.parametrize("field", sorted(LISTS))
async def test_lists(client, world, field):
    query, allowed = LISTS[field]
    got = {
        role: outcome(await gql(client, query, token=token), field)
        for role, token in world.tokens.items()
    }
    expected = {
        role: "ok"
        if role in allowed
        else ("UNAUTHENTICATED" if role == "anonymous" else "FORBIDDEN")
        for role in ROLES
    }
    if field == "jobs":
        expected["anonymous"] = "ok"
    assert got == expected


DENIED_ANON = {"anonymous": "UNAUTHENTICATED", "partner": "FORBIDDEN"}


async def _fresh_job(client, world, *, publish: bool) -> str:
    return (await create_job(client, world.tokens["employer"], publish=publish))["id"]


def _job_mutation(name: str, publish: bool, **fields: Any):
    query = UPDATE_JOB if name == "updateJob" else transition_mutation(name)

    async def run(client, world, token) -> str:
        job_id = await _fresh_job(client, world, publish=publish)
        return outcome(await gql(client, query, {"input": {"id": job_id, **fields}}, token), name)

    return run


def _job_cells(owner_outcome: str, stranger: str) -> dict[str, str]:
    return {
        "anonymous": "UNAUTHENTICATED",
        "worker": stranger,
        "other_worker": stranger,
        "employer": owner_outcome,
        "other_employer": stranger,
        "issuer": stranger,
        "admin": owner_outcome,
        "partner": "FORBIDDEN",
    }


async def _simple(client, token, query, variables, field) -> str:
    return outcome(await gql(client, query, variables, token), field)


MUTATIONS: dict[str, tuple[Any, dict[str, str]]] = {
    "createJob": (
        lambda client, world, token: _simple(
            client, token, CREATE_JOB, {"input": job_input()}, "createJob"
        ),
        {
            "anonymous": "UNAUTHENTICATED",
            "worker": "FORBIDDEN",
            "other_worker": "FORBIDDEN",
            "employer": "ok",
            "other_employer": "ok",
            "issuer": "FORBIDDEN",
            "admin": "FORBIDDEN",
            "partner": "FORBIDDEN",
        },
    ),
    "updateJob (open)": (
        _job_mutation("updateJob", True, title="Edited"),
        _job_cells("ok", "FORBIDDEN"),
    ),
    "updateJob (draft)": (
        _job_mutation("updateJob", False, title="Edited"),
        _job_cells("ok", "NOT_FOUND"),
    ),
    "publishJob (draft)": (_job_mutation("publishJob", False), _job_cells("ok", "NOT_FOUND")),
    "pauseJob (open)": (_job_mutation("pauseJob", True), _job_cells("ok", "FORBIDDEN")),
    "closeJob (open)": (_job_mutation("closeJob", True), _job_cells("ok", "FORBIDDEN")),
    "markJobFilled (open)": (_job_mutation("markJobFilled", True), _job_cells("ok", "FORBIDDEN")),
    "createWorkerProfile": (
        lambda client, world, token: _simple(
            client, token, CREATE_PROFILE, {"input": profile_input()}, "createWorkerProfile"
        ),
        # Both workers already have one: the role is allowed, the duplicate is a user error.
        {
            "anonymous": "UNAUTHENTICATED",
            "worker": "ALREADY_EXISTS",
            "other_worker": "ALREADY_EXISTS",
            "employer": "FORBIDDEN",
            "other_employer": "FORBIDDEN",
            "issuer": "FORBIDDEN",
            "admin": "FORBIDDEN",
            "partner": "FORBIDDEN",
        },
    ),
    "updateWorkerProfile": (
        lambda client, world, token: _simple(
            client, token, UPDATE_PROFILE, {"input": {"bio": "edited"}}, "updateWorkerProfile"
        ),
        {
            "anonymous": "UNAUTHENTICATED",
            "worker": "ok",
            "other_worker": "ok",
            "employer": "FORBIDDEN",
            "other_employer": "FORBIDDEN",
            "issuer": "FORBIDDEN",
            "admin": "FORBIDDEN",
            "partner": "FORBIDDEN",
        },
    ),
    "setUserRoles": (
        lambda client, world, token: _simple(
            client,
            token,
            "mutation($input: SetUserRolesInput!) { setUserRoles(input: $input) { errors { code } } }",
            {"input": {"userId": world.ids["worker_user"], "roles": ["WORKER"]}},
            "setUserRoles",
        ),
        {role: "FORBIDDEN" for role in ROLES} | {"anonymous": "UNAUTHENTICATED", "admin": "ok"},
    ),
    "updateWorkerPersonalData": (
        lambda client, world, token: _simple(
            client,
            token,
            "mutation($input: UpdateWorkerPersonalDataInput!) { updateWorkerPersonalData(input: $input) { errors { code } } }",
            {"input": {"phone": "090-1234-5678"}},
            "updateWorkerPersonalData",
        ),
        {
            "anonymous": "UNAUTHENTICATED",
            "worker": "ok",
            "other_worker": "ok",
            "employer": "FORBIDDEN",
            "other_employer": "FORBIDDEN",
            "issuer": "FORBIDDEN",
            "admin": "FORBIDDEN",
            "partner": "FORBIDDEN",
        },
    ),
}


@pytest.mark.parametrize("mutation", list(MUTATIONS))
async def test_mutations(client, world, mutation):
    run, expected = MUTATIONS[mutation]
    got = {role: await run(client, world, token) for role, token in world.tokens.items()}
    assert got == expected


async def test_session_mutations_need_a_session(client, world):
    """logoutEverywhere ends the caller's own sessions only; it runs last, per role."""
    query = "mutation { logoutEverywhere { ok } }"
    got = {
        role: outcome(await gql(client, query, token=token), "logoutEverywhere")
        for role, token in world.tokens.items()
    }
    assert got == {role: "ok" for role in ROLES} | {
        "anonymous": "UNAUTHENTICATED",
        "partner": "FORBIDDEN",
    }
    # Each caller's token is now dead, and nobody else's session was touched by theirs.
    assert outcome(await gql(client, "{ me { id } }", token=world.tokens["worker"]), "me") == (
        "UNAUTHENTICATED"
    )
    fresh = await login(client, "worker@example.com")
    assert outcome(await gql(client, "{ me { id } }", token=fresh.token), "me") == "ok"
