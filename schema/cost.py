"""Calculated query cost: what an operation will cost, known from its document and
variables before a single resolver runs (GitHub's and Shopify's model, OWASP's advice).

The rules, in short (docs/security.md has the reasoning):

- a field returning an object, interface or union costs 1 per object it returns; scalars,
  enums and `__typename` cost 0; value objects stored on their parent row (`INLINE_TYPES`)
  cost 0 themselves, only what they lead to counts;
- a list multiplies the cost of its selection by its size: `first`/`last` when the field
  takes them (`DEFAULT_PAGE_SIZE` when absent), the number of `ids` on `nodes`, the page
  size of the enclosing connection for `edges`, and an assumed size for other lists;
- costs multiply down the tree, fragments and inline fragments are resolved as the executor
  will resolve them (merged by response key, `@skip`/`@include` applied), and a field
  returning an interface or union costs the most expensive of its possible types;
- `FIELD_COSTS` is the one place to price a field differently (searches, counts, mutations).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    OperationDefinitionNode,
    get_introspection_query,
    get_named_type,
    get_nullable_type,
    get_operation_ast,
    is_abstract_type,
    is_enum_type,
    is_input_object_type,
    is_interface_type,
    is_leaf_type,
    is_list_type,
    is_object_type,
    parse,
)
from graphql.execution.collect_fields import (
    FieldDetailsList,
    FragmentDetails,
    collect_fields,
    collect_subfields,
)
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values

from domain.pagination import DEFAULT_PAGE_SIZE

COST_MEMO_SIZE = 4096
# The memo's key for a request's variables: `json.dumps(variables, sort_keys=True)`
# without making an encoder on every request.
_VARIABLES_KEY = json.JSONEncoder(sort_keys=True)


@dataclass(frozen=True, slots=True)
class FieldCost:
    """How one field is priced: `base + size × (per_item + cost of its selection)`.

    `per_item=None` means the default (1 for objects, 0 for scalars and inline types);
    `assumed_size` is the size of a list that takes no size argument.
    """

    base: int = 0
    per_item: int | None = None
    assumed_size: int | None = None


# Lists without a size argument are bounded by the data (a job asks for a handful of
# skills); they are priced at a typical size, not the validation maximum, so that a
# full page of 100 jobs with their skills stays well within the per-query limit.
DEFAULT_LIST_SIZE = 10

# Root mutation fields write, validate and publish events: priced like Shopify's (10).
MUTATION_FIELD_COST = 10

# `totalCount` on any connection runs a COUNT(*) over the whole filtered list.
TOTAL_COUNT_COST = 5

# The one place to price a field differently from the rules above, by "Type.field".
FIELD_COSTS: dict[str, FieldCost] = {
    # Searches run a filtered, ordered SQL query before any row is loaded.
    "Query.jobs": FieldCost(base=5),
    "Query.workers": FieldCost(base=5),
    "Query.auditEvents": FieldCost(base=5),
    "Query.skills": FieldCost(base=2),
    "Query.matches": FieldCost(base=5),
    "Query.recommendedWorkers": FieldCost(base=5),  # ranked ahead of time by workers/
    "Query.recommendedJobs": FieldCost(base=5),
    # Static data held in memory.
    "Query.prefectures": FieldCost(per_item=0, assumed_size=47),
    # Asking for your budget is free (the operation still costs at least 1).
    "Query.rateLimit": FieldCost(per_item=0),
    "User.organizations": FieldCost(assumed_size=3),
    # The AI agent (issue 7): text analysis runs inline; suggestions scan the local market.
    "Query.extractJobRequirements": FieldCost(base=10),
    "Query.extractWorkerProfile": FieldCost(base=10),
    "Query.ask": FieldCost(base=10),  # a search, its count, and a few counts when empty
    "Job.paySuggestion": FieldCost(base=10),
    "Job.adQualityHints": FieldCost(base=20, assumed_size=5),
    "Worker.skillGapSuggestions": FieldCost(base=20),
}

# Value objects kept on their parent's row (JSONB or columns): no fetch of their own.
INLINE_TYPES = frozenset(
    {
        "Language",
        "Location",
        "Pay",
        "PayRange",
        "PageInfo",
        "PrefectureInfo",
        "RateLimit",
        "UserError",
        "WeeklySlot",
        "WorkAuthorization",
        # The AI agent's computed values, built with their parent.
        "ExtractedItem",
        "TextSpan",
        "Requirement",
        "SkillGap",
        "CloseJob",
    }
)

# Introspection grows with the schema, not with data. The standard introspection query
# (GraphiQL's, codegen's) is priced at a fixed amount: measured, it materialises about
# 2,000 objects and takes about as long as a page of 100 jobs with their skills (2,306),
# so a caller can introspect twice in one request and a few times per budget. Any other
# introspection is priced in proportion to the objects it would materialise compared
# with it (lists sized by this schema's averages), so nested or aliased introspection
# bombs cost what they are.
STANDARD_INTROSPECTION_COST = 2_000
_INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})

# Every operation costs at least this much, so that a flood of trivial queries still
# drains a caller's budget.
MINIMUM_OPERATION_COST = 1

_SIZE_ARGUMENTS = ("first", "last")


class QueryCostCalculator:
    """Prices operations of one schema; build once, call per request (it keeps no request state)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        field_costs: Mapping[str, FieldCost] = FIELD_COSTS,
        inline_types: frozenset[str] = INLINE_TYPES,
    ) -> None:
        self.schema = schema
        self.field_costs = {**_introspection_costs(schema), **field_costs}
        self.inline_types = inline_types
        # (document, operation, variables) → price: the parse cache hands every request
        # of one document the same DocumentNode, and pricing walked it every time.
        self._known: dict[tuple[int, str | None, str], tuple[DocumentNode, int]] = {}
        self.introspection_scale = 1.0
        standard = self.cost(parse(get_introspection_query(descriptions=True)))
        self.introspection_scale = STANDARD_INTROSPECTION_COST / standard
        self._known.clear()  # priced before the scale was known

    def cost(
        self,
        document: DocumentNode,
        operation_name: str | None = None,
        variables: dict[str, Any] | None = None,
    ) -> int:
        """The cost of the operation `operation_name` of a parsed, validated `document`.

        Variables that do not coerce make the executor refuse the operation before any
        resolver runs, so such an operation costs only the minimum.
        """
        try:
            key = (id(document), operation_name, _VARIABLES_KEY.encode(variables))
        except (TypeError, ValueError):
            key = None  # variables JSON cannot hold (tests pass Python objects): no memo
        if key is not None and (known := self._known.get(key)) is not None:
            return known[1]
        price = self._price(document, operation_name, variables)
        if key is not None:
            if len(self._known) >= COST_MEMO_SIZE:
                self._known.clear()
            self._known[key] = (document, price)  # the document kept: its id stays its own
        return price

    def _price(
        self, document: DocumentNode, operation_name: str | None, variables: dict[str, Any] | None
    ) -> int:
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            return MINIMUM_OPERATION_COST
        coerced = get_variable_values(
            self.schema, operation.variable_definitions or (), variables or {}
        )
        if isinstance(coerced, list):
            return MINIMUM_OPERATION_COST
        return max(MINIMUM_OPERATION_COST, _Walk(self, document, operation, coerced).total())


