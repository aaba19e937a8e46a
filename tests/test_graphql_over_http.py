"""GraphQL over HTTP (graphql/graphql-over-http, the current draft), rule by rule: Accept
negotiation, the status code for each kind of failure under each media type, GET, media
types of requests and responses, and our protections' own status codes.

The draft gives legacy `application/json` clients the same status codes as
`application/graphql-response+json` ones: only a 2xx response is labelled
`application/json`, and partial success is 294 with graphql-response+json only."""

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


# --- request errors: no data, 4xx, the same for legacy application/json clients -------

VALIDATION = "query($n: Int!) { skills(first: $n) { slug } }"


@pytest.mark.parametrize("accept", [GRJ, JSON, APOLLO_3_ACCEPT, None])
@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"query": "{ jobs { "}, 400, "GRAPHQL_PARSE_FAILED"),  # the document cannot be parsed
        ({"query": "{"}, 400, "GRAPHQL_PARSE_FAILED"),
        ({"query": "{ nope }"}, 422, "GRAPHQL_VALIDATION_FAILED"),
        ({"query": VALIDATION, "variables": {"n": "x"}}, 422, "GRAPHQL_VALIDATION_FAILED"),
        ({"query": VALIDATION}, 422, "GRAPHQL_VALIDATION_FAILED"),  # variable coercion
        ({"query": VALIDATION, "variables": {"n": None}}, 422, "GRAPHQL_VALIDATION_FAILED"),
        ({"query": QUERY, "operationName": "Missing"}, 422, "OPERATION_RESOLUTION_FAILURE"),
        (
            {"query": "query A { __typename } query B { __typename }"},
            422,
            "OPERATION_RESOLUTION_FAILURE",
        ),
        ({"query": "subscription { notifications { id } }"}, 422, "OPERATION_NOT_SUPPORTED"),
    ],
)
async def test_request_errors_have_no_data_and_a_4xx_for_every_client(
    client, accept, body, status, code
):
    """400 for a document that does not parse, 422 for one that does not validate, an
    operation that cannot be determined and variables that cannot be coerced. The draft
    asks the same of legacy clients; a non-2xx answer keeps graphql-response+json, which
    tells a client it is a GraphQL response and not some proxy's page."""
    response = await post(client, body, accept)
    assert response.status_code == status
    assert media_type(response) == GRJ
    assert response.headers["content-type"] == f"{GRJ}; charset=utf-8"
    assert "data" not in response.json()
    assert codes(response) == [code]


async def test_field_errors_with_partial_data_are_294_partial_success(client):
    response = await post(client, {"query": '{ prefectures { code } node(id: "nope") { id } }'})
    assert response.status_code == 294
    assert media_type(response) == GRJ
    body = response.json()
    assert len(body["data"]["prefectures"]) == 47 and body["data"]["node"] is None
    assert body["errors"][0]["path"] == ["node"]


async def test_a_field_error_that_nulls_all_data_is_294_too(client):
    # `notifications` is non-null and needs a signed-in user: the error bubbles up to
    # `data: null`, but execution happened, so it is not a request error.
    response = await post(
        client, {"query": "{ prefectures { code } notifications { unreadCount } }"}
    )
    assert response.status_code == 294
    body = response.json()
    assert body["data"] is None and body["errors"][0]["path"] == ["notifications"]


