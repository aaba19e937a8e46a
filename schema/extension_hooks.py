"""Strawberry's extension stages, with each extension class's hooks looked up once.

Why: for every request and every stage (operation, parsing, validation, execution)
strawberry's runner inspects every extension again: `inspect.isgeneratorfunction`, then
`contextlib.contextmanager(types.MethodType(hook, extension))`, whose `functools.wraps`
copies the hook's attributes onto a new function. That is 24 lookups a request for our
six extensions: 0.13 M instructions, 8 % of an anonymous `{ __typename }` and 3 % of a
`node` lookup (bench/README.md). A hook is a class attribute (strawberry reads it from
`type(extension)`), so the context-manager factory is made once per class and hook and
bound to each request's extension with a partial.

Exactness: the stages are strawberry's own context managers (their exit stacks, order
and errors); only `get_hook` is replaced, and it returns the same kind of hook for the
same method (`tests/test_extension_hooks.py` compares the two for every extension).
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from functools import lru_cache, partial
from typing import Any

from strawberry.extensions import SchemaExtension
from strawberry.extensions.context import (
    ExecutingContextManager,
    OperationContextManager,
    ParsingContextManager,
    ValidationContextManager,
    WrappedHook,
)
from strawberry.extensions.runner import SchemaExtensionsRunner

# A hook's context-manager factory, called with the extension, and whether it is async.
HookFactory = tuple[Callable[[SchemaExtension], Any], bool]


@lru_cache(maxsize=256)  # one per extension class and stage
def hook_factory(kind: type, hook_name: str) -> HookFactory | None:
    """What strawberry's `get_hook` builds for `kind`'s `hook_name`, as a factory."""
    hook = getattr(kind, hook_name)
    if hook is getattr(SchemaExtension, hook_name):
        return None
    if inspect.isgeneratorfunction(hook):
        return contextlib.contextmanager(hook), False
    if inspect.isasyncgenfunction(hook):
        return contextlib.asynccontextmanager(hook), True
    if not callable(hook):
        raise ValueError(f"Hook {hook_name} on {kind} must be callable, received {hook!r}")
    if inspect.iscoroutinefunction(hook):

        @contextlib.asynccontextmanager
        async def awaited_first(extension: SchemaExtension) -> AsyncIterator[None]:
            await hook(extension)
            yield

        return awaited_first, True

    @contextlib.contextmanager
    def called_first(extension: SchemaExtension) -> Iterator[None]:
        hook(extension)
        yield

    return called_first, False


class _HooksLookedUpOnce:
    __slots__ = ()
    HOOK_NAME: str

    def get_hook(self, extension: SchemaExtension) -> WrappedHook | None:
        kind: type = type(extension)  # (mypy does not take a type[...] for Hashable)
        factory = hook_factory(kind, self.HOOK_NAME)
        if factory is None:
            return None
        make, is_async = factory
        return WrappedHook(extension=extension, hook=partial(make, extension), is_async=is_async)


class _Operation(_HooksLookedUpOnce, OperationContextManager):
    __slots__ = ()


class _Parsing(_HooksLookedUpOnce, ParsingContextManager):
    __slots__ = ()


class _Validation(_HooksLookedUpOnce, ValidationContextManager):
    __slots__ = ()


class _Executing(_HooksLookedUpOnce, ExecutingContextManager):
    __slots__ = ()


class ExtensionsRunner(SchemaExtensionsRunner):
    """Strawberry's runner with the request stages above (streamed results, a
    subscription's per-event stage, keep strawberry's own)."""

    def operation(self) -> OperationContextManager:
        return _Operation(self.extensions)

    def parsing(self) -> ParsingContextManager:
        return _Parsing(self.extensions)

    def validation(self) -> ValidationContextManager:
        return _Validation(self.extensions)

    def executing(self) -> ExecutingContextManager:
        return _Executing(self.extensions)
