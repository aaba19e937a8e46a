"""The fast executor answers exactly as strawberry's: same data, same errors (message,
path, code, locations), same nulls — for every query document of the test suite and for
generated selections, as every kind of caller, including permission failures and
partial errors (schema/fast_execution.py)."""

from __future__ import annotations

import gc
import weakref
from typing import Any

import pytest
from graphql import (
    GraphQLInterfaceType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLUnionType,
    get_named_type,
    is_leaf_type,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strawberry.dataloader import DataLoader

from dataloaders.primed import PrimedCache
from schema import fast_execution
from schema.fast_execution import FastExecutionContext
from schema.schema import build_schema
from tests.factories import create_job, create_profile, skill_gid
from tests.fast_execution_support import (
    LEAF_VALUES,
    SHOWN_LEAVES,
    VALUE_KINDS,
    Leaf,
    anomaly_context,
    anomaly_schemas,
    build_box,
    build_leaf,
    client_view,
    context_for,
    operations_of,
    suite_documents,
    variable_sets,
)
from tests.graphql_client import create_admin, data, gql, register

FAST = build_schema(fast_execution=True)
STANDARD = build_schema(fast_execution=False, cache_documents=False)

APPLY = """mutation Apply($input: ApplyToJobInput!) {
  applyToJob(input: $input) { match { id } errors { field code message } } }"""


@pytest.fixture
async def world(client, services) -> dict[str, Any]:
    """Employers, workers, an admin, open and draft jobs and a match: enough for every
    visibility rule to have something to hide."""
    hr = await register(client, "hr@example.com", "EMPLOYER", "Fast KK")
    other_hr = await register(client, "hr2@example.com", "EMPLOYER", "Other KK")
    worker = await register(client, "w1@example.com")
    private_worker = await register(client, "w2@example.com")
    admin = await create_admin(services, client)
    await create_profile(client, worker.token)
    await create_profile(client, private_worker.token, visibility="HIDDEN")
    jobs = [
        await create_job(
            client,
            hr.token,
            publish=True,
            title=f"倉庫 {n}",
            skills=[
                {"skillId": skill_gid("forklift-operation")},
                {"skillId": skill_gid("picking"), "required": False},
            ],
        )
        for n in range(3)
    ]
    draft = await create_job(client, other_hr.token, title="下書き")
    applied = data(await gql(client, APPLY, {"input": {"jobId": jobs[0]["id"]}}, worker.token))
    match_id = applied["applyToJob"]["match"]["id"]
    me = data(await gql(client, "query Me { me { id workerProfile { id } } }", {}, worker.token))
    ids = [
        jobs[0]["id"],
        draft["id"],
        match_id,
        me["me"]["id"],
        me["me"]["workerProfile"]["id"],
        skill_gid("python"),
    ]
    tokens = [None, hr.token, other_hr.token, worker.token, private_worker.token, admin.token]
    return {"ids": ids, "tokens": tokens}


async def both(services, query: str, variables: dict[str, Any], token: str | None) -> tuple:
    """The client's view of one operation from each executor, fresh loaders for each."""
    standard = await STANDARD.execute(
        query, variables, context_value=await context_for(services, token)
    )
    fast = await FAST.execute(query, variables, context_value=await context_for(services, token))
    return client_view(standard), client_view(fast)


def test_the_fast_executor_is_on_by_default() -> None:
    assert FAST.execution_context_class is FastExecutionContext
    assert build_schema().execution_context_class is FastExecutionContext
    assert STANDARD.execution_context_class is not FastExecutionContext


DOCUMENTS = suite_documents()


def test_the_suite_has_documents_to_compare() -> None:
    assert len(DOCUMENTS) >= 20, sorted(DOCUMENTS)


async def test_every_suite_query_answers_the_same(services, world) -> None:
    compared = errors_seen = 0
    for name, text in sorted(DOCUMENTS.items()):
        for operation in operations_of(text):
            for variables in variable_sets(STANDARD._schema, operation, world["ids"]):
                for token in world["tokens"]:
                    standard, fast = await both(services, text, variables, token)
                    assert fast == standard, (name, variables, token)
                    compared += 1
                    errors_seen += bool(standard["errors"])
    assert compared > 100
    assert errors_seen > 10  # permission failures and bad IDs were compared too


# ---- generated selections -------------------------------------------------------------

ROOTS = [
    ("jobs(first: 5)", "Job", True),
    ("workers(first: 5)", "Worker", True),
    ("matches(first: 5)", "Match", True),
    ("recommendedJobs(first: 5)", "Match", True),
    ("node(id: $id)", "Node", False),
    ("nodes(ids: [$id, $id])", "Node", False),
    ("me", "User", False),
    ("skills", "Skill", False),
]
# Fields that call out of process or take seconds; their resolvers are real resolvers,
# so both executors run them the same way anyway.
SKIPPED_FIELDS = {"paySuggestion", "adQualityHints"}


def _usable_fields(type_: GraphQLObjectType | GraphQLInterfaceType) -> list[str]:
    return sorted(
        name
        for name, field in type_.fields.items()
        if name not in SKIPPED_FIELDS
        and not any(
            isinstance(arg.type, GraphQLNonNull) and arg.default_value is None
            for arg in field.args.values()
        )
    )


@st.composite
def selection(draw: st.DrawFn, type_: Any, depth: int = 0) -> str:
    """A selection set over `type_`: some of its fields, aliased or repeated at times,
    nested objects, `__typename`, and inline fragments on abstract types."""
    if isinstance(type_, GraphQLUnionType | GraphQLInterfaceType):
        possible = sorted(STANDARD._schema.get_possible_types(type_), key=lambda t: t.name)
        chosen = draw(st.lists(st.sampled_from(possible), min_size=1, max_size=2, unique=True))
        parts = ["__typename"]
        if isinstance(type_, GraphQLInterfaceType):
            parts.append(draw(selection(type_, depth + 1)).strip("{} "))
        for concrete in chosen:
            parts.append(f"... on {concrete.name} {draw(selection(concrete, depth + 1))}")
        return "{ " + " ".join(parts) + " }"
    fields = _usable_fields(type_)
    names = draw(st.lists(st.sampled_from(fields), min_size=1, max_size=5))
    parts = []
    for index, name in enumerate(names):
        field_type = get_named_type(type_.fields[name].type)
        alias = draw(st.sampled_from(["", f"a{index}: "]))
        if is_leaf_type(field_type):
            parts.append(alias + name)
        elif depth >= 3:
            parts.append(f"{alias}{name} {{ __typename }}")
        else:
            parts.append(f"{alias}{name} {draw(selection(field_type, depth + 1))}")
    if draw(st.booleans()):
        parts.append("__typename")
    return "{ " + " ".join(parts) + " }"


@st.composite
def generated_query(draw: st.DrawFn) -> str:
    root, type_name, connection = draw(st.sampled_from(ROOTS))
    inner = draw(selection(STANDARD._schema.get_type(type_name)))
    body = f"{{ totalCount edges {{ cursor node {inner} }} pageInfo {{ hasNextPage }} }}"
    uses_id = "$id" in root
    header = "query Generated($id: ID!)" if uses_id else "query Generated"
    return f"{header} {{ {root} {body if connection else inner} }}"


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=generated_query(), who=st.integers(0, 5), which=st.integers(0, 5))
async def test_generated_selections_answer_the_same(
    services, world, query: str, who: int, which: int
) -> None:
    variables = {"id": world["ids"][which]} if "$id" in query else {}
    standard, fast = await both(services, query, variables, world["tokens"][who])
    assert fast == standard, query


