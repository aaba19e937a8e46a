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
fields recurse through this same machinery; errors raised below them are handled
exactly as `execute_field`/`complete_list_item_value` would. Resolver fields
(`organization`, `skills`, DataLoaders, permission checks) always take the standard
path. `tests/test_fast_execution.py` runs every operation of the test suite and
generated selections through both executors and compares data and errors.

Compiled selections: each (object type, grouped field set) gets one *completer* — a
function `complete(ctx, source, path) -> dict` generated from the selection
(`_selection_source`): straight-line code that reads each attribute and keeps it when
its class is the expected one (`str` for a String, `int` within 32 bits for an Int, a
known plain class for an object, ...), calls the sub-selection's completer for objects,
and sends everything else to the general checks (`_general`) and from there, on any
anomaly, to the standard `execute_field`. The generated code depends only on the shape of
the selection, so it is compiled once per shape (the second time the shape is seen; the
first time, `_interpreted` sends every field down the same fall-back) and shared by
requests. Bound to a selection's fields and sub-completers, a completer is kept for
that selection, whose nodes the document cache keeps the same, and serves every later
request of the document, the request passed in as `ctx` (not when `@skip`/`@include`
make what is selected depend on the variables: `FastExecutionContext._bound`). Paths are
built lazily: the fast path passes plain `(prev, key, typename)` tuples, turned into
graphql-core `Path`s only when a field falls back or fails (`_materialise`).

Shown objects (`schema/shown.py`: the skills, skill links and organisations that requests
share) never change, so completing the same plain selection of one always gives the same
dict: a selection on such a type whose fields, and those below them, are all plain reads
is compiled to recall the object's earlier result, and to keep its own when no field fell
back or failed meanwhile (`_RECALL`, `_REMEMBER`). A page's ~290 skill links are then a
dict lookup each, not two completions.

Loaded fields (`schema/loaded_fields.py`: one DataLoader call and a pure conversion) are
batched in queries: the synchronous pass asks the loader for every object's key and
leaves a place; after it, one await gets every value and the places are completed. A
failed or non-plain value re-runs the whole query on the standard path, so the answer is
still exactly the standard one (queries only read, so running one twice is safe). A
loaded object the object was made with (`preloaded`) is converted and completed by the
generated code at once; anything unusual takes the loaded path.

Value objects a row-backed object composes of its row's columns (`row_backed.Composed`:
a job's pay and place) are completed by the generated code from the columns, without
making the object, when each field selected is a part kept as it is; anything unusual
takes the object path (`_composed_source`).

