"""The match lifecycle: applying, inviting, and each side moving a match along."""

from __future__ import annotations

import pytest

from tests.factories import create_job, create_profile, transition_mutation
from tests.graphql_client import data, error_codes, gql, register
from tests.live import graphql_ws, running_app

MATCH_FIELDS = "id status origin job { id } worker { id headline } history { fromStatus toStatus }"
APPLY = f"""mutation($input: ApplyToJobInput!) {{
  applyToJob(input: $input) {{ match {{ {MATCH_FIELDS} }} errors {{ field code message }} }} }}"""
INVITE = f"""mutation($input: InviteWorkerInput!) {{
  inviteWorker(input: $input) {{ match {{ {MATCH_FIELDS} }} errors {{ field code message }} }} }}"""
MOVE = f"""mutation($input: TransitionMatchInput!) {{
  transitionMatch(input: $input) {{ match {{ {MATCH_FIELDS} }} errors {{ field code message }} }} }}"""
MATCHES = "query($filter: MatchFilter) { matches(filter: $filter) { totalCount edges { node { id status } } } }"


@pytest.fixture
async def market(client):
    employer = await register(client, "hr@match.example", "EMPLOYER", "Match KK")
    worker = await register(client, "worker@match.example")
    profile = await create_profile(client, worker.token)
    job = await create_job(client, employer.token, publish=True)
    return {"employer": employer, "worker": worker, "profile": profile, "job": job}


async def apply(client, market) -> dict:
    return data(
        await gql(client, APPLY, {"input": {"jobId": market["job"]["id"]}}, market["worker"].token)
    )["applyToJob"]


async def move(client, token, match_id, status, note="") -> dict:
    return data(
        await gql(
            client, MOVE, {"input": {"matchId": match_id, "status": status, "note": note}}, token
        )
    )["transitionMatch"]


async def test_applying_creates_one_match_and_is_idempotent(client, market):
    first = await apply(client, market)
    assert first["errors"] == []
    match = first["match"]
    assert (match["status"], match["origin"]) == ("APPLIED", "APPLICATION")
    assert match["worker"]["id"] == market["profile"]["id"]
    again = await apply(client, market)
    assert again["match"]["id"] == match["id"]
    assert again["match"]["history"] == [{"fromStatus": None, "toStatus": "APPLIED"}]


async def test_a_hire_walks_the_whole_path_each_side_in_turn(client, market):
    employer, worker = market["employer"].token, market["worker"].token
    invited = data(
        await gql(
            client,
            INVITE,
            {"input": {"jobId": market["job"]["id"], "workerId": market["profile"]["id"]}},
            employer,
        )
    )
    match = invited["inviteWorker"]["match"]
    assert (match["status"], match["origin"]) == ("INVITED", "INVITATION")
    for token, status in [(worker, "INTERVIEWING"), (employer, "OFFERED"), (worker, "HIRED")]:
        result = await move(client, token, match["id"], status)
        assert result["errors"] == [], result
        assert result["match"]["status"] == status
    assert [step["toStatus"] for step in result["match"]["history"]] == [
        "INVITED",
        "INTERVIEWING",
        "OFFERED",
        "HIRED",
    ]


@pytest.mark.parametrize(
    ("side", "path", "target", "code"),
    [
        ("worker", [], "INTERVIEWING", "FORBIDDEN"),  # only the employer interviews an applicant
        ("employer", [], "WITHDRAWN", "FORBIDDEN"),  # only the applicant withdraws
        ("employer", [], "HIRED", "ILLEGAL_TRANSITION"),
        ("employer", [("employer", "REJECTED")], "INTERVIEWING", "ILLEGAL_TRANSITION"),
        ("worker", [("employer", "INTERVIEWING")], "OFFERED", "FORBIDDEN"),
    ],
)
async def test_illegal_or_wrong_side_moves_are_user_errors_and_change_nothing(
    client, market, side, path, target, code
):
    match = (await apply(client, market))["match"]
    for who, status in path:
        assert (await move(client, market[who].token, match["id"], status))["errors"] == []
    before = data(await gql(client, MATCHES, {}, market["worker"].token))
    result = await move(client, market[side].token, match["id"], target)
    assert result["match"] is None
    assert [e["code"] for e in result["errors"]] == [code]
    assert data(await gql(client, MATCHES, {}, market["worker"].token)) == before


