"""An async web3 provider that answers standard JSON-RPC from an in-process eth-tester.

web3's own AsyncEthereumTesterProvider relies on client-side middleware to translate
eth-tester's Python values (snake_case keys, int quantities), so its raw answers are not
JSON-RPC. This provider does the translation itself: what it returns is exactly what a
node would put on the wire (camelCase keys, 0x quantities, node-like error messages). So
the ledger drives it with the same code as a remote node, and /chain/rpc can relay its
answers to verifiers verbatim.

Every call holds `lock` (the chain's guard: py-evm is not thread-safe, and other processes
may share the chain), or `read_lock` for a read of mined blocks only (`reads_mined_blocks`),
so it may be called from any thread.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, cast

from eth_tester import EthereumTester
from eth_tester.exceptions import TransactionFailed
from eth_tester.exceptions import ValidationError as TesterValidationError
from eth_utils import ValidationError as EVMValidationError
from web3.providers.async_base import AsyncBaseProvider
from web3.providers.eth_tester.defaults import API_ENDPOINTS
from web3.providers.eth_tester.middleware import (
    request_formatters,
    result_formatters,
    transaction_result_formatter,
    transaction_result_remapper,
)
from web3.types import RPCEndpoint, RPCResponse

from server.adapters.ledger.sqlite_store import ChainLocked

log = logging.getLogger(__name__)

METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
SERVER_ERROR = -32000  # geth's code for a rejected transaction
EXECUTION_REVERTED = 3
_NONCE = re.compile(r"Invalid transaction nonce: Expected (\d+), but got (\d+)")
# Answered from mined blocks (or constants) alone: no write, no pending block. A verifier's
# reads are all here. Not eth_call, eth_estimateGas or eth_feeHistory: they run on, or
# read, the pending block.
_MINED_BLOCK_READS = frozenset(
    {
        "eth_chainId",
        "net_version",
        "web3_clientVersion",
        "eth_gasPrice",
        "eth_maxPriorityFeePerGas",
        "eth_blockNumber",
        "eth_getBlockByHash",
        "eth_getTransactionByHash",
        "eth_getTransactionReceipt",
    }
)
# ... and these unless they name the pending block.
_AT_BLOCK_READS = {"eth_getBlockByNumber": 0, "eth_getTransactionCount": 1, "eth_getBalance": 1}


def reads_mined_blocks(method: str, params: list[Any] | tuple[Any, ...]) -> bool:
    """Whether the call reads only mined blocks, so that `read_lock` is enough for it."""
    if method in _MINED_BLOCK_READS:
        return True
    position = _AT_BLOCK_READS.get(method)
    return position is not None and len(params) > position and params[position] != "pending"


class RpcError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class EmbeddedProvider(AsyncBaseProvider):
    """JSON-RPC over an EthereumTester, one request at a time."""

    def __init__(
        self,
        tester: EthereumTester,
        *,
        chain_id: int,
        lock: AbstractContextManager[Any] | None = None,
        read_lock: AbstractContextManager[Any] | None = None,
    ) -> None:
        super().__init__()
        self.tester = tester
        self.chain_id = chain_id
        self.lock: AbstractContextManager[Any] = lock or threading.RLock()
        # Reentrant by contract: entered per call, from any thread.
        self.read_lock: AbstractContextManager[Any] = read_lock or self.lock
        self.closed = False
        self._endpoints = _endpoints_for(chain_id)
        self._ids = 0

    async def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        """In a worker thread: mining a block takes milliseconds the event loop can use."""
        self._ids += 1
        return await asyncio.to_thread(self.answer, self._ids, method, params)

    async def make_batch_request(
        self, requests: list[tuple[RPCEndpoint, Any]]
    ) -> list[RPCResponse]:
        return [await self.make_request(method, params) for method, params in requests]

    async def is_connected(self, show_traceback: bool = False) -> bool:
        return not self.closed

    def answer(self, request_id: Any, method: str, params: Any) -> RPCResponse:
        """The JSON-RPC 2.0 response object for one request (never raises)."""
        try:
            body: dict[str, Any] = {"result": self.call(method, params)}
        except RpcError as error:
            body = {"error": {"code": error.code, "message": error.message}}
        except Exception:
            log.exception("embedded chain could not answer %s", method)
            body = {"error": {"code": INTERNAL_ERROR, "message": "internal error"}}
        return cast(RPCResponse, {"jsonrpc": "2.0", "id": request_id, **body})

    def call(self, method: str, params: Any) -> Any:
        """The JSON-ready result of `method`, or RpcError."""
        namespace, _, name = method.partition("_")
        delegate = self._endpoints.get(namespace, {}).get(name)
        if delegate is None:
            raise RpcError(METHOD_NOT_FOUND, f"the method {method} does not exist/is not available")
        if params is None:
            params = []
        if not isinstance(params, list | tuple):
            raise RpcError(INVALID_PARAMS, "params must be an array")
        if self.closed:
            raise RpcError(INTERNAL_ERROR, "the embedded chain is closed")
        guard = self.read_lock if reads_mined_blocks(method, params) else self.lock
        try:
            with guard:
                if self.closed:
                    raise RpcError(INTERNAL_ERROR, "the embedded chain is closed")
                result = self._invoke(delegate, method, list(params))
        except ChainLocked as busy:
            raise RpcError(INTERNAL_ERROR, str(busy)) from None
        return to_json_rpc(_as_node_result(method, result))

    def _invoke(self, delegate: Callable[..., Any], method: str, params: list[Any]) -> Any:
        """Run eth-tester, its exceptions turned into the errors a node would answer."""
        try:
            formatter = request_formatters.get(RPCEndpoint(method))
            return delegate(self.tester, formatter(params) if formatter else params)
        except RpcError:
            raise
        except NotImplementedError:
            raise RpcError(METHOD_NOT_FOUND, f"the method {method} is not implemented") from None
        except TransactionFailed as failure:
            raise RpcError(EXECUTION_REVERTED, f"execution reverted: {failure}") from None
        except (TesterValidationError, EVMValidationError) as invalid:
            if method == "eth_sendRawTransaction":
                raise RpcError(SERVER_ERROR, _node_message(str(invalid))) from None
            raise RpcError(INVALID_PARAMS, f"invalid params: {invalid}") from None
        except (TypeError, ValueError, IndexError) as invalid:
            raise RpcError(INVALID_PARAMS, f"invalid params: {invalid}") from None
        except Exception:
            log.exception("embedded chain failed on %s", method)
            raise RpcError(INTERNAL_ERROR, "internal error") from None


def _as_node_result(method: str, result: Any) -> Any:
    """web3's client-side key mapping, plus what it leaves out: the transactions inside a
    block, `yParity`, and eth-tester's pre-Byzantium `state_root` in receipts."""
    formatter = (result_formatters or {}).get(RPCEndpoint(method))
    if formatter is not None:
        result = formatter(result)
    if not isinstance(result, dict):
        return result
    if method in ("eth_getBlockByNumber", "eth_getBlockByHash"):
        transactions = result.get("transactions") or []
        if transactions and isinstance(transactions[0], dict):
            result = {**result, "transactions": [_as_node_transaction(t) for t in transactions]}
    elif method == "eth_getTransactionByHash":
        result = _as_node_transaction(result)
    elif method == "eth_getTransactionReceipt":
        result = {name: value for name, value in result.items() if name != "state_root"}
    return result


