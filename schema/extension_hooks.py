"""Strawberry's extension stages, each extension class's hooks looked up once and the
stages run without an exit stack.

Why: for every request and every stage (operation, parsing, validation, execution)
strawberry's runner inspects every extension again: `inspect.isgeneratorfunction`, then
`contextlib.contextmanager(types.MethodType(hook, extension))`, whose `functools.wraps`
copies the hook's attributes onto a new function. That was 24 lookups a request for our
six extensions: 0.13 M instructions, 8 % of an anonymous `{ __typename }` and 3 % of a
`node` lookup (bench/README.md). A hook is a class attribute (strawberry reads it from
`type(extension)`), so what strawberry makes a context manager of — the hook itself when
it is a generator, else a generator calling it — is found once per class and hook, and
the hooks of a stage once per list of extension classes (`stage_plan`). Each stage then
ran an `(Async)ExitStack` and a `contextlib` manager per hook; `Stage` drives the hooks'
generators itself and makes those only when an exception has to travel through them.

Exactness: the hooks are the generators strawberry's managers would drive, started and
run to their end as those managers do, in strawberry's order, and an exception travels
through them in `contextlib`'s own managers by the exit stack's own rules
(`tests/test_extension_hooks.py` compares the two runners for every extension of the
app and every kind of hook, errors and misbehaving generators included).
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from functools import lru_cache, partial
from types import TracebackType
from typing import Any

from strawberry.extensions import SchemaExtension
from strawberry.extensions.context import WrappedHook
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.utils.await_maybe import await_maybe

# A hook as a generator function of the extension, and whether it is async: the hook
# itself when it is a generator, else one that calls (or awaits) it and yields once.
Hook = tuple[Callable[[SchemaExtension], Any], bool]


@lru_cache(maxsize=256)  # one per extension class and stage
def hook_of(kind: type, hook_name: str) -> Hook | None:
    """What strawberry's `get_hook` makes a context manager of, for `kind`'s `hook_name`."""
    hook = getattr(kind, hook_name)
    if hook is getattr(SchemaExtension, hook_name):
        return None
    if inspect.isgeneratorfunction(hook):
        return hook, False
    if inspect.isasyncgenfunction(hook):
        return hook, True
    if not callable(hook):
        raise ValueError(f"Hook {hook_name} on {kind} must be callable, received {hook!r}")
    if inspect.iscoroutinefunction(hook):

        async def awaited_first(extension: SchemaExtension) -> AsyncIterator[None]:
            await hook(extension)
            yield

        return awaited_first, True

    def called_first(extension: SchemaExtension) -> Iterator[None]:
        hook(extension)
        yield

    return called_first, False


@lru_cache(maxsize=256)
def managed(generator: Callable[[SchemaExtension], Any], is_async: bool) -> Callable[..., Any]:
    """The hook as the context-manager factory strawberry makes of it."""
    if is_async:
        return contextlib.asynccontextmanager(generator)
    return contextlib.contextmanager(generator)


# One stage's hooks for a list of extension classes: (position, generator, is_async).
StagePlan = tuple[tuple[int, Callable[[SchemaExtension], Any], bool], ...]


@lru_cache(maxsize=256)  # one per stage and list of extension classes (one per schema)
def stage_plan(kinds: tuple[type, ...], hook_name: str) -> StagePlan:
    """Which of these extensions have a hook for the stage, in order."""
    return tuple(
        (position, *hook)
        for position, kind in enumerate(kinds)
        if (hook := hook_of(kind, hook_name)) is not None
    )


_DONE = object()


class Stage:
    """A stage as strawberry's runs it — hooks entered in order, left in reverse, an
    exception passed from one to the next as nested `with` blocks pass it — without an
    exit stack or a context manager per hook in the common case.

    strawberry keeps an `(Async)ExitStack` per stage, four a request, each pushing a
    `contextlib` manager per hook. Here an asynchronous stage (every request's) starts
    each hook's generator and, when nothing is raised, runs it to its end, as those
    managers do (`next(generator, _DONE)` rather than catching `StopIteration`). An
    exception (brought into the stage, or raised by a hook as it leaves) is handed to an
    exit stack made then, with the hooks still to leave wrapped in `contextlib`'s own
    managers, so its handling is theirs."""

    __slots__ = ("_entered", "_extensions", "_plan", "_stack", "hook_name")

    def __init__(self, hook_name: str, extensions: list[SchemaExtension], plan: StagePlan) -> None:
        self.hook_name = hook_name
        self._extensions = extensions
        self._plan = plan
        self._entered: list[tuple[Any, bool]] = []  # started generators, and is_async

    @property
    def hooks(self) -> list[WrappedHook]:
        """The stage's hooks as strawberry lists them: what its synchronous stage enters."""
        return [
            WrappedHook(
                self._extensions[position],
                partial(managed(generator, is_async), self._extensions[position]),
                is_async,
            )
            for position, generator, is_async in self._plan
        ]

    def __enter__(self) -> None:
        """The synchronous stage (strawberry's `execute_sync`, not the app's path) keeps
        strawberry's exit stack."""
        self._stack = contextlib.ExitStack()
        for hook in self.hooks:
            if hook.is_async:
                raise RuntimeError(
                    f"SchemaExtension hook {hook.extension}.{self.hook_name} "
                    "failed to complete synchronously."
                )
            self._stack.enter_context(hook.hook())  # type: ignore[arg-type]

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stack.__exit__(exc_type, exc, traceback)

    async def __aenter__(self) -> None:
        extensions = self._extensions
        for position, generator, is_async in self._plan:
            started = generator(extensions[position])
            if is_async:
                if await anext(started, _DONE) is _DONE:
                    raise RuntimeError("generator didn't yield")
            elif next(started, _DONE) is _DONE:
                raise RuntimeError("generator didn't yield")
            self._entered.append((started, is_async))

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        entered = self._entered
        raised = None
        if exc is None:
            while entered:
                started, is_async = entered.pop()
                try:
                    if is_async:
                        if await anext(started, _DONE) is not _DONE:
                            try:
                                raise RuntimeError("generator didn't stop")
                            finally:
                                await started.aclose()
                    elif next(started, _DONE) is not _DONE:
                        try:
                            raise RuntimeError("generator didn't stop")
                        finally:
                            started.close()
                except BaseException as error:
                    raised = error
                    break
            else:
                return
        stack = contextlib.AsyncExitStack()
        for started, is_async in entered:
            if is_async:
                stack.push_async_exit(
                    _manager_of(started, contextlib._AsyncGeneratorContextManager)
                )
            else:
                stack.push(_manager_of(started, contextlib._GeneratorContextManager))
        if raised is None:  # as strawberry's: a hook swallowing it does not end it here
            await stack.__aexit__(exc_type, exc, traceback)
        elif not await stack.__aexit__(type(raised), raised, raised.__traceback__):
            raise raised


def _manager_of(started: Any, kind: type[Any]) -> Any:
    """`contextlib`'s manager of a generator it did not start: its `__exit__` and
    `__aexit__` read nothing but the generator."""
    manager = object.__new__(kind)
    manager.gen = started
    return manager


class ExtensionsRunner(SchemaExtensionsRunner):
    """strawberry's runner with the request stages above (streamed results, a
    subscription's per-event stage, keep strawberry's own)."""

    def __init__(
        self, execution_context: Any, extensions: list[SchemaExtension] | None = None
    ) -> None:
        super().__init__(execution_context, extensions)
        self._kinds = tuple(type(extension) for extension in self.extensions)

    async def get_extensions_results(self, ctx: Any) -> dict[str, Any]:
        """As strawberry's, without awaiting the default `get_results` (an empty dict) of
        every extension that does not define its own."""
        data: dict[str, Any] = {}
        for extension in self.extensions:
            if type(extension).get_results is not SchemaExtension.get_results:
                data.update(await await_maybe(extension.get_results()))
        data.update(ctx.extensions_results)
        return data

    def _stage(self, hook_name: str) -> Stage:
        return Stage(hook_name, self.extensions, stage_plan(self._kinds, hook_name))

    def operation(self) -> Stage:  # type: ignore[override]
        return self._stage("on_operation")

    def parsing(self) -> Stage:  # type: ignore[override]
        return self._stage("on_parse")

    def validation(self) -> Stage:  # type: ignore[override]
        return self._stage("on_validate")

    def executing(self) -> Stage:  # type: ignore[override]
        return self._stage("on_execute")
