"""The schema's extension stages (schema/extension_hooks.py) run the same hooks, in the
same order and the same way, as strawberry's own runner."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from strawberry.extensions import SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner

from schema.extension_hooks import ExtensionsRunner
from schema.schema import build_schema
from server.observability.graphql import GraphQLObserver
from server.persisted_queries import TrustedDocumentsOnly

STAGES = ("operation", "parsing", "validation", "executing")


def hooks_of(runner: SchemaExtensionsRunner, stage: str) -> list[tuple[SchemaExtension, bool]]:
    return [(hook.extension, hook.is_async) for hook in getattr(runner, stage)().hooks]


def test_every_extension_of_the_app_gets_the_hooks_strawberry_gives_it() -> None:
    schema = build_schema(
        introspection=False,
        field_suggestions=False,
        extra_extensions=(lambda: TrustedDocumentsOnly(None), GraphQLObserver),  # type: ignore[arg-type]
    )
    extensions = schema.get_extensions()
    ours = schema.create_extensions_runner(None, extensions)  # type: ignore[arg-type]
    strawberrys = SchemaExtensionsRunner(None, extensions)  # type: ignore[arg-type]
    assert isinstance(ours, ExtensionsRunner)
    for stage in STAGES:
        assert hooks_of(ours, stage) == hooks_of(strawberrys, stage), stage
    assert sum(len(hooks_of(ours, stage)) for stage in STAGES) >= 8  # the app's hooks are there


class EveryKindOfHook(SchemaExtension):
    """One hook of each kind strawberry accepts, each recording when it runs."""

    def __init__(self, calls: list[str]) -> None:
        self.calls = calls

    def on_operation(self) -> Iterator[None]:
        self.calls.append("operation: enter")
        try:
            yield
        except ValueError as error:
            self.calls.append(f"operation: saw {error}")
            raise
        self.calls.append("operation: leave")

    async def on_parse(self) -> AsyncIterator[None]:
        self.calls.append("parsing: enter")
        yield
        self.calls.append("parsing: leave")

    def on_validate(self) -> None:  # type: ignore[override]
        self.calls.append("validation: called")

    async def on_execute(self) -> None:  # type: ignore[override]
        self.calls.append("executing: awaited")


async def run_stages(runner_class: type[SchemaExtensionsRunner]) -> list[str]:
    calls: list[str] = []
    runner: Any = runner_class(None, [EveryKindOfHook(calls), EveryKindOfHook(calls)])  # type: ignore[arg-type]
    for stage in ("parsing", "validation", "executing"):
        async with getattr(runner, stage)():
            calls.append(f"{stage}: inside")
    with pytest.raises(ValueError, match="boom"):
        async with runner.operation():
            calls.append("operation: inside")
            raise ValueError("boom")
    synchronous_stage = runner.parsing()  # an async hook cannot run in it
    with pytest.raises(RuntimeError, match="failed to complete synchronously"), synchronous_stage:
        pass
    return calls


async def test_each_kind_of_hook_runs_as_strawberry_runs_it() -> None:
    ours = await run_stages(ExtensionsRunner)
    assert ours == await run_stages(SchemaExtensionsRunner)
    assert ours[:4] == ["parsing: enter", "parsing: enter", "parsing: inside", "parsing: leave"]
    assert ours[-2:] == ["operation: saw boom", "operation: saw boom"]


class Swallowing(SchemaExtension):
    """Its operation hook swallows a ValueError: the stage then ends without one."""

    def __init__(self, calls: list[str]) -> None:
        self.calls = calls

    def on_operation(self) -> Iterator[None]:
        try:
            yield
        except ValueError as error:
            self.calls.append(f"swallowed {error}")


class FailingOnLeave(SchemaExtension):
    """Its hooks raise as they leave, while hooks entered before them still have to."""

    def __init__(self, calls: list[str]) -> None:
        self.calls = calls

    def on_operation(self) -> Iterator[None]:
        yield
        raise ValueError("left badly")

    async def on_execute(self) -> AsyncIterator[None]:
        yield
        raise KeyError("left badly, async")

    def on_validate(self) -> Iterator[None]:
        yield
        raise RuntimeError("left badly, sync")


class Misbehaving(SchemaExtension):
    """Hooks that break the generator protocol: two yield twice, one never yields."""

    def __init__(self, calls: list[str]) -> None:
        self.calls = calls

    def on_operation(self) -> Iterator[None]:
        yield
        self.calls.append("operation: yielded again")
        yield

    async def on_execute(self) -> AsyncIterator[None]:
        yield
        self.calls.append("executing: yielded again")
        yield

    def on_validate(self) -> Iterator[None]:
        self.calls.append("validation: returns at once")
        return
        yield


async def outcomes(runner_class: type[SchemaExtensionsRunner]) -> list[str]:
    """What each hook saw and what left each stage, for errors raised inside a stage and
    by hooks as they leave, suppressed or not, in async and sync stages."""
    calls: list[str] = []
    layouts = [
        [EveryKindOfHook(calls), Swallowing(calls), EveryKindOfHook(calls)],
        [EveryKindOfHook(calls), FailingOnLeave(calls), EveryKindOfHook(calls)],
        [Swallowing(calls), FailingOnLeave(calls)],
        [FailingOnLeave(calls), Swallowing(calls)],
        [EveryKindOfHook(calls), Misbehaving(calls), EveryKindOfHook(calls)],
        [Swallowing(calls), Misbehaving(calls)],
    ]
    for extensions in layouts:
        runner: Any = runner_class(None, extensions)  # type: ignore[arg-type]
        for stage, raising in [
            (s, r) for s in ("operation", "validation", "executing") for r in (False, True)
        ]:
            try:
                async with getattr(runner, stage)():
                    calls.append(f"{stage}: inside")
                    if raising:
                        raise ValueError("inside")
                calls.append(f"{stage}: left cleanly")
            except Exception as error:
                calls.append(f"{stage}: left with {type(error).__name__} {error}")
        try:
            with runner.validation():
                calls.append("sync validation: inside")
            calls.append("sync validation: left cleanly")
        except Exception as error:
            calls.append(f"sync validation: left with {type(error).__name__} {error}")
    return calls


async def test_errors_travel_through_the_hooks_as_strawberry_passes_them() -> None:
    ours = await outcomes(ExtensionsRunner)
    assert ours == await outcomes(SchemaExtensionsRunner)
    assert "operation: left cleanly" in ours  # swallowed by a hook
    assert "operation: left with ValueError left badly" in ours
    assert "executing: left with KeyError 'left badly, async'" in ours
    assert "sync validation: left with RuntimeError left badly, sync" in ours
    assert "operation: left with RuntimeError generator didn't stop" in ours
    assert "executing: left with RuntimeError generator didn't stop" in ours
    assert "validation: left with RuntimeError generator didn't yield" in ours


class WithResults(SchemaExtension):
    def get_results(self) -> dict[str, Any]:
        return {"shared": "first", "mine": 1}


class WithAsyncResults(SchemaExtension):
    async def get_results(self) -> dict[str, Any]:  # type: ignore[override]
        return {"shared": "second"}


async def test_extension_results_are_gathered_as_strawberry_gathers_them() -> None:
    extensions = [WithResults(), SchemaExtension(), WithAsyncResults(), EveryKindOfHook([])]
    context: Any = type("Context", (), {"extensions_results": {"late": True}})()
    results = [
        await runner(None, extensions).get_extensions_results(context)  # type: ignore[arg-type]
        for runner in (ExtensionsRunner, SchemaExtensionsRunner)
    ]
    assert results[0] == results[1] == {"shared": "second", "mine": 1, "late": True}
