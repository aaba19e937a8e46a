"""/chain/rpc: the embedded chain's read-only JSON-RPC, for verifiers outside the process.

A credential anchored on the embedded chain is only verifiable if someone else can read
that chain; this endpoint lets `iworkz verify FILE --rpc http://host/chain/rpc` (or any
Ethereum tool) fetch blocks, transactions and receipts. Only reads are relayed: nothing
sent here can add a transaction, move funds or change the node.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.adapters.ledger.embedded_provider import EmbeddedProvider

READ_ONLY_METHODS = frozenset(
    {
        "eth_chainId",
        "net_version",
        "web3_clientVersion",
        "eth_blockNumber",
        "eth_getBlockByNumber",
        "eth_getBlockByHash",
        "eth_getTransactionByHash",
        "eth_getTransactionReceipt",
        "eth_getTransactionCount",
        "eth_getBalance",
        "eth_gasPrice",
        "eth_feeHistory",
        "eth_maxPriorityFeePerGas",
    }
)
MAX_BATCH = 20
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602

Endpoint = Callable[[Request], Awaitable[Response]]
ProviderGetter = Callable[[], Awaitable[EmbeddedProvider | None]]


def chain_rpc_endpoint(provider: EmbeddedProvider | ProviderGetter) -> Endpoint:
    """The Starlette endpoint serving `provider` (or the one an async getter returns when
    called, for a chain opened lazily; None answers 404). Mount it for POST only."""

    async def chain_rpc(request: Request) -> Response:
        serving = provider if isinstance(provider, EmbeddedProvider) else await provider()
        if serving is None:
            return JSONResponse({"error": "this server has no embedded chain"}, status_code=404)
        answer = await run_in_threadpool(handle_json_rpc, serving, await request.body())
        if answer is None:  # only notifications: JSON-RPC sends nothing back
            return Response(status_code=204)
        return JSONResponse(answer)

    return chain_rpc


def handle_json_rpc(provider: EmbeddedProvider, body: bytes) -> Any:
    """The JSON-RPC 2.0 answer to a request body (an object, a batch list, or None)."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _error(None, PARSE_ERROR, "parse error")
    if isinstance(payload, list):
        if not payload:
            return _error(None, INVALID_REQUEST, "invalid request: empty batch")
        if len(payload) > MAX_BATCH:
            return _error(None, INVALID_REQUEST, f"invalid request: at most {MAX_BATCH} per batch")
        answers = [answer for item in payload if (answer := _one(provider, item)) is not None]
        return answers or None
    return _one(provider, payload)


def _one(provider: EmbeddedProvider, request: Any) -> dict[str, Any] | None:
    if not isinstance(request, dict):
        return _error(None, INVALID_REQUEST, "invalid request")
    request_id = request.get("id")
    if isinstance(request_id, bool) or not isinstance(request_id, str | int | float | None):
        return _error(None, INVALID_REQUEST, "invalid request: bad id")
    method, params = request.get("method"), request.get("params", [])
    if request.get("jsonrpc") != "2.0" or not isinstance(method, str):
        return _error(request_id, INVALID_REQUEST, "invalid request")
    is_notification = "id" not in request
    if method not in READ_ONLY_METHODS:
        answer = _error(
            request_id, METHOD_NOT_FOUND, f"the method {method} is not available (read-only)"
        )
    elif not isinstance(params, list):
        answer = _error(request_id, INVALID_PARAMS, "invalid params: expected an array")
    else:
        answer = dict(provider.answer(request_id, method, params))
    return None if is_notification else answer


def _error(request_id: Any, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}