Switch: `FAST_EXECUTION=false` (settings) builds the schema with strawberry's own
executor.
"""

from __future__ import annotations

import dataclasses
import keyword
import linecache
import math
import re
import textwrap
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import CoroutineType, GeneratorType
from typing import Any, Final, NamedTuple

from graphql import (
    GraphQLBoolean,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLString,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    TypeNameMetaFieldDef,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution.collect_fields import CollectedFields, FieldDetailsList, FragmentDetails
from graphql.execution.executor import CollectedErrors
from graphql.pyutils import Path, Undefined
from graphql.pyutils.gather_with_cancel import gather_with_cancel
from graphql.type.definition import GraphQLResolveInfoHelpers
from strawberry.dataloader import DataLoader
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import CustomGraphQLEnumType
from strawberry.types.cast import TYPE_CAST_ATTRIBUTE as TYPE_CAST

from dataloaders.primed import prime
from domain.bounded import keep
from domain.clock import iso_text
from schema.loaded_fields import NOT_PRELOADED, LoadedBy, loaded_by_of
from schema.row_backed import ROW, Composed, converted_on_read
from schema.shown import COMPLETIONS, SHARED_CLASSES

LEAF: Final = 1
OBJECT: Final = 2
LEAF_LIST: Final = 3
OBJECT_LIST: Final = 4

# strawberry's resolver for a field with no resolver of its own (`from_resolver`), and its
# generated `is_type_of` (which ignores `info`): recognised by qualified name, so a
# strawberry upgrade that renames them only turns the fast path off, never makes it wrong.
BASIC_RESOLVER_QUALNAME: Final = "GraphQLCoreConverter.from_resolver.<locals>._get_basic_result"
GENERATED_IS_TYPE_OF: Final = "GraphQLCoreConverter.from_object.<locals>._get_is_type_of"
# strawberry's DateTime, Date and Time serialise with this (`domain.clock.iso_text` gives the
# same text, remembered for the times shown lately).
ISOFORMAT: Final = "operator.methodcaller('isoformat')"


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
    # Leaves: values of exactly this class serialise to themselves (String, ID, Boolean;
    # Int when within 32 bits, see `small_int`; Float when finite) or, for strawberry
    # enums, to their cached name (keyed by the member's id: members live as long as their
    # class): no call.
    same_class: type | None = None
    small_int: bool = False
    finite_float: bool = False  # Float: a finite float is its own serialisation
    names: dict[int, str] | None = None
    # Fields declared with `loaded_by`: loaded for every object in one batch, then
    # completed like an object or list-of-objects field (queries only).
    loaded: LoadedBy | None = None
    # Objects, lists of objects and leaves: the classes seen to be plain (`_plain`), so
    # the generated code checks a value's class with one set lookup.
    classes: set[type] = dataclasses.field(default_factory=set)
    # Types with an `is_type_of`: the classes it accepted for an instance without a cast
    # of its own (`_remember_accepted`).
    accepted: set[type] = dataclasses.field(default_factory=set)
    # A field its class converts from the object's row on first read: the class and the
    # converter (`schema.row_backed.converted_on_read`), which the generated code calls.
    converted: tuple[type, Callable[[Any], Any]] | None = None
    # A loaded object field whose value objects of this class may hold in their
    # `__dict__` (`LoadedBy.preloaded`): the generated code completes it in place.
    preloaded_on: type | None = None


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


# graphql-core's own scalars return a value of exactly these classes unchanged (Int: when
# it fits in 32 bits, `coerce_int_from_number`).
_IDENTITY_SCALARS: Final = {GraphQLString: str, GraphQLID: str, GraphQLBoolean: bool}
INT_MIN: Final = -(2**31)
INT_MAX: Final = 2**31 - 1


def _identity(leaf: Any) -> dict[str, Any]:
    """What lets a leaf skip `coerce_output_value`: its identity class, or for a
    strawberry enum its member class and a name cache (the same member always
    serialises to the same name)."""
    if leaf in _IDENTITY_SCALARS:
        return {"same_class": _IDENTITY_SCALARS[leaf]}
    if leaf is GraphQLInt:
        return {"same_class": int, "small_int": True}
    if leaf is GraphQLFloat:
        return {"same_class": float, "finite_float": True}
    if isinstance(leaf, CustomGraphQLEnumType):
        return {"same_class": leaf.wrapped_cls, "names": {}}
    return {}


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
        "converted": _converted(parent_type, attr) if loaded is None else None,
    }
    if is_leaf_type(inner):
        if loaded is not None:
            return None  # batching pays off for objects; a loaded leaf is rare
        coerce = inner.coerce_output_value  # type: ignore[union-attr]
        if repr(coerce) == ISOFORMAT:  # DateTime, Date: the same text, remembered
            coerce = iso_text
        return FieldPlan(LEAF, **common, coerce=coerce, **_identity(inner))
    if (parts := _object_parts(inner)) is not None:
        preloaded_on = _preloaded_on(parent_type, loaded)
        return FieldPlan(
            OBJECT, **common, object_type=parts[0], is_type_of=parts[1], preloaded_on=preloaded_on
        )
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


def _converted(parent_type: GraphQLObjectType, attr: str) -> tuple[type, Any] | None:
    cls = _origin(parent_type)
    if cls is None or (convert := converted_on_read(cls, attr)) is None:
        return None
    return cls, convert


def _preloaded_on(parent_type: GraphQLObjectType, loaded: LoadedBy | None) -> type | None:
    """The parent's class when a preloaded value is found in its instances' `__dict__`
    exactly as `getattr` finds it: no class attribute of that name stands in the way."""
    cls = _origin(parent_type)
    if cls is None or loaded is None or loaded.preloaded is None:
        return None
    if any(loaded.preloaded in klass.__dict__ for klass in cls.__mro__):
        return None
    return cls


def _origin(object_type: GraphQLObjectType) -> type | None:
    """The strawberry class of an object type (None for graphql-core's own types)."""
    definition = (object_type.extensions or {}).get("strawberry-definition")
    return getattr(definition, "origin", None)


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


def _plan(parent_type: GraphQLObjectType, field_name: str) -> FieldPlan | None:
    key = (parent_type, field_name)
    if key in _PLANS:
        return _PLANS[key]
    plan = _PLANS[key] = plan_field(parent_type, field_name)
    return plan


def _coerce_leaf(plan: FieldPlan, value: Any) -> Any:
    """The serialised value, or `_Anomaly` when the standard path must report it."""
    if value is None:
        if plan.non_null:
            raise _Anomaly
        return None
    cls = value.__class__
    if cls not in plan.classes:
        if not _plain(cls):
            raise _Anomaly
        plan.classes.add(cls)
    assert plan.coerce is not None
    try:
        coerced = plan.coerce(value)
    except Exception:
        raise _Anomaly from None
    if coerced is None or coerced is Undefined:
        raise _Anomaly
    if plan.names is not None and value.__class__ is plan.same_class:
        plan.names[id(value)] = coerced  # see FieldPlan.names
    return coerced


# Classes of completed values that are never awaitable.
_SETTLED: Final = frozenset({dict, list, str, int, float, bool, type(None)})

# A value that could not be read: the standard path reads it again and reports why.
_ANOMALY: Final = object()


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
    """`_Anomaly` unless `value` is what `complete_object_value` accepts without a word."""
    cls = value.__class__
    if cls not in plan.classes:
        if not _plain(cls):
            raise _Anomaly
        plan.classes.add(cls)
    if plan.is_type_of is not None:
        if cls in plan.accepted and TYPE_CAST not in value.__dict__:
            return
        try:
            accepted = plan.is_type_of(value, None)
        except Exception:
            raise _Anomaly from None
        if not accepted:
            raise _Anomaly
        _remember_accepted(plan, value)


def _remember_accepted(plan: FieldPlan, value: Any) -> None:
    """Remember that strawberry's `is_type_of` accepted `value`'s class.

    Why: it was called for every object of a typed field (~440 a page of jobs: a `Job`
    per edge, a `Skill` per skill link), ~0.5 µs each. Its answer (a cast, then the
    generic's origin, then `isinstance`) depends on the instance only through a cast set
    on it (`strawberry.cast`); without one it is the class's answer. So a class is
    remembered when neither the instance nor the class carries a cast, and an instance
    of it skips the call unless it carries one."""
    cls = value.__class__
    if getattr(cls, TYPE_CAST, None) is None and TYPE_CAST not in getattr(
        value, "__dict__", (TYPE_CAST,)
    ):
        plan.accepted.add(cls)


def _read(field: _Field, source: Any) -> Any:
    """A plain field's value, `_ANOMALY` when reading it raised."""
    plan = field.plan
    assert plan is not None
    try:
        return plan.getter(source, plan.attr)
    except Exception:
        return _ANOMALY


# ---- lazy paths ------------------------------------------------------------------------

# A response path as the fast path carries it: a graphql-core `Path`, None at the root, or
# a plain `(prev, key, typename)` tuple (the same layout, without `Path.__new__`'s cost).
LazyPath = Any


def _materialise(path: LazyPath) -> Path:
    """The graphql-core `Path` of a field's lazy path (for the standard path, errors)."""
    if path.__class__ is Path:
        return path  # type: ignore[no-any-return]
    prev, key, typename = path
    return Path(None if prev is None else _materialise(prev), key, typename)


# ---- compiled selections ---------------------------------------------------------------

# `complete(ctx, source, path)`: one object's result dict (or an awaitable of it).
Completer = Callable[[Any, Any, LazyPath], Any]


@dataclass(slots=True)  # not frozen: a frozen __init__ is slow, and these are per request
class _Field:
    """One field of a selection set, bound to this request: what the generated code and
    its fall-backs need."""

    response_name: str
    field_details_list: FieldDetailsList
    parent_type: GraphQLObjectType
    typename: str  # parent_type.name: the typename of this field's path segment
    plan: FieldPlan | None
    code: str  # which snippet of `_SNIPPETS` the generated code uses
    child: Completer | None = None  # objects and lists of objects: the sub-selection's
    # A value object its parent composes of row columns (`Composed`): the sub-selection's
    # fields, which the generated code completes from the columns (`_composed_source`).
    inline: tuple[_Field, ...] = ()


def _code_for(plan: FieldPlan | None) -> str:
    """The snippet a planned field compiles to."""
    if plan is None:
        return "standard"
    if plan.loaded is not None:
        if plan.preloaded_on is not None:
            return "preloaded" if plan.is_type_of is None else "typed_preloaded"
        return "loaded" if plan.loaded.preloaded is None else "loaded_or_preloaded"
    if plan.kind == LEAF:
        if plan.names is not None:
            return "enum"
        if plan.small_int:
            return "int"
        if plan.finite_float:
            return "float"
        return "identity" if plan.same_class is not None else "coerce"
    if plan.kind == OBJECT:
        return "object" if plan.is_type_of is None else "typed_object"
    return "general"  # lists: `_complete_plain` loops over them


# ---- code generation ----
#
# The code of one field, by `_Field.code`. Names in it: `ctx` the request's execution
# context (for everything but the fast branches), `src` the object, `path` its lazy
# path, `r` the result dict, `aw` the names of its awaitable results, `v` the attribute's
# value, `x` a completed value; per field k, `F{k}` the bound field and the constants of
# `_CONSTANTS`. A fast branch stores the value as is; every other case goes to `general`
# (the general checks, then the standard path), which stores the result as graphql-core's
# `execute_fields` does.

_READ: Final = """\
try:
{read}except Exception:
    v = ANOMALY
"""
_ELSE_GENERAL: Final = """\
else:
    ctx._general(F{k}, src, v, path, r, aw)
"""
_OBJECT: Final = """\
    p = (path, {name}, {typename})
    try:
        x = S{k}(ctx, v, p)
    except Exception as error:
        x = ctx._object_error(error, F{k}, p)
    if x.__class__ is dict or x is None:
        r[{name}] = x
    else:
        ctx._await_object(x, F{k}, p, r, aw)
"""

_LOADED: Final = """\
if not ctx.DEFER(F{k}, src, path, r, aw):
    ctx._standard(F{k}, src, path, r, aw)
"""
_PRELOADED: Final = (
    """\
if src.__class__ is not Q{k} or ctx._deferred is None:
    if not ctx._defer(F{k}, src, path, r, aw):
        ctx._standard(F{k}, src, path, r, aw)
elif (v := src.__dict__.get(P{k}, ANOMALY)) is ANOMALY:
    if not ctx._defer_to_loader(F{k}, src, path, r, aw):
        ctx._standard(F{k}, src, path, r, aw)
else:
    try:
        v = L{k}(v)
    except Exception:
        v = ANOMALY
    if v is None and not N{k}:
        r[{name}] = None
    elif CHECK:
"""
    + textwrap.indent(_OBJECT, "    ")
    + """\
    elif not ctx._defer(F{k}, src, path, r, aw):
        ctx._standard(F{k}, src, path, r, aw)
"""
)

_SNIPPETS: Final = {
    # Resolver fields and anything unplanned: graphql-core's `execute_field`.
    "standard": "ctx._standard(F{k}, src, path, r, aw)\n",
    # Its resolver answers `info.parent_type.name`.
    "typename": "r[{name}] = {typename}\n",
    # A loaded field: its loader asked in the batch; one that declares a preloaded value
    # its class may hide (no `preloaded_on`) looks for that value first, as `getattr` does.
    "loaded": _LOADED.replace("DEFER", "_defer_to_loader"),
    "loaded_or_preloaded": _LOADED.replace("DEFER", "_defer"),
    # A loaded object the object was made with (`recommendedJobs`' jobs): converted and
    # completed here, as `_defer` would; anything else (no value kept, batching off, a
    # failed conversion, a class not seen plain) takes the loaded path, which decides.
    "preloaded": _PRELOADED.replace("CHECK", "v.__class__ in K{k}"),
    "typed_preloaded": _PRELOADED.replace(
        "CHECK", "v.__class__ in A{k} and CAST not in v.__dict__"
    ),
    # String, ID, Boolean: a value of exactly this class is its own serialisation.
    "identity": _READ
    + """\
if v.__class__ is C{k}:
    r[{name}] = v
"""
    + _ELSE_GENERAL,
    "int": _READ
    + """\
if v.__class__ is int and INT_MIN <= v <= INT_MAX:
    r[{name}] = v
"""
    + _ELSE_GENERAL,
    "float": _READ
    + """\
if v.__class__ is float and isfinite(v):
    r[{name}] = v
"""
    + _ELSE_GENERAL,
    "enum": _READ
    + """\
if v.__class__ is C{k} and (x := E{k}.get(id(v))) is not None:
    r[{name}] = x
"""
    + _ELSE_GENERAL,
    # Other leaves (DateTime, ...): a value of a class seen plain is serialised here; a
    # failure goes to `general`, which serialises it again and reports why.
    "coerce": _READ
    + """\
x = None
if v.__class__ in K{k}:
    try:
        x = O{k}(v)
    except Exception:
        x = None
if x is None or x is Undefined or (x.__class__ not in SETTLED and ctx.is_awaitable(x)):
    ctx._general(F{k}, src, v, path, r, aw)
else:
    r[{name}] = x
""",
    "object": _READ + "if v.__class__ in K{k}:\n" + _OBJECT + _ELSE_GENERAL,
    # A type with an `is_type_of` (strawberry's reads an attribute: guarded, as in
    # `_check_object`).
    "typed_object": _READ
    + """\
if v.__class__ in A{k} and CAST not in v.__dict__:
    ok = True
else:
    try:
        ok = v.__class__ in K{k} and I{k}(v, None)
    except Exception:
        ok = False
    if ok:
        remember_accepted(F{k}.plan, v)
if ok:
"""
    + _OBJECT
    + _ELSE_GENERAL,
    # Lists: `_complete_plain` checks and completes them.
    "general": _READ + "ctx._general(F{k}, src, v, path, r, aw)\n",
}

# The constants a snippet may use, bound once by `make`.
_CONSTANTS: Final = {
    "G": "F{k}.plan.getter",
    "C": "F{k}.plan.same_class",
    "E": "F{k}.plan.names",
    "K": "F{k}.plan.classes",
    "I": "F{k}.plan.is_type_of",
    "A": "F{k}.plan.accepted",
    "O": "F{k}.plan.coerce",
    "S": "F{k}.child",
    "R": "F{k}.plan.converted[0]",
    "V": "F{k}.plan.converted[1]",
    "Q": "F{k}.plan.preloaded_on",
    "P": "F{k}.plan.loaded.preloaded",
    "L": "F{k}.plan.loaded.convert",
    "N": "F{k}.plan.non_null",
}

_TEMPLATE: Final = """\
def make(fields):
{constants}

    def complete(ctx, src, path):
{recall}
        r = {{}}
        aw = []
        try:
{body}
        except Exception:
            if aw:
                ctx.settle_in_background([r[name] for name in aw])
            raise
        if aw:
            return ctx._gather_fields(r, aw)
{remember}
        return r

    return complete
"""
# A selection of plain fields only, on a class whose objects may be shown objects
# (`schema/shown.py`): a shown object's earlier result for it, and this one kept for later
# when it was all fast (no standard path ran, no error was reported).
_RECALL: Final = """\
m = src.__dict__.get(COMPLETIONS)
if m is not None:
    r = m.get(KEY)
    if r is not None:
        return r
    n = ctx.fallbacks
"""
_REMEMBER: Final = """\
if m is not None and ctx.fallbacks == n:
    remember(m, KEY, r)
"""


def _indent(text: str, levels: int) -> str:
    pad = "    " * levels
    return "".join(pad + line if line.strip() else line for line in text.splitlines(True))


def _read_statement(plan: FieldPlan, k: int) -> str:
    """`v = src.attr` when that is what strawberry's getter does, else the getter's call.
    A field converted from the object's row on first read (`schema.row_backed`) is
    converted here, as its descriptor would, without the descriptor's Python call: ~700
    a page of jobs. Any other class, or a missing row, reads the attribute (the error
    then comes from the same descriptor on the standard path)."""
    if not (
        plan.getter is getattr and plan.attr.isidentifier() and not keyword.iskeyword(plan.attr)
    ):
        return f"    v = G{k}(src, {plan.attr!r})\n"
    if plan.converted is None:
        return f"    v = src.{plan.attr}\n"
    name = repr(plan.attr)
    return (
        f"    if src.__class__ is R{k}:\n"
        f"        d = src.__dict__\n"
        f"        if {name} in d:\n"
        f"            v = d[{name}]\n"
        f"        else:\n"
        f"            v = d[{name}] = V{k}(d[ROW])\n"
        f"    else:\n"
        f"        v = src.{plan.attr}\n"
    )


def _composed_fields(plan: FieldPlan | None, below: _Bound | None) -> tuple[_Field, ...]:
    """The sub-selection's fields when the generated code can complete this value object
    from its parent's row columns: the parent converts it with a `Composed`, and each
    field selected is a part of it that the generated code keeps as it is (a String, an
    Int, a Float, an enum) or its `__typename`."""
    if plan is None or plan.object_type is None or plan.kind != OBJECT or below is None:
        return ()
    composed = plan.converted[1] if plan.converted is not None else None
    if not isinstance(composed, Composed) or composed.cls is not _origin(plan.object_type):
        return ()
    if plan.is_type_of is not None:
        return ()
    for field in below.fields:
        if field.code == "typename":
            continue
        part_plan = field.plan
        if field.code not in _COMPOSABLE or part_plan is None or part_plan.getter is not getattr:
            return ()
        part = composed.part(part_plan.attr)
        if part is None or not part[0].isidentifier() or keyword.iskeyword(part[0]):
            return ()
    return below.fields


# The leaves a composed value's generated code keeps: the test that keeps a part's value
# (`w`), storing `z` (its serialisation) in the value's result `y`.
_COMPOSABLE: Final = {
    "identity": ("w.__class__ is C{k}_{j}", "w"),
    "int": ("w.__class__ is int and INT_MIN <= w <= INT_MAX", "w"),
    "float": ("w.__class__ is float and isfinite(w)", "w"),
    "enum": ("w.__class__ is C{k}_{j} and (z := E{k}_{j}.get(id(w))) is not None", "z"),
}


def _composed_source(bound: _Field, k: int, fallback: str, constants: list[str]) -> str:
    """A composed value's field: its selection completed from the parent's row columns
    (`Composed`) when the parent still holds its row and has not converted the value yet;
    otherwise, or on anything unusual (a part that fails to convert, a value of another
    class, a null in a non-null field), `fallback`, the object snippet, which converts the
    value and reports what the standard path reports.

    The dict made is what completing the object would give: the `Composed` makes the
    object of exactly these parts' values, and each part is kept only as its leaf
    snippet would keep it."""
    plan = bound.plan
    assert plan is not None and plan.converted is not None
    composed: Composed = plan.converted[1]  # type: ignore[assignment]
    lines = [
        "x = ANOMALY",
        f"if src.__class__ is R{k}:",
        "    d = src.__dict__",
        f"    if {plan.attr!r} not in d:",
        "        try:",
        "            c = d[ROW]",
    ]
    body: list[str] = []
    if composed.absent_when_null is not None:
        lines.append(f"            if c.{composed.absent_when_null} is None:")
        lines.append(
            "                raise LookupError" if plan.non_null else "                x = None"
        )
        lines.append("            else:")
        pad = "                "
    else:
        pad = "            "
    body.append("y = {}")
    for j, part_field in enumerate(bound.inline):
        name = repr(part_field.response_name)
        if part_field.code == "typename":
            body.append(f"y[{name}] = {part_field.typename!r}")
            continue
        part_plan = part_field.plan
        assert part_plan is not None
        part = composed.part(part_plan.attr)
        assert part is not None
        column, convert = part
        if convert is None:
            body.append(f"w = c.{column}")
        else:
            body.append(f"w = U{k}_{j}(c.{column})")
            constants.append(f"U{k}_{j} = F{k}.plan.converted[1].part({part_plan.attr!r})[1]")
        test, kept = _COMPOSABLE[part_field.code]
        body.append(f"if {test.format(k=k, j=j)}:")
        body.append(f"    y[{name}] = {kept}")
        if not part_plan.non_null:
            body.append("elif w is None:")
            body.append(f"    y[{name}] = None")
        body.append("else:")
        body.append("    raise LookupError")
        if part_field.code in ("identity", "enum"):
            constants.append(f"C{k}_{j} = F{k}.inline[{j}].plan.same_class")
        if part_field.code == "enum":
            constants.append(f"E{k}_{j} = F{k}.inline[{j}].plan.names")
    body.append("x = y")
    lines.extend(pad + line for line in body)
    lines += [
        "        except Exception:",
        "            x = ANOMALY",
        "if x is ANOMALY:",
        _indent(fallback, 1).rstrip("\n"),
        "else:",
        f"    r[{bound.response_name!r}] = x",
    ]
    return "\n".join(lines) + "\n"


def _selection_source(fields: tuple[_Field, ...], remembered: bool) -> str:
    """The source of `make(fields) -> complete`, the completer of this selection shape:
    `make` binds the selection's fields, `complete(ctx, src, path)` is straight-line code;
    `remembered`, it recalls and keeps its results on shown objects."""
    constants: list[str] = []
    body: list[str] = []
    for k, bound in enumerate(fields):
        read = _read_statement(bound.plan, k) if bound.plan is not None else ""
        code = "object" if bound.code == "composed" else bound.code
        snippet = _SNIPPETS[code].format(
            k=k, name=repr(bound.response_name), typename=repr(bound.typename), read=read
        )
        constants.append(f"F{k} = fields[{k}]")
        if bound.code == "composed":
            snippet = _composed_source(bound, k, snippet, constants)
        for letter, expression in _CONSTANTS.items():
            if re.search(rf"\b{letter}{k}\b", snippet):
                constants.append(f"{letter}{k} = {expression.format(k=k)}")
        body.append(f"# {bound.response_name}\n{snippet}")
    if remembered:
        constants.append("KEY = object()  # this selection's entry in a shown object's dict")
    return _TEMPLATE.format(
        constants=_indent("\n".join(constants), 1),
        recall=_indent(_RECALL if remembered else "", 2),
        body=_indent("".join(body).rstrip("\n") or "pass", 3),
        remember=_indent(_REMEMBER if remembered else "", 2),
    )


# A shown object keeps the results of this many selections, then starts again: clients
# choose their selections, and a shown object may be shown for a long time.
REMEMBERED_PER_OBJECT: Final = 16


def _remember(memo: dict[object, Any], key: object, result: dict[str, Any]) -> None:
    if len(memo) >= REMEMBERED_PER_OBJECT:
        memo.clear()
    memo[key] = result


_GENERATED_GLOBALS: Final = {
    "ANOMALY": _ANOMALY,
    "SETTLED": _SETTLED,
    "ROW": ROW,
    "CAST": TYPE_CAST,
    "remember_accepted": _remember_accepted,
    "Undefined": Undefined,
    "INT_MIN": INT_MIN,
    "INT_MAX": INT_MAX,
    "isfinite": math.isfinite,
    "COMPLETIONS": COMPLETIONS,
    "remember": _remember,
}

Shape = tuple[GraphQLObjectType, bool, tuple[Any, ...]]


def _shape_of(fields: tuple[_Field, ...]) -> tuple[Any, ...]:
    """What of a selection its generated code depends on: each field's response name,
    name and snippet, and those of a composed value's fields."""
    return tuple(
        (f.response_name, f.field_details_list[0].node.name.value, f.code, _shape_of(f.inline))
        for f in fields
    )


Make = Callable[[tuple[_Field, ...]], Completer]

# Generated code by selection shape, shared by requests. Compiling costs about as much as
# validating the document (~0.5 ms a selection), so a shape is compiled the second time
# it is seen (one-off documents are interpreted: `_interpreted`). Both are bounded, as
# clients choose their selections: the oldest entry is dropped, its source forgotten.
COMPILE_AT: int = 2
MAX_SHAPES: Final = 1024
_FACTORIES: dict[Shape, tuple[Make, str]] = {}
_SIGHTINGS: dict[Shape, int] = {}


def _compiled(
    parent_type: GraphQLObjectType, fields: tuple[_Field, ...], remembered: bool
) -> Make | None:
    """`make` for this selection shape, or None while it is not worth compiling."""
    shape: Shape = (parent_type, remembered, _shape_of(fields))
    compiled = _FACTORIES.get(shape)
    if compiled is not None:
        return compiled[0]
    seen = _SIGHTINGS.pop(shape, 0) + 1
    if seen < COMPILE_AT:
        keep(_SIGHTINGS, shape, seen, MAX_SHAPES)
        return None
    source = _selection_source(fields, remembered)
    filename = f"<selection on {parent_type.name} {id(source):x}>"
    namespace: dict[str, Any] = dict(_GENERATED_GLOBALS)
    exec(compile(source, filename, "exec"), namespace)
    make: Make = namespace["make"]
    # Tracebacks through generated code show its lines.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    dropped = keep(_FACTORIES, shape, (make, filename), MAX_SHAPES)
    if dropped is not None:
        linecache.cache.pop(dropped[1], None)
    return make


def _interpreted(fields: tuple[_Field, ...]) -> Completer:
    """The completer of a selection not compiled (yet): every field takes the path the
    generated code falls back to, so it answers exactly as the generated code."""

    def complete(ctx: FastExecutionContext, source: Any, path: LazyPath) -> Any:
        results: dict[str, Any] = {}
        awaitables: list[str] = []
        try:
            for field in fields:
                if field.code == "typename":
                    results[field.response_name] = field.typename
                elif field.code == "standard":
                    ctx._standard(field, source, path, results, awaitables)
                elif field.code in _LOADING:
                    if not ctx._defer(field, source, path, results, awaitables):
                        ctx._standard(field, source, path, results, awaitables)
                else:
                    ctx._general(field, source, _read(field, source), path, results, awaitables)
        except Exception:
            if awaitables:
                ctx.settle_in_background([results[name] for name in awaitables])
            raise
        if awaitables:
            return ctx._gather_fields(results, awaitables)
        return results

    return complete


class _Bound(NamedTuple):
    """A selection bound (`FastExecutionContext._bound`): its completer, whether other
    requests may use it, and whether it and those below it read plain fields only (no
    resolver runs: `_RESOLVING`), which lets a shown object keep its result."""

    completer: Completer
    shareable: bool
    plain: bool
    fields: tuple[_Field, ...]


# The fields that run a resolver (or a loader).
_LOADING: Final = frozenset({"loaded", "loaded_or_preloaded", "preloaded", "typed_preloaded"})
_RESOLVING: Final = frozenset({"standard", *_LOADING})


def _shown_class(object_type: GraphQLObjectType) -> bool:
    """Whether objects of this type may be shown objects (`schema/shown.py`)."""
    return _origin(object_type) in SHARED_CLASSES


# Bound selections by content (`FastExecutionContext._bound`), shared by requests.
_BOUND: dict[Any, tuple[Any, _Bound]] = {}
# Collected sub-fields by return type and field nodes (`FastExecutionContext.collect_subfields`).
_COLLECTED: dict[Any, tuple[FieldDetailsList, CollectedFields]] = {}
# Whether an operation (with its fragments) has no directive on any selection, by its id.
_DIRECTIVE_FREE: dict[int, tuple[OperationDefinitionNode, bool]] = {}


def _directive_free(
    operation: OperationDefinitionNode, fragments: dict[str, FragmentDetails]
) -> bool:
    """No `@skip`/`@include` (nor any other directive) on a field or fragment of the
    operation: what graphql-core collects then does not depend on the variables. Known
    per operation node (the document cache gives a text the same nodes every time)."""
    known = _DIRECTIVE_FREE.get(id(operation))
    if known is not None and known[0] is operation:
        return known[1]
    free = _selections_directive_free(operation.selection_set) and all(
        _selections_directive_free(fragment.definition.selection_set)
        for fragment in fragments.values()
    )
    # The entry holds the operation node, so its id cannot be reused meanwhile.
    keep(_DIRECTIVE_FREE, id(operation), (operation, free), MAX_SHAPES)
    return free


def _selections_directive_free(selection_set: SelectionSetNode | None) -> bool:
    if selection_set is None:
        return True
    return all(
        not selection.directives
        and _selections_directive_free(getattr(selection, "selection_set", None))
        for selection in selection_set.selections
    )


# A loaded field's place in the response, waiting for its batch: the DataLoader and the key
# to ask it for, the field, the result dict holding the place, and the path of the object
# it belongs to. A tuple: one is made per object and field, on the hot path.
_Deferred = tuple[DataLoader[Any, Any], Any, _Field, dict[str, Any], LazyPath]


async def _loaded_values(batch: list[_Deferred]) -> list[Any]:
    """Each deferred field's loaded value, in order.

    Each DataLoader's batch function is called once for the keys the loader does not
    hold yet, as its own batch would call it, but without a future, a callback and an
    await per key (a page of 100 jobs asks ~200); the values are then primed into the
    loader, so a later `load` in this request finds them, as after its own batch. A
    failure, a wrong number of values or an exception among them raises: the caller
    runs the standard path, which asks the loaders again and reports it as they do."""
    keys_of: dict[DataLoader[Any, Any], dict[Any, None]] = {}
    for loader, key, _, _, _ in batch:
        keys_of.setdefault(loader, {})[key] = None
    loaders = list(keys_of)
    if len(loaders) == 1:
        loaded = [await _load(loaders[0], list(keys_of[loaders[0]]))]
    else:  # concurrently, as their batches would be dispatched
        loaded = await gather_with_cancel(
            *(_load(loader, list(keys_of[loader])) for loader in loaders)
        )
    found = dict(zip(loaders, loaded, strict=True))
    return [found[loader][key] for loader, key, _, _, _ in batch]


async def _load(loader: DataLoader[Any, Any], keys: list[Any]) -> dict[Any, Any]:
    found: dict[Any, Any] = {}
    missing: list[Any] = []
    for key in keys:
        future = loader.cache_map.get(key) if loader.cache else None
        if future is None or future.cancelled():
            missing.append(key)
        else:  # loaded (or being loaded) by a resolver of this request
            found[key] = await future
    size = loader.max_batch_size or len(missing)
    for start in range(0, len(missing), size or 1):
        chunk = missing[start : start + size]
        values = list(await loader.load_fn(chunk))
        if len(values) != len(chunk) or any(isinstance(v, BaseException) for v in values):
            raise _Anomaly
        loaded = dict(zip(chunk, values, strict=True))
        prime(loader, loaded)
        found.update(loaded)
    return found


def _weakly(method: Callable[..., Any]) -> Callable[..., Any]:
    """`method`, without keeping its object alive."""
    reference = weakref.WeakMethod(method)

    def call(*args: Any, **kwargs: Any) -> Any:
        bound = reference()
        if bound is None:
            raise ReferenceError("the execution is over")
        return bound(*args, **kwargs)

    return call


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
        self._completers: dict[tuple[GraphQLObjectType, int], tuple[Any, Completer]] = {}
        # How often a field went the standard way or failed: a shown object keeps a result
        # only when this did not change while it was completed (`_RECALL`).
        self.fallbacks = 0
        self._shared = self._fast and _directive_free(self.operation, self.fragments)
        # Loaded fields waiting for their batch; None when batching is off (it is on for
        # queries only: its fallback re-executes the operation, which reads may afford).
        self._deferred: list[_Deferred] | None = (
            [] if self._fast and self.operation.operation == OperationType.QUERY else None
        )
        # graphql-core binds the resolvers' helpers to this context, which holds them: a
        # cycle that kept the request's objects alive until the next garbage collection.
        self.async_helpers = GraphQLResolveInfoHelpers(
            gather=_weakly(self.gather_async_work), track=_weakly(self.track_async_work)
        )

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
        return self._completer(parent_type, grouped_field_set)(self, source_value, path)

    def collect_subfields(
        self, return_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> CollectedFields:
        """graphql-core's, kept for later requests when it is the same for them (see
        `_bound`): every object completed on the standard path (`node`'s job, each
        resolver's object) collected its sub-fields again, ~3 % of a `node` request."""
        if not self._shared:
            return super().collect_subfields(return_type, field_details_list)
        key = (return_type, *(id(details.node) for details in field_details_list))
        found = _COLLECTED.get(key)
        if found is not None:
            return found[1]
        collected = super().collect_subfields(return_type, field_details_list)
        # The entry holds the field nodes, so their ids cannot be reused meanwhile.
        keep(_COLLECTED, key, (field_details_list, collected), MAX_SHAPES)
        return collected

    def build_response(self, data: dict[str, Any] | None) -> Any:
        """The response, and the request's grouped field sets let go."""
        try:
            return super().build_response(data)
        finally:
            self._completers.clear()

    # ---- binding completers (once per selection, shared by requests) ----

    def _completer(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> Completer:
        """The completer of this selection set (graphql-core's grouped field set, one
        object per selection and request)."""
        key = (parent_type, id(grouped_field_set))
        cached = self._completers.get(key)
        if cached is not None:
            return cached[1]
        completer = self._bound(parent_type, grouped_field_set).completer
        # Keep the field set alive with its completer so its id cannot be reused meanwhile.
        self._completers[key] = (grouped_field_set, completer)
        return completer

    def _bound(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> _Bound:
        """The completer of a selection set, whether other requests may use it, and
        whether it only reads plain fields.

        Binding a selection (its fields' plans, their sub-selections collected, the
        generated code looked up) was ~0.2 M instructions of a `node` request, and a
        document binds to the same completers every time: without `@skip`/`@include`,
        what graphql-core collects depends only on the document and the types, so the
        field nodes of a selection (the document cache keeps one document per text) name
        its completer. It is shared once it and those below it are compiled: an
        interpreted selection is bound again, and compiled at its second sighting."""
        content = None
        if self._shared:
            content = (
                parent_type,
                *(id(details.node) for fdl in grouped_field_set.values() for details in fdl),
            )
            entry = _BOUND.get(content)
            if entry is not None:
                return entry[1]
        bound = [
            self._bind(parent_type, response_name, field_details_list)
            for response_name, field_details_list in grouped_field_set.items()
        ]
        fields = tuple(field for field, _ in bound)
        plain = all(
            field.code not in _RESOLVING and (below is None or below.plain)
            for field, below in bound
        )
        make = _compiled(parent_type, fields, plain and _shown_class(parent_type))
        completer = make(fields) if make is not None else _interpreted(fields)
        shareable = make is not None and all(below is None or below.shareable for _, below in bound)
        found = _Bound(completer, shareable, plain, fields)
        if content is not None and shareable:
            # The entry holds the field nodes, so their ids cannot be reused meanwhile.
            keep(_BOUND, content, (grouped_field_set, found), MAX_SHAPES)
        return found

    def _bind(
        self, parent_type: GraphQLObjectType, response_name: str, fdl: FieldDetailsList
    ) -> tuple[_Field, _Bound | None]:
        """One field of a selection, and its sub-selection's binding."""
        field_name = fdl[0].node.name.value
        plan = _plan(parent_type, field_name)
        below = None
        if plan is not None and plan.object_type is not None:
            # As `collect_and_execute_subfields` (memoised by graphql-core on `fdl`).
            sub_fields, _new_defer_usages, _ = self.collect_subfields(plan.object_type, fdl)
            below = self._bound(plan.object_type, sub_fields)
        code = _code_for(plan)
        if (
            field_name == "__typename"
            and self.schema.get_field(parent_type, field_name) is TypeNameMetaFieldDef
        ):
            code = "typename"  # its resolver returns `info.parent_type.name`
        child = None if below is None else below.completer
        inline = _composed_fields(plan, below)
        if inline:
            code = "composed"
        field = _Field(response_name, fdl, parent_type, parent_type.name, plan, code, child, inline)
        return field, below

    def handle_field_error(
        self,
        raw_error: Exception,
        return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        path: Path,
    ) -> None:
        self.fallbacks += 1
        super().handle_field_error(raw_error, return_type, field_details_list, path)

    # ---- called by the generated code ----

    def _general(
        self,
        field: _Field,
        source: Any,
        value: Any,
        path: LazyPath,
        results: dict[str, Any],
        awaitables: list[str],
    ) -> None:
        """A planned field the generated code's fast branch did not take: the general
        checks, then on any anomaly the standard path."""
        if value is not _ANOMALY:
            completed = self._complete_plain(field, value, path)
            if completed is not Undefined:
                results[field.response_name] = completed
                if self._awaitable(completed):
                    awaitables.append(field.response_name)
                return
        self._standard(field, source, path, results, awaitables)

    def _standard(
        self,
        field: _Field,
        source: Any,
        path: LazyPath,
        results: dict[str, Any],
        awaitables: list[str],
    ) -> None:
        """graphql-core's `execute_field`, its result kept as `execute_fields` keeps it."""
        self.fallbacks += 1
        result = self.execute_field(
            field.parent_type,
            source,
            field.field_details_list,
            Path(None if path is None else _materialise(path), field.response_name, field.typename),
            None,
        )
        if result is not Undefined:
            results[field.response_name] = result
            if self._awaitable(result):
                awaitables.append(field.response_name)

    def _object_error(self, error: Exception, field: _Field, path: LazyPath) -> None:
        """As `execute_field` handles an error completing an object: null, or raised
        when the field is non-null."""
        assert field.plan is not None
        self.handle_field_error(
            error, field.plan.field_type, field.field_details_list, _materialise(path)
        )

    def _await_object(
        self,
        completed: Awaitable[Any],
        field: _Field,
        path: LazyPath,
        results: dict[str, Any],
        awaitables: list[str],
    ) -> None:
        """Keep an object whose completion is awaitable, its errors handled as
        `execute_field` handles them."""
        results[field.response_name] = self._await_field(completed, field, path)
        awaitables.append(field.response_name)

    def _await_field(self, completed: Awaitable[Any], field: _Field, path: LazyPath) -> Any:
        assert field.plan is not None
        return self._await_completed(
            completed, field.plan.field_type, field.field_details_list, path
        )

    @staticmethod
    async def _gather_fields(results: dict[str, Any], awaitable_fields: list[str]) -> Any:
        """As graphql-core's `execute_fields` awaits its fields."""
        if len(awaitable_fields) == 1:
            name = awaitable_fields[0]
            results[name] = await results[name]
        else:
            awaited = await gather_with_cancel(*(results[name] for name in awaitable_fields))
            results.update(zip(awaitable_fields, awaited, strict=True))
        return results

    def _defer(
        self,
        field: _Field,
        source: Any,
        path: LazyPath,
        results: dict[str, Any],
        awaitables: list[str],
    ) -> bool:
        """Ask the field's DataLoader for this object's value and hold a place for it, or
        complete the value the object was made with; False (the standard path) when
        batching is off, the loader cannot be asked or the value is not plain."""
        if self._deferred is None:
            return False
        preloaded = field.plan.loaded.preloaded  # type: ignore[union-attr]
        if preloaded is not None:  # `LoadedBy.preloaded_value`, without its call
            try:
                value = getattr(source, preloaded, NOT_PRELOADED)
            except Exception:
                return False
            if value is not NOT_PRELOADED:
                return self._complete_preloaded(field, value, path, results, awaitables)
        return self._defer_to_loader(field, source, path, results, awaitables)

    def _defer_to_loader(
        self,
        field: _Field,
        source: Any,
        path: LazyPath,
        results: dict[str, Any],
        awaitables: list[str],
    ) -> bool:
        """`_defer` for an object known to hold no preloaded value: the loader's part."""
        deferred = self._deferred
        if deferred is None:
            return False
        loaded: LoadedBy = field.plan.loaded  # type: ignore[union-attr,assignment]
        try:
            loader = getattr(self.context_value.loaders, loaded.loader)
            key = getattr(source, loaded.key)
        except Exception:
            return False
        if loader.__class__ is not DataLoader:
            return False
        results[field.response_name] = None  # the place, so the response keeps its key order
        deferred.append((loader, key, field, results, path))
        return True

    def _complete_preloaded(
        self,
        field: _Field,
        value: Any,
        path: LazyPath,
        results: dict[str, Any],
        awaitables: list[str],
    ) -> bool:
        """A value the object was made with (`recommendedJobs`' jobs), converted and
        completed now, as the generated code completes an object field: there is nothing
        to wait for, and a page of 100 paid the batch's bookkeeping for each. False (the
        standard path, which converts it again and reports why) when the conversion fails
        or the value is not plain; both are found before anything below it runs."""
        loaded: LoadedBy = field.plan.loaded  # type: ignore[union-attr,assignment]
        try:
            converted = loaded.convert(value)
        except Exception:
            return False
        completed = self._complete_plain(field, converted, path)
        if completed is Undefined:
            return False
        results[field.response_name] = completed
        if self._awaitable(completed):
            awaitables.append(field.response_name)
        return True

    def _awaitable(self, value: Any) -> bool:
        """`is_awaitable`, answered at once for what a completion gives most (a dict, a
        list, a scalar): ~300 calls of a page of 100 suggestions."""
        return value.__class__ not in _SETTLED and self.is_awaitable(value)

    # ---- completing plain values (the general checks) ----

    def _complete_plain(self, field: _Field, value: Any, parent_path: LazyPath) -> Any:
        """A field's value completed, or `Undefined` when it is anything but plain."""
        plan = field.plan
        assert plan is not None
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
                classes, plain_enough = plan.classes, plan.is_type_of is None
                for item in value:
                    if item is None:
                        if plan.item_non_null:
                            return Undefined
                    elif not (plain_enough and item.__class__ in classes):
                        _check_object(plan, item)
        except _Anomaly:
            return Undefined
        path = (parent_path, field.response_name, field.typename)
        if kind == OBJECT:
            return self._complete_object(field, value, path)
        return self._complete_object_list(field, value, path)

    def _complete_object(self, field: _Field, value: Any, path: LazyPath) -> Any:
        """As `execute_field` completes an object: a failure below nulls this field (or
        propagates when it is non-null)."""
        assert field.child is not None
        try:
            completed = field.child(self, value, path)
        except Exception as raw_error:
            self._object_error(raw_error, field, path)
            return None
        if completed.__class__ is dict:
            return completed
        return self._await_field(completed, field, path)

    async def _await_completed(
        self,
        completed: Awaitable[Any],
        return_type: GraphQLOutputType,
        fdl: FieldDetailsList,
        path: LazyPath,
    ) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, fdl, _materialise(path))
            return None

    def _complete_object_list(self, field: _Field, items: Any, path: LazyPath) -> Any:
        """As `complete_iterable_value` + `complete_list_item_value` for a list of objects
        (each item already checked), wrapped in `execute_field`'s error handling."""
        plan, child = field.plan, field.child
        assert plan is not None and child is not None
        item_type, fdl = plan.item_type, field.field_details_list
        assert item_type is not None
        completed_results: list[Any] = []
        append = completed_results.append
        awaitable_indices: list[int] = []
        try:
            for index, item in enumerate(items):
                if item is None:
                    append(None)
                    continue
                item_path = (path, index, None)
                try:
                    completed = child(self, item, item_path)
                except Exception as raw_error:
                    self.handle_field_error(raw_error, item_type, fdl, _materialise(item_path))
                    append(None)
                    continue
                if completed.__class__ is not dict:
                    completed = self._await_completed(completed, item_type, fdl, item_path)
                    awaitable_indices.append(index)
                append(completed)
        except Exception as raw_error:
            if awaitable_indices:
                self.settle_in_background([completed_results[i] for i in awaitable_indices])
            self._object_error(raw_error, field, path)
            return None
        if not awaitable_indices:
            return completed_results
        return self._await_field(
            self._gather_items(completed_results, awaitable_indices), field, path
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

    # ---- loaded fields ----

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
            values = await _loaded_values(batch)
            awaiting: list[tuple[_Field, dict[str, Any], Any]] = []
            for (_, _, field, results, path), value in zip(batch, values, strict=True):
                # A loaded value converted and completed (`_Anomaly` when it is not plain).
                completed = self._complete_plain(field, field.plan.loaded.convert(value), path)  # type: ignore[union-attr]
                if completed is Undefined:
                    raise _Anomaly
                if self._awaitable(completed):
                    awaiting.append((field, results, completed))
                else:
                    results[field.response_name] = completed
            if awaiting:
                done = await gather_with_cancel(*(completed for _, _, completed in awaiting))
                for (field, results, _), completed in zip(awaiting, done, strict=True):
                    results[field.response_name] = completed
