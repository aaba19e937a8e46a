"""Running one operation through both executors and comparing what a client would see.

Used by tests/test_fast_execution.py: the documents of the test suite, the variables
they need, the principals they run as, and the normalised result.
"""

from __future__ import annotations

import enum
import importlib
import pkgutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import strawberry
from graphql import (
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    parse,
    type_from_ast,
)
from strawberry.dataloader import DataLoader

import tests
from dataloaders.loaders import Loaders
from domain.auth.authentication import principal_for_bearer
from schema.context import Context
from schema.loaded_fields import loaded_field
from schema.row_backed import ColumnValues, Composed, RowBacked
from schema.shown import ShownPerRow
from server.services import Services


def suite_documents() -> dict[str, str]:
    """Every module-level GraphQL document of tests/ (factories and client helpers
    included) whose operations are queries: `module.NAME` → text."""
    found: dict[str, str] = {}
    for module_info in pkgutil.walk_packages(tests.__path__, "tests."):
        if module_info.name.endswith(("conftest", "test_fast_execution")):
            continue
        try:
            module = importlib.import_module(module_info.name)
        except Exception:  # a module needing an optional dependency: not ours to judge
            continue
        for name, value in vars(module).items():
            if isinstance(value, str) and _is_query_document(value):
                found[f"{module_info.name}.{name}"] = value
    return found


def _is_query_document(text: str) -> bool:
    if "{" not in text:
        return False
    try:
        document = parse(text)
    except GraphQLError:
        return False
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    return bool(operations) and all(o.operation is OperationType.QUERY for o in operations)


def operations_of(text: str) -> Iterator[OperationDefinitionNode]:
    for definition in parse(text).definitions:
        if isinstance(definition, OperationDefinitionNode):
            yield definition


def variable_sets(
    schema: GraphQLSchema, operation: OperationDefinitionNode, ids: list[str]
) -> list[dict[str, Any]]:
    """Values for the operation's variables: one set per seeded ID (and an invalid one),
    so `node`/`job`-style operations hit objects the caller may and may not see."""
    sets = []
    for id_value in [*ids, "bm90LWFuLWlk"]:
        values: dict[str, Any] = {}
        for definition in operation.variable_definitions or ():
            type_ = type_from_ast(schema, definition.type)  # type: ignore[arg-type]
            value = _value_for(type_, id_value, 0)
            if value is not _SKIP:
                values[definition.variable.name.value] = value
        if values not in sets:
            sets.append(values)
    return sets


_SKIP = object()


def _value_for(type_: Any, id_value: str, depth: int) -> Any:
    """A plausible value of an input type (required fields only, for input objects)."""
    non_null = isinstance(type_, GraphQLNonNull)
    inner = type_.of_type if non_null else type_
    if isinstance(inner, GraphQLList):
        item = _value_for(inner.of_type, id_value, depth + 1)
        return [] if item is _SKIP else [item]
    if isinstance(inner, GraphQLEnumType):
        return next(iter(inner.values))
    if isinstance(inner, GraphQLInputObjectType):
        if not non_null or depth > 3:
            return _SKIP
        value = {}
        for name, field in inner.fields.items():
            if isinstance(field.type, GraphQLNonNull) and field.default_value is None:
                field_value = _value_for(field.type, id_value, depth + 1)
                if field_value is not _SKIP:
                    value[name] = field_value
        return value
    if isinstance(inner, GraphQLScalarType):
        return {
            "ID": id_value,
            "Int": 5,
            "Float": 1.5,
            "Boolean": True,
            "String": "倉庫",
        }.get(inner.name, _SKIP if not non_null else "x")
    return _SKIP


async def context_for(services: Services, token: str | None) -> Context:
    """A fresh request context (fresh DataLoaders) for this caller."""
    principal = await principal_for_bearer(
        services.database.session, services.tokens, f"Bearer {token}" if token else None
    )
    return Context(
        services=services,
        settings=services.settings,
        principal=principal,
        loaders=Loaders(services.database, principal, services.keyring),
        client_ip="127.0.0.1",
    )


def client_view(result: Any) -> dict[str, Any]:
    """What reaches the client: data, and each error's message, path and code."""
    errors = [
        {
            "message": error.message,
            "path": error.path,
            "code": (error.extensions or {}).get("code"),
            "locations": [tuple(loc) for loc in error.locations or ()],
        }
        for error in result.errors or ()
    ]
    return {"data": result.data, "errors": errors}


# ---- a schema of anomalies: values of every wrong kind, for both executors ------------
#
# The fast executor's generated code keeps a value only when its class is the expected
# one; everything else must take the general checks and then the standard path. These
# types let a test put any value behind any field (strawberry does not check them).


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Span:
    """A value a row leaf composes of its columns (`Composed`), as a job its pay."""

    start: int
    end: int | None
    colour: Colour
    label: str