# ---- loaded fields: batched on the fast path, identical when they fail -----------------

PAGE_WITH_LOADED_FIELDS = """query Page {
  jobs(first: 5) {
    edges { node { id title organization { id name } skills { skill { slug } required } } }
  }
}"""


async def _both_with_loader(services, token: str | None, loader: str, load: Any) -> tuple:
    """Both executors' answers when one DataLoader of the request is replaced by `load`."""
    views = []
    for schema in (STANDARD, FAST):
        context = await context_for(services, token)
        setattr(context.loaders, loader, DataLoader(load_fn=load))
        views.append(
            client_view(await schema.execute(PAGE_WITH_LOADED_FIELDS, context_value=context))
        )
    return tuple(views)


async def test_loaded_fields_answer_the_same_as_resolvers(services, world) -> None:
    standard, fast = await both(services, PAGE_WITH_LOADED_FIELDS, {}, world["tokens"][1])
    assert fast == standard
    edges = standard["data"]["jobs"]["edges"]
    assert edges and all(edge["node"]["organization"]["name"] for edge in edges)
    assert any(edge["node"]["skills"] for edge in edges)


async def test_a_failing_loader_fails_the_same_on_both_paths(services, world) -> None:
    async def broken(keys: list[Any]) -> list[Any]:
        raise RuntimeError("the database went away")

    standard, fast = await _both_with_loader(services, None, "organization", broken)
    assert fast == standard
    assert standard["data"] is None  # `organization` is non-null all the way up to `jobs`
    assert standard["errors"][0]["path"][-1] == "organization"


