"""The API driven by the JavaScript clients its apps use — urql (the Next.js web app) and
graphql-ws (the React Native app) — installed from npm by the test command, against the
real server on a free port. Each test prepares data with the Python helpers, runs
`node clients/js/<script>.mjs` and checks what the client printed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.clients.node import event_listeners, listeners_above, node_stream, run_node
from tests.factories import create_job, create_profile, transition_mutation
from tests.graphql_client import data, gql, register

pytestmark = pytest.mark.usefixtures("npm_packages")


def plain(value: Any) -> Any:
    """Without the `__typename`s urql's document cache adds to every selection."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items() if key != "__typename"}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


async def test_urql_runs_queries_and_mutations_with_variables(live, http):
    employer = await register(http, "hr@urql.example", "EMPLOYER", "Urql Logistics KK")

    result = (
        await run_node(
            "queries-and-mutations.mjs",
            "--url",
            f"http://{live}/graphql",
            "--token",
            employer.token,
            "--title",
            "夜勤フォークリフト",
        )
    ).json()
    result = plain(result)

    assert result["me"]["email"] == "hr@urql.example"
    assert result["me"]["roles"] == ["EMPLOYER"]
    assert result["skill"]["slug"] == "forklift-operation"
    created = result["createJob"]
    assert created["errors"] == []
    assert created["job"]["title"] == "夜勤フォークリフト"
    assert created["job"]["status"] == "DRAFT"
    assert created["job"]["pay"] == {"min": 1300, "max": 1600, "period": "HOURLY"}
    assert created["job"]["skills"] == [{"skill": {"slug": "forklift-operation"}, "minLevel": 2}]
    assert result["publishJob"]["errors"] == []
    assert result["publishJob"]["job"]["status"] == "OPEN"
    assert result["job"] == {
        "id": created["job"]["id"],
        "title": "夜勤フォークリフト",
        "status": "OPEN",
        "organization": {"name": "Urql Logistics KK"},
    }
    # The job really is on the board, for anyone.
    board = data(await gql(http, "{ jobs(first: 5) { edges { node { id title } } } }"))
    assert board["jobs"]["edges"] == [
        {"node": {"id": created["job"]["id"], "title": "夜勤フォークリフト"}}
    ]


async def test_urql_walks_the_job_board_with_cursors(live, http):
    employer = await register(http, "hr@pages.example", "EMPLOYER", "Pages KK")
    titles = [f"倉庫スタッフ {n}" for n in range(7)]
    jobs = [await create_job(http, employer.token, publish=True, title=title) for title in titles]
    await create_job(http, employer.token, title="下書き: not on the board")

    result = (
        await run_node("pagination.mjs", "--url", f"http://{live}/graphql", "--page-size", "3")
    ).json()

    assert result["error"] is None
    pages = result["pages"]
    assert [len(page["jobs"]) for page in pages] == [3, 3, 1]
    assert [page["hasNextPage"] for page in pages] == [True, True, False]
    assert {page["totalCount"] for page in pages} == {7}
    seen = [job for page in pages for job in page["jobs"]]
    # Every published job exactly once, newest first; the draft on none.
    assert [job["id"] for job in seen] == [job["id"] for job in reversed(jobs)]
    assert [job["title"] for job in seen] == list(reversed(titles))


async def test_urql_pages_stay_stable_when_jobs_are_published_meanwhile(live, http):
    """Keyset cursors: a job published between two page loads shifts nothing on the next
    page (no repeat, no gap); it shows up at the top on the next visit."""
    employer = await register(http, "hr@stable.example", "EMPLOYER", "Stable KK")
    for n in range(4):
        await create_job(http, employer.token, publish=True, title=f"既存 {n}")
    url = f"http://{live}/graphql"
    first = (
        await run_node("pagination.mjs", "--url", url, "--page-size", "2", "--pages", "1")
    ).json()
    [page] = first["pages"]
    assert [job["title"] for job in page["jobs"]] == ["既存 3", "既存 2"]

    await create_job(http, employer.token, publish=True, title="新着")
    rest = (
        await run_node(
            "pagination.mjs", "--url", url, "--page-size", "2", "--after", page["endCursor"]
        )
    ).json()
    assert [job["title"] for pg in rest["pages"] for job in pg["jobs"]] == ["既存 1", "既存 0"]
    assert rest["pages"][-1]["hasNextPage"] is False
    assert rest["pages"][0]["totalCount"] == 5

    again = (
        await run_node("pagination.mjs", "--url", url, "--page-size", "2", "--pages", "1")
    ).json()
    assert [job["title"] for job in again["pages"][0]["jobs"]] == ["新着", "既存 3"]


