"""The ledger the settings ask for: a node at CHAIN_RPC_URL, or the embedded chain."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from server.adapters.ledger.embedded import open_embedded_chain
from server.adapters.ledger.embedded_provider import EmbeddedProvider
from server.adapters.ledger.web3_ledger import Web3ChainReader, Web3Ledger
from server.settings import Environment, Settings

Closer = Callable[[], Awaitable[None]]


async def build_ledger(settings: Settings) -> tuple[Web3Ledger, Closer]:
    """The anchoring ledger and what closes it. Embedded (CHAIN_RPC_URL unset, never in
    production): the chain in DATA_DIR (shared with other processes on the same DATA_DIR),
    anchored with CHAIN_ANCHOR_PRIVATE_KEY if set, else with the chain's own key."""
    key = settings.chain_anchor_private_key
    if settings.chain_rpc_url is not None:
        if key is None:
            raise ValueError("CHAIN_RPC_URL needs CHAIN_ANCHOR_PRIVATE_KEY")
        ledger = Web3Ledger(settings.chain_rpc_url, key.get_secret_value())
        return ledger, ledger.close
    if settings.environment is Environment.PRODUCTION:
        # Settings validation refuses this; settings copied without validation must not
        # slip through to a chain no outside verifier can read.
        raise ValueError("CHAIN_RPC_URL is required in production: no embedded chain there")
    chain = await asyncio.to_thread(
        open_embedded_chain, settings.data_dir, key.get_secret_value() if key else None
    )
    ledger = Web3Ledger(chain.provider, chain.anchor_private_key)

    async def close() -> None:
        await ledger.close()
        await asyncio.to_thread(chain.close)

    return ledger, close


def embedded_provider(ledger: object) -> EmbeddedProvider | None:
    """The embedded chain behind a ledger from build_ledger, if any: what /chain/rpc serves."""
    if not isinstance(ledger, Web3ChainReader):
        return None
    provider = ledger.w3.provider
    return provider if isinstance(provider, EmbeddedProvider) else None
