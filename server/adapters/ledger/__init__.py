"""Adapters for the chain ports of domain/credentials/ledger.py: web3 over a node or over the
embedded, persistent in-process chain."""

from server.adapters.ledger.embedded import (
    EMBEDDED_CHAIN_ID,
    EmbeddedChain,
    embedded_anchor_address,
    open_embedded_chain,
)
from server.adapters.ledger.embedded_provider import EmbeddedProvider
from server.adapters.ledger.factory import build_ledger, embedded_provider
from server.adapters.ledger.sqlite_store import ChainLocked
from server.adapters.ledger.web3_ledger import BroadcastRejected, Web3ChainReader, Web3Ledger

__all__ = [
    "EMBEDDED_CHAIN_ID",
    "BroadcastRejected",
    "ChainLocked",
    "EmbeddedChain",
    "EmbeddedProvider",
    "Web3ChainReader",
    "Web3Ledger",
    "build_ledger",
    "embedded_anchor_address",
    "embedded_provider",
    "open_embedded_chain",
]
