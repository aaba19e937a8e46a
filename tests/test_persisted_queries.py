"""Automatic persisted queries (Apollo's protocol), Cache-Control for CDNs, and the
trusted-documents mode for production."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import uuid

import httpx
import pytest

from domain.auth.partners import PartnerScope
from server.app import create_app
from server.persisted_queries import MemoryQueryStore
from tests.graphql_client import create_admin, register
from tests.live import graphql_ws, running_app
from tests.test_partners import new_client, partner_token

QUERY = "query Prefectures { prefectures { code } }"
PRIVATE = "private, no-store"
GRJ = "application/graphql-response+json"
NOT_FOUND = {
    "errors": [
        {"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}
    ]
}


def sha(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


def apq(query: str) -> dict:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha(query)}}


async def hash_only_post(client, query, **headers) -> httpx.Response:
    return await client.post("/graphql", json={"extensions": apq(query)}, headers=headers)


async def hash_only_get(client, query, variables=None, **headers) -> httpx.Response:
    params = {"extensions": json.dumps(apq(query))}
    if variables is not None:
        params["variables"] = json.dumps(variables)
    return await client.get("/graphql", params=params, headers=headers)


def app_client(settings, services, **overrides) -> httpx.AsyncClient:
    app = create_app(settings.model_copy(update=overrides), services)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


# --- the APQ protocol ----------------------------------------------------------------


@pytest.mark.parametrize("accept", ["*/*", GRJ])
async def test_an_unknown_hash_answers_persisted_query_not_found_with_200(client, accept):
    for response in (
        await hash_only_post(client, QUERY, Accept=accept),
        await hash_only_get(client, QUERY, Accept=accept),
    ):
        assert response.status_code == 200
        assert response.json() == NOT_FOUND  # exactly what Apollo Client and urql look for
        assert response.headers["cache-control"] == PRIVATE  # a miss must never be cached


async def test_query_and_hash_register_then_the_hash_alone_works_by_post_and_get(client):
    assert (await hash_only_post(client, QUERY)).json() == NOT_FOUND
    registered = await client.post("/graphql", json={"query": QUERY, "extensions": apq(QUERY)})
    assert len(registered.json()["data"]["prefectures"]) == 47
    by_post = await hash_only_post(client, QUERY)
    by_get = await hash_only_get(client, QUERY)
    for response in (by_post, by_get):
        assert response.status_code == 200
        assert len(response.json()["data"]["prefectures"]) == 47


async def test_a_query_registered_over_get_takes_variables_too(client):
    query = "query Skill($s: String!) { skills(search: $s, first: 1) { slug } }"
    first = await client.get(
        "/graphql",
        params={
            "query": query,
            "variables": json.dumps({"s": "溶接"}),
            "extensions": json.dumps(apq(query)),
        },
    )
    assert first.json()["data"]["skills"]
    again = await hash_only_get(client, query, {"s": "介護"})
    assert again.json()["data"]["skills"]


async def test_a_hash_that_does_not_match_the_query_is_rejected_and_nothing_is_stored(client):
    lying = {"persistedQuery": {"version": 1, "sha256Hash": sha("{ __typename }")}}
    response = await client.post("/graphql", json={"query": QUERY, "extensions": lying})
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "message": "provided sha does not match query",  # Apollo Server's words
                "extensions": {"code": "PERSISTED_QUERY_HASH_MISMATCH"},
            }
        ]
    }
    assert (await hash_only_post(client, "{ __typename }")).json() == NOT_FOUND


async def test_only_documents_that_validate_are_stored(client):
    invalid = "{ nope }"
    refused = await client.post("/graphql", json={"query": invalid, "extensions": apq(invalid)})
    assert refused.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert (await hash_only_post(client, invalid)).json() == NOT_FOUND


@pytest.mark.parametrize(
    "persisted",
    [
        {"version": 2, "sha256Hash": sha(QUERY)},
        {"version": 1, "sha256Hash": "abc"},
        {"version": 1},
        "x",
    ],
)
async def test_malformed_persisted_query_extensions_are_400(client, persisted):
    response = await client.post("/graphql", json={"extensions": {"persistedQuery": persisted}})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_redis_keeps_queries_under_the_key_prefix_with_a_ttl(client, services, settings):
    await client.post("/graphql", json={"query": QUERY, "extensions": apq(QUERY)})
    key = f"{settings.redis_key_prefix}apq:{sha(QUERY)}"
    assert (await services.redis.get(key)).decode() == QUERY
    assert 0 < await services.redis.ttl(key) <= settings.persisted_query_ttl_seconds


async def test_embedded_mode_keeps_queries_in_memory(settings, services):
    embedded = dataclasses.replace(services, redis=None)
    async with app_client(settings, embedded) as http:
        assert (await hash_only_post(http, QUERY)).json() == NOT_FOUND
        await http.post("/graphql", json={"query": QUERY, "extensions": apq(QUERY)})
        assert (await hash_only_get(http, QUERY)).json()["data"]["prefectures"]
    assert not [key async for key in services.redis.scan_iter(f"{settings.redis_key_prefix}apq:*")]


async def test_the_memory_store_forgets_the_least_recently_used():
    store = MemoryQueryStore(max_entries=2)
    await store.put("a", "A")
    await store.put("b", "B")
    assert await store.get("a") == "A"  # a is now the most recent
    await store.put("c", "C")
    assert (await store.get("a"), await store.get("b"), await store.get("c")) == ("A", None, "C")


async def test_queries_over_the_length_limit_are_refused_and_not_stored(settings, services):
    async with app_client(settings, services, max_query_length=20) as http:
        response = await http.post("/graphql", json={"query": QUERY, "extensions": apq(QUERY)})
        assert response.status_code == 413
        assert (await hash_only_post(http, QUERY)).json() == NOT_FOUND


# --- Cache-Control ---------------------------------------------------------------------


async def registered(client, query: str) -> None:
    response = await client.post("/graphql", json={"query": query, "extensions": apq(query)})
    assert response.status_code == 200, response.text


async def test_public_anonymous_get_results_are_cacheable(client):
    await registered(client, QUERY)
    response = await hash_only_get(client, QUERY)
    assert response.headers["cache-control"] == "public, max-age=60"
    assert {"Accept", "Authorization", "Cookie"} <= {
        value.strip() for value in response.headers["vary"].split(",")
    }
    # The caller's own budget is not part of a response everyone may be served.
    assert response.json()["extensions"]["cost"]["throttleStatus"] is None
    jobs = "{ jobs(first: 5) { edges { node { title } } } skills(first: 3) { slug } }"
    plain_get = await client.get("/graphql", params={"query": jobs})
    assert plain_get.headers["cache-control"] == "public, max-age=60"


async def test_anything_personal_or_with_credentials_is_private(client):
    worker = await register(client, "cache@example.com")
    await registered(client, QUERY)
    cases = {
        "with a token": await hash_only_get(client, QUERY, Authorization=f"Bearer {worker.token}"),
        "with a cookie": await hash_only_get(client, QUERY, Cookie="session=1"),
        "over POST": await hash_only_post(client, QUERY),
        "a personal field": await client.get("/graphql", params={"query": "{ me { email } }"}),
        "an alias hiding a field": await client.get(
            "/graphql", params={"query": "{ jobs: me { email } }"}
        ),
        "a fragment at the root": await client.get(
            "/graphql",
            params={"query": "query { ...F } fragment F on Query { prefectures { code } }"},
        ),
        "an error": await client.get(
            "/graphql", params={"query": "{ skills(first: -1) { slug } }"}
        ),
        "a miss": await hash_only_get(client, "{ __typename }"),
    }
    for case, response in cases.items():
        assert response.headers["cache-control"] == PRIVATE, case


async def test_public_caching_can_be_turned_off(settings, services):
    async with app_client(settings, services, public_cache_max_age_seconds=0) as http:
        response = await http.get("/graphql", params={"query": QUERY})
    assert response.headers["cache-control"] == PRIVATE


# --- trusted documents ------------------------------------------------------------------


TRUSTED = "query Jobs { jobs(first: 5) { edges { node { title } } } }"
FREE_FORM = "{ prefectures { code } }"


@pytest.fixture(params=["hash map", "apollo manifest"])
def trusted_file(request, tmp_path):
    path = tmp_path / f"trusted-{uuid.uuid4().hex[:6]}.json"
    if request.param == "hash map":
        path.write_text(json.dumps({sha(TRUSTED): TRUSTED}))
    else:
        manifest = {
            "format": "apollo-persisted-query-manifest",
            "version": 1,
            "operations": [{"id": sha(TRUSTED), "body": TRUSTED, "name": "Jobs", "type": "query"}],
        }
        path.write_text(json.dumps(manifest))
    return path


@pytest.fixture
async def trusted_only(settings, services, trusted_file):
    async with app_client(
        settings, services, persisted_queries_only=True, trusted_documents_file=trusted_file
    ) as http:
        yield http


def refused(response: httpx.Response) -> bool:
    return response.status_code == 403 and [
        error["extensions"]["code"] for error in response.json()["errors"]
    ] == ["OPERATION_NOT_TRUSTED"]


async def test_first_party_callers_run_only_trusted_documents(client, trusted_only):
    # (The apps' manifest holds their sign-up and login; this one does not: sign up elsewhere.)
    worker = await register(client, "first-party@example.com")
    for headers in ({}, {"Authorization": f"Bearer {worker.token}"}):
        by_hash = await hash_only_get(trusted_only, TRUSTED, **headers)
        assert by_hash.json()["data"]["jobs"] == {"edges": []}
        as_text = await trusted_only.post("/graphql", json={"query": TRUSTED}, headers=headers)
        assert as_text.json()["data"]["jobs"] == {"edges": []}
        free_form = await trusted_only.post("/graphql", json={"query": FREE_FORM}, headers=headers)
        assert refused(free_form)
        registering = await trusted_only.post(
            "/graphql", json={"query": FREE_FORM, "extensions": apq(FREE_FORM)}, headers=headers
        )
        assert refused(registering)
        assert (await hash_only_post(trusted_only, FREE_FORM, **headers)).json() == NOT_FOUND


async def test_partners_and_admins_keep_full_access(client, trusted_only, services):
    partner = await partner_token(
        trusted_only, await new_client(services, [PartnerScope.JOBS_READ])
    )
    admin = await create_admin(services, client)
    for token in (partner, admin.token):
        headers = {"Authorization": f"Bearer {token}"}
        response = await trusted_only.post("/graphql", json={"query": FREE_FORM}, headers=headers)
        assert len(response.json()["data"]["prefectures"]) == 47
    # A partner may use APQ for its own queries; first-party callers still may not run them.
    partner_headers = {"Authorization": f"Bearer {partner}"}
    await trusted_only.post(
        "/graphql", json={"query": FREE_FORM, "extensions": apq(FREE_FORM)}, headers=partner_headers
    )
    assert (await hash_only_post(trusted_only, FREE_FORM, **partner_headers)).json()["data"]
    assert refused(await hash_only_post(trusted_only, FREE_FORM))


async def test_subscriptions_go_through_the_same_gate(settings, services, trusted_file):
    gated = settings.model_copy(
        update={"persisted_queries_only": True, "trusted_documents_file": trusted_file}
    )
    async with running_app(gated, services) as host, graphql_ws(host) as ws:
        assert (await ws.receive())["type"] == "connection_ack"
        operation = await ws.subscribe('subscription { jobEvents(jobId: "x") { kind } }')
        reply = await ws.receive()
    assert (reply["type"], reply["id"]) == ("error", operation)
    assert reply["payload"][0]["extensions"]["code"] == "OPERATION_NOT_TRUSTED"


def test_a_manifest_whose_hash_is_not_its_text_stops_start_up(settings, services, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text(json.dumps({sha("{ __typename }"): TRUSTED}))
    with pytest.raises(ValueError, match="not the SHA-256"):
        create_app(settings.model_copy(update={"trusted_documents_file": path}), services)
    with pytest.raises(ValueError, match="TRUSTED_DOCUMENTS_FILE"):
        create_app(settings.model_copy(update={"persisted_queries_only": True}), services)
