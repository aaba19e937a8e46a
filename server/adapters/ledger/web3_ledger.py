"""The chain ports over web3: a read-only reader for verifiers, and the anchoring ledger.

Both work with any async provider: AsyncHTTPProvider for a real node, EmbeddedProvider for
the in-process chain (which answers the same JSON-RPC). The ledger signs offline with its
own key, so the node never holds it, and the signed bytes can be recorded before they are
sent (docs/credentials.md; SignedTransaction).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Self

from aiohttp import ClientTimeout
from eth_account import Account
from eth_typing import ChecksumAddress
from hexbytes import HexBytes
from web3 import AsyncWeb3
from web3.exceptions import TransactionNotFound, Web3RPCError
from web3.providers.async_base import AsyncBaseProvider
from web3.providers.rpc import AsyncHTTPProvider

from domain.credentials.ledger import ChainTransaction, SignedTransaction

DEFAULT_PRIORITY_FEE = 10**9  # 1 gwei, when the node suggests nothing
FEE_BUMP_NUMERATOR, FEE_BUMP_DENOMINATOR = 5, 4  # +25%; geth needs +10%, anvil/reth +12.5%
GAS_FALLBACK_MARGIN = 1.2


class BroadcastRejected(RuntimeError):
    """The node refused the transaction for a reason a re-send will not fix by itself
    (insufficient funds, a fee below what a pending transaction with the nonce pays, ...)."""


class Web3ChainReader:
    """ChainReader over JSON-RPC: what `iworkz verify --rpc URL` reads anchors with."""

    def __init__(self, source: str | AsyncBaseProvider, *, timeout: float = 30.0) -> None:
        provider = (
            AsyncHTTPProvider(source, request_kwargs={"timeout": ClientTimeout(total=timeout)})
            if isinstance(source, str)
            else source
        )
        self.w3: AsyncWeb3[Any] = AsyncWeb3(provider, middleware=[])
        self._chain_id: int | None = None

    async def chain_id(self) -> int:
        if self._chain_id is None:
            self._chain_id = int(await self.w3.eth.chain_id)
        return self._chain_id

    async def transaction(self, tx_hash: str) -> ChainTransaction | None:
        """None also for a string that is no transaction hash: no node has seen that."""
        eth = self.w3.eth
        try:
            wanted = HexBytes(tx_hash)
        except ValueError:
            return None
        if len(wanted) != 32:
            return None
        try:
            found = await eth.get_transaction(wanted)
        except TransactionNotFound:
            return None
        chain_id = found.get("chainId")
        pending = ChainTransaction(
            tx_hash="0x" + bytes(found["hash"]).hex(),
            chain_id=int(chain_id) if chain_id is not None else await self.chain_id(),
            sender=str(found["from"]),
            to=found.get("to"),
            data=bytes(found["input"]),
            block_number=None,
            block_timestamp=None,
            succeeded=None,
            confirmations=0,
        )
        try:
            receipt = await eth.get_transaction_receipt(found["hash"])
        except TransactionNotFound:
            return pending
        if receipt.get("blockNumber") is None:
            return pending
        number = int(receipt["blockNumber"])
        block = await eth.get_block(receipt["blockHash"])
        head = int(await eth.block_number)
        return replace(
            pending,
            block_number=number,
            block_timestamp=datetime.fromtimestamp(int(block["timestamp"]), UTC),
            succeeded=int(receipt["status"]) == 1,
            confirmations=max(0, head - number + 1),
        )

    async def close(self) -> None:
        """Close HTTP sessions (the embedded provider has nothing to close here)."""
        provider = self.w3.provider
        if isinstance(provider, AsyncHTTPProvider):
            await provider.disconnect()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


@dataclass(frozen=True)
class _Fees:
    max_fee_per_gas: int
    max_priority_fee_per_gas: int
    legacy: bool  # the node has no base fee: a type-0 transaction at gas_price=max_fee


class Web3Ledger(Web3ChainReader):
    """The Ledger port: anchors as self-transactions from one funded account."""

    def __init__(
        self, source: str | AsyncBaseProvider, private_key: str, *, timeout: float = 30.0
    ) -> None:
        super().__init__(source, timeout=timeout)
        self._account = Account.from_key(private_key)

    @property
    def address(self) -> ChecksumAddress:
        return self._account.address

    async def next_nonce(self) -> int:
        return int(await self.w3.eth.get_transaction_count(self._account.address, "pending"))

    async def sign_anchor(
        self, payload: bytes, *, nonce: int, replacing: SignedTransaction | None = None
    ) -> SignedTransaction:
        if replacing is not None and replacing.nonce != nonce:
            raise ValueError("a replacement reuses the nonce of the transaction it replaces")
        fees = _bumped(await self._current_fees(), replacing)
        transaction: dict[str, Any] = {
            "chainId": await self.chain_id(),
            "nonce": nonce,
            "to": self._account.address,
            "value": 0,
            "data": payload,
            "gas": await self._gas_limit(payload),
        }
        if fees.legacy:
            transaction["gasPrice"] = fees.max_fee_per_gas
        else:
            transaction["type"] = 2
            transaction["maxFeePerGas"] = fees.max_fee_per_gas
            transaction["maxPriorityFeePerGas"] = fees.max_priority_fee_per_gas
        signed = self._account.sign_transaction(transaction)
        return SignedTransaction(
            tx_hash="0x" + bytes(signed.hash).hex(),
            raw=bytes(signed.raw_transaction),
            nonce=nonce,
            sender=self.address,
            max_fee_per_gas=fees.max_fee_per_gas,
            max_priority_fee_per_gas=fees.max_priority_fee_per_gas,
        )

    async def broadcast(self, transaction: SignedTransaction) -> None:
        """Send the bytes; a node that already has them, or has mined them (or anything else
        at that nonce: a replacement), is fine. Raises BroadcastRejected otherwise."""
        try:
            await self.w3.eth.send_raw_transaction(transaction.raw)
        except Web3RPCError as error:
            message = _rpc_message(error)
            if not await self._already_sent(transaction, message.lower()):
                raise BroadcastRejected(message) from error

    async def _already_sent(self, transaction: SignedTransaction, message: str) -> bool:
        """Whether a refusal only means the node has (or had) these very bytes."""
        if any(known in message for known in ("already known", "already imported", "alreadyknown")):
            return True
        if "nonce too low" in message or "oldnonce" in message:
            if await self.transaction(transaction.tx_hash) is not None:
                return True
            mined = await self.w3.eth.get_transaction_count(self._account.address, "latest")
            return int(mined) > transaction.nonce
        if "underpriced" in message:  # some nodes say so for a copy of a pending transaction
            return await self.transaction(transaction.tx_hash) is not None
        return False

    async def _current_fees(self) -> _Fees:
        latest = await self.w3.eth.get_block("latest")
        base_fee = latest.get("baseFeePerGas")
        if base_fee is None:
            gas_price = int(await self.w3.eth.gas_price)
            return _Fees(gas_price, gas_price, legacy=True)
        try:
            priority = int(await self.w3.eth.max_priority_fee)
        except Web3RPCError:
            priority = DEFAULT_PRIORITY_FEE
        return _Fees(2 * int(base_fee) + priority, priority, legacy=False)

    async def _gas_limit(self, payload: bytes) -> int:
        """The node's estimate: exact for a plain self-transfer, and right even if the
        account has code (EIP-7702). Without one, intrinsic gas with a margin."""
        try:
            return int(
                await self.w3.eth.estimate_gas(
                    {"from": self._account.address, "to": self._account.address, "data": payload}
                )
            )
        except Web3RPCError:
            return int(intrinsic_gas(payload) * GAS_FALLBACK_MARGIN)


def intrinsic_gas(payload: bytes) -> int:
    """Gas of a call carrying `payload` to an account without code, under Prague: the
    larger of 21000 + 16/4 per non-zero/zero byte, and the EIP-7623 calldata floor,
    21000 + 10 per token (a zero byte is one token, a non-zero byte four)."""
    zeros = payload.count(0)
    nonzeros = len(payload) - zeros
    standard = 21_000 + 16 * nonzeros + 4 * zeros
    floor = 21_000 + 10 * (zeros + 4 * nonzeros)
    return max(standard, floor)


def _bumped(current: _Fees, replacing: SignedTransaction | None) -> _Fees:
    """Today's fees, or for a replacement at least +25% on both caps of the stuck one
    (nodes accept a replacement only if it pays clearly more)."""
    if replacing is None:
        return current
    priority = max(current.max_priority_fee_per_gas, _bump(replacing.max_priority_fee_per_gas))
    max_fee = max(current.max_fee_per_gas, _bump(replacing.max_fee_per_gas), priority)
    if current.legacy:
        return _Fees(max_fee, max_fee, legacy=True)
    return _Fees(max_fee, priority, legacy=False)


def _bump(fee: int) -> int:
    return max(fee + 1, -(-fee * FEE_BUMP_NUMERATOR // FEE_BUMP_DENOMINATOR))


def _rpc_message(error: Web3RPCError) -> str:
    response = error.rpc_response
    if isinstance(response, dict):
        detail = response.get("error")
        if isinstance(detail, dict) and isinstance(detail.get("message"), str):
            return str(detail["message"])
    return str(error.message)