async def test_a_value_the_conversion_rejects_fails_the_same_on_both_paths(services, world) -> None:
    async def missing(keys: list[Any]) -> list[Any]:
        return [None] * len(keys)  # `Organization.from_row(None)` raises

    standard, fast = await _both_with_loader(services, None, "organization", missing)
    assert fast == standard
    assert standard["errors"]


async def test_exceptional_or_miscounted_loader_values_fail_the_same(services, world) -> None:
    """The fast path calls a loader's batch function itself: an exception among its
    values, or too few values, is reported exactly as the DataLoader reports it."""

    async def exceptional(keys: list[Any]) -> list[Any]:
        return [RuntimeError("this one is gone") for _ in keys]

    async def too_few(keys: list[Any]) -> list[Any]:
        return []

    for load in (exceptional, too_few):
        standard, fast = await _both_with_loader(services, None, "organization", load)
        assert fast == standard and standard["errors"], load.__name__


@pytest.mark.parametrize("cache", ["primed in bulk", "strawberry's default"])
async def test_loaded_values_are_batched_once_and_kept_for_the_request(
    services, world, cache
) -> None:
    """One call of the batch function per page, however many jobs share a loader; the
    values stay in the request's DataLoader, so a later `load` asks nothing more."""
    calls: list[list[Any]] = []
    context = await context_for(services, world["tokens"][1])
    real = context.loaders.organization

    async def counted(keys: list[Any]) -> list[Any]:
        calls.append(list(keys))
        return list(await real.load_many(keys))

    primed = PrimedCache() if cache == "primed in bulk" else None
    loader = DataLoader(load_fn=counted, cache_map=primed)
    context.loaders.organization = loader
    result = client_view(await FAST.execute(PAGE_WITH_LOADED_FIELDS, context_value=context))
    edges = result["data"]["jobs"]["edges"]
    assert len(edges) > 1 and len(calls) == 1
    assert len(calls[0]) == len({edge["node"]["organization"]["id"] for edge in edges})
    organization = await loader.load(calls[0][0])
    assert organization is not None and len(calls) == 1


async def test_what_a_query_loaded_is_freed_when_it_ends(services, world) -> None:
    """Without a garbage collection: nothing the request made holds itself in a cycle
    (the completers and graphql-core's helpers through the execution context, the
    batch functions through the loaders), so its rows go as soon as it ends. Before,
    they waited for a young collection: ~0.9 ms of a page of 100 jobs."""
    gc.collect()
    gc.disable()
    try:
        context = await context_for(services, world["tokens"][1])
        loaders = weakref.ref(context.loaders)
        organizations = weakref.ref(context.loaders.organization)
        result = await FAST.execute(PAGE_WITH_LOADED_FIELDS, context_value=context)
        assert not result.errors and result.data and result.data["jobs"]["edges"]
        del context, result
        assert loaders() is None and organizations() is None
    finally:
        gc.enable()


async def test_an_empty_loaded_list_answers_the_same(services, world) -> None:
    async def no_skills(keys: list[Any]) -> list[Any]:
        return [[] for _ in keys]

    standard, fast = await _both_with_loader(services, None, "job_skills", no_skills)
    assert fast == standard
    assert all(edge["node"]["skills"] == [] for edge in standard["data"]["jobs"]["edges"])