async def test_urql_reports_user_errors_and_coded_graphql_errors(live, http):
    employer = await register(http, "hr@errors.example", "EMPLOYER", "Errors KK")
    worker = await register(http, "worker@errors.example")

    result = (
        await run_node(
            "errors.mjs",
            "--url",
            f"http://{live}/graphql",
            "--token",
            employer.token,
            "--worker-token",
            worker.token,
        )
    ).json()
    result = plain(result)

    # A UserError payload is data, not an error: the form shows each message by its field.
    assert result["userErrors"]["error"] is None
    payload = result["userErrors"]["data"]["createJob"]
    assert payload["job"] is None
    assert {(e["field"], e["code"]) for e in payload["errors"]} == {
        ("title", "TOO_SHORT"),
        ("pay.min", "OUT_OF_RANGE"),
    }
    assert all(e["message"] for e in payload["errors"])

    # Everything else is a GraphQL error whose extensions.code the app switches on.
    def codes(case: str) -> list[str | None]:
        error = result[case]["error"]
        assert error is not None and error["networkError"] is None, error
        return [e["code"] for e in error["graphQLErrors"]]

    assert codes("workerCreatesJob") == ["FORBIDDEN"]
    assert codes("anonymousCreatesJob") == ["UNAUTHENTICATED"]
    assert codes("forgedToken") == ["UNAUTHENTICATED"]
    assert codes("pageTooLarge") == ["BAD_USER_INPUT"]
    assert result["pageTooLarge"]["error"]["graphQLErrors"][0]["extensions"]["fields"] == [
        {"field": "first", "code": "OUT_OF_RANGE", "message": "`first` must be 0–100."}
    ]
    assert codes("unknownField") == ["GRAPHQL_VALIDATION_FAILED"]
    # A document the schema refuses is a 422 (GraphQL over HTTP) — which urql still reads
    # as a GraphQL error, not a network failure.
    assert result["unknownField"]["error"]["status"] == 422
    assert "salary" in result["unknownField"]["error"]["graphQLErrors"][0]["message"]
    # None of the refused mutations wrote anything, not even a draft.
    organization_id = data(
        await gql(http, "{ me { organizations { id } } }", token=employer.token)
    )["me"]["organizations"][0]["id"]
    own_jobs = """query($org: ID!) {
      jobs(filter: {organizationId: $org, statuses: [DRAFT, OPEN]}) { totalCount }
    }"""
    mine = data(await gql(http, own_jobs, {"org": organization_id}, employer.token))
    assert mine["jobs"]["totalCount"] == 0


async def test_urql_persisted_queries_send_the_hash_alone_once_the_server_knows_it(live, http):
    employer = await register(http, "hr@apq.example", "EMPLOYER", "APQ KK")
    await create_job(http, employer.token, publish=True, title="APQ の求人")
    worker = await register(http, "worker@apq.example")

    result = (
        await run_node(
            "persisted-queries.mjs", "--url", f"http://{live}/graphql", "--token", worker.token
        )
    ).json()
    result = plain(result)
    jobs = result["first"]["data"]["jobs"]
    assert [edge["node"]["title"] for edge in jobs["edges"]] == ["APQ の求人"]
    digest = result["first"]["requests"][0]["sha256Hash"]

    def wire(session: str) -> list[tuple[str, bool, int, list[str]]]:
        requests = result[session]["requests"]
        assert {request["sha256Hash"] for request in requests} == {requests[0]["sha256Hash"]}
        return [(r["method"], r["sentQuery"], r["status"], r["errors"]) for r in requests]

    # The first app: the hash alone misses, then the query goes along once.
    assert wire("first") == [
        ("GET", False, 200, ["PersistedQueryNotFound"]),
        ("GET", True, 200, []),
    ]
    # Any app afterwards: the hash alone, over GET, answered with a CDN-cacheable result.
    assert wire("second") == [("GET", False, 200, [])]
    assert result["second"]["requests"][0]["sha256Hash"] == digest
    assert result["second"]["requests"][0]["cacheControl"] == "public, max-age=60"
    assert result["second"]["data"] == result["first"]["data"]
    # Personal results are never cacheable, even over GET.
    assert result["signedIn"]["data"]["me"]["email"] == "worker@apq.example"
    assert {r["cacheControl"] for r in result["signedIn"]["requests"]} == {"private, no-store"}
    # Mutations use APQ too, but only ever over POST.
    assert wire("mutation") == [
        ("POST", False, 200, ["PersistedQueryNotFound"]),
        ("POST", True, 200, []),
    ]
    assert result["mutation"]["data"]["markNotificationsRead"]["errors"] == []
    # Any HTTP client can now run the stored query by its hash.
    response = await http.get(
        "/graphql",
        params={
            "variables": json.dumps({"first": 5}),
            "extensions": json.dumps({"persistedQuery": {"version": 1, "sha256Hash": digest}}),
        },
    )
    assert response.status_code == 200
    assert response.json()["data"]["jobs"]["totalCount"] == 1


