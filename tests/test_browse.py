"""Browsing: the public job board and the employers' worker directory, filters and paging."""

from __future__ import annotations

import uuid

import pytest

from domain.pagination import encode_cursor
from tests.factories import (
    NAGOYA,
    OSAKA_KITA,
    create_job,
    create_profile,
    skill_gid,
)
from tests.graphql_client import data, error_codes, gql, register, shown_by_node

JOBS = """
query Jobs($filter: JobFilter, $first: Int, $after: String, $last: Int, $before: String) {
  jobs(filter: $filter, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id title status } }
  }
}
"""

WORKERS = """
query Workers($filter: WorkerFilter, $first: Int, $after: String) {
  workers(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id headline displayName skills { skill { slug } level } } }
  }
}
"""


async def titles(client, filter=None, token=None) -> set[str]:
    result = data(await gql(client, JOBS, {"filter": filter, "first": 100}, token))["jobs"]
    return {edge["node"]["title"] for edge in result["edges"]}


@pytest.fixture
async def board(client):
    """A small job board: four open jobs that differ in every filtered way, plus a draft."""
    employer = await register(client, "hr@board.example", "EMPLOYER", "Board KK")
    token = employer.token
    await create_job(
        client,
        token,
        publish=True,
        title="Forklift Tokyo",
        skills=[
            {"skillId": skill_gid("forklift-operation"), "minLevel": 2},
            {"skillId": skill_gid("picking"), "minLevel": 1},
        ],
    )
    await create_job(
        client,
        token,
        publish=True,
        title="介護スタッフ 大阪",
        description="特別養護老人ホームでの介護業務。夜勤あり。",
        location=OSAKA_KITA,
        employmentType="PART_TIME",
        pay={"min": 1500, "max": 1900, "period": "HOURLY"},
        skills=[{"skillId": skill_gid("caregiver-initial-training"), "minLevel": 1}],
    )
    await create_job(
        client,
        token,
        publish=True,
        title="Warehouse Nagoya",
        location=NAGOYA,
        pay={"min": 230000, "max": 280000, "period": "MONTHLY"},
        skills=[{"skillId": skill_gid("forklift-operation"), "minLevel": 4}],
    )
    await create_job(
        client,
        token,
        publish=True,
        title="Python developer",
        description="Backend development in Python, fully remote.",
        remote=True,
        location=None,
        employmentType="CONTRACT",
        pay={"min": 3000, "max": 4500, "period": "HOURLY"},
        skills=[{"skillId": skill_gid("python"), "minLevel": 3}],
    )
    await create_job(client, token, title="Secret draft")
    return employer


async def test_anyone_sees_open_jobs_but_not_drafts(client, board):
    assert await titles(client) == {
        "Forklift Tokyo",
        "介護スタッフ 大阪",
        "Warehouse Nagoya",
        "Python developer",
    }


@pytest.mark.parametrize(
    ("filter", "expected"),
    [
        ({"text": "forklift"}, {"Forklift Tokyo", "Warehouse Nagoya"}),
        (
            {"text": "フォーク"},
            {"Forklift Tokyo", "Warehouse Nagoya"},
        ),  # Japanese alias of the skill
        ({"text": "夜勤"}, {"介護スタッフ 大阪"}),
        ({"text": "ＰＹＴＨＯＮ"}, {"Python developer"}),  # full-width, upper case
        ({"text": "大阪"}, {"介護スタッフ 大阪"}),
        ({"text": "Osaka"}, {"介護スタッフ 大阪"}),  # the prefecture's English name
        ({"text": "warehouse nagoya"}, {"Warehouse Nagoya"}),
        ({"text": "nothing-like-this"}, set()),
        (
            {
                "skills": {
                    "skillIds": [skill_gid("forklift-operation"), skill_gid("picking")],
                    "match": "ALL",
                }
            },
            {"Forklift Tokyo"},
        ),
        (
            {
                "skills": {
                    "skillIds": [skill_gid("forklift-operation"), skill_gid("python")],
                    "match": "ANY",
                }
            },
            {"Forklift Tokyo", "Warehouse Nagoya", "Python developer"},
        ),
        (
            {"skills": {"skillIds": [skill_gid("forklift-operation")], "level": 3}},
            {"Forklift Tokyo"},
        ),
        ({"prefecture": "AICHI"}, {"Warehouse Nagoya"}),
        ({"near": {"lat": 35.68, "lon": 139.76, "km": 20}}, {"Forklift Tokyo"}),
        (
            {"near": {"lat": 35.68, "lon": 139.76, "km": 300}},
            {"Forklift Tokyo", "Warehouse Nagoya"},
        ),
        (
            {"payAtLeast": {"amount": 1800, "period": "HOURLY"}},
            {"介護スタッフ 大阪", "Python developer"},
        ),
        ({"payAtLeast": {"amount": 250000, "period": "MONTHLY"}}, {"Warehouse Nagoya"}),
        ({"employmentTypes": ["PART_TIME", "CONTRACT"]}, {"介護スタッフ 大阪", "Python developer"}),
        ({"remote": True}, {"Python developer"}),
        ({"remote": False, "prefecture": "TOKYO", "text": "forklift"}, {"Forklift Tokyo"}),
    ],
)
async def test_job_filters(client, board, filter, expected):
    assert await titles(client, filter) == expected


