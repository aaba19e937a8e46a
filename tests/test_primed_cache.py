"""A loader's values primed in bulk (`dataloaders/primed.py`) answer later loads as
`prime_many` would: found without a batch, an earlier future kept, forgotten by `clear`,
and a load already waiting for its batch answered by the priming."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from strawberry.dataloader import DataLoader

from dataloaders.primed import PrimedCache, prime


def counting_loader() -> tuple[DataLoader[str, str], list[list[str]]]:
    batches: list[list[str]] = []

    async def load(keys: list[str]) -> list[str]:
        batches.append(list(keys))
        return [f"read {key}" for key in keys]

    return DataLoader(load_fn=load, cache_map=PrimedCache()), batches


async def test_a_primed_value_is_found_without_a_batch() -> None:
    loader, batches = counting_loader()
    prime(loader, {"a": "primed a", "b": "primed b"})
    assert await loader.load("a") == "primed a"
    assert await loader.load_many(["b", "a"]) == ["primed b", "primed a"]
    assert await loader.load("c") == "read c"
    assert batches == [["c"]]


async def test_a_key_loaded_before_keeps_its_value() -> None:
    loader, batches = counting_loader()
    assert await loader.load("a") == "read a"
    prime(loader, {"a": "primed a"})
    assert await loader.load("a") == "read a"
    assert batches == [["a"]]


async def test_clear_forgets_primed_values() -> None:
    loader, batches = counting_loader()
    prime(loader, {"a": "primed a", "b": "primed b"})
    loader.clear("a")
    assert await loader.load("a") == "read a"
    loader.clear_all()
    assert await loader.load("b") == "read b"
    assert batches == [["a"], ["b"]]


async def test_priming_answers_a_load_waiting_for_its_batch() -> None:
    loader, batches = counting_loader()
    waiting = loader.load("a")  # its batch is not sent before this task yields
    prime(loader, {"a": "primed a"})
    assert await waiting == "primed a"
    await asyncio.sleep(0)
    assert batches == []


@pytest.mark.parametrize("cache", [PrimedCache(), None], ids=["primed", "default"])
def test_clearing_an_unknown_key_fails_as_the_default_cache_does(cache: Any) -> None:
    loader: DataLoader[str, str] = DataLoader(load_fn=_never, cache_map=cache)
    with pytest.raises(KeyError):
        loader.clear("never loaded")


async def _never(keys: list[str]) -> list[str]:
    raise AssertionError("not loaded")
