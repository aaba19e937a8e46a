"""`iworkz serve` with no configuration: private PostgreSQL, migrations, GraphQL over HTTP.

One server (module-scoped) serves every test; the last two stop it with SIGTERM and start
it again on the same DATA_DIR.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.embedded.conftest import EmbeddedServer, postgres_processes, wait_for_no_postgres

PASSWORD = "a long password"
FORKLIFT = "forklift-operation"


def gql(
    client: httpx.Client,
    query: str,
    variables: dict[str, Any] | None = None,
    token: str | None = None,
) -> dict[str, Any]:
    """POST a GraphQL operation and return its `data`, failing on any GraphQL error."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert not result.get("errors"), result["errors"]
    return result["data"]


REGISTER = """
mutation Register($email: String!, $password: String!) {
  register(input: {email: $email, password: $password, displayName: "Aiko", role: WORKER}) {
    user { id email roles }
    accessToken
    errors { field code message }
  }
}
"""
LOGIN = """
mutation Login($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) {
    accessToken
    errors { field code message }
  }
}
"""
SKILLS = "query Skills($search: String!) { skills(search: $search) { id slug nameEn nameJa } }"
PROFILE_FIELDS = """
id headline remoteOk travelRadiusKm employmentTypes
skills { skill { slug } level years }
languages { code level }
location { prefecture city }
desiredPay { amount period }
"""
CREATE_PROFILE = f"""
mutation Create($input: CreateWorkerProfileInput!) {{
  createWorkerProfile(input: $input) {{
    worker {{ {PROFILE_FIELDS} }}
    errors {{ field code message }}
  }}
}}
"""
ME = f"{{ me {{ id email displayName roles workerProfile {{ {PROFILE_FIELDS} }} }} }}"


@dataclass
class Worker:
    """A worker who signed up through the API, and the profile she created."""

    email: str
    token: str
    user_id: str
    profile: dict[str, Any]


def forklift_skill_id(client: httpx.Client) -> str:
    skills = gql(client, SKILLS, {"search": "forklift"})["skills"]
    return next(skill["id"] for skill in skills if skill["slug"] == FORKLIFT)


@pytest.fixture(scope="module")
def aiko(server: EmbeddedServer) -> Worker:
    """Aiko registers as a worker and creates her profile (a forklift driver in Nagoya)."""
    email = "aiko@example.jp"
    with server.client() as client:
        registered = gql(client, REGISTER, {"email": email, "password": PASSWORD})["register"]
        assert registered["errors"] == []
        assert registered["user"]["email"] == email
        assert registered["user"]["roles"] == ["WORKER"]
        token = registered["accessToken"]
        assert token
        profile_input = {
            "headline": "Forklift driver, 3 years in warehouses",
            "skills": [{"skillId": forklift_skill_id(client), "level": 4, "years": 3}],
            "languages": [{"code": "ja", "level": "N2"}],
            "location": {"prefecture": "AICHI", "city": "Nagoya", "lat": 35.18, "lon": 136.91},
            "desiredPay": {"amount": 1500, "period": "HOURLY"},
            "employmentTypes": ["FULL_TIME", "SHIFT"],
        }
        created = gql(client, CREATE_PROFILE, {"input": profile_input}, token=token)
        payload = created["createWorkerProfile"]
        assert payload["errors"] == []
    return Worker(email, token, registered["user"]["id"], payload["worker"])


def test_health_probes_and_graphiql(server: EmbeddedServer) -> None:
    """Alive, ready on its own PostgreSQL (no Redis checked), GraphiQL for browsers."""
    with server.client() as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json() == {"status": "ok", "checks": {"database": "ok"}}
        page = client.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "graphiql" in page.text.lower()