@pytest.mark.parametrize("accept", [JSON, APOLLO_3_ACCEPT, None])
async def test_partial_success_is_200_for_application_json(client, accept):
    """294 is the draft's own code, recommended only with graphql-response+json."""
    response = await post(
        client, {"query": '{ prefectures { code } node(id: "nope") { id } }'}, accept
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == f"{JSON}; charset=utf-8"
    assert response.json()["data"]["prefectures"] and response.json()["errors"]


async def test_success_without_errors_is_200(client):
    response = await post(client, {"query": QUERY})
    assert response.status_code == 200 and "errors" not in response.json()


async def test_a_refused_query_cost_is_422_and_a_throttled_caller_429(settings, services):
    """A cost limit is one more validation rule (the draft names complexity limits)."""
    async with app_client(settings, services, query_cost_limit=2) as http:
        costly = await post(http, {"query": "{ jobs(first: 5) { edges { node { id } } } }"})
    assert (costly.status_code, codes(costly)) == (422, ["QUERY_TOO_COSTLY"])
    assert "data" not in costly.json()
    budget = {"rate_limit_bucket_size": 2, "rate_limit_restore_rate": 0.001}
    async with app_client(settings, services, **budget) as http:
        for _ in range(2):
            assert (await post(http, {"query": "{ __typename }"})).status_code == 200
        throttled = await post(http, {"query": "{ __typename }"})
        legacy = await post(http, {"query": "{ __typename }"}, JSON)
    for refused in (throttled, legacy):
        assert (refused.status_code, codes(refused)) == (429, ["THROTTLED"])
        assert int(refused.headers["retry-after"]) > 0
        assert media_type(refused) == GRJ


# --- not a well-formed GraphQL-over-HTTP request ------------------------------------------


@pytest.mark.parametrize("accept", [GRJ, JSON])
@pytest.mark.parametrize(
    "content",
    [
        "NONSENSE",  # the JSON body cannot be parsed: 400
        '{"query":',
        b'{"query": "\xff"}',  # not UTF-8
        b"",
    ],
)
async def test_a_body_that_is_not_json_is_400(client, accept, content):
    response = await client.post(
        "/graphql", content=content, headers={"Content-Type": JSON, "Accept": accept}
    )
    assert response.status_code == 400
    assert media_type(response) == GRJ
    assert codes(response) == ["BAD_REQUEST"]
    assert response.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    ("number", "message"),
    [
        # Beyond 64 bits: an integer still (a fast JSON parser would make it a float).
        (
            "123456789012345678901234567890",
            "non 32-bit signed integer value: 123456789012345678901234567890",
        ),
        ("NaN", "non-integer value: nan"),  # not JSON, but Python's parser reads it
        ("2.5", "non-integer value: 2.5"),
    ],
)
async def test_a_variable_is_read_as_written_whatever_the_number(client, number, message):
    content = '{"query": "query($n: Int) { jobs(first: $n) { totalCount } }", '
    content += f'"variables": {{"n": {number}}}}}'
    response = await client.post(
        "/graphql", content=content, headers={"Content-Type": JSON, "Accept": GRJ}
    )
    assert response.status_code == 422  # the draft's code for variables that do not coerce
    assert codes(response) == ["GRAPHQL_VALIDATION_FAILED"]
    assert message in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("accept", [GRJ, JSON])
@pytest.mark.parametrize(
    "content",
    [
        '"{ __typename }"',  # JSON, but not an object
        "null",
        "7",
        '[{"query": "{ __typename }"}]',  # a batch
        "{}",
        '{"qeury": "{ __typename }"}',  # no query
        '{"query": null}',
        '{"query": 1}',
        '{"query": {"a": 1}}',
        '{"query": ["{ __typename }"]}',
        '{"query": true}',
        '{"query": "{ __typename }", "variables": [7]}',
        '{"query": "{ __typename }", "variables": "{}"}',
        '{"query": "{ __typename }", "operationName": 3}',
        '{"query": "{ __typename }", "operationName": {}}',
        '{"query": "{ __typename }", "extensions": "x"}',
        '{"query": "{ __typename }", "extensions": [1]}',
    ],
)
async def test_a_json_body_that_is_not_a_graphql_request_is_422(client, accept, content):
    """Parameters missing or of the wrong type: not a well-formed GraphQL-over-HTTP
    request, 422 Unprocessable Content whatever the client accepts."""
    response = await client.post(
        "/graphql", content=content, headers={"Content-Type": JSON, "Accept": accept}
    )
    assert response.status_code == 422
    assert media_type(response) == GRJ
    assert codes(response) == ["BAD_REQUEST"]
    assert response.json()["errors"][0]["message"]


async def test_unknown_request_properties_and_nulls_are_ignored(client):
    response = await post(
        client,
        {"query": QUERY, "operationName": None, "variables": None, "extensions": None, "x": 1},
    )
    assert response.status_code == 200 and response.json()["data"]["prefectures"]


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


@pytest.mark.parametrize(
    "params",
    [
        {"query": QUERY, "variables": "{nope"},
        {"query": QUERY, "extensions": "{nope"},
        {"query": QUERY, "variables": "[7]"},  # JSON, but not an object
        {"query": QUERY, "extensions": "1"},
    ],
)
async def test_get_with_parameters_that_are_not_json_objects_is_422(client, params):
    response = await client.get("/graphql", params=params, headers={"Accept": GRJ})
    assert (response.status_code, codes(response)) == (422, ["BAD_REQUEST"])
    assert media_type(response) == GRJ


async def test_get_without_a_query_is_422(client):
    response = await client.get("/graphql", params={"variables": "{}"}, headers={"Accept": GRJ})
    assert (response.status_code, codes(response)) == (422, ["BAD_REQUEST"])


async def test_get_with_empty_optional_parameters_ignores_them(client):
    response = await client.get(
        "/graphql",
        params={"query": QUERY, "variables": "", "extensions": "", "operationName": ""},
        headers={"Accept": GRJ},
    )
    assert response.status_code == 200 and response.json()["data"]["prefectures"]


async def test_get_answers_request_errors_like_post(client):
    response = await client.get("/graphql", params={"query": "{ nope }"}, headers={"Accept": GRJ})
    assert (response.status_code, codes(response)) == (422, ["GRAPHQL_VALIDATION_FAILED"])


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
    assert media_type(response) == GRJ and codes(response) == ["METHOD_NOT_ALLOWED"]
    assert "data" not in response.json()
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
    assert media_type(response) == GRJ
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
    assert media_type(slow) == GRJ
