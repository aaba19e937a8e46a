"""The anchoring accounts verification trusts: read once per process and kept, forgotten
when this process confirms a batch from a new account, re-read after the bound otherwise;
and the anchoring account the public directory names, known without opening the chain."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from eth_account import Account

from domain.credentials import registry
from domain.credentials.registry import ANCHORING_ADDRESSES, AnchoringAddressCache
from server.services import build_services
from server.settings import Environment, Settings
from tests.credentials.test_anchoring_recovery import (
    ADDRESS,
    Clock,
    ScriptedChain,
    _two_credentials,
    anchorer,
)

CURRENT = "0x00000000000000000000000000000000000000C1"
NEW = "0x00000000000000000000000000000000000000B2"


@asynccontextmanager
async def _no_session() -> AsyncIterator[Any]:
    yield None


async def test_addresses_are_read_once_until_a_new_sender_confirms_or_they_age(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    senders = {CURRENT}
    reads: list[str] = []

    async def read(_session: Any, current: str) -> frozenset[str]:
        reads.append(current)
        return frozenset({current, *senders})

    monkeypatch.setattr(registry, "anchoring_addresses", read)
    now = [0.0]
    cache = AnchoringAddressCache(max_age_seconds=60, clock=lambda: now[0])

    assert await cache.get(_no_session, CURRENT) == {CURRENT}
    assert await cache.get(_no_session, CURRENT) == {CURRENT}
    cache.confirmed_by(CURRENT)  # the usual confirmation: nothing new
    assert await cache.get(_no_session, CURRENT) == {CURRENT}
    assert reads == [CURRENT]

    senders.add(NEW)  # an older key's batch, confirmed here after the key changed
    cache.confirmed_by(NEW)
    assert await cache.get(_no_session, CURRENT) == {CURRENT, NEW}
    assert len(reads) == 2

    senders.add(ADDRESS)  # confirmed by another process: seen once the entry is too old
    now[0] = 59.0
    assert await cache.get(_no_session, CURRENT) == {CURRENT, NEW}
    now[0] = 61.0
    assert await cache.get(_no_session, CURRENT) == {CURRENT, NEW, ADDRESS}
    assert len(reads) == 3


async def test_a_read_racing_a_confirmation_is_not_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    cache = AnchoringAddressCache()
    senders = {CURRENT}

    async def read(_session: Any, current: str) -> frozenset[str]:
        before = frozenset({current, *senders})
        senders.add(NEW)  # committed while this read was under way
        cache.confirmed_by(NEW)
        return before

    monkeypatch.setattr(registry, "anchoring_addresses", read)
    assert await cache.get(_no_session, CURRENT) == {CURRENT}
    assert await cache.get(_no_session, CURRENT) == {CURRENT, NEW}


async def test_the_anchorer_makes_verification_see_a_new_sender(client, services) -> None:
    ANCHORING_ADDRESSES.clear()
    session = services.database.session
    try:
        assert await ANCHORING_ADDRESSES.get(session, CURRENT) == {CURRENT}
        await _two_credentials(client, services)
        chain, clock = ScriptedChain(), Clock()  # anchors from ADDRESS, not CURRENT
        await anchorer(services, chain, clock).run()
        chain.mine()
        chain.head += 1
        assert (await anchorer(services, chain, clock).run()).batches_confirmed == 1
        assert await ANCHORING_ADDRESSES.get(session, CURRENT) == {CURRENT, ADDRESS}
    finally:
        ANCHORING_ADDRESSES.clear()


async def test_the_anchoring_address_is_known_without_opening_the_chain(services, tmp_path) -> None:
    assert await services.anchoring_address() == (await services.chain()).address

    settings = Settings(
        environment=Environment.TEST,
        database_url=services.settings.database_url,
        data_dir=tmp_path,
    )
    fresh = await build_services(settings, services.settings.database_url)
    try:
        address = await fresh.anchoring_address()
        assert not (tmp_path / "chain" / "chain.sqlite").exists()  # not opened
        assert address == (await fresh.chain()).address
    finally:
        await fresh.close()

    key = "0x" + "42" * 32
    configured = await build_services(
        Settings(
            environment=Environment.TEST,
            database_url=services.settings.database_url,
            data_dir=tmp_path / "other",
            chain_anchor_private_key=key,  # type: ignore[arg-type]
        ),
        services.settings.database_url,
    )
    try:
        assert await configured.anchoring_address() == Account.from_key(key).address
        assert not (tmp_path / "other" / "chain").exists()
    finally:
        await configured.close()