def _as_node_transaction(transaction: dict[str, Any]) -> dict[str, Any]:
    formatted: dict[str, Any] = transaction_result_formatter(
        transaction_result_remapper(transaction)
    )
    return {"yParity" if name == "y_parity" else name: value for name, value in formatted.items()}


def to_json_rpc(value: Any, key: str | None = None) -> Any:
    """eth-tester values as they look on the wire: ints become 0x quantities (the bloom a
    256-byte 0x string), bytes 0x data; floats (gasUsedRatio) and booleans stay."""
    if isinstance(value, bool) or value is None or isinstance(value, float | str):
        return value
    if isinstance(value, int):
        if key == "logsBloom":
            return "0x" + value.to_bytes(256, "big").hex()
        return hex(value)
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, dict):
        return {name: to_json_rpc(item, name) for name, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_json_rpc(item, key) for item in value]
    raise TypeError(f"cannot encode {type(value).__name__} as JSON-RPC")


def _node_message(message: str) -> str:
    """py-evm's rejection reasons in geth's words, which clients (and our ledger) know."""
    nonce = _NONCE.search(message)
    if nonce:
        expected, got = int(nonce.group(1)), int(nonce.group(2))
        word = "low" if got < expected else "high"
        return f"nonce too {word}: next nonce {expected}, tx nonce {got}"
    if "enough balance" in message or "cannot afford" in message:
        return f"insufficient funds for gas * price + value: {message}"
    return message


