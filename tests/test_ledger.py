"""The chain adapters against real chains: the embedded one (py-evm in a SQLite file) and
anvil (Foundry's node), through the same Web3Ledger; and /chain/rpc read by the verifier's
Web3ChainReader over HTTP."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from eth_account import Account
from starlette.applications import Starlette
from starlette.routing import Route

from domain.credentials.ledger import (
    AnchorKind,
    SignedTransaction,
    anchor_payload,
    parse_anchor_payload,
)
from server.adapters.ledger import (
    EMBEDDED_CHAIN_ID,
    BroadcastRejected,
    EmbeddedChain,
    EmbeddedProvider,
    Web3ChainReader,
    Web3Ledger,
    build_ledger,
    embedded_provider,
    open_embedded_chain,
)
from server.chain_rpc import MAX_BATCH, chain_rpc_endpoint
from server.settings import Environment, Settings
from tests.chain import ANVIL_CHAIN_ID, ANVIL_KEYS, ROOT, Anvil, running_anvil, serving

ROOT_A = bytes.fromhex("11" * 32)


@dataclass
class Chain:
    kind: str
    ledger: Web3Ledger
    mine: Callable[[int], Awaitable[None]]


@pytest.fixture(scope="session")
def anvil() -> Iterator[Anvil]:
    with running_anvil() as node:
        yield node


@pytest.fixture(params=["embedded", "anvil"])
async def chain(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Chain]:
    if request.param == "embedded":
        embedded = open_embedded_chain(tmp_path)
        ledger = Web3Ledger(embedded.provider, embedded.anchor_private_key)

        async def mine_embedded(count: int) -> None:
            await asyncio.to_thread(embedded.mine_blocks, count)

        yield Chain("embedded", ledger, mine_embedded)
        await ledger.close()
        embedded.close()
    else:
        node: Anvil = request.getfixturevalue("anvil")
        ledger = Web3Ledger(node.url, ANVIL_KEYS[0])

        async def mine_anvil(count: int) -> None:
            await asyncio.to_thread(node.rpc, "anvil_mine", hex(count))

        yield Chain("anvil", ledger, mine_anvil)
        await ledger.close()


async def anchor(ledger: Web3Ledger, root: bytes = ROOT_A) -> SignedTransaction:
    signed = await ledger.sign_anchor(
        anchor_payload(AnchorKind.CREDENTIALS, root), nonce=await ledger.next_nonce()
    )
    await ledger.broadcast(signed)
    return signed


async def test_an_anchor_is_mined_and_reads_back(chain: Chain) -> None:
    ledger = chain.ledger
    nonce = await ledger.next_nonce()
    payload = anchor_payload(AnchorKind.REVOCATIONS, ROOT_A)
    signed = await ledger.sign_anchor(payload, nonce=nonce)
    assert (signed.nonce, signed.sender) == (nonce, ledger.address)
    assert signed.max_fee_per_gas >= signed.max_priority_fee_per_gas > 0

    await ledger.broadcast(signed)
    mined = await ledger.transaction(signed.tx_hash)
    for _ in range(100):  # anvil mines moments after it accepts: on a busy machine, later
        if mined is not None and mined.succeeded is not None:
            break
        await asyncio.sleep(0.05)
        mined = await ledger.transaction(signed.tx_hash)

    assert mined is not None
    assert mined.tx_hash == signed.tx_hash
    assert mined.chain_id == await ledger.chain_id()
    assert mined.sender == mined.to == ledger.address
    assert parse_anchor_payload(mined.data) == (AnchorKind.REVOCATIONS, ROOT_A)
    assert mined.succeeded is True
    assert mined.block_number is not None and mined.block_number >= 1
    assert mined.confirmations == 1
    assert mined.block_timestamp is not None and mined.block_timestamp.tzinfo is UTC
    assert abs(mined.block_timestamp - datetime.now(UTC)) < timedelta(minutes=1)
    assert await ledger.next_nonce() == nonce + 1


async def test_broadcasting_the_same_bytes_again_is_harmless(chain: Chain) -> None:
    signed = await anchor(chain.ledger)
    first = await chain.ledger.transaction(signed.tx_hash)

    await chain.ledger.broadcast(signed)  # "nonce too low", but it is our transaction
    await chain.ledger.broadcast(signed)

    assert await chain.ledger.transaction(signed.tx_hash) == first
    assert await chain.ledger.next_nonce() == signed.nonce + 1


async def test_confirmations_grow_with_new_blocks(chain: Chain) -> None:
    signed = await anchor(chain.ledger)
    await chain.mine(3)
    mined = await chain.ledger.transaction(signed.tx_hash)
    assert mined is not None and mined.confirmations == 4


async def test_an_unknown_hash_is_none(chain: Chain) -> None:
    assert await chain.ledger.transaction("0x" + "ab" * 32) is None
    assert await chain.ledger.transaction("0x12") is None
    assert await chain.ledger.transaction("not a hash") is None


async def test_chain_ids(chain: Chain) -> None:
    expected = EMBEDDED_CHAIN_ID if chain.kind == "embedded" else ANVIL_CHAIN_ID
    assert await chain.ledger.chain_id() == expected


async def test_a_stuck_anchor_is_replaced_and_only_the_replacement_mined(anvil: Anvil) -> None:
    ledger = Web3Ledger(anvil.url, ANVIL_KEYS[1])
    await asyncio.to_thread(anvil.rpc, "evm_setAutomine", False)
    try:
        nonce = await ledger.next_nonce()
        payload = anchor_payload(AnchorKind.CREDENTIALS, ROOT_A)
        stuck = await ledger.sign_anchor(payload, nonce=nonce)
        await ledger.broadcast(stuck)
        await ledger.broadcast(stuck)  # "already imported": the pool has these bytes

        pending = await ledger.transaction(stuck.tx_hash)
        assert pending is not None
        assert (pending.block_number, pending.succeeded, pending.confirmations) == (None, None, 0)

        replacement = await ledger.sign_anchor(payload, nonce=nonce, replacing=stuck)
        assert replacement.tx_hash != stuck.tx_hash
        assert replacement.max_fee_per_gas >= stuck.max_fee_per_gas * 1.25
        assert replacement.max_priority_fee_per_gas >= stuck.max_priority_fee_per_gas * 1.25
        await ledger.broadcast(replacement)
        with pytest.raises(BroadcastRejected, match="underpriced"):
            await ledger.broadcast(stuck)  # outbid: the pool holds the replacement now

        await asyncio.to_thread(anvil.rpc, "evm_mine")
    finally:
        await asyncio.to_thread(anvil.rpc, "evm_setAutomine", True)

    mined = await ledger.transaction(replacement.tx_hash)
    assert mined is not None and mined.succeeded and mined.block_number is not None
    assert await ledger.transaction(stuck.tx_hash) is None
    assert await ledger.next_nonce() == nonce + 1
    await ledger.broadcast(stuck)  # the nonce is spent: nothing to do, not an error
    await ledger.close()


async def test_a_mismatched_replacement_nonce_is_refused(chain: Chain) -> None:
    signed = await anchor(chain.ledger)
    with pytest.raises(ValueError, match="nonce"):
        await chain.ledger.sign_anchor(b"x", nonce=signed.nonce + 1, replacing=signed)


async def test_a_node_without_base_fee_gets_legacy_transactions() -> None:
    with running_anvil("--hardfork", "berlin") as node:
        ledger = Web3Ledger(node.url, ANVIL_KEYS[0])
        nonce = await ledger.next_nonce()
        payload = anchor_payload(AnchorKind.CREDENTIALS, ROOT_A)
        signed = await ledger.sign_anchor(payload, nonce=nonce)
        assert signed.raw[0] >= 0xC0  # an RLP list: type 0, not an EIP-2718 envelope
        assert signed.max_fee_per_gas == signed.max_priority_fee_per_gas  # the gas price
        await ledger.broadcast(signed)
        mined = await ledger.transaction(signed.tx_hash)
        assert mined is not None and mined.succeeded
        assert parse_anchor_payload(mined.data) == (AnchorKind.CREDENTIALS, ROOT_A)

        first = await ledger.sign_anchor(payload, nonce=nonce + 1)
        replacement = await ledger.sign_anchor(payload, nonce=nonce + 1, replacing=first)
        assert replacement.max_fee_per_gas >= first.max_fee_per_gas * 1.25
        await ledger.close()


# -- the embedded chain --


async def test_the_embedded_chain_survives_a_restart(tmp_path: Path) -> None:
    embedded = open_embedded_chain(tmp_path)
    ledger = Web3Ledger(embedded.provider, embedded.anchor_private_key)
    signed = await anchor(ledger)
    before = await ledger.transaction(signed.tx_hash)
    await ledger.close()
    embedded.close()

    reopened = open_embedded_chain(tmp_path)
    ledger = Web3Ledger(reopened.provider, reopened.anchor_private_key)
    after = await ledger.transaction(signed.tx_hash)

    assert after == before  # same hash, block number, timestamp, data
    assert before is not None and before.block_number is not None
    assert ledger.address == Account.from_key(embedded.anchor_private_key).address
    assert await ledger.next_nonce() == signed.nonce + 1

    following = await anchor(ledger, bytes.fromhex("22" * 32))
    mined = await ledger.transaction(following.tx_hash)
    assert mined is not None and mined.block_number == before.block_number + 1
    previous = await ledger.w3.eth.get_block(before.block_number)
    latest = await ledger.w3.eth.get_block(mined.block_number)
    assert latest["parentHash"] == previous["hash"]  # the same chain, continued
    await ledger.close()
    reopened.close()


CRASHING_ANCHORER = """
import asyncio, os, sys
from pathlib import Path
from domain.credentials.ledger import AnchorKind, anchor_payload
from server.adapters.ledger import Web3Ledger, open_embedded_chain