class _Walk:
    """One calculation: the operation's fields, as graphql-core's executor collects them."""

    def __init__(
        self,
        calculator: QueryCostCalculator,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: VariableValues,
    ) -> None:
        self.calculator = calculator
        self.schema = calculator.schema
        self.operation = operation
        self.variables = variables
        self.fragments = {
            definition.name.value: FragmentDetails(definition)
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        # A selection met again (a fragment spread in many places) is counted every
        # time but computed once: the calculation stays linear in the document,
        # whatever its fragment fan-out.
        self._memo: dict[tuple[Any, ...], int] = {}

    def total(self) -> int:
        root_type = self.schema.get_root_type(self.operation.operation)
        if root_type is None:
            return 0
        grouped = collect_fields(
            self.schema, self.fragments, self.variables, root_type, self.operation
        ).grouped_field_set
        return sum(self._field(root_type, details, None) for details in grouped.values())

    def _field(
        self, parent: GraphQLObjectType, details: FieldDetailsList, inherited_size: int | None
    ) -> int:
        node = details[0].node
        name = node.name.value
        field = self.schema.get_field(parent, name)
        if field is None or name == "__typename":
            return 0
        rule = self._rule(parent, name)
        arguments = self._arguments(field, details)
        page_size = _page_size(field, arguments)
        returns_list = is_list_type(get_nullable_type(field.type))
        if returns_list:
            size = next(
                s
                for s in (page_size, inherited_size, rule.assumed_size, DEFAULT_LIST_SIZE)
                if s is not None
            )
        else:
            size = 1
        named = get_named_type(field.type)
        if is_leaf_type(named):
            return rule.base + size * (rule.per_item or 0)
        per_item = rule.per_item
        if per_item is None:
            per_item = 0 if named.name in self.calculator.inline_types else 1
        # A connection passes its page size on to its lists (`edges`).
        passed_on = page_size if page_size is not None and not returns_list else None
        runtime_types = (
            self.schema.get_possible_types(named)  # type: ignore[arg-type]
            if is_abstract_type(named)
            else [named]
        )
        selection = max(
            (self._selection(t, details, passed_on) for t in runtime_types if is_object_type(t)),
            default=0,
        )
        cost = rule.base + size * (per_item + selection)
        if name in _INTROSPECTION_ROOTS:
            # Rounded first: cost × (2,000 / cost) must not come out as 2,000.0000000002.
            return math.ceil(round(cost * self.calculator.introspection_scale, 6))
        return cost

    def _selection(
        self, runtime_type: GraphQLObjectType, details: FieldDetailsList, inherited: int | None
    ) -> int:
        key = (runtime_type.name, inherited, *(id(d.node) for d in details))
        if key not in self._memo:
            grouped = collect_subfields(
                self.schema, self.fragments, self.variables, self.operation, runtime_type, details
            ).grouped_field_set
            self._memo[key] = sum(
                self._field(runtime_type, sub, inherited) for sub in grouped.values()
            )
        return self._memo[key]

    def _rule(self, parent: GraphQLObjectType, field_name: str) -> FieldCost:
        rule = self.calculator.field_costs.get(f"{parent.name}.{field_name}")
        if rule is not None:
            return rule
        if parent is self.schema.mutation_type:
            return FieldCost(base=MUTATION_FIELD_COST)
        if field_name == "totalCount" and "edges" in parent.fields:
            return FieldCost(base=TOTAL_COUNT_COST)
        return FieldCost()

    def _arguments(self, field: GraphQLField, details: FieldDetailsList) -> dict[str, Any]:
        try:
            return get_argument_values(
                field, details[0].node, self.variables, details[0].fragment_variable_values
            )
        except GraphQLError:  # the executor will refuse it before resolving anything
            return {}


def _page_size(field: GraphQLField, arguments: dict[str, Any]) -> int | None:
    """The number of items a sized field asks for, or None if it takes no size."""
    if "ids" in field.args:
        ids = arguments.get("ids")
        return len(ids) if isinstance(ids, list) else 0
    if not any(name in field.args for name in _SIZE_ARGUMENTS):
        return None
    for name in ("last", "first"):
        value = arguments.get(name)
        if isinstance(value, int):
            return max(value, 0)
    return DEFAULT_PAGE_SIZE


def _introspection_costs(schema: GraphQLSchema) -> dict[str, FieldCost]:
    """List sizes of the introspection types, from this schema's own averages.

    Priced like any other list, a nested or aliased introspection query costs about what
    it materialises; the depth limiter skips `__` fields, so this is what bounds it.
    """
    types = list(schema.type_map.values())
    output_types = [t for t in types if is_object_type(t) or is_interface_type(t)]
    fields = [f for t in output_types for f in t.fields.values()]  # type: ignore[attr-defined]

    def average(counts: list[int]) -> int:
        return max(1, math.ceil(sum(counts) / len(counts))) if counts else 1

    def sized(counts: list[int]) -> FieldCost:
        return FieldCost(assumed_size=average(counts))

    return {
        "__Schema.types": FieldCost(assumed_size=len(types)),
        "__Schema.directives": FieldCost(assumed_size=len(schema.directives)),
        "__Type.fields": sized([len(t.fields) for t in output_types]),  # type: ignore[attr-defined]
        "__Type.inputFields": sized([len(t.fields) for t in types if is_input_object_type(t)]),
        "__Type.enumValues": sized([len(t.values) for t in types if is_enum_type(t)]),
        "__Type.interfaces": sized([len(t.interfaces) for t in output_types]),  # type: ignore[attr-defined]
        "__Type.possibleTypes": sized(
            [len(schema.get_possible_types(t)) for t in types if is_abstract_type(t)]
        ),
        "__Field.args": sized([len(f.args) for f in fields]),
        "__Directive.args": sized([len(d.args) for d in schema.directives]),
    }


__all__ = [
    "DEFAULT_LIST_SIZE",
    "FIELD_COSTS",
    "INLINE_TYPES",
    "MINIMUM_OPERATION_COST",
    "MUTATION_FIELD_COST",
    "STANDARD_INTROSPECTION_COST",
    "TOTAL_COUNT_COST",
    "FieldCost",
    "QueryCostCalculator",
]