# ---- anomalies behind every field: generated code, general checks, standard path ------

ANOMALY_STANDARD, ANOMALY_FAST = anomaly_schemas()

ANOMALIES = """query Anomalies {
  boxes {
    __typename
    name
    alias: name
    ... on Box { name leaf { text } }
    ...BoxFields
    leaf { ...LeafFields t2: text kind: __typename }
    maybeLeaf { ...LeafFields }
    leaves { ...LeafFields __typename }
    maybeLeaves { text maybeNumber }
    boxes { name leaf { number } owner { name } boxes { __typename } }
    twin { __typename name leaf { text } twin { name } }
    owner { name }
    o2: owner { n: name }
    keptOwner { name }
    keptTwin { name twin { name } keptOwner { name } }
  }
}
fragment LeafFields on Leaf {
  text maybeText number maybeNumber flag ratio colour when tags maybeTags
  span { start end colour label __typename } wholeSpan { colour start }
}
fragment BoxFields on Box { leaf { flag colour } }"""

LEAF_FIELDS = sorted(LEAF_VALUES)
leaf_recipe = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {"class": st.sampled_from(["leaf"] * 3 + ["row"] * 2 + ["rowless", "exploding", "sneaky"])},
        optional={"shown": st.booleans()}
        | {name: st.sampled_from(VALUE_KINDS) for name in LEAF_FIELDS},
    ),
)


def box_recipe(depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "class": st.sampled_from(["box"] * 6 + ["sneaky", "cast", "none"]),
            "leaf": leaf_recipe,
            "leaves": st.lists(leaf_recipe, max_size=3),
        },
        optional={
            "name": st.sampled_from(VALUE_KINDS),
            "maybe_leaf": st.booleans(),
            "maybe_leaves": st.booleans(),
            "leaves_as": st.just("tuple"),
            "owner": st.sampled_from(["a", "b", "unconvertible", "failing"]),
            "kept": st.sampled_from(["good", "good", "none", "unconvertible", "late", "absent"]),
            "boxes": st.lists(box_recipe(depth + 1), max_size=2) if depth < 2 else st.just([]),
            "twin": box_recipe(depth + 1) if depth < 2 else st.none(),
            "kept_twin": box_recipe(depth + 1) if depth < 2 else st.none(),
        },
    )


@pytest.fixture(params=["compiled", "interpreted"])
def compile_at(request, monkeypatch) -> None:
    """Run the fast executor's generated code, or its interpreted twin, from the first
    sighting of a selection."""
    monkeypatch.setattr(fast_execution, "COMPILE_AT", 1 if request.param == "compiled" else 10**9)
    # Nothing compiled or bound by an earlier test: the interpreted twin really runs.
    for cache in ("_FACTORIES", "_SIGHTINGS", "_BOUND", "_COLLECTED"):
        monkeypatch.setattr(fast_execution, cache, {})


async def both_anomalous(query: str, recipes: list[dict[str, Any]]) -> tuple:
    views = []
    for schema in (ANOMALY_STANDARD, ANOMALY_FAST):
        result = await schema.execute(query, context_value=anomaly_context(recipes))
        views.append(client_view(result))
    return tuple(views)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(recipes=st.lists(box_recipe(), min_size=1, max_size=3))
@pytest.mark.filterwarnings("ignore:coroutine '_late' was never awaited")
async def test_anomalous_values_answer_the_same(compile_at, recipes) -> None:
    standard, fast = await both_anomalous(ANOMALIES, recipes)
    assert fast == standard, recipes


GOOD_LEAF: dict[str, Any] = {"class": "leaf"}
GOOD_BOX: dict[str, Any] = {"class": "box", "leaf": GOOD_LEAF, "leaves": [GOOD_LEAF] * 2}