async def test_strangers_cannot_see_or_move_a_match(client, market):
    match = (await apply(client, market))["match"]
    rival = await register(client, "hr@rival.example", "EMPLOYER", "Rival")
    other = await register(client, "other@example.com")
    for token in (rival.token, other.token):
        assert error_codes(
            await gql(
                client, MOVE, {"input": {"matchId": match["id"], "status": "REJECTED"}}, token
            )
        ) == ["NOT_FOUND"]
        assert data(await gql(client, MATCHES, {}, token))["matches"]["totalCount"] == 0
        node = data(
            await gql(
                client, "query($id: ID!) { node(id: $id) { id } }", {"id": match["id"]}, token
            )
        )
        assert node["node"] is None
    for token in (market["worker"].token, market["employer"].token):
        assert data(await gql(client, MATCHES, {}, token))["matches"]["totalCount"] == 1


async def test_applying_needs_an_open_job_and_a_profile(client, market):
    employer = market["employer"].token
    draft = await create_job(client, employer)
    assert error_codes(
        await gql(client, APPLY, {"input": {"jobId": draft["id"]}}, market["worker"].token)
    ) == ["NOT_FOUND"]
    await gql(
        client, transition_mutation("closeJob"), {"input": {"id": market["job"]["id"]}}, employer
    )
    closed = await apply(client, market)
    assert [(e["field"], e["code"]) for e in closed["errors"]] == [("jobId", "INVALID")]
    newcomer = await register(client, "new@example.com")
    other_job = await create_job(client, employer, publish=True)
    result = data(await gql(client, APPLY, {"input": {"jobId": other_job["id"]}}, newcomer.token))[
        "applyToJob"
    ]
    assert [e["code"] for e in result["errors"]] == ["REQUIRED"]


async def test_employer_sees_contact_details_only_from_interviewing_on(client, market):
    worker, employer = market["worker"].token, market["employer"].token
    await gql(
        client,
        """mutation { updateWorkerPersonalData(input: {phone: "090-1234-5678"})
                         { errors { code } } }""",
        token=worker,
    )
    query = """query($id: ID!) { node(id: $id) { ... on Match { worker { personalData { phone } } } } }"""
    match = (await apply(client, market))["match"]
    seen = data(await gql(client, query, {"id": match["id"]}, employer))["node"]["worker"]
    assert seen["personalData"] is None
    await move(client, employer, match["id"], "INTERVIEWING")
    seen = data(await gql(client, query, {"id": match["id"]}, employer))["node"]["worker"]
    assert seen["personalData"] == {"phone": "09012345678"}


async def test_both_sides_see_the_status_change_live(settings, services):
    async with running_app(settings, services) as host:
        import httpx

        async with httpx.AsyncClient(base_url=f"http://{host}") as http:
            employer = await register(http, "hr@live-match.example", "EMPLOYER", "Live")
            worker = await register(http, "w@live-match.example")
            await create_profile(http, worker.token)
            job = await create_job(http, employer.token, publish=True)
            subscription = """subscription($job: ID) { matchEvents(jobId: $job) {
                kind match { status } } }"""
            async with (
                graphql_ws(host, worker.token) as as_worker,
                graphql_ws(host, employer.token) as as_employer,
            ):
                assert (await as_worker.receive())["type"] == "connection_ack"
                assert (await as_employer.receive())["type"] == "connection_ack"
                await as_worker.subscribe_in_process(subscription, {})
                await as_employer.subscribe_in_process(subscription, {"job": job["id"]})
                await gql(http, APPLY, {"input": {"jobId": job["id"]}}, worker.token)
                for ws in (as_worker, as_employer):
                    event = (await ws.receive())["payload"]["data"]["matchEvents"]
                    assert event == {"kind": "CREATED", "match": {"status": "APPLIED"}}