def test_queries_run_over_get_but_mutations_do_not(server: EmbeddedServer) -> None:
    with server.client() as client:
        response = client.get("/graphql", params={"query": "{prefectures{code}}"})
        assert response.status_code == 200, response.text
        codes = [item["code"] for item in response.json()["data"]["prefectures"]]
        assert (len(codes), codes[0], codes[12], codes[-1]) == (47, "HOKKAIDO", "TOKYO", "OKINAWA")

        email = "via-get@example.jp"
        mutation = (
            f'mutation {{ register(input: {{email: "{email}", password: "{PASSWORD}", '
            'displayName: "Get", role: WORKER}) { accessToken } }'
        )
        refused = client.get("/graphql", params={"query": mutation})
        assert 400 <= refused.status_code < 500, refused.text
        assert "mutation" in refused.text.lower()
        # Not executed: the account does not exist.
        login = gql(client, LOGIN, {"email": email, "password": PASSWORD})["login"]
        assert login["accessToken"] is None
        assert [error["code"] for error in login["errors"]] == ["INVALID_CREDENTIALS"]


@pytest.mark.parametrize("search", ["フォーク", "forklift"])
def test_skill_search_finds_the_forklift_skill(server: EmbeddedServer, search: str) -> None:
    """The taxonomy seeded by the migrations is searchable in Japanese and English."""
    with server.client() as client:
        skills = gql(client, SKILLS, {"search": search})["skills"]
    by_slug = {skill["slug"]: skill for skill in skills}
    assert FORKLIFT in by_slug, skills
    assert by_slug[FORKLIFT]["nameEn"] == "Forklift operation"
    assert by_slug[FORKLIFT]["nameJa"] == "フォークリフト運転"


def test_worker_signs_up_and_creates_a_profile(server: EmbeddedServer, aiko: Worker) -> None:
    assert aiko.profile["headline"] == "Forklift driver, 3 years in warehouses"
    assert aiko.profile["skills"] == [{"skill": {"slug": FORKLIFT}, "level": 4, "years": 3.0}]
    assert aiko.profile["location"] == {"prefecture": "AICHI", "city": "Nagoya"}
    with server.client() as client:
        me = gql(client, ME, token=aiko.token)["me"]
        assert gql(client, "{ me { id } }") == {"me": None}  # anonymous
    assert (me["id"], me["email"], me["displayName"], me["roles"]) == (
        aiko.user_id,
        aiko.email,
        "Aiko",
        ["WORKER"],
    )
    assert me["workerProfile"] == aiko.profile


def test_sigterm_stops_the_server_and_its_private_postgres(server: EmbeddedServer) -> None:
    """A graceful stop: prompt exit, lifespan shut down, and no PostgreSQL left on DATA_DIR."""
    assert postgres_processes(server.pgdata), "no PostgreSQL found on DATA_DIR while serving"
    try:
        returncode = server.terminate()
        output = server.output()
        # uvicorn re-raises the SIGTERM it handled, so death by SIGTERM is a clean exit too.
        assert returncode in (0, -signal.SIGTERM), output
        assert "Application shutdown complete" in output, output
        assert "Traceback" not in output, output
        left = wait_for_no_postgres(server.pgdata, timeout=10)
        assert not left, (
            f"private PostgreSQL still running after `iworkz serve` exited: "
            f"{[(process.pid, process.cmdline()) for process in left]}"
        )
    finally:
        server.start()  # the remaining tests need a server, even when this one fails


def test_data_survives_a_restart(server: EmbeddedServer, aiko: Worker) -> None:
    """Same DATA_DIR, new process: the user logs in, her profile and her token are still good."""
    server.restart()
    with server.client() as client:
        login = gql(client, LOGIN, {"email": aiko.email, "password": PASSWORD})["login"]
        assert login["errors"] == []
        me = gql(client, ME, token=login["accessToken"])["me"]
        # The signing secret is kept in DATA_DIR, so a token from before the restart still works.
        me_with_old_token = gql(client, ME, token=aiko.token)["me"]
    assert me["id"] == aiko.user_id
    assert me["workerProfile"] == aiko.profile
    assert me_with_old_token == me
