"""graphql-transport-ws to the letter: each close code the protocol defines, ping/pong,
queries and errors over the socket, and WebSocket handshakes from origins outside the
allow-list."""

from __future__ import annotations

import json

import httpx
import pytest
import websockets
from websockets.exceptions import InvalidStatus

from tests.graphql_client import register
from tests.live import GraphQLWebSocket, graphql_ws, running_app

ALLOWED_ORIGIN = "https://app.iworkz.jp"
NOTIFICATIONS = "subscription { notifications { id kind } }"


@pytest.fixture
async def live(settings, services):
    strict = settings.model_copy(
        update={"cors_allow_origins": [ALLOWED_ORIGIN], "websocket_init_timeout_seconds": 0.5}
    )
    async with running_app(strict, services) as host:
        yield host


async def raw(host: str, **options) -> websockets.ClientConnection:
    """A socket that has said nothing yet."""
    return await websockets.connect(
        f"ws://{host}/graphql", subprotocols=["graphql-transport-ws"], **options
    )


async def closed_with(connection) -> tuple[int | None, str]:
    return await GraphQLWebSocket(connection).closed()


async def test_a_message_that_is_not_json_closes_with_4400(live):
    async with await raw(live) as connection:
        await connection.send("{nope")
        assert await closed_with(connection) == (4400, "WebSocket message must be valid JSON")


@pytest.mark.parametrize(
    "message",
    [{"type": "shout"}, {"type": "subscribe", "payload": {"query": "{ __typename }"}}],
    ids=["unknown type", "subscribe without id"],
)
async def test_invalid_messages_close_with_4400(live, message):
    async with graphql_ws(live) as ws:
        assert (await ws.receive())["type"] == "connection_ack"
        await ws.send(message)
        code, _ = await ws.closed()
    assert code == 4400


async def test_subscribe_before_connection_ack_closes_with_4401(live):
    async with await raw(live) as connection:
        ws = GraphQLWebSocket(connection)
        await ws.subscribe(NOTIFICATIONS)
        assert await ws.closed() == (4401, "Unauthorized")


async def test_a_bad_token_closes_with_4403(live):
    async with graphql_ws(live, "not-a-token") as ws:
        assert await ws.closed() == (4403, "Forbidden")


async def test_no_connection_init_in_time_closes_with_4408(live):
    async with await raw(live) as connection:
        code, reason = await closed_with(connection)
    assert (code, reason) == (4408, "Connection initialisation timeout")


async def test_a_second_subscriber_with_the_same_id_closes_with_4409(live):
    async with httpx.AsyncClient(base_url=f"http://{live}") as http:
        account = await register(http, "dup@ws.example")
    async with graphql_ws(live, account.token) as ws:
        assert (await ws.receive())["type"] == "connection_ack"
        await ws.send({"id": "same", "type": "subscribe", "payload": {"query": NOTIFICATIONS}})
        await ws.send({"id": "same", "type": "subscribe", "payload": {"query": NOTIFICATIONS}})
        assert await ws.closed() == (4409, "Subscriber for same already exists")


async def test_a_second_connection_init_closes_with_4429(live):
    async with graphql_ws(live) as ws:
        assert (await ws.receive())["type"] == "connection_ack"
        await ws.send({"type": "connection_init", "payload": {}})
        assert await ws.closed() == (4429, "Too many initialisation requests")


async def test_ping_is_answered_with_pong(live):
    async with graphql_ws(live) as ws:
        assert (await ws.receive())["type"] == "connection_ack"
        await ws.send({"type": "ping", "payload": {"sent": 1}})
        assert (await ws.receive())["type"] == "pong"
        await ws.send({"type": "pong"})  # an unsolicited pong is fine, as the protocol says
        await ws.send({"type": "ping"})
        assert (await ws.receive())["type"] == "pong"


async def test_a_handshake_from_a_foreign_origin_is_refused_before_accept(live):
    with pytest.raises(InvalidStatus) as refused:
        await raw(live, origin="https://evil.example")
    assert refused.value.response.status_code == 403


@pytest.mark.parametrize(
    "origin",
    [ALLOWED_ORIGIN, None, "same-origin"],
    ids=["allow-listed", "no Origin (not a browser)", "same origin"],
)
async def test_allowed_origins_and_non_browser_clients_connect(live, origin):
    options = {}
    if origin == "same-origin":
        options["origin"] = f"http://{live}"
    elif origin is not None:
        options["origin"] = origin
    async with await raw(live, **options) as connection:
        await connection.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await connection.recv())["type"] == "connection_ack"


@pytest.mark.parametrize(
    "payload", ["token", [1], 7], ids=["string payload", "list payload", "number payload"]
)
async def test_a_connection_init_payload_that_is_not_an_object_closes_with_4400(live, payload):
    async with await raw(live) as connection:
        await connection.send(json.dumps({"type": "connection_init", "payload": payload}))
        code, _ = await closed_with(connection)
    assert code == 4400


async def test_a_binary_frame_closes_with_4400(live):
    async with await raw(live) as connection:
        await connection.send(json.dumps({"type": "connection_init"}).encode())
        code, _ = await closed_with(connection)
    assert code == 4400


async def test_ping_before_connection_init_is_answered(live):
    """Ping/pong may be used at any time, the handshake included."""
    async with await raw(live) as connection:
        await connection.send(json.dumps({"type": "ping"}))
        assert json.loads(await connection.recv())["type"] == "pong"


async def test_a_query_over_the_socket_is_one_next_then_complete(live):
    async with graphql_ws(live) as ws:
        assert (await ws.receive())["type"] == "connection_ack"
        await ws.send({"id": "q", "type": "subscribe", "payload": {"query": "{ __typename }"}})
        first, second = await ws.receive(), await ws.receive()
    assert (first["id"], first["type"]) == ("q", "next")
    assert first["payload"]["data"] == {"__typename": "Query"}
    assert second == {"id": "q", "type": "complete"}


async def test_an_invalid_operation_is_an_error_message_and_the_socket_stays(live):
    async with graphql_ws(live) as ws:
        assert (await ws.receive())["type"] == "connection_ack"
        await ws.send({"id": "bad", "type": "subscribe", "payload": {"query": "{ nope }"}})
        error = await ws.receive()
        assert (error["id"], error["type"]) == ("bad", "error")
        assert isinstance(error["payload"], list) and error["payload"][0]["message"]
        await ws.send({"type": "ping"})
        assert (await ws.receive())["type"] == "pong"
