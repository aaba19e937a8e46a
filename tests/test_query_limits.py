"""Query limits, attack by attack: cost overrun, throttling, batch bypass, alias flooding,
deep nesting, field suggestions and introspection, through the real app.

Each app built here gets its own Redis key prefix under the run's (which conftest clears
after every test), so its budgets start full and parallel runs never share them."""

from __future__ import annotations

import dataclasses
import json
import logging
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import httpx
import pytest
import strawberry
from redis.asyncio import Redis
from starlette.applications import Starlette

from domain.auth.principal import ANONYMOUS
from schema.context import Context
from schema.cost import DEFAULT_LIST_SIZE, MUTATION_FIELD_COST, STANDARD_INTROSPECTION_COST
from schema.limits import QueryLimits
from server.app import create_app
from server.rate_limit import BucketConfig, MemoryTokenBucket, RedisTokenBucket
from server.settings import Environment
from tests.conftest import REDIS_URL
from tests.factories import JOB_FIELDS, create_job, skill_gid
from tests.graphql_client import PASSWORD, REGISTER, data, error_codes, gql, register

JOBS_WITH_SKILLS = """
query Jobs($first: Int) {
  jobs(first: $first) { edges { node { ...JobCard } } }
}
fragment JobCard on Job { title organization { name } skills { skill { slug } } }
"""
# jobs: 5 (a search) + 1 (the connection) + per job: edge 1 + node 1 + organization 1
# + skills 10 (assumed) × (1 + skill 1)
JOBS_COST = 5 + 1
JOB_CARD_COST = 1 + 1 + 1 + DEFAULT_LIST_SIZE * 2


def unique_prefix(settings) -> str:
    return f"{settings.redis_key_prefix}{uuid.uuid4().hex[:8]}:"


def limited_app(settings, services, **overrides: Any) -> Starlette:
    """The real app with its own budgets (a fresh key prefix) and these settings changed."""
    changed = settings.model_copy(update={"redis_key_prefix": unique_prefix(settings), **overrides})
    return create_app(changed, services)