@pytest.mark.parametrize(
    "recipes",
    [
        pytest.param([GOOD_BOX, GOOD_BOX], id="plain"),
        pytest.param([GOOD_BOX, {**GOOD_BOX, "class": "none"}], id="null item"),
        pytest.param([{**GOOD_BOX, "leaves": [GOOD_LEAF, None]}], id="null in non-null list"),
        pytest.param(
            [{**GOOD_BOX, "leaves": [GOOD_LEAF, {"class": "sneaky"}], "maybe_leaves": True}],
            id="mixed classes in a list",
        ),
        pytest.param([{**GOOD_BOX, "leaves_as": "tuple"}], id="tuple list"),
        pytest.param([{**GOOD_BOX, "class": "sneaky"}], id="is_type_of refuses"),
        pytest.param(
            [{**GOOD_BOX, "twin": GOOD_BOX}, {**GOOD_BOX, "twin": {**GOOD_BOX, "class": "sneaky"}}],
            id="is_type_of refuses an object field",
        ),
        pytest.param(
            [{**GOOD_BOX, "twin": GOOD_BOX}, {**GOOD_BOX, "twin": {**GOOD_BOX, "class": "cast"}}],
            id="is_type_of refuses a cast instance of a class it accepted",
        ),
        pytest.param(
            [{**GOOD_BOX, "boxes": [GOOD_BOX, {**GOOD_BOX, "class": "cast"}]}],
            id="is_type_of refuses a cast item of a class it accepted",
        ),
        pytest.param([{**GOOD_BOX, "leaf": {"class": "exploding"}}], id="raising attribute"),
        pytest.param([{**GOOD_BOX, "leaf": {"class": "row"}}], id="converted from a row"),
        pytest.param(
            [{**GOOD_BOX, "leaf": {"class": "row", "text": "raises", "maybe_text": "raises"}}],
            id="converted from a row, raising",
        ),
        pytest.param(
            [{**GOOD_BOX, "leaf": {"class": "row", "number": "big", "colour": "text"}}],
            id="converted from a row, wrong values",
        ),
        pytest.param([{**GOOD_BOX, "leaf": {"class": "rowless"}}], id="a row leaf without row"),
        pytest.param(
            [{**GOOD_BOX, "leaf": {"class": "row", "maybe_text": "none"}}],
            id="a composed value absent (null, and an error where non-null)",
        ),
        pytest.param(
            [{**GOOD_BOX, "leaf": {"class": "row", "colour": "raises", "maybe_number": "none"}}],
            id="a composed value's part failing to convert",
        ),
        pytest.param([{**GOOD_BOX, "leaf": {"number": "big"}}], id="Int out of range"),
        pytest.param([{**GOOD_BOX, "leaf": {"ratio": "nan"}}], id="Float not finite"),
        pytest.param([{**GOOD_BOX, "leaf": {"ratio": "int", "flag": "float"}}], id="int/float"),
        pytest.param([{**GOOD_BOX, "leaf": {"ratio": "bool"}}], id="Float of a bool"),
        pytest.param([{**GOOD_BOX, "leaf": {"number": "bool", "flag": "int"}}], id="bool/int"),
        pytest.param([{**GOOD_BOX, "leaf": {"text": "int", "colour": "text"}}], id="wrong class"),
        pytest.param([{**GOOD_BOX, "leaf": {"when": "text"}}], id="DateTime of a string"),
        pytest.param([{**GOOD_BOX, "leaf": {"maybe_text": "error"}}], id="returned exception"),
        pytest.param(
            [{**GOOD_BOX, "name": "late", "leaf": {"text": "late", "tags": "late"}}],
            id="awaitable values",
        ),
        pytest.param([{**GOOD_BOX, "owner": "unconvertible"}], id="loaded, unconvertible"),
        pytest.param([GOOD_BOX, {**GOOD_BOX, "owner": "failing"}], id="loaded, failing"),
        pytest.param([GOOD_BOX, {**GOOD_BOX, "kept": "none"}], id="preloaded, none"),
        pytest.param([GOOD_BOX, {**GOOD_BOX, "kept": "absent"}], id="preloaded, absent"),
        pytest.param(
            [GOOD_BOX, {**GOOD_BOX, "kept": "absent", "class": "sneaky"}],
            id="preloaded, absent from another class",
        ),
        pytest.param(
            [GOOD_BOX, {**GOOD_BOX, "kept": "unconvertible"}], id="preloaded, unconvertible"
        ),
        pytest.param([GOOD_BOX, {**GOOD_BOX, "kept": "late"}], id="preloaded, not plain"),
        pytest.param(
            [
                {**GOOD_BOX, "kept_twin": GOOD_BOX},
                {**GOOD_BOX, "kept_twin": {**GOOD_BOX, "class": "sneaky"}},
            ],
            id="preloaded, is_type_of refuses",
        ),
        pytest.param(
            [
                {**GOOD_BOX, "kept_twin": GOOD_BOX},
                {**GOOD_BOX, "kept_twin": {**GOOD_BOX, "class": "cast"}},
            ],
            id="preloaded, is_type_of refuses a cast instance of a class it accepted",
        ),
        pytest.param(
            [{**GOOD_BOX, "kept_twin": {**GOOD_BOX, "leaf": {"text": "none"}}}],
            id="preloaded, null propagation from below",
        ),
        pytest.param(
            [{**GOOD_BOX, "boxes": [{**GOOD_BOX, "leaf": {"text": "none"}}]}],
            id="null propagation from below",
        ),
    ],
)
@pytest.mark.filterwarnings("ignore:coroutine '_late' was never awaited")
async def test_each_anomaly_answers_the_same(compile_at, recipes) -> None:
    for _ in range(2):  # the second run meets the selection compiled, when it is
        standard, fast = await both_anomalous(ANOMALIES, recipes)
        assert fast == standard


