"""GraphQL over HTTP (graphql/graphql-over-http), rule by rule: Accept negotiation, the
status code for each kind of failure under each media type, GET, media types of requests
and responses, and our protections' own status codes."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from server.app import create_app
from tests.graphql_client import PASSWORD, REGISTER

GRJ = "application/graphql-response+json"
JSON = "application/json"
QUERY = "{ prefectures { code } }"
# What the JavaScript clients send.
URQL_ACCEPT = (
    "application/graphql-response+json, application/graphql+json, application/json, "
    "text/event-stream, multipart/mixed"
)
APOLLO_4_ACCEPT = "application/graphql-response+json,application/json;q=0.9"
APOLLO_3_ACCEPT = "*/*"


def app_client(settings, services, **overrides) -> httpx.AsyncClient:
    # A key prefix of its own (under the run's, so it is cleaned up) isolates budgets.
    prefix = f"{settings.redis_key_prefix}http-{uuid.uuid4().hex[:8]}:"
    changed = settings.model_copy(update={"redis_key_prefix": prefix, **overrides})
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(changed, services)), base_url="http://t"
    )


async def post(client, body, accept: str | None = GRJ, **headers) -> httpx.Response:
    request = client.build_request("POST", "/graphql", json=body, headers=headers)
    if accept is None:
        del request.headers["accept"]
    else:
        request.headers["accept"] = accept
    return await client.send(request)


def media_type(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0]


def codes(response: httpx.Response) -> list[str]:
    return [error["extensions"]["code"] for error in response.json()["errors"]]


# --- Accept ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (GRJ, GRJ),
        (JSON, JSON),
        (f"{GRJ}; charset=utf-8, {JSON}; charset=utf-8", GRJ),  # the spec's recommended header
        (f"{JSON}, {GRJ}", GRJ),  # named both at the same quality: the preferred type
        (f"{JSON}, {GRJ};q=0.5", JSON),
        (URQL_ACCEPT, GRJ),
        (APOLLO_4_ACCEPT, GRJ),
        (APOLLO_3_ACCEPT, JSON),  # wildcards and no Accept: legacy application/json
        ("application/*", JSON),
        (f"{JSON};q=0, */*", GRJ),
        ("text/html,application/xhtml+xml,*/*;q=0.8", JSON),  # a browser's navigation
        (None, JSON),
    ],
)
async def test_accept_chooses_the_response_media_type(client, accept, expected):
    response = await post(client, {"query": QUERY}, accept)
    assert response.status_code == 200
    assert response.headers["content-type"] == f"{expected}; charset=utf-8"
    assert len(response.json()["data"]["prefectures"]) == 47


@pytest.mark.parametrize("accept", ["text/html", "application/xml", f"{JSON};q=0, {GRJ};q=0"])
async def test_unacceptable_accept_is_406_and_runs_nothing(client, accept):
    response = await post(client, {"query": REGISTER}, accept)
    assert response.status_code == 406
    assert GRJ in response.text and JSON in response.text


# --- status codes with application/graphql-response+json ------------------------------


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"query": "{ jobs { "}, "GRAPHQL_PARSE_FAILED"),
        ({"query": "{ nope }"}, "GRAPHQL_VALIDATION_FAILED"),
        (
            {"query": "query($n: Int!) { skills(first: $n) { slug } }", "variables": {"n": "x"}},
            "GRAPHQL_VALIDATION_FAILED",
        ),
        ({"query": "query($n: Int!) { skills(first: $n) { slug } }"}, "GRAPHQL_VALIDATION_FAILED"),
        ({"query": QUERY, "operationName": "Missing"}, "OPERATION_RESOLUTION_FAILURE"),
        (
            {"query": "query A { __typename } query B { __typename }"},
            "OPERATION_RESOLUTION_FAILURE",
        ),
        ({"query": "subscription { notifications { id } }"}, "OPERATION_NOT_SUPPORTED"),
    ],
)
async def test_request_errors_are_400_without_data(client, body, code):
    response = await post(client, body)
    assert response.status_code == 400
    assert media_type(response) == GRJ
    assert "data" not in response.json()
    assert codes(response) == [code]


async def test_field_errors_with_partial_data_are_200(client):
    response = await post(client, {"query": '{ prefectures { code } node(id: "nope") { id } }'})
    assert response.status_code == 200
    body = response.json()
    assert len(body["data"]["prefectures"]) == 47 and body["data"]["node"] is None
    assert body["errors"][0]["path"] == ["node"]


async def test_a_field_error_that_nulls_all_data_is_still_200(client):
    # `notifications` is non-null and needs a signed-in user: the error bubbles up to
    # `data: null`, but execution happened, so it is not a request error.
    response = await post(
        client, {"query": "{ prefectures { code } notifications { unreadCount } }"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None and body["errors"][0]["path"] == ["notifications"]


async def test_a_refused_query_cost_is_400_and_a_throttled_caller_429(settings, services):
    async with app_client(settings, services, query_cost_limit=2) as http:
        costly = await post(http, {"query": "{ jobs(first: 5) { edges { node { id } } } }"})
    assert (costly.status_code, codes(costly)) == (400, ["QUERY_TOO_COSTLY"])
    assert "data" not in costly.json()
    budget = {"rate_limit_bucket_size": 2, "rate_limit_restore_rate": 0.001}
    async with app_client(settings, services, **budget) as http:
        for _ in range(2):
            assert (await post(http, {"query": "{ __typename }"})).status_code == 200
        throttled = await post(http, {"query": "{ __typename }"})
        legacy = await post(http, {"query": "{ __typename }"}, JSON)
    assert (throttled.status_code, codes(throttled)) == (429, ["THROTTLED"])
    assert int(throttled.headers["retry-after"]) > 0
    # application/json keeps the legacy rule: 200 for a well-formed request.
    assert (legacy.status_code, codes(legacy)) == (200, ["THROTTLED"])


# --- status codes with application/json (legacy clients) ------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"query": "{ jobs { "},
        {"query": "{ nope }"},
        {"query": QUERY, "operationName": "Missing"},
        {"query": "query($n: Int!) { skills(first: $n) { slug } }", "variables": {"n": "x"}},
    ],
)
async def test_legacy_json_answers_request_errors_with_200(client, body):
    response = await post(client, body, JSON)
    assert response.status_code == 200
    assert media_type(response) == JSON
    assert response.json()["errors"]


# --- not a well-formed GraphQL-over-HTTP request: 400 whatever the media type -----------


@pytest.mark.parametrize("accept", [GRJ, JSON])
@pytest.mark.parametrize(
    "content",
    [
        "NONSENSE",
        '{"query":',
        '"{ __typename }"',
        "null",
        '[{"query": "{ __typename }"}]',
        '{"qeury": "{ __typename }"}',
        '{"query": 1}',
        '{"query": {"a": 1}}',
        '{"query": "{ __typename }", "variables": [7]}',
        '{"query": "{ __typename }", "operationName": 3}',
        '{"query": "{ __typename }", "extensions": "x"}',
        b'{"query": "\xff"}',
    ],
)
async def test_malformed_requests_are_400(client, accept, content):
    response = await client.post(
        "/graphql", content=content, headers={"Content-Type": JSON, "Accept": accept}
    )
    assert response.status_code == 400
    assert media_type(response) == accept
    assert codes(response) == ["BAD_REQUEST"]
    assert response.json()["errors"][0]["message"]


# --- GET ---------------------------------------------------------------------------------


async def test_get_takes_variables_and_extensions_as_json_in_the_query_string(client):
    response = await client.get(
        "/graphql",
        params={
            "query": "query Skills($s: String!) { skills(search: $s, first: 1) { slug } }",
            "variables": json.dumps({"s": "溶接"}),
            "extensions": json.dumps({"tracing": False}),
            "operationName": "Skills",
        },
        headers={"Accept": GRJ},
    )
    assert response.status_code == 200
    assert media_type(response) == GRJ
    assert response.json()["data"]["skills"]


async def test_get_with_an_empty_operation_name_runs_the_only_operation(client):
    response = await client.get("/graphql", params={"query": QUERY, "operationName": ""})
    assert response.status_code == 200 and response.json()["data"]["prefectures"]


@pytest.mark.parametrize("key", ["variables", "extensions"])
async def test_get_with_parameters_that_are_not_json_is_400(client, key):
    response = await client.get("/graphql", params={"query": QUERY, key: "{nope"})
    assert (response.status_code, codes(response)) == (400, ["BAD_REQUEST"])


@pytest.mark.parametrize("accept", [GRJ, JSON])
async def test_mutation_over_get_is_405_with_allow_post_and_is_not_run(client, accept):
    variables = {
        "input": {
            "email": "g@example.com",
            "password": PASSWORD,
            "displayName": "G",
            "role": "WORKER",
        }
    }
    response = await client.get(
        "/graphql",
        params={"query": REGISTER, "variables": json.dumps(variables)},
        headers={"Accept": accept},
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert media_type(response) == accept and codes(response) == ["METHOD_NOT_ALLOWED"]
    created = await post(client, {"query": REGISTER, "variables": variables})
    assert created.json()["data"]["register"]["errors"] == []  # the GET created nothing


async def test_other_methods_are_405_with_allow(client):
    response = await client.request("HEAD", "/graphql")
    assert response.status_code == 405
    assert set(response.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST"}


# --- request media types -------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/graphql",
        "application/json; charset=latin1",
    ],
)
async def test_other_request_media_types_are_415_with_a_clear_message(client, content_type):
    request = client.build_request(
        "POST", "/graphql", content=json.dumps({"query": QUERY}), headers={"Accept": GRJ}
    )
    if content_type is not None:  # raw content: httpx sends no Content-Type of its own
        request.headers["content-type"] = content_type
    response = await client.send(request)
    assert response.status_code == 415
    assert codes(response) == ["UNSUPPORTED_MEDIA_TYPE"]
    message = response.json()["errors"][0]["message"]
    assert "application/json" in message or "UTF-8" in message


async def test_json_with_a_utf8_charset_is_accepted(client):
    response = await client.post(
        "/graphql",
        content=json.dumps({"query": '{ __type(name: "Job") { name } }'}).encode(),
        headers={"Content-Type": "application/json; charset=UTF-8", "Accept": GRJ},
    )
    assert response.status_code == 200 and response.json()["data"]["__type"]["name"] == "Job"


# --- our protections keep their status codes -----------------------------------------


async def test_protections_answer_with_their_own_status_and_a_json_error(settings, services):
    async with app_client(settings, services, max_query_length=30) as http:
        long = await post(http, {"query": "{ prefectures { code nameJa nameEn } }"})
    assert (long.status_code, codes(long)) == (413, ["QUERY_TOO_LONG"])
    async with app_client(settings, services, execution_timeout_seconds=0.0001) as http:
        slow = await post(http, {"query": "{ jobs(first: 5) { totalCount } }"}, JSON)
    assert (slow.status_code, codes(slow)) == (504, ["TIMEOUT"])
    assert media_type(slow) == JSON
