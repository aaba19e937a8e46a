"""GraphQL over HTTP: POST and GET, GraphiQL, introspection, health probes."""

from __future__ import annotations

import json

from server.app import create_app
from server.settings import Environment
from tests.graphql_client import PASSWORD, REGISTER


async def test_query_over_get(client):
    response = await client.get("/graphql", params={"query": "{ prefectures { code nameJa } }"})
    assert response.status_code == 200
    prefectures = response.json()["data"]["prefectures"]
    assert len(prefectures) == 47
    assert prefectures[0] == {"code": "HOKKAIDO", "nameJa": "北海道"}


async def test_variables_over_get(client):
    response = await client.get(
        "/graphql",
        params={
            "query": "query($s: String!) { skills(search: $s, first: 1) { slug } }",
            "variables": json.dumps({"s": "溶接"}),
        },
    )
    assert response.json()["data"]["skills"]


async def test_mutation_over_get_is_refused_and_not_run(client, services):
    variables = {
        "input": {
            "email": "get@example.com",
            "password": PASSWORD,
            "displayName": "G",
            "role": "WORKER",
        }
    }
    response = await client.get(
        "/graphql", params={"query": REGISTER, "variables": json.dumps(variables)}
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    login = await client.post("/graphql", json={"query": REGISTER, "variables": variables})
    assert login.json()["data"]["register"]["errors"] == []  # the GET created nothing


async def test_graphiql_in_development(client):
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_no_graphiql_in_production(settings, services):
    import httpx

    production = settings.model_copy(
        update={"environment": Environment.PRODUCTION, "graphiql": None}
    )
    app = create_app(production, services)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        response = await http.get("/graphql", headers={"Accept": "text/html"})
    assert "graphiql" not in response.text.lower()


async def test_introspection(client):
    response = await client.post(
        "/graphql",
        json={
            "query": '{ __schema { queryType { name } } __type(name: "Job") { fields { name } } }'
        },
    )
    body = response.json()["data"]
    assert body["__schema"]["queryType"]["name"] == "Query"
    assert {"title", "pay", "skills", "organization"} <= {
        f["name"] for f in body["__type"]["fields"]
    }


async def test_health_and_readiness(client):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


async def test_syntax_error_is_reported_with_a_location(client):
    response = await client.post("/graphql", json={"query": "{ jobs { "})
    error = response.json()["errors"][0]
    assert error["locations"] and "Syntax Error" in error["message"]


async def test_responses_are_compact_utf8_json(client):
    response = await client.post("/graphql", json={"query": "{ skills(first: 3) { nameJa } }"})
    body = response.content.decode("utf-8")
    names = [skill["nameJa"] for skill in json.loads(body)["data"]["skills"]]
    assert names and all(name in body for name in names)  # as written, not \\u escapes
    assert "\\u" not in body and ", " not in body


def test_values_orjson_refuses_are_still_encoded(settings, services):
    app = create_app(settings, services)
    endpoint = next(route.endpoint for route in app.routes if route.path == "/graphql")
    big = 2**70  # a JSON scalar may hold an integer beyond 64 bits
    assert json.loads(endpoint.encode_json({"data": {"n": big}})) == {"data": {"n": big}}