SPANS = """{ boxes {
  leaf { span { start end colour label __typename } wholeSpan { colour start } }
  leaves { span { end } }
} }"""


@pytest.mark.parametrize("column", ["number", "maybe_number", "colour", "text", "maybe_text"])
@pytest.mark.parametrize("kind", sorted(set(VALUE_KINDS)))
@pytest.mark.filterwarnings("ignore:coroutine '_late' was never awaited")
async def test_a_composed_value_answers_the_same_whatever_its_columns(
    compile_at, column, kind
) -> None:
    """A value a row leaf composes of its columns (`Composed`, as a job its pay), asked
    for alone: each column of every kind of value, where the generated code completes
    the value from the columns, answers as the standard executor (which makes it)."""
    leaf = {"class": "row", column: kind}
    recipe = {**GOOD_BOX, "leaf": leaf, "leaves": [GOOD_LEAF, leaf]}
    for _ in range(2):
        standard, fast = await both_anomalous(SPANS, [recipe])
        assert fast == standard


SHOWN_LEAF: dict[str, Any] = {"class": "leaf", "shown": True}


@pytest.mark.parametrize(
    "leaf",
    [
        pytest.param({}, id="plain"),
        pytest.param({"text": "none"}, id="null in a non-null field"),
        pytest.param({"maybe_text": "error"}, id="returned exception"),
        pytest.param({"number": "big"}, id="Int out of range"),
        pytest.param({"when": "text"}, id="DateTime of a string"),
        pytest.param({"colour": "text", "tags": "tuple"}, id="wrong class, tuple list"),
        pytest.param({"maybe_tags": "error"}, id="exception for a list"),
    ],
)
async def test_shown_objects_answer_the_same_every_time(compile_at, leaf) -> None:
    """A shown object keeps what completing a selection of it gave (`schema/shown.py`):
    request after request, and where it appears twice in one answer, the answer is still
    exactly the standard one, an anomaly reported each time, at each of its paths."""
    shown = {**SHOWN_LEAF, **leaf}
    recipe = {**GOOD_BOX, "leaf": shown, "leaves": [shown, GOOD_LEAF], "maybe_leaves": True}
    views: dict[str, list[Any]] = {}
    for name, schema in (("standard", ANOMALY_STANDARD), ("fast", ANOMALY_FAST)):
        boxes = [build_box(recipe)]
        boxes.append(boxes[0])  # the same objects twice in one answer
        views[name] = [
            client_view(await schema.execute(ANOMALIES, context_value=anomaly_context([], boxes)))
            for _ in range(3)
        ]
    assert views["fast"] == views["standard"]