@strawberry.type
class Leaf(RowBacked):
    """Made from its fields, or from a row (`"class": "row"`): then each field is
    converted on first read (`schema.row_backed`), which the fast executor does itself."""

    text: str
    maybe_text: str | None
    number: int
    maybe_number: int | None
    flag: bool
    ratio: float
    colour: Colour
    when: datetime
    tags: list[str]
    maybe_tags: list[str | None] | None
    span: Span | None  # null when `maybe_text` is
    whole_span: Span  # the same, where null is an error


class _Raises:
    """A column whose conversion raises (in a row leaf); in any other object, a value of
    no expected class."""

    def __repr__(self) -> str:
        return "RAISES"


RAISES = _Raises()


def _column(name: str) -> Callable[[Any], Any]:
    def convert(row: Any) -> Any:
        value = getattr(row, name)
        if value is RAISES:
            raise ValueError(f"the column {name!r} does not convert")
        return value

    return convert


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Owner:
    name: str


def _owner(row: Any) -> Any:
    if row == "unconvertible":
        raise ValueError("no such owner")
    return row


@strawberry.type
class Box(Named):
    leaf: Leaf
    maybe_leaf: Leaf | None
    leaves: list[Leaf]
    maybe_leaves: list[Leaf | None] | None
    boxes: list[Box]
    twin: Box | None  # an object field whose type has an `is_type_of`
    owner_key: strawberry.Private[Any]
    owner_row: strawberry.Private[Any]  # read with the box: `kept_owner` needs no loader
    owner: Owner = loaded_field(
        "owners", key="owner_key", convert=_owner, description="Loaded in one batch."
    )
    kept_owner: Owner | None = loaded_field(
        "owners",
        key="owner_key",
        convert=_owner,
        preloaded="owner_row",
        description="The owner the box was made with.",
    )
    kept_twin_row: strawberry.Private[Any]
    kept_twin: Box | None = loaded_field(
        "owners",  # never asked: every box is made with its kept twin (or None)
        key="owner_key",
        convert=_owner,
        preloaded="kept_twin_row",
        description="A box the box was made with: a preloaded type with an `is_type_of`.",
    )


def _boxes(info: strawberry.Info) -> list[Box]:
    return info.context.build()  # type: ignore[no-any-return]


@strawberry.type
class AnomalyQuery:
    boxes: list[Box | None] = strawberry.field(resolver=_boxes)


def anomaly_schemas() -> tuple[strawberry.Schema, strawberry.Schema]:
    """The anomaly schema on strawberry's executor and on the fast one, which keeps its
    documents as the app does, so its completers serve later requests of a document."""
    from schema.document_cache import DocumentCache
    from schema.fast_execution import FastExecutionContext

    standard = strawberry.Schema(query=AnomalyQuery)
    fast = strawberry.Schema(
        query=AnomalyQuery,
        execution_context_class=FastExecutionContext,
        extensions=[DocumentCache().extension],
    )
    return standard, fast


class Exploding(Leaf):
    """A leaf whose `text` raises when read."""

    @property  # type: ignore[misc]
    def text(self) -> str:  # type: ignore[override]
        raise RuntimeError("text exploded")


class Sneaky:
    """Not a strawberry type: accepted where no `is_type_of` checks (Leaf), refused by
    `Box.is_type_of`."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


async def _late(value: Any) -> Any:
    return value


def _value(kind: str, good: Any) -> Any:
    """A value of one kind for a field whose good value is `good`."""
    return {
        "good": lambda: good,
        "none": lambda: None,
        "int": lambda: 7,
        "big": lambda: 2**40,
        "bool": lambda: True,
        "float": lambda: 2.5,
        "nan": lambda: float("nan"),
        "text": lambda: "12",
        "error": lambda: RuntimeError("a returned exception"),
        "late": lambda: _late(good),
        "list": lambda: [good],
        "tuple": lambda: (good,),
        "colour": lambda: Colour.BLUE,
        "raises": lambda: RAISES,
    }[kind]()


LEAF_VALUES = {
    "text": "hello",
    "maybe_text": "maybe",
    "number": 3,
    "maybe_number": 4,
    "flag": False,
    "ratio": 0.25,
    "colour": Colour.RED,
    "when": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    "tags": ["a", "b"],
    "maybe_tags": ["c", None],
}
VALUE_KINDS = [
    "good", "good", "good", "none", "int", "big", "bool", "float", "nan", "text",
    "error", "late", "list", "tuple", "colour", "raises",
]  # fmt: skip


def _checked(value: Any) -> Any:
    """A part's conversion: raises for RAISES, else the value as it is."""
    if value is RAISES:
        raise ValueError("the part does not convert")
    return value


SPAN_OF_ROW = Composed(
    Span,
    (
        ("start", "number", None),
        ("end", "maybe_number", None),
        ("colour", "colour", _checked),
        ("label", "text", None),
    ),
    absent_when_null="maybe_text",
)
Leaf.converters = {name: _column(name) for name in LEAF_VALUES} | {
    "span": SPAN_OF_ROW,
    "whole_span": SPAN_OF_ROW,
}


