"""A faster executor: plain fields are read and serialised directly, everything else runs
through graphql-core's standard path unchanged.

Why: on a page of 100 jobs most of the ~3,000 resolved fields are plain attributes of
strawberry objects (`title`, `pay { min max }`, `edges { cursor node }`). graphql-core
pays for each one an `info` object, a `Path`, the middleware lookup, argument coercion,
two awaitable checks and a recursive type dispatch in `complete_value` — about 3 µs per
field, so the executor, not PostgreSQL, dominated a page's cost (issue 10).

How it stays exact: a field takes the fast path only when strawberry itself would call
nothing but `getattr` for it (a *basic* field: no resolver, no permission classes or
field extensions, no exception handlers; no schema middleware; no `@defer`/`@stream` in
the schema). For those, reading the attribute is pure, so the fast path first checks
the value is unremarkable — not null for a non-null type, not an exception, not
awaitable, serialisable, the right object type — and on *any* anomaly hands the field
to the standard `execute_field`, which reads it again and produces exactly the
standard error, path and null propagation. Objects and lists reached through plain
fields recurse through this same `execute_fields`; errors raised below them are
handled exactly as `execute_field`/`complete_list_item_value` would. Resolver fields
(`organization`, `skills`, DataLoaders, permission checks) always take the standard
path. `tests/test_fast_execution.py` runs every operation of the test suite and
generated selections through both executors and compares data and errors.

Loaded fields (`schema/loaded_fields.py`: one DataLoader call and a pure conversion) are
batched in queries: the synchronous pass asks the loader for every object's key and
leaves a place; after it, one await gets every value and the places are completed. A
failed or non-plain value re-runs the whole query on the standard path, so the answer is
still exactly the standard one (queries only read, so running one twice is safe).

Switch: `FAST_EXECUTION=false` (settings) builds the schema with strawberry's own
executor.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import CoroutineType, GeneratorType
from typing import Any, Final

from graphql import (
    GraphQLBoolean,
    GraphQLID,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLString,
    OperationType,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.execution.executor import CollectedErrors
from graphql.pyutils import Path, Undefined
from graphql.pyutils.gather_with_cancel import gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import CustomGraphQLEnumType

from schema.loaded_fields import LoadedBy, loaded_by_of

LEAF: Final = 1
OBJECT: Final = 2
LEAF_LIST: Final = 3
OBJECT_LIST: Final = 4

# strawberry's resolver for a field with no resolver of its own (`from_resolver`), and its
# generated `is_type_of` (which ignores `info`): recognised by qualified name, so a
# strawberry upgrade that renames them only turns the fast path off, never makes it wrong.
BASIC_RESOLVER_QUALNAME: Final = "GraphQLCoreConverter.from_resolver.<locals>._get_basic_result"
GENERATED_IS_TYPE_OF: Final = "GraphQLCoreConverter.from_object.<locals>._get_is_type_of"


class _Anomaly(Exception):
    """Internal: this value needs the standard path (never escapes this module)."""


@dataclass(frozen=True, slots=True)
class FieldPlan:
    """How to read and complete one plain field of one object type."""

    kind: int
    attr: str
    getter: Callable[[Any, str], Any]
    field_type: GraphQLOutputType  # the declared type, for error handling
    non_null: bool
    item_type: GraphQLOutputType | None = None  # lists: the item type, for error handling
    item_non_null: bool = False
    coerce: Callable[[Any], Any] | None = None  # leaves and lists of leaves
    object_type: GraphQLObjectType | None = None  # objects and lists of objects
    is_type_of: Callable[[Any, Any], Any] | None = None
    # Leaves: values of exactly this class serialise to themselves (String, ID, Boolean)
    # or, for strawberry enums, to their cached name: no call at all.
    same_class: type | None = None
    names: dict[Any, str] | None = None
    # Fields declared with `loaded_by`: loaded for every object in one batch, then
    # completed like an object or list-of-objects field (queries only).
    loaded: LoadedBy | None = None


_SAFE_CLASSES: dict[type, bool] = {}


def _plain(cls: type) -> bool:
    """Neither an exception (which `complete_value` raises) nor awaitable (which the
    standard path awaits): decided by the class alone, cached."""
    known = _SAFE_CLASSES.get(cls)
    if known is None:
        known = not (
            issubclass(cls, BaseException)
            or issubclass(cls, CoroutineType | GeneratorType)
            or hasattr(cls, "__await__")
        )
        _SAFE_CLASSES[cls] = known
    return known


def _unwrap(type_: GraphQLOutputType) -> tuple[GraphQLOutputType, bool]:
    if is_non_null_type(type_):
        assert isinstance(type_, GraphQLNonNull)
        return type_.of_type, True
    return type_, False


def _object_parts(
    type_: GraphQLOutputType,
) -> tuple[GraphQLObjectType, Callable[[Any, Any], Any] | None] | None:
    if not is_object_type(type_):
        return None
    assert isinstance(type_, GraphQLObjectType)
    is_type_of = type_.is_type_of
    if is_type_of is not None and GENERATED_IS_TYPE_OF not in is_type_of.__qualname__:
        return None  # a hand-written is_type_of may read `info`
    return type_, is_type_of


# graphql-core's own scalars return a value of exactly these classes unchanged.
_IDENTITY_SCALARS: Final = {GraphQLString: str, GraphQLID: str, GraphQLBoolean: bool}


def _identity(leaf: Any) -> tuple[type | None, dict[Any, str] | None]:
    """What lets a leaf skip `coerce_output_value`: its identity class, or for a
    strawberry enum its member class and a name cache (the same member always
    serialises to the same name)."""
    if leaf in _IDENTITY_SCALARS:
        return _IDENTITY_SCALARS[leaf], None
    if isinstance(leaf, CustomGraphQLEnumType):
        return leaf.wrapped_cls, {}
    return None, None


def plan_field(parent_type: GraphQLObjectType, field_name: str) -> FieldPlan | None:
    """The fast plan for a field, or None when it must take the standard path."""
    field_def = parent_type.fields.get(field_name)
    if field_def is None or field_def.args:
        return None
    strawberry_field = (field_def.extensions or {}).get("strawberry-definition")
    if strawberry_field is None:
        return None
    loaded = _loaded_declaration(strawberry_field)
    if loaded is None:
        resolve = field_def.resolve
        if resolve is None or getattr(resolve, "__qualname__", "") != BASIC_RESOLVER_QUALNAME:
            return None
        if not strawberry_field.is_basic_field:
            return None
    getter = strawberry_field.default_resolver
    attr = strawberry_field.python_name
    inner, non_null = _unwrap(field_def.type)
    common = {
        "attr": attr,
        "getter": getter,
        "field_type": field_def.type,
        "non_null": non_null,
        "loaded": loaded,
    }
    if is_leaf_type(inner):
        if loaded is not None:
            return None  # batching pays off for objects; a loaded leaf is rare
        same_class, names = _identity(inner)
        coerce = inner.coerce_output_value  # type: ignore[union-attr]
        return FieldPlan(LEAF, **common, coerce=coerce, same_class=same_class, names=names)
    if (parts := _object_parts(inner)) is not None:
        return FieldPlan(OBJECT, **common, object_type=parts[0], is_type_of=parts[1])
    if is_list_type(inner):
        assert isinstance(inner, GraphQLList)
        item_type: GraphQLOutputType = inner.of_type
        item, item_non_null = _unwrap(item_type)
        listed = {**common, "item_type": item_type, "item_non_null": item_non_null}
        if is_leaf_type(item) and loaded is None:
            return FieldPlan(LEAF_LIST, **listed, coerce=item.coerce_output_value)  # type: ignore[union-attr]
        if (parts := _object_parts(item)) is not None:
            return FieldPlan(OBJECT_LIST, **listed, object_type=parts[0], is_type_of=parts[1])
    return None


def _loaded_declaration(strawberry_field: Any) -> LoadedBy | None:
    """The `loaded_by` declaration of a field whose resolver is nothing else: no
    arguments, permission classes or field extensions that the declaration would skip."""
    resolver = strawberry_field.base_resolver
    if resolver is None or strawberry_field.permission_classes or strawberry_field.extensions:
        return None
    if strawberry_field.arguments:
        return None
    return loaded_by_of(resolver.wrapped_func)


# Plans depend only on the (immutable) schema types: shared by every request.
_PLANS: dict[tuple[GraphQLObjectType, str], FieldPlan | None] = {}

PlannedFields = list[tuple[str, FieldDetailsList, FieldPlan | None]]


def _coerce_leaf(plan: FieldPlan, value: Any) -> Any:
    """The serialised value, or `_Anomaly` when the standard path must report it."""
    if value is None:
        if plan.non_null:
            raise _Anomaly
        return None
    if not _plain(value.__class__):
        raise _Anomaly
    assert plan.coerce is not None
    try:
        coerced = plan.coerce(value)
    except Exception:
        raise _Anomaly from None
    if coerced is None or coerced is Undefined:
        raise _Anomaly
    return coerced


_ANOMALY: Final = object()


def _leaf_or_undefined(plan: FieldPlan, value: Any) -> Any:
    try:
        return _coerce_leaf(plan, value)
    except _Anomaly:
        return Undefined


def _coerce_leaf_list(plan: FieldPlan, value: Any) -> list[Any]:
    if value.__class__ is not list and value.__class__ is not tuple:
        raise _Anomaly
    coerce = plan.coerce
    assert coerce is not None
    out: list[Any] = []
    for item in value:
        if item is None:
            if plan.item_non_null:
                raise _Anomaly
            out.append(None)
            continue
        if not _plain(item.__class__):
            raise _Anomaly
        try:
            coerced = coerce(item)
        except Exception:
            raise _Anomaly from None
        if coerced is None or coerced is Undefined:
            raise _Anomaly
        out.append(coerced)
    return out


def _check_object(plan: FieldPlan, value: Any) -> None:
    if not _plain(value.__class__):
        raise _Anomaly
    if plan.is_type_of is not None and not plan.is_type_of(value, None):
        raise _Anomaly


@dataclass(frozen=True, slots=True)
class _Deferred:
    """A loaded field's place in the response, waiting for its DataLoader."""

    future: Awaitable[Any]
    plan: FieldPlan
    results: dict[str, Any]
    response_name: str
    path: Path | None
    parent_type: GraphQLObjectType
    field_details_list: FieldDetailsList


class FastExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """strawberry's execution context with the fast path for plain and loaded fields."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        self._fast = (
            self.schema.get_directive("defer") is None
            and self.schema.get_directive("stream") is None
            and not (manager is not None and getattr(manager, "_middleware_resolvers", None))
        )
        self._planned: dict[tuple[GraphQLObjectType, int], tuple[Any, PlannedFields]] = {}
        # Loaded fields waiting for their batch; None when batching is off (it is on for
        # queries only: its fallback re-executes the operation, which reads may afford).
        self._deferred: list[_Deferred] | None = (
            [] if self._fast and self.operation.operation == OperationType.QUERY else None
        )

    def _plans(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> PlannedFields:
        key = (parent_type, id(grouped_field_set))
        cached = self._planned.get(key)
        if cached is not None:
            return cached[1]
        planned: PlannedFields = []
        for response_name, field_details_list in grouped_field_set.items():
            field_name = field_details_list[0].node.name.value
            plan_key = (parent_type, field_name)
            if plan_key in _PLANS:
                plan = _PLANS[plan_key]
            else:
                plan = _PLANS[plan_key] = plan_field(parent_type, field_name)
            planned.append((response_name, field_details_list, plan))
        # Keep the field set alive with its plan so its id cannot be reused meanwhile.
        self._planned[key] = (grouped_field_set, planned)
        return planned

    def execute_fields(  # type: ignore[override]
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        if not self._fast or position_context is not None:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for response_name, field_details_list, plan in self._plans(
                parent_type, grouped_field_set
            ):
                result: Any = Undefined
                if plan is not None:
                    if plan.loaded is not None:
                        if self._defer(
                            plan,
                            source_value,
                            path,
                            response_name,
                            parent_type,
                            field_details_list,
                            results,
                        ):
                            continue
                    elif plan.kind == LEAF:
                        try:
                            value = plan.getter(source_value, plan.attr)
                        except Exception:
                            value = _ANOMALY
                        cls = value.__class__
                        if cls is plan.same_class:
                            if plan.names is None:
                                result = value
                            else:
                                result = plan.names.get(value, Undefined)
                                if result is Undefined:
                                    result = _leaf_or_undefined(plan, value)
                                    if result is not Undefined:
                                        plan.names[value] = result
                        elif value is None and not plan.non_null:
                            result = None
                        elif value is not _ANOMALY:
                            result = _leaf_or_undefined(plan, value)
                    else:
                        result = self._fast_field(
                            plan, source_value, path, response_name, parent_type, field_details_list
                        )
                if result is Undefined:  # not plain, or an anomaly: the standard path
                    result = self.execute_field(
                        parent_type,
                        source_value,
                        field_details_list,
                        Path(path, response_name, parent_type.name),
                        position_context,
                    )
                    if result is Undefined:
                        continue
                results[response_name] = result
                if is_awaitable(result):
                    awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise
        if not awaitable_fields:
            return results
        return self._gather_fields(results, awaitable_fields)

    @staticmethod
    async def _gather_fields(results: dict[str, Any], awaitable_fields: list[str]) -> Any:
        """As graphql-core's `execute_fields` awaits its fields."""
        if len(awaitable_fields) == 1:
            field = awaitable_fields[0]
            results[field] = await results[field]
        else:
            awaited = await gather_with_cancel(*(results[field] for field in awaitable_fields))
            results.update(zip(awaitable_fields, awaited, strict=True))
        return results

    def _fast_field(
        self,
        plan: FieldPlan,
        source: Any,
        path: Path | None,
        response_name: str,
        parent_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
    ) -> Any:
        """The completed value, or `Undefined` to take the standard path (nothing has
        run yet then: reading a plain attribute is pure)."""
        try:
            value = plan.getter(source, plan.attr)
        except Exception:
            return Undefined
        return self._complete_plain(
            plan, value, path, response_name, parent_type, field_details_list
        )

    def _complete_plain(
        self,
        plan: FieldPlan,
        value: Any,
        path: Path | None,
        response_name: str,
        parent_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
    ) -> Any:
        """A field's value completed, or `Undefined` when it is anything but plain."""
        try:
            kind = plan.kind
            if kind == LEAF:
                return _coerce_leaf(plan, value)
            if value is None:
                if plan.non_null:
                    return Undefined
                return None
            if kind == LEAF_LIST:
                return _coerce_leaf_list(plan, value)
            if kind == OBJECT:
                _check_object(plan, value)
            else:
                if value.__class__ is not list and value.__class__ is not tuple:
                    return Undefined
                for item in value:
                    if item is None:
                        if plan.item_non_null:
                            return Undefined
                    else:
                        _check_object(plan, item)
        except _Anomaly:
            return Undefined
        field_path = Path(path, response_name, parent_type.name)
        if kind == OBJECT:
            return self._complete_object(plan, value, field_path, field_details_list)
        return self._complete_object_list(plan, value, field_path, field_details_list)

    def _defer(
        self,
        plan: FieldPlan,
        source: Any,
        path: Path | None,
        response_name: str,
        parent_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        results: dict[str, Any],
    ) -> bool:
        """Ask the field's DataLoader for this object's value and hold a place for it;
        False (the standard path) when batching is off or the loader cannot be asked."""
        if self._deferred is None:
            return False
        loaded = plan.loaded
        assert loaded is not None
        try:
            future = getattr(self.context_value.loaders, loaded.loader).load(
                getattr(source, loaded.key)
            )
        except Exception:
            return False
        results[response_name] = None  # the place, so the response keeps its key order
        self._deferred.append(
            _Deferred(future, plan, results, response_name, path, parent_type, field_details_list)
        )
        return True

    def execute_collected_root_fields(  # type: ignore[override]
        self,
        root_type: GraphQLObjectType,
        root_value: Any,
        grouped_field_set: Any,
        serially: bool,
        new_defer_usages: Any,
    ) -> Any:
        def run() -> Any:
            return super(FastExecutionContext, self).execute_collected_root_fields(
                root_type, root_value, grouped_field_set, serially, new_defer_usages
            )

        result = run()
        if self._deferred is None or (not self._deferred and not self.is_awaitable(result)):
            return result
        return self._with_loaded_fields(result, run)

    async def _with_loaded_fields(self, result: Any, run: Callable[[], Any]) -> Any:
        """The root's data once every deferred field is in place. If any of them failed
        or was not plain, the whole operation runs again on the standard path, so errors,
        null propagation and their paths are exactly the standard ones."""
        data = await result if self.is_awaitable(result) else result
        try:
            await self._complete_deferred()
        except Exception:
            self._deferred = None
            self.collected_errors = CollectedErrors()
            result = run()
            return await result if self.is_awaitable(result) else result
        return data

    async def _complete_deferred(self) -> None:
        """Batch by batch: one await for every loaded value asked for so far, then their
        completion, which may ask for more (a loaded field below a loaded field)."""
        pending = self._deferred
        assert pending is not None
        while pending:
            batch = pending[:]
            pending.clear()
            values = await asyncio.gather(*(entry.future for entry in batch))
            awaiting: list[tuple[_Deferred, Any]] = []
            for entry, value in zip(batch, values, strict=True):
                completed = self._complete_loaded(entry, value)
                if self.is_awaitable(completed):
                    awaiting.append((entry, completed))
                else:
                    entry.results[entry.response_name] = completed
            if awaiting:
                done = await gather_with_cancel(*(completed for _, completed in awaiting))
                for (entry, _), completed in zip(awaiting, done, strict=True):
                    entry.results[entry.response_name] = completed

    def _complete_loaded(self, entry: _Deferred, value: Any) -> Any:
        plan = entry.plan
        assert plan.loaded is not None
        completed = self._complete_plain(
            plan,
            plan.loaded.convert(value),
            entry.path,
            entry.response_name,
            entry.parent_type,
            entry.field_details_list,
        )
        if completed is Undefined:
            raise _Anomaly
        return completed

    def _execute_object(
        self, object_type: GraphQLObjectType, value: Any, path: Path, fdl: FieldDetailsList
    ) -> Any:
        """`collect_and_execute_subfields`, without `@defer` (the schema has none)."""
        grouped_field_set, _new_defer_usages, _ = self.collect_subfields(object_type, fdl)
        return self.execute_fields(object_type, value, path, grouped_field_set, None)

    def _complete_object(
        self, plan: FieldPlan, value: Any, path: Path, fdl: FieldDetailsList
    ) -> Any:
        """As `execute_field` completes an object: a failure below nulls this field (or
        propagates when it is non-null)."""
        assert plan.object_type is not None
        try:
            completed = self._execute_object(plan.object_type, value, path, fdl)
        except Exception as raw_error:
            self.handle_field_error(raw_error, plan.field_type, fdl, path)
            return None
        if self.is_awaitable(completed):
            return self._await_completed(completed, plan.field_type, fdl, path)
        return completed

    async def _await_completed(
        self,
        completed: Awaitable[Any],
        return_type: GraphQLOutputType,
        fdl: FieldDetailsList,
        path: Path,
    ) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, fdl, path)
            return None

    def _complete_object_list(
        self, plan: FieldPlan, items: Any, path: Path, fdl: FieldDetailsList
    ) -> Any:
        """As `complete_iterable_value` + `complete_list_item_value` for a list of objects,
        wrapped in `execute_field`'s error handling."""
        object_type, item_type = plan.object_type, plan.item_type
        assert object_type is not None and item_type is not None
        is_awaitable = self.is_awaitable
        completed_results: list[Any] = []
        awaitable_indices: list[int] = []
        try:
            for index, item in enumerate(items):
                if item is None:
                    completed_results.append(None)
                    continue
                item_path = path.add_key(index, None)
                try:
                    completed = self._execute_object(object_type, item, item_path, fdl)
                except Exception as raw_error:
                    self.handle_field_error(raw_error, item_type, fdl, item_path)
                    completed_results.append(None)
                    continue
                if is_awaitable(completed):
                    completed = self._await_completed(completed, item_type, fdl, item_path)
                    awaitable_indices.append(index)
                completed_results.append(completed)
        except Exception as raw_error:
            if awaitable_indices:
                self.settle_in_background([completed_results[i] for i in awaitable_indices])
            self.handle_field_error(raw_error, plan.field_type, fdl, path)
            return None
        if not awaitable_indices:
            return completed_results
        return self._await_completed(
            self._gather_items(completed_results, awaitable_indices), plan.field_type, fdl, path
        )

    @staticmethod
    async def _gather_items(completed_results: list[Any], awaitable_indices: list[int]) -> Any:
        if len(awaitable_indices) == 1:
            index = awaitable_indices[0]
            completed_results[index] = await completed_results[index]
        else:
            awaited = await gather_with_cancel(*(completed_results[i] for i in awaitable_indices))
            for index, value in zip(awaitable_indices, awaited, strict=True):
                completed_results[index] = value
        return completed_results