@pytest.mark.parametrize(
    "filter",
    [
        {"near": {"lat": 95, "lon": 139, "km": 10}},
        {"near": {"lat": 35, "lon": 139, "km": 0}},
        {"near": {"lat": 35, "lon": 139, "km": 5000}},
        {"payAtLeast": {"amount": -1, "period": "HOURLY"}},
        {"text": "x" * 201},
        {"skills": {"skillIds": []}},
        {"skills": {"skillIds": ["garbage"]}},
    ],
)
async def test_bad_filters_are_bad_user_input(client, board, filter):
    result = await gql(client, JOBS, {"filter": filter})
    assert error_codes(result) == ["BAD_USER_INPUT"]
    assert result["errors"][0]["extensions"]["fields"]


async def test_own_organisation_can_list_its_drafts_others_cannot(client, board):
    org_id = data(await gql(client, "{ me { organizations { id } } }", token=board.token))
    org_id = org_id["me"]["organizations"][0]["id"]
    own = {"organizationId": org_id, "statuses": ["DRAFT"]}
    assert await titles(client, own, board.token) == {"Secret draft"}
    rival = await register(client, "hr@rival.example", "EMPLOYER", "Rival")
    assert error_codes(await gql(client, JOBS, {"filter": own}, rival.token)) == ["FORBIDDEN"]
    anonymous = await gql(client, JOBS, {"filter": {"statuses": ["DRAFT"]}})
    assert error_codes(anonymous) == ["FORBIDDEN"]