# Leaves may be shown objects, as skills and organisations are (`schema/shown.py`).
SHOWN_LEAVES: ShownPerRow[Leaf] = ShownPerRow(Leaf, 1024)


def build_leaf(recipe: dict[str, Any]) -> Any:
    """A leaf from a recipe: `{"class": "leaf"|"row"|"rowless"|"exploding"|"sneaky",
    field: kind}`, made as a shown object with `"shown": True`. A row leaf converts its
    fields from its row on first read, but for `maybe_text`, known when it is made; a
    rowless one is a row leaf that lost its row (its `text`, `number` and spans raise)."""
    values = {name: _value(recipe.get(name, "good"), good) for name, good in LEAF_VALUES.items()}
    columns = SimpleNamespace(**values)
    cls = recipe.get("class", "leaf")
    if cls != "row":  # made with its spans (no conversion: any value behind any field)
        span = None if values["maybe_text"] is None else _span_of(values)
        values.update(span=span, whole_span=span)
    if cls == "sneaky":
        return Sneaky(**values)
    if cls == "exploding":
        leaf = object.__new__(Exploding)
        leaf.__dict__.update({k: v for k, v in values.items() if k != "text"})
        return leaf
    if cls == "rowless":
        leaf = object.__new__(Leaf)
        lost = ("text", "number", "span", "whole_span")
        leaf.__dict__.update({k: v for k, v in values.items() if k not in lost})
        return leaf

    def make(_row: Any) -> Leaf:
        if cls == "row":
            return Leaf.lazily(ColumnValues(columns), {"maybe_text": "known"})
        return Leaf(**values)

    return SHOWN_LEAVES.of(object(), make) if recipe.get("shown") else make(None)


def _span_of(values: dict[str, Any]) -> Span:
    return Span(
        start=values["number"],
        end=values["maybe_number"],
        colour=values["colour"],
        label=values["text"],
    )


def build_box(recipe: dict[str, Any]) -> Any:
    """A box from a recipe: leaves, sub-boxes, owner, or a refused stand-in (not a Box, or
    a Box cast to another type)."""
    if recipe.get("class") == "none":
        return None
    leaves = [build_leaf(item) if item is not None else None for item in recipe["leaves"]]
    values = {
        "name": _value(recipe.get("name", "good"), "box"),
        "leaf": build_leaf(recipe["leaf"]) if recipe["leaf"] is not None else None,
        "maybe_leaf": build_leaf(recipe["leaf"]) if recipe.get("maybe_leaf") else None,
        "leaves": leaves if recipe.get("leaves_as") != "tuple" else tuple(leaves),
        "maybe_leaves": leaves if recipe.get("maybe_leaves") else None,
        "boxes": [build_box(sub) for sub in recipe.get("boxes", [])],
        "twin": build_box(recipe["twin"]) if recipe.get("twin") else None,
        "owner_key": recipe.get("owner", "good"),
        "owner_row": _kept_owner(recipe.get("kept", "good")),
        "kept_twin_row": build_box(recipe["kept_twin"]) if recipe.get("kept_twin") else None,
    }
    if recipe.get("class") == "sneaky":
        box = Sneaky(**values)
    elif recipe.get("class") == "cast":  # a Box its `is_type_of` refuses: cast to another type
        box = strawberry.cast(Owner, Box(**values))
    else:
        box = Box(**values)
    if recipe.get("kept") == "absent":  # made without it: `kept_owner` asks the loader
        del box.owner_row
    return box


def _kept_owner(kind: str) -> Any:
    """The owner a box is made with: an Owner, none, one the conversion refuses, one
    not ready yet (awaitable: the standard path awaits it); "absent" is taken away once
    the box is made."""
    if kind in ("good", "absent"):
        return Owner(name="kept")
    if kind == "late":
        return _late(Owner(name="kept late"))
    return {"none": None, "unconvertible": "unconvertible"}[kind]


def anomaly_context(
    recipes: list[dict[str, Any]], built: list[Any] | None = None
) -> SimpleNamespace:
    """A fresh context: `build()` makes fresh boxes (a coroutine value is awaited once), or
    answers the boxes `built` already, and an `owners` DataLoader answering each key
    (`"failing"` fails the batch)."""

    async def owners(keys: list[Any]) -> list[Any]:
        if "failing" in keys:
            raise RuntimeError("owners went away")
        return [
            "unconvertible" if key == "unconvertible" else Owner(name=f"owner {key}")
            for key in keys
        ]

    return SimpleNamespace(
        build=lambda: built if built is not None else [build_box(recipe) for recipe in recipes],
        loaders=SimpleNamespace(owners=DataLoader(load_fn=owners)),
    )