JOB_EVENTS = """subscription JobEvents($id: ID!) {
  jobEvents(jobId: $id) { kind occurredAt job { id title status organization { name } } }
}"""


async def test_graphql_ws_client_receives_the_job_being_published(live, http):
    employer = await register(http, "hr@ws.example", "EMPLOYER", "Live Socket KK")
    job = await create_job(http, employer.token, title="リアルタイム求人")
    before = event_listeners()
    async with node_stream(
        "subscription.mjs",
        "--url",
        f"ws://{live}/graphql",
        "--token",
        employer.token,
        "--query",
        JOB_EVENTS,
        "--variables",
        json.dumps({"id": job["id"]}),
    ) as stream:
        assert await stream.next() == {"connected": True}
        await listeners_above(before)
        published = await gql(
            http, transition_mutation("publishJob"), {"input": {"id": job["id"]}}, employer.token
        )
        assert data(published)["publishJob"]["errors"] == []

        event = await stream.next()
        assert "errors" not in event["next"]
        assert event["next"]["data"]["jobEvents"]["kind"] == "PUBLISHED"
        assert event["next"]["data"]["jobEvents"]["job"] == {
            "id": job["id"],
            "title": "リアルタイム求人",
            "status": "OPEN",
            "organization": {"name": "Live Socket KK"},
        }
        code, _ = await stream.finished()
    assert code == 0


async def test_graphql_ws_client_is_refused_with_a_bad_token(live, http):
    employer = await register(http, "hr@ws-refused.example", "EMPLOYER", "Refused KK")
    job = await create_job(http, employer.token, publish=True)
    async with node_stream(
        "subscription.mjs",
        "--url",
        f"ws://{live}/graphql",
        "--token",
        "forged.token.value",
        "--query",
        JOB_EVENTS,
        "--variables",
        json.dumps({"id": job["id"]}),
    ) as stream:
        code, lines = await stream.finished()
    assert code == 0
    assert {"connected": True} not in lines
    closed = [line["closed"] for line in lines if "closed" in line]
    assert [c["code"] for c in closed] == [4403]
    assert [line["error"]["code"] for line in lines if "error" in line] == [4403]


async def test_graphql_ws_client_cannot_watch_another_organisations_draft(live, http):
    employer = await register(http, "hr@ws-draft.example", "EMPLOYER", "Draft KK")
    draft = await create_job(http, employer.token)
    worker = await register(http, "nosy@ws-draft.example")
    await create_profile(http, worker.token)
    async with node_stream(
        "subscription.mjs",
        "--url",
        f"ws://{live}/graphql",
        "--token",
        worker.token,
        "--query",
        JOB_EVENTS,
        "--variables",
        json.dumps({"id": draft["id"]}),
    ) as stream:
        assert await stream.next() == {"connected": True}
        code, lines = await stream.finished()
    assert code == 0
    # The draft is reported exactly like a job that does not exist, and nothing else comes.
    results = [line["next"] for line in lines if "next" in line]
    assert [[e["extensions"]["code"] for e in r["errors"]] for r in results] == [["NOT_FOUND"]]
    assert not any(result.get("data") for result in results)