def _endpoints_for(chain_id: int) -> dict[str, dict[str, Callable[..., Any]]]:
    """web3's eth-tester endpoint table, with this chain's id instead of eth-tester's."""
    endpoints = {namespace: dict(table) for namespace, table in API_ENDPOINTS.items()}
    endpoints["eth"]["chainId"] = lambda _tester, _params: chain_id
    endpoints["eth"]["feeHistory"] = _fee_history
    endpoints["net"]["version"] = lambda _tester, _params: str(chain_id)
    endpoints["web3"]["clientVersion"] = lambda _tester, _params: "iworkz-embedded-chain/eth-tester"
    return endpoints


def _fee_history(tester: EthereumTester, params: list[Any]) -> dict[str, Any]:
    """eth_feeHistory as nodes answer it (eth-tester's reports no next base fee, a fixed
    oldest block and no rewards)."""
    chain = tester.backend.chain
    head = chain.get_canonical_head().block_number
    count, newest = int(params[0]), params[1]
    percentiles = [float(p) for p in params[2]] if len(params) > 2 and params[2] else []
    if newest == "earliest":
        newest = 0
    elif not isinstance(newest, int):
        newest = head  # latest, safe, finalized, pending: all the head here
    newest = min(newest, head)
    count = max(1, min(count, 1024, newest + 1))
    oldest = newest - count + 1
    base_fees: list[int] = []
    ratios: list[float] = []
    rewards: list[list[int]] = []
    for number in range(oldest, newest + 1):
        block = chain.get_canonical_block_by_number(number)
        base_fee = block.header.base_fee_per_gas or 0
        base_fees.append(base_fee)
        ratios.append(block.header.gas_used / block.header.gas_limit)
        if percentiles:
            tips = sorted(_tip(t, base_fee) for t in block.transactions)
            rewards.append([_percentile(tips, p) for p in percentiles])
    following = (
        chain.header if newest == head else chain.get_canonical_block_header_by_number(newest + 1)
    )
    base_fees.append(following.base_fee_per_gas or 0)
    history: dict[str, Any] = {
        "oldestBlock": oldest,
        "baseFeePerGas": base_fees,
        "gasUsedRatio": ratios,
    }
    if percentiles:
        history["reward"] = rewards
    return history


def _tip(transaction: Any, base_fee: int) -> int:
    cap = getattr(transaction, "max_fee_per_gas", None) or transaction.gas_price
    tip = getattr(transaction, "max_priority_fee_per_gas", None) or transaction.gas_price
    return max(0, min(tip, cap - base_fee))


def _percentile(sorted_values: list[int], percentile: float) -> int:
    if not sorted_values:
        return 0
    index = min(len(sorted_values) - 1, int(len(sorted_values) * percentile / 100))
    return sorted_values[index]