async def test_paging_forwards_and_backwards_visits_every_job_once_newest_first(client):
    employer = await register(client, "hr@many.example", "EMPLOYER", "Many KK")
    for n in range(7):
        await create_job(client, employer.token, publish=True, title=f"Job {n}")
    seen, after = [], None
    while True:
        page = data(await gql(client, JOBS, {"first": 3, "after": after}))["jobs"]
        assert page["totalCount"] == 7
        seen += [edge["node"]["title"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [f"Job {n}" for n in reversed(range(7))]

    back, before = [], None
    while True:
        page = data(await gql(client, JOBS, {"last": 3, "before": before}))["jobs"]
        back = [edge["node"]["title"] for edge in page["edges"]] + back
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert back == seen


@pytest.mark.parametrize(
    "arguments",
    [
        {"first": 101},
        {"last": 101},
        {"first": -1},
        {"first": 2, "last": 2},
        {"after": "bogus!"},
        {"after": encode_cursor(0.5, uuid.uuid4())},  # a score's: another list's cursor
        {"last": 2, "before": encode_cursor(0.5, uuid.uuid4())},
    ],
)
async def test_page_size_is_capped_and_cursors_checked(client, arguments):
    assert error_codes(await gql(client, JOBS, arguments)) == ["BAD_USER_INPUT"]


@pytest.fixture
async def directory(client):
    """Three workers: two public in different places, one hidden."""
    for email, overrides in [
        ("tokyo@example.com", {}),
        (
            "osaka@example.com",
            {
                "headline": "介護福祉士",
                "bio": "特養で10年働きました。",
                "location": OSAKA_KITA,
                "desiredPay": {"amount": 1800, "period": "HOURLY"},
                "skills": [
                    {"skillId": skill_gid("certified-care-worker"), "level": 5, "years": 10}
                ],
            },
        ),
        ("hidden@example.com", {"headline": "Hidden forklift pro", "visibility": "HIDDEN"}),
    ]:
        account = await register(client, email)
        await create_profile(client, account.token, **overrides)
    return await register(client, "hr@directory.example", "EMPLOYER", "Directory KK")


async def headlines(client, token, filter=None) -> set[str]:
    result = data(await gql(client, WORKERS, {"filter": filter, "first": 100}, token))["workers"]
    return {edge["node"]["headline"] for edge in result["edges"]}


async def test_employers_see_public_profiles_only(client, directory):
    assert await headlines(client, directory.token) == {"フォークリフト経験5年", "介護福祉士"}


@pytest.mark.parametrize(
    ("filter", "expected"),
    [
        ({"prefecture": "OSAKA"}, {"介護福祉士"}),
        ({"near": {"lat": 35.69, "lon": 139.70, "km": 10}}, {"フォークリフト経験5年"}),
        (
            {"skills": {"skillIds": [skill_gid("certified-care-worker")], "level": 5}},
            {"介護福祉士"},
        ),
        ({"skills": {"skillIds": [skill_gid("forklift-operation")], "level": 5}}, set()),
        ({"payAtMost": {"amount": 1500, "period": "HOURLY"}}, {"フォークリフト経験5年"}),
        ({"text": "kaigo fukushishi"}, {"介護福祉士"}),
        ({"text": "倉庫"}, {"フォークリフト経験5年"}),
        ({"employmentTypes": ["FULL_TIME"]}, {"フォークリフト経験5年", "介護福祉士"}),
        ({"remoteOk": True}, set()),
    ],
)
async def test_worker_filters(client, directory, filter, expected):
    assert await headlines(client, directory.token, filter) == expected


async def test_directory_is_for_employers(client, directory):
    worker = await register(client, "curious@example.com")
    assert error_codes(await gql(client, WORKERS, {}, worker.token)) == ["FORBIDDEN"]
    assert error_codes(await gql(client, WORKERS, {})) == ["UNAUTHENTICATED"]


EVERY_JOB_FIELD = """
fragment Shown on Job {
  title description employmentType remote openings startDate requiredCredentialTypes
  status createdAt updatedAt publishedAt matchingStatus matchedAt
  location { prefecture city lat lon } pay { min max period }
  languages { code level } schedule { day start end }
  organization { id name } skills { skill { slug } minLevel required }
}
"""


async def test_a_page_selected_twice_under_one_name_shows_both_selections(client, board):
    """GraphQL merges a field selected twice under one response name: the page reads the
    columns both selections show (it read the first one's only, and the second's fields
    failed with an internal error)."""
    query = """{
      jobs(first: 10) { edges { node { id } } }
      jobs(first: 10) { edges { node { title pay { period } } } }
    }"""
    edges = data(await gql(client, query))["jobs"]["edges"]
    assert len(edges) == 4
    for edge in edges:
        job = edge["node"]
        assert {"id", "title", "pay"} == set(job) and job["title"] and job["pay"]["period"]
        shown = await shown_by_node(client, "fragment Shown on Job { title }", job["id"])
        assert shown["title"] == job["title"]


async def test_a_page_reads_what_its_selection_shows_however_it_is_selected(client, board):
    """Only the columns a page shows are read (schema/jobs.py::Job.columns_for): every
    field, asked for through fragments, aliases and inline fragments, one at a time and
    all together, has the value `node` (which reads every column) gives."""
    everything = data(
        await gql(
            client, EVERY_JOB_FIELD + "{ jobs(first: 10) { edges { node { id ...Shown } } } }"
        )
    )["jobs"]["edges"]
    assert len(everything) == 4
    for edge in everything:
        job = edge["node"]
        assert await shown_by_node(client, EVERY_JOB_FIELD, job["id"]) == job
    expected = {edge["node"]["id"]: edge["node"] for edge in everything}
    for field in ("title", "status", "pay { period }", "location { city }", "schedule { day }"):
        name = field.split(" ")[0]
        query = (
            "{ jobs(first: 10) { edges { node { id "
            f"... on Node {{ ... on Job {{ shown: {field} }} }} }} }} }} }}"
        )
        for edge in data(await gql(client, query))["jobs"]["edges"]:
            node = edge["node"]
            wanted = expected[node["id"]][name]
            if isinstance(wanted, dict):
                wanted = {k: v for k, v in wanted.items() if k in field}
            elif isinstance(wanted, list):
                wanted = [{k: v for k, v in item.items() if k in field} for item in wanted]
            assert node["shown"] == wanted, field