async def main() -> None:
    chain = open_embedded_chain(Path(sys.argv[1]))
    ledger = Web3Ledger(chain.provider, chain.anchor_private_key)
    payload = anchor_payload(AnchorKind.CREDENTIALS, bytes(range(32)))
    signed = await ledger.sign_anchor(payload, nonce=await ledger.next_nonce())
    await ledger.broadcast(signed)
    print(signed.tx_hash, flush=True)
    os._exit(9)  # killed: no close, nothing flushed beyond what mining committed

asyncio.run(main())
"""


async def test_processes_share_the_embedded_chain_and_it_survives_a_crash(
    tmp_path: Path,
) -> None:
    """The API process has the chain open while a worker process anchors and is killed:
    the API sees the anchor, and carries on from the same head."""
    api = open_embedded_chain(tmp_path)
    ledger = Web3Ledger(api.provider, api.anchor_private_key)
    assert await ledger.next_nonce() == 0

    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CRASHING_ANCHORER,
        str(tmp_path),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await worker.communicate()
    assert worker.returncode == 9, err.decode()
    tx_hash = out.decode().strip()

    mined = await ledger.transaction(tx_hash)
    assert mined is not None and mined.block_number == 1 and mined.succeeded
    assert parse_anchor_payload(mined.data) == (AnchorKind.CREDENTIALS, bytes(range(32)))
    assert await ledger.next_nonce() == 1
    following = await anchor(ledger)
    after = await ledger.transaction(following.tx_hash)
    assert after is not None and after.block_number == 2
    await ledger.close()
    api.close()

    reopened = open_embedded_chain(tmp_path)
    ledger = Web3Ledger(reopened.provider, reopened.anchor_private_key)
    assert await ledger.transaction(tx_hash) == replace(mined, confirmations=2)
    await ledger.close()
    reopened.close()


async def test_two_handles_on_one_chain_take_turns(tmp_path: Path) -> None:
    first, second = open_embedded_chain(tmp_path), open_embedded_chain(tmp_path)
    one = Web3Ledger(first.provider, first.anchor_private_key)
    two = Web3Ledger(second.provider, second.anchor_private_key)
    a = await anchor(one)
    b = await anchor(two)  # sees a's nonce and block through the file
    c = await anchor(one)
    numbers = [(await two.transaction(signed.tx_hash)) for signed in (a, b, c)]
    assert [mined.block_number if mined else None for mined in numbers] == [1, 2, 3]
    assert (a.nonce, b.nonce, c.nonce) == (0, 1, 2)
    for ledger in (one, two):
        await ledger.close()
    first.close()
    second.close()


async def test_reads_of_mined_blocks_follow_and_never_wait_for_another_process(
    tmp_path: Path,
) -> None:
    """A verifier's reads see blocks another process mined since, and still answer while
    that process holds the chain (mining, say); reads of the pending block wait."""
    first, second = open_embedded_chain(tmp_path), open_embedded_chain(tmp_path)
    writer = Web3Ledger(first.provider, first.anchor_private_key)
    reader = Web3ChainReader(second.provider)
    a = await anchor(writer)
    seen = await reader.transaction(a.tx_hash)
    assert seen is not None and (seen.block_number, seen.confirmations) == (1, 1)
    b = await anchor(writer)
    assert await reader.w3.eth.block_number == 2
    mined_b = await writer.transaction(b.tx_hash)
    with first.provider.lock:  # as if the writer's process held the chain
        seen_b = await asyncio.wait_for(reader.transaction(b.tx_hash), timeout=10)
        assert seen_b == mined_b
        seen = await asyncio.wait_for(reader.transaction(a.tx_hash), timeout=10)
        assert seen is not None and seen.confirmations == 2
        block = await asyncio.wait_for(reader.w3.eth.get_block("latest"), timeout=10)
        assert block["number"] == 2
        count = await reader.w3.eth.get_transaction_count(writer.address, "latest")
        assert count == 2
        pending_count = asyncio.ensure_future(
            reader.w3.eth.get_transaction_count(writer.address, "pending")
        )
        await asyncio.sleep(0.3)
        assert not pending_count.done()  # the pending block is the writer's to build
    assert await pending_count == 2
    await writer.close()
    first.close()
    second.close()


def test_the_embedded_anchor_key_is_private_and_kept(tmp_path: Path) -> None:
    first = open_embedded_chain(tmp_path)
    first.close()
    key_file = tmp_path / "chain" / "anchor-key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert key_file.read_text().strip() == first.anchor_private_key
    second = open_embedded_chain(tmp_path)
    second.close()
    assert second.anchor_private_key == first.anchor_private_key


async def test_an_embedded_block_is_stamped_when_mined(tmp_path: Path) -> None:
    """The pending block is dated when its predecessor is mined; the anchor must not
    inherit that (possibly hours-old) time."""
    embedded = open_embedded_chain(tmp_path)
    ledger = Web3Ledger(embedded.provider, embedded.anchor_private_key)
    await anchor(ledger)
    await asyncio.sleep(2.1)
    sent_at = int(time.time())
    signed = await anchor(ledger, bytes.fromhex("33" * 32))
    mined = await ledger.transaction(signed.tx_hash)
    assert mined is not None and mined.block_timestamp is not None
    assert mined.block_timestamp.timestamp() >= sent_at
    await ledger.close()
    embedded.close()


async def test_the_embedded_chain_funds_a_configured_key(tmp_path: Path) -> None:
    embedded = open_embedded_chain(tmp_path, anchor_private_key=ANVIL_KEYS[2])
    ledger = Web3Ledger(embedded.provider, embedded.anchor_private_key)
    assert ledger.address == Account.from_key(ANVIL_KEYS[2]).address
    signed = await anchor(ledger)
    mined = await ledger.transaction(signed.tx_hash)
    assert mined is not None and mined.succeeded
    await ledger.close()
    embedded.close()


async def test_build_ledger_embedded_and_rpc(tmp_path: Path, anvil: Anvil) -> None:
    embedded_settings = Settings(environment=Environment.TEST, data_dir=tmp_path)
    ledger, close = await build_ledger(embedded_settings)
    assert await ledger.chain_id() == EMBEDDED_CHAIN_ID
    assert embedded_provider(ledger) is not None
    await close()
    assert embedded_provider(object()) is None
    assert (tmp_path / "chain" / "chain.sqlite").exists()

    rpc_settings = Settings(
        environment=Environment.TEST,
        data_dir=tmp_path,
        chain_rpc_url=anvil.url,
        chain_anchor_private_key=ANVIL_KEYS[0],  # type: ignore[arg-type]
    )
    ledger, close = await build_ledger(rpc_settings)
    assert await ledger.chain_id() == ANVIL_CHAIN_ID
    assert ledger.address == Account.from_key(ANVIL_KEYS[0]).address
    assert embedded_provider(ledger) is None
    await close()


async def test_build_ledger_never_falls_back_to_the_embedded_chain_in_production(
    tmp_path: Path,
) -> None:
    """Settings validation refuses production without CHAIN_RPC_URL; settings copied past
    the validators (model_copy) are refused here too, before any chain is opened."""
    production = Settings(environment=Environment.TEST, data_dir=tmp_path).model_copy(
        update={"environment": Environment.PRODUCTION}
    )
    with pytest.raises(ValueError, match="CHAIN_RPC_URL is required in production"):
        await build_ledger(production)
    assert not (tmp_path / "chain").exists()


# -- /chain/rpc --


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[EmbeddedChain]:
    chain = open_embedded_chain(tmp_path)
    yield chain
    chain.close()


def rpc_app(chain: EmbeddedChain) -> Starlette:
    return Starlette(
        routes=[Route("/chain/rpc", chain_rpc_endpoint(chain.provider), methods=["POST"])]
    )


async def test_chain_rpc_serves_the_verifier(embedded: EmbeddedChain) -> None:
    ledger = Web3Ledger(embedded.provider, embedded.anchor_private_key)
    signed = await anchor(ledger)
    await asyncio.to_thread(embedded.mine_blocks, 2)

    async with serving(rpc_app(embedded)) as url, Web3ChainReader(f"{url}/chain/rpc") as reader:
        assert await reader.chain_id() == EMBEDDED_CHAIN_ID
        seen = await reader.transaction(signed.tx_hash)
        assert seen == await ledger.transaction(signed.tx_hash)
        assert seen is not None and seen.confirmations == 3
        assert await reader.transaction("0x" + "ab" * 32) is None
        block = await reader.w3.eth.get_block(seen.block_number or 0, full_transactions=True)
        first = block["transactions"][0]
        assert isinstance(first, dict) and first["hash"].to_0x_hex() == signed.tx_hash
        history = await reader.w3.eth.fee_history(2, "latest", [50])
        assert len(history["baseFeePerGas"]) == 3 and len(history["reward"]) == 2
        assert await reader.w3.eth.get_balance(ledger.address) > 0
    await ledger.close()


async def test_chain_rpc_refuses_writes_and_malformed_requests(embedded: EmbeddedChain) -> None:
    ledger = Web3Ledger(embedded.provider, embedded.anchor_private_key)
    signed = await ledger.sign_anchor(
        anchor_payload(AnchorKind.CREDENTIALS, ROOT_A), nonce=await ledger.next_nonce()
    )
    transport = httpx.ASGITransport(app=rpc_app(embedded))
    async with httpx.AsyncClient(transport=transport, base_url="http://chain") as http:

        async def post(body: object) -> httpx.Response:
            return await http.post("/chain/rpc", json=body)

        def call(method: str, params: list[object], id_: int = 1) -> dict[str, object]:
            return {"jsonrpc": "2.0", "id": id_, "method": method, "params": params}

        writes: list[tuple[str, list[object]]] = [
            ("eth_sendRawTransaction", ["0x" + signed.raw.hex()]),
            ("eth_sendTransaction", [{"from": ledger.address, "to": ledger.address}]),
            ("evm_mine", []),
            ("eth_accounts", []),
        ]
        for method, params in writes:
            answer = (await post(call(method, params))).json()
            assert answer["error"]["code"] == -32601, method
        assert await ledger.transaction(signed.tx_hash) is None  # nothing was sent

        answer = (await post(call("eth_chainId", []))).json()
        assert answer == {"jsonrpc": "2.0", "id": 1, "result": hex(EMBEDDED_CHAIN_ID)}
        answer = (await post(call("eth_getTransactionCount", [ledger.address, "latest"]))).json()
        assert answer["result"] == "0x0"

        parse = await http.post("/chain/rpc", content=b"{not json")
        assert parse.status_code == 200 and parse.json()["error"]["code"] == -32700
        assert (await post({"id": 1, "method": "eth_chainId"})).json()["error"]["code"] == -32600
        assert (await post([])).json()["error"]["code"] == -32600
        assert (await post(42)).json()["error"]["code"] == -32600
        params_object = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": {}}
        assert (await post(params_object)).json()["error"]["code"] == -32602
        bad_hash = (await post(call("eth_getTransactionByHash", ["0x12"]))).json()
        assert bad_hash["error"]["code"] == -32602

        too_many = [call("eth_chainId", [], i) for i in range(MAX_BATCH + 1)]
        assert (await post(too_many)).json()["error"]["code"] == -32600
        batch = (
            await post(
                [call("eth_blockNumber", [], 1), call("eth_sendRawTransaction", ["0x00"], 2), 7]
            )
        ).json()
        assert [answer.get("id") for answer in batch] == [1, 2, None]
        assert batch[0]["result"] == "0x0"
        assert batch[1]["error"]["code"] == -32601
        assert batch[2]["error"]["code"] == -32600

        notification = {"jsonrpc": "2.0", "method": "eth_chainId", "params": []}
        assert (await post(notification)).status_code == 204
    await ledger.close()


async def test_chain_rpc_resolves_a_lazily_opened_chain(tmp_path: Path) -> None:
    """As the app mounts it: the chain is opened on first use, through the services."""
    opened: list[tuple[Web3Ledger, Callable[[], Awaitable[None]]]] = []

    async def current_provider() -> EmbeddedProvider | None:
        if not opened:
            opened.append(
                await build_ledger(Settings(environment=Environment.TEST, data_dir=tmp_path))
            )
        return embedded_provider(opened[0][0])

    async def no_provider() -> EmbeddedProvider | None:
        return None

    app = Starlette(
        routes=[
            Route("/chain/rpc", chain_rpc_endpoint(current_provider), methods=["POST"]),
            Route("/none/rpc", chain_rpc_endpoint(no_provider), methods=["POST"]),
        ]
    )
    request = {"jsonrpc": "2.0", "id": "7", "method": "net_version", "params": []}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://chain") as http:
        answer = (await http.post("/chain/rpc", json=request)).json()
        assert answer == {"jsonrpc": "2.0", "id": "7", "result": str(EMBEDDED_CHAIN_ID)}
        assert (await http.post("/none/rpc", json=request)).status_code == 404
    await opened[0][1]()