@asynccontextmanager
async def http(app: Starlette, ip: str = "198.51.100.7") -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(ip, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def operation(selections: Iterable[str]) -> str:
    return "{ " + " ".join(selections) + " }"


def cost_of(result: dict[str, Any]) -> dict[str, Any]:
    return result["extensions"]["cost"]


def register_variables(email: str) -> dict[str, Any]:
    return {"input": {"email": email, "password": PASSWORD, "displayName": "X", "role": "WORKER"}}


async def account_exists(client: httpx.AsyncClient, email: str) -> bool:
    """Registering again fails exactly when an earlier attempt created the account."""
    payload = (await gql(client, REGISTER, register_variables(email)))["data"]["register"]
    return bool(payload["errors"])


# --- calculated cost -----------------------------------------------------------------


async def test_cost_is_reported_on_every_response_and_rises_with_first(settings, services):
    async with http(limited_app(settings, services)) as client:
        small = await gql(client, JOBS_WITH_SKILLS, {"first": 1})
        large = await gql(client, JOBS_WITH_SKILLS, {"first": 100})
        default = await gql(client, JOBS_WITH_SKILLS)
        invalid = await gql(client, "{ jobs { nope } }")

    assert data(small) and data(large)
    assert cost_of(small)["requestedQueryCost"] == JOBS_COST + 1 * JOB_CARD_COST
    assert cost_of(large)["requestedQueryCost"] == JOBS_COST + 100 * JOB_CARD_COST  # 2,306
    assert cost_of(default)["requestedQueryCost"] == JOBS_COST + 20 * JOB_CARD_COST  # page 20
    assert cost_of(large)["maximumQueryCost"] == settings.query_cost_limit
    throttle = [cost_of(r)["throttleStatus"] for r in (small, large, default)]
    assert throttle[0] == {
        "maximumAvailable": settings.rate_limit_bucket_size,
        "currentlyAvailable": pytest.approx(settings.rate_limit_bucket_size - 29, abs=2),
        "restoreRate": settings.rate_limit_restore_rate,
    }
    assert throttle[1]["currentlyAvailable"] < throttle[0]["currentlyAvailable"]
    # A document refused by validation is not priced, but the budget is still reported.
    assert error_codes(invalid) == ["GRAPHQL_VALIDATION_FAILED"]
    assert cost_of(invalid)["requestedQueryCost"] is None
    assert cost_of(invalid)["throttleStatus"]["maximumAvailable"] == settings.rate_limit_bucket_size


async def test_cost_follows_variables_fragments_abstract_types_and_skip(settings, services):
    ids = [skill_gid("forklift-operation"), skill_gid("welding"), skill_gid("cooking")]
    query = """
    query Nodes($ids: [ID!]!, $withSkills: Boolean!) {
      nodes(ids: $ids) {
        id
        ... on Job { organization { name } skills @include(if: $withSkills) { skill { slug } } }
        ... on Skill { nameJa }
      }
    }
    """
    async with http(limited_app(settings, services)) as client:
        with_skills = await gql(client, query, {"ids": ids, "withSkills": True})
        without = await gql(client, query, {"ids": ids, "withSkills": False})
    # An interface costs its most expensive type: Job, 1 + organization 1 + 10 × 2.
    assert cost_of(with_skills)["requestedQueryCost"] == 3 * (1 + 1 + DEFAULT_LIST_SIZE * 2)
    assert cost_of(without)["requestedQueryCost"] == 3 * (1 + 1)


async def test_a_query_over_the_cost_limit_is_refused_before_it_runs(settings, services):
    # Three full pages of 100 jobs with their skills: about 6,900 points, over 5,000.
    aliased = operation(
        f"p{i}: jobs(first: 100) {{ edges {{ node {{ {JOB_FIELDS} }} }} }}" for i in range(3)
    )
    async with http(limited_app(settings, services)) as client:
        result = await gql(client, aliased)
        over_get = await client.get("/graphql", params={"query": "{ skills(first: 9999) { id } }"})
    assert error_codes(over_get.json()) == ["QUERY_TOO_COSTLY"]
    assert "data" not in result  # a request error: nothing ran
    [error] = result["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    cost = error["extensions"]["cost"]
    assert cost > settings.query_cost_limit == error["extensions"]["maximumCost"]
    assert f"{cost:,}" in error["message"] and f"{settings.query_cost_limit:,}" in error["message"]
    assert cost_of(result)["requestedQueryCost"] == cost
    # Refused, so not charged: the budget is still full.
    status = cost_of(result)["throttleStatus"]
    assert status["currentlyAvailable"] == status["maximumAvailable"]


async def test_a_mutation_over_a_lowered_cost_limit_is_not_executed(settings, services, client):
    email = f"costly-{uuid.uuid4().hex[:8]}@example.com"
    async with http(limited_app(settings, services, query_cost_limit=MUTATION_FIELD_COST)) as c:
        result = await gql(c, REGISTER, register_variables(email))
    assert error_codes(result) == ["QUERY_TOO_COSTLY"]
    assert "data" not in result  # a request error: nothing ran
    assert not await account_exists(client, email)


# --- per-caller budgets --------------------------------------------------------------


SMALL_BUDGET = {"rate_limit_bucket_size": 60, "rate_limit_restore_rate": 0.001}
PREFECTURE_COUNT = "{ prefectures { code } }"  # costs the minimum, 1


async def spend_down(client: httpx.AsyncClient, token: str | None = None) -> dict[str, Any]:
    """Ask for pages of 2 jobs (52 points each) until refused; return the refusal."""
    for _ in range(10):
        result = await gql(client, JOBS_WITH_SKILLS, {"first": 2}, token)
        if result.get("errors"):
            return result
    raise AssertionError("never throttled")


async def test_a_spent_budget_throttles_and_nothing_runs(settings, services, client):
    app = limited_app(settings, services, **SMALL_BUDGET)
    email = f"throttled-{uuid.uuid4().hex[:8]}@example.com"
    async with http(app) as limited:
        refusal = await spend_down(limited)
        register_attempt = await gql(limited, REGISTER, register_variables(email))

    [error] = refusal["errors"]
    assert error["extensions"]["code"] == "THROTTLED"
    assert error["extensions"]["cost"] == JOBS_COST + 2 * JOB_CARD_COST
    assert error["extensions"]["retryAfter"] > 0
    assert "Retry in" in error["message"]
    assert "data" not in refusal  # a request error: nothing ran
    status = cost_of(refusal)["throttleStatus"]
    assert status["currentlyAvailable"] < error["extensions"]["cost"]

    assert error_codes(register_attempt) == ["THROTTLED"]
    assert not await account_exists(client, email)  # the throttled mutation did not run


async def test_the_budget_refills_at_the_restore_rate(settings, services):
    import asyncio

    # 60 points refilling at 600 a second: empty to full in 0.1 s.
    app = limited_app(settings, services, rate_limit_bucket_size=60, rate_limit_restore_rate=600)
    async with http(app) as client:
        while not (await gql(client, JOBS_WITH_SKILLS, {"first": 2})).get("errors"):
            pass
        await asyncio.sleep(0.15)
        again = await gql(client, JOBS_WITH_SKILLS, {"first": 2})
    assert data(again)
    assert cost_of(again)["throttleStatus"]["currentlyAvailable"] >= 60 - 52


@pytest.mark.parametrize("store", ["memory", "redis"])
async def test_token_bucket_arithmetic_with_a_fake_clock(settings, store):
    now = [1_000.0]
    config = BucketConfig(capacity=100, restore_rate=10)
    redis = Redis.from_url(REDIS_URL) if store == "redis" else None
    bucket = (
        RedisTokenBucket(redis, config, key_prefix=unique_prefix(settings), clock=lambda: now[0])
        if redis is not None
        else MemoryTokenBucket(config, clock=lambda: now[0])
    )
    try:
        first = await bucket.spend("user:a", 80)
        assert first.allowed and first.status.currently_available == pytest.approx(20)
        refused = await bucket.spend("user:a", 30)
        assert not refused.allowed
        assert refused.retry_after(30) == 1  # 10 missing points at 10 a second
        assert refused.status.currently_available == pytest.approx(20)  # a refusal is free
        now[0] += 1
        assert (await bucket.spend("user:a", 30)).allowed
        now[0] += 1_000
        full = await bucket.spend("user:a", 0)
        assert full.status.currently_available == pytest.approx(100)  # never above capacity
        assert full.status.full_at == datetime.fromtimestamp(now[0], full.status.full_at.tzinfo)
        assert (await bucket.spend("user:b", 100)).allowed  # callers do not share
    finally:
        if redis is not None:
            await redis.aclose()


async def test_embedded_mode_throttles_in_memory(settings, services):
    """No Redis configured (Services.redis is None): the same limits, held in-process."""
    app = limited_app(settings, dataclasses.replace(services, redis=None), **SMALL_BUDGET)
    async with http(app) as client:
        refusal = await spend_down(client)
    assert error_codes(refusal) == ["THROTTLED"]
    assert refusal["errors"][0]["extensions"]["retryAfter"] > 0


async def test_users_and_addresses_have_separate_budgets(settings, services):
    app = limited_app(settings, services, **SMALL_BUDGET)
    async with http(app, ip="203.0.113.1") as first_ip, http(app, ip="203.0.113.2") as second_ip:
        alice = await register(first_ip, f"alice-{uuid.uuid4().hex[:6]}@example.com")
        bob = await register(first_ip, f"bob-{uuid.uuid4().hex[:6]}@example.com")

        assert error_codes(await spend_down(first_ip, alice.token)) == ["THROTTLED"]
        # Alice is throttled wherever she calls from; Bob and the address are not.
        from_elsewhere = await gql(second_ip, JOBS_WITH_SKILLS, {"first": 2}, alice.token)
        assert error_codes(from_elsewhere) == ["THROTTLED"]
        assert data(await gql(first_ip, PREFECTURE_COUNT, token=bob.token))
        assert data(await gql(first_ip, PREFECTURE_COUNT))

        assert error_codes(await spend_down(first_ip)) == ["THROTTLED"]
        assert data(await gql(second_ip, PREFECTURE_COUNT))  # another address
        assert data(await gql(first_ip, PREFECTURE_COUNT, token=bob.token))


async def test_rate_limit_field_reports_the_budget(settings, services):
    query = "{ rateLimit { cost maxQueryCost limit remaining restoreRate resetAt } }"
    async with http(limited_app(settings, services)) as client:
        await gql(client, JOBS_WITH_SKILLS, {"first": 10})  # 236 points
        result = await gql(client, query)
    rate_limit = data(result)["rateLimit"]
    assert rate_limit["cost"] == 1 == cost_of(result)["requestedQueryCost"]
    assert rate_limit["maxQueryCost"] == settings.query_cost_limit
    assert rate_limit["limit"] == settings.rate_limit_bucket_size
    assert rate_limit["restoreRate"] == settings.rate_limit_restore_rate
    # 237 spent, a little restored since.
    assert (
        settings.rate_limit_bucket_size - 237
        <= rate_limit["remaining"]
        < (settings.rate_limit_bucket_size - 150)
    )
    assert rate_limit["remaining"] == cost_of(result)["throttleStatus"]["currentlyAvailable"]
    assert datetime.fromisoformat(rate_limit["resetAt"]) > datetime.fromisoformat(
        "2020-01-01T00:00:00+00:00"
    )


async def test_rate_limit_is_null_when_budgets_are_off(settings, services):
    async with http(limited_app(settings, services, rate_limit_enabled=False)) as client:
        result = await gql(client, "{ rateLimit { remaining } }")
    assert data(result)["rateLimit"] is None
    assert cost_of(result)["throttleStatus"] is None


async def test_a_redis_outage_lets_requests_through_and_is_logged(settings, services, caplog):
    broken = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    app = limited_app(settings, dataclasses.replace(services, redis=broken), **SMALL_BUDGET)
    try:
        with caplog.at_level(logging.WARNING, logger="iworkz.rate_limit"):
            async with http(app) as client:
                results = [await gql(client, JOBS_WITH_SKILLS, {"first": 2}) for _ in range(6)]
    finally:
        await broken.aclose()
    assert all(data(result) for result in results)  # 6 × 15 points: more than the 60
    assert cost_of(results[0])["throttleStatus"] is None
    assert "query budget store unavailable" in caplog.text
    # The per-query ceiling does not need Redis.
    async with http(app) as client:
        assert error_codes(await gql(client, "{ skills(first: 100000) { slug } }")) == [
            "QUERY_TOO_COSTLY"
        ]


@strawberry.type
class Tick:
    n: int


@strawberry.type
class TickQuery:
    hello: str = "hi"


TICKS_STARTED: list[int] = []


@strawberry.type
class TickSubscription:
    @strawberry.subscription
    async def ticks(self, first: int = 20) -> AsyncGenerator[list[Tick], None]:
        TICKS_STARTED.append(first)
        yield [Tick(n=1)]


async def test_an_over_cost_subscription_never_subscribes(services):
    """The API has no subscriptions yet; this small schema proves the limiter stops one
    (strawberry's subscription path does not honour a preset result, so it raises)."""
    TICKS_STARTED.clear()
    limits = QueryLimits(max_query_cost=50, budgets=None)
    schema = strawberry.Schema(
        TickQuery, subscription=TickSubscription, extensions=limits.extensions()
    )
    context = Context(
        services=services,
        principal=ANONYMOUS,
        loaders=None,  # type: ignore[arg-type]  # nothing here loads rows
        settings=services.settings,
        client_ip="192.0.2.1",
    )

    async def first_result(query: str) -> Any:
        stream = await schema.subscribe(query, context_value=context)
        async for result in stream:  # type: ignore[union-attr]
            return result

    refused = await first_result("subscription { ticks(first: 100) { n } }")
    assert [e.extensions["code"] for e in refused.errors] == ["QUERY_TOO_COSTLY"]
    assert TICKS_STARTED == []
    allowed = await first_result("subscription { ticks(first: 10) { n } }")
    assert allowed.data == {"ticks": [{"n": 1}]}
    assert TICKS_STARTED == [10]


# --- batches, aliases, depth, tokens ---------------------------------------------------


async def test_batched_operations_are_refused_and_none_runs(settings, services, client):
    emails = [f"batch-{i}-{uuid.uuid4().hex[:6]}@example.com" for i in range(2)]
    batch = [{"query": REGISTER, "variables": register_variables(email)} for email in emails]
    async with http(limited_app(settings, services, **SMALL_BUDGET)) as limited:
        response = await limited.post("/graphql", json=batch)
        # Many cheap queries in one request cannot get around the budget either.
        flood = await limited.post("/graphql", json=[{"query": PREFECTURE_COUNT}] * 100)
    assert response.status_code == 422  # not a well-formed GraphQL-over-HTTP request
    assert "Batching is not enabled" in response.text
    assert flood.status_code == 422
    for email in emails:
        assert not await account_exists(client, email)


async def test_alias_flooding_is_refused_before_execution(settings, services):
    too_many = operation(f"a{i}: prefectures {{ code }}" for i in range(31))
    # As many aliases as allowed, each a page of 100 jobs with skills: 30 × 2,206 points.
    costly = operation(
        f"a{i}: jobs(first: 100) {{ edges {{ node {{ skills {{ skill {{ slug }} }} }} }} }}"
        for i in range(settings.query_max_aliases)
    )
    async with http(limited_app(settings, services)) as client:
        flooded = await gql(client, too_many)
        expensive = await gql(client, costly)
    assert "data" not in flooded  # a request error: nothing ran
    assert "aliases" in flooded["errors"][0]["message"]
    assert "data" not in expensive  # a request error: nothing ran
    assert error_codes(expensive) == ["QUERY_TOO_COSTLY"]
    assert expensive["errors"][0]["extensions"]["cost"] == 30 * (6 + 100 * (2 + 10 * 2))


async def test_deep_nesting_is_refused_before_execution(settings, services):
    deep = "{ jobs { edges { node { skills { skill { slug } } } } } }"  # depth 5
    async with http(limited_app(settings, services, query_max_depth=4)) as client:
        refused = await gql(client, deep)
    assert "data" not in refused  # a request error: nothing ran
    assert "exceeds maximum operation depth of 4" in refused["errors"][0]["message"]
    assert cost_of(refused)["requestedQueryCost"] is None  # never reached execution


async def test_cyclic_and_aliased_introspection_is_refused(settings, services):
    # The depth limiter skips `__` fields; these bounds do not.
    cyclic = "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }"
    # Two levels of `fields` pass the introspection depth rule; aliased, they are priced.
    nested = (
        "__schema { types { fields { args { type { fields { args { type "
        "{ enumValues { name } } } } } } } } }"
    )
    aliased = operation(f"i{i}: {nested}" for i in range(10))
    async with http(limited_app(settings, services)) as client:
        refused_cyclic = await gql(client, cyclic)
        refused_aliased = await gql(client, aliased)
        single = await gql(client, operation([nested]))
    assert refused_cyclic["errors"][0]["message"] == "Maximum introspection depth exceeded"
    assert error_codes(refused_aliased) == ["QUERY_TOO_COSTLY"]
    assert data(single)
    assert cost_of(single)["requestedQueryCost"] > STANDARD_INTROSPECTION_COST / 2


async def test_standard_introspection_stays_affordable(settings, services):
    from graphql import get_introspection_query

    async with http(limited_app(settings, services)) as client:
        result = await gql(client, get_introspection_query(descriptions=True))
    assert data(result)["__schema"]["queryType"]["name"] == "Query"
    # A fixed price, whatever the schema's size (about what it materialises today).
    assert cost_of(result)["requestedQueryCost"] == STANDARD_INTROSPECTION_COST


async def test_token_flooding_is_refused(settings, services):
    # Short tokens, so the document stays under the query length limit.
    ids = " ".join(["1"] * settings.query_max_tokens)
    flood = f"{{ nodes(ids: [{ids}]) {{ id }} }}"
    async with http(limited_app(settings, services)) as client:
        result = await gql(client, flood)
    assert "data" not in result  # a request error: nothing ran
    assert "more than" in result["errors"][0]["message"]
    assert "tokens" in result["errors"][0]["message"]


# --- suggestions and introspection -------------------------------------------------------


TYPO_QUERIES = [
    ("{ jobz { totalCount } }", {}),  # unknown field
    ("{ jobs(frist: 1) { totalCount } }", {}),  # unknown argument
    ("query($f: JobFiltr) { jobs(filter: $f) { totalCount } }", {}),  # unknown type
    ("{ jobs(filter: {prefecture: TOKY}) { totalCount } }", {}),  # enum literal
    (
        "query($f: JobFilter) { jobs(filter: $f) { totalCount } }",
        {"f": {"prefecture": "TOKY"}},
    ),  # enum in variables
    ("{ jobs(filter: {prefectur: TOKYO}) { totalCount } }", {}),  # input field
]


@pytest.mark.parametrize(("query", "variables"), TYPO_QUERIES)
async def test_no_field_suggestions_in_production(settings, services, query, variables):
    production = {"environment": Environment.PRODUCTION, "graphiql": None}
    async with http(limited_app(settings, services)) as development:
        hinted = await gql(development, query, variables)
    async with http(limited_app(settings, services, **production)) as client:
        result = await gql(client, query, variables)
    assert "Did you mean" in json.dumps(hinted["errors"])  # the attack works in development
    assert result["errors"]
    assert "Did you mean" not in json.dumps(result["errors"])


async def test_introspection_can_be_disabled(settings, services):
    async with http(limited_app(settings, services, introspection=False)) as client:
        schema_query = await gql(client, "{ __schema { queryType { name } } }")
        type_query = await gql(client, '{ __type(name: "Job") { name } }')
        typename = await gql(client, "{ __typename }")
    for refused in (schema_query, type_query):
        assert "data" not in refused  # a request error: nothing ran
        assert "introspection" in refused["errors"][0]["message"].lower()
    assert data(typename) == {"__typename": "Query"}


# --- the defaults do not get in the way ----------------------------------------------------


async def test_default_limits_allow_a_full_page_with_everything(client, settings):
    employer = await register(
        client, f"emp-{uuid.uuid4().hex[:6]}@example.com", "EMPLOYER", "Limits Co."
    )
    await create_job(client, employer.token, publish=True)
    query = f"{{ jobs(first: 100) {{ totalCount edges {{ node {{ {JOB_FIELDS} }} }} }} }}"
    result = await gql(client, query)
    assert data(result)["jobs"]["totalCount"] == 1
    assert 2_000 < cost_of(result)["requestedQueryCost"] < settings.query_cost_limit / 2


def test_pricing_the_same_request_again_does_not_walk_it_again(monkeypatch):
    from graphql import parse

    from schema import cost
    from schema.schema import build_schema

    calculator = cost.QueryCostCalculator(build_schema()._schema)
    walks: list[int] = []
    total = cost._Walk.total
    monkeypatch.setattr(cost._Walk, "total", lambda self: walks.append(1) or total(self))
    document = parse(JOBS_WITH_SKILLS)
    first = calculator.cost(document, None, {"first": 100})
    assert calculator.cost(document, None, {"first": 100}) == first
    assert calculator.cost(document, None, {"first": 1}) < first  # variables are in the key
    assert len(walks) == 2
