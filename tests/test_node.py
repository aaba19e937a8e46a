"""`node` and `nodes`: any global ID the caller may see, and nothing else."""

from __future__ import annotations

import uuid

import pytest

from schema.ids import to_global_id
from tests.factories import create_job, create_profile, skill_gid
from tests.graphql_client import data, error_codes, gql, register

NODE = """
query Node($id: ID!) {
  node(id: $id) {
    __typename id
    ... on Job { title }
    ... on Worker { headline }
    ... on Skill { slug }
    ... on Organization { name }
    ... on User { email }
  }
}
"""


@pytest.fixture
async def world(client):
    employer = await register(client, "hr@node.example", "EMPLOYER", "Node KK")
    worker = await register(client, "worker@node.example")
    other_worker = await register(client, "other@node.example")
    profile = await create_profile(client, worker.token)
    hidden = await create_profile(client, other_worker.token, visibility="HIDDEN")
    open_job = await create_job(client, employer.token, publish=True, title="Open job")
    draft = await create_job(client, employer.token, title="Draft job")
    return {
        "employer": employer,
        "worker": worker,
        "other_worker": other_worker,
        "profile": profile,
        "hidden": hidden,
        "open_job": open_job,
        "draft": draft,
    }


async def node(client, id, token=None):
    return data(await gql(client, NODE, {"id": id}, token))["node"]


async def test_public_objects_resolve_for_anyone(client, world):
    assert (await node(client, world["open_job"]["id"]))["title"] == "Open job"
    assert (await node(client, skill_gid("picking")))["slug"] == "picking"
    organization = world["open_job"]["organization"]
    assert (await node(client, organization["id"]))["name"] == "Node KK"


async def test_draft_is_visible_to_its_organisation_only(client, world):
    draft_id = world["draft"]["id"]
    assert (await node(client, draft_id, world["employer"].token))["title"] == "Draft job"
    rival = await register(client, "hr@rival.example", "EMPLOYER", "Rival")
    for token in (None, world["worker"].token, rival.token):
        assert await node(client, draft_id, token) is None


async def test_profiles_are_visible_to_owner_and_employers(client, world):
    profile_id = world["profile"]["id"]
    assert (await node(client, profile_id, world["worker"].token))["headline"]
    assert (await node(client, profile_id, world["employer"].token))["headline"]
    assert await node(client, profile_id) is None
    assert await node(client, profile_id, world["other_worker"].token) is None


async def test_hidden_profile_only_for_its_owner(client, world):
    hidden_id = world["hidden"]["id"]
    assert await node(client, hidden_id, world["employer"].token) is None
    assert (await node(client, hidden_id, world["other_worker"].token))["headline"]


async def test_users_are_private(client, world):
    user_id = world["worker"].user_id
    assert (await node(client, user_id, world["worker"].token))["email"] == "worker@node.example"
    assert await node(client, user_id, world["employer"].token) is None
    assert await node(client, user_id) is None


async def test_unknown_and_forbidden_look_the_same(client, world):
    missing = await gql(client, NODE, {"id": to_global_id("Job", uuid.uuid4())})
    hidden = await gql(client, NODE, {"id": world["draft"]["id"]})
    assert missing["data"] == hidden["data"] == {"node": None}
    assert "errors" not in missing and "errors" not in hidden


async def test_malformed_id_is_bad_user_input(client, world):
    assert error_codes(await gql(client, NODE, {"id": "%%%"})) == ["BAD_USER_INPUT"]


async def test_nodes_keeps_order_and_nulls(client, world):
    ids = [world["open_job"]["id"], world["draft"]["id"], skill_gid("python")]
    result = data(
        await gql(client, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids})
    )
    assert result["nodes"] == [{"id": ids[0]}, None, {"id": ids[2]}]
    too_many = await gql(
        client, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": [ids[0]] * 101}
    )
    assert error_codes(too_many) == ["BAD_USER_INPUT"]