async def test_a_shown_object_completes_a_selection_once(monkeypatch) -> None:
    """What a later request shows of a shown object is what the first one completed: its
    fields are not read again (the lever is taken, not just correct)."""
    monkeypatch.setattr(fast_execution, "COMPILE_AT", 1)
    reads: list[str] = []

    class Counted(Leaf):
        @property  # type: ignore[misc]
        def text(self) -> str:  # type: ignore[override]
            reads.append("text")
            return "counted"

    def counted_leaf() -> Leaf:
        leaf = object.__new__(Counted)
        leaf.__dict__.update({k: v for k, v in build_leaf({}).__dict__.items() if k != "text"})
        return leaf

    shown = SHOWN_LEAVES.of(object(), lambda _row: counted_leaf())
    plain = counted_leaf()
    box = build_box(GOOD_BOX)
    box.leaf, box.leaves = shown, [plain]
    query = "query Leaves { boxes { leaf { text number } leaves { text } } }"
    for _ in range(3):
        result = await ANOMALY_FAST.execute(query, context_value=anomaly_context([], [box]))
        assert result.data == {
            "boxes": [{"leaf": {"text": "counted", "number": 3}, "leaves": [{"text": "counted"}]}]
        }
    assert len(reads) == 1 + 3  # the shown leaf once, the other leaf on every request


async def test_the_fast_path_answers_plain_values_itself(compile_at, monkeypatch) -> None:
    """Plain values never reach graphql-core's `execute_field` (only the root field's
    resolver and the loaded fields' batch do): the fast path is taken, not just correct."""
    calls: list[str] = []
    original = FastExecutionContext.execute_field

    def counting(self, parent_type, source, fdl, path, position_context):  # type: ignore[no-untyped-def]
        calls.append(f"{parent_type.name}.{fdl[0].node.name.value}")
        return original(self, parent_type, source, fdl, path, position_context)

    monkeypatch.setattr(FastExecutionContext, "execute_field", counting)
    standard, fast = await both_anomalous(ANOMALIES, [{**GOOD_BOX, "twin": GOOD_BOX}] * 2)
    assert fast == standard and not standard["errors"]
    assert calls == ["AnomalyQuery.boxes"]


# ---- completers shared by requests -----------------------------------------------------

SWITCHED = """query Switched($deep: Boolean!) {
  boxes {
    name
    leaf { text number @include(if: $deep) }
    twin { name ... on Box @include(if: $deep) { leaf { flag } } }
  }
}"""


@pytest.mark.parametrize("sequence", [[True, False] * 3, [False, True] * 3])
async def test_directives_answer_by_each_requests_variables(compile_at, sequence) -> None:
    """Under `@include`/`@skip` a selection changes with the variables while the one
    above it does not: a completer bound for one request must not answer another's."""
    recipes = [{**GOOD_BOX, "twin": GOOD_BOX}]
    for deep in sequence:
        views = []
        for schema in (ANOMALY_STANDARD, ANOMALY_FAST):
            context = anomaly_context(recipes)
            views.append(client_view(await schema.execute(SWITCHED, {"deep": deep}, context)))
        standard, fast = views
        assert fast == standard, deep
        assert ("'number'" in str(fast)) is deep


async def test_a_document_binds_its_selections_once(compile_at, monkeypatch) -> None:
    """From its compiled sighting on, a document's completers serve every request: no
    field of it is bound again (the binding was ~0.2 M instructions of a `node`)."""
    binds: list[str] = []
    original = FastExecutionContext._bind

    def counting(self, parent_type, response_name, fdl):  # type: ignore[no-untyped-def]
        binds.append(f"{parent_type.name}.{response_name}")
        return original(self, parent_type, response_name, fdl)

    monkeypatch.setattr(FastExecutionContext, "_bind", counting)
    per_request = []
    for _ in range(3):
        binds.clear()
        standard, fast = await both_anomalous(ANOMALIES, [GOOD_BOX, GOOD_BOX])
        assert fast == standard and not standard["errors"]
        per_request.append(len(binds))
    interpreted = fast_execution.COMPILE_AT > 1
    assert per_request[0] > 20
    assert per_request[2] == (per_request[0] if interpreted else 0)
