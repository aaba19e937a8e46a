"""The query-cost limiter: prices each operation before it runs, refuses one over the
per-query limit (QUERY_TOO_COSTLY) or over its caller's remaining budget (THROTTLED),
and reports the cost and the budget in `extensions.cost` of every response.

Shopify's response shape, GitHub's per-caller accounting; the cost rules are in
schema/cost.py and the buckets in server/rate_limit.py.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any

from graphql import ASTValidationRule, GraphQLError, GraphQLSchema, MaxIntrospectionDepthRule
from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import SchemaExtension
from strawberry.extensions import max_aliases as aliases_rule
from strawberry.extensions import query_depth_limiter as depth_rule
from strawberry.types.graphql import OperationType

from schema.cost import QueryCostCalculator
from server.rate_limit import BucketConfig, CallerBudgets, QueryCharge, Spend, ThrottleStatus
from server.settings import Settings

if TYPE_CHECKING:
    from schema.context import Context

# Defaults of the settings QUERY_COST_LIMIT, QUERY_MAX_DEPTH, QUERY_MAX_ALIASES and
# QUERY_MAX_TOKENS, for a schema built without settings (the SDL export).
DEFAULT_QUERY_COST_LIMIT = 5_000
DEFAULT_MAX_DEPTH = 10
DEFAULT_MAX_ALIASES = 30
DEFAULT_MAX_TOKENS = 5_000


class QueryLimits:
    """One app's query limits: depth, aliases and tokens (checked while parsing and
    validating), the per-query cost ceiling and, optionally, per-caller budgets.
    The cost calculator is built once, for the schema it serves."""

    def __init__(
        self,
        *,
        max_query_cost: int = DEFAULT_QUERY_COST_LIMIT,
        max_depth: int = DEFAULT_MAX_DEPTH,
        max_aliases: int = DEFAULT_MAX_ALIASES,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        budgets: CallerBudgets | None = None,
    ) -> None:
        self.max_depth = max_depth
        self.max_aliases = max_aliases
        self.max_tokens = max_tokens
        self.budgets = budgets
        # A query bigger than a full bucket could never run: refuse it as too costly
        # instead of throttling it forever.
        capacity = budgets.config.capacity if budgets else max_query_cost
        self.max_query_cost = min(max_query_cost, capacity)
        self._calculator: QueryCostCalculator | None = None
        # Built once: strawberry's limiters build their rule classes per request.
        self.validation_rules: tuple[type[ASTValidationRule], ...] = (
            depth_rule.create_validator(max_depth, should_ignore=None),
            aliases_rule.create_validator(max_aliases),
            # The depth limiter skips `__` fields: this bounds cyclic introspection.
            MaxIntrospectionDepthRule,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> QueryLimits:
        budgets = (
            CallerBudgets(
                BucketConfig(settings.rate_limit_bucket_size, settings.rate_limit_restore_rate),
                key_prefix=settings.redis_key_prefix,
                clock=time.time,
            )
            if settings.rate_limit_enabled
            else None
        )
        return cls(
            max_query_cost=settings.query_cost_limit,
            max_depth=settings.query_max_depth,
            max_aliases=settings.query_max_aliases,
            max_tokens=settings.query_max_tokens,
            budgets=budgets,
        )

    def extensions(self) -> list[Callable[[], SchemaExtension]]:
        """The schema extensions that enforce these limits, in the order they act."""
        return [lambda: QueryShapeLimiter(self), lambda: QueryCostLimiter(self)]

    def calculator(self, schema: GraphQLSchema) -> QueryCostCalculator:
        if self._calculator is None or self._calculator.schema is not schema:
            self._calculator = QueryCostCalculator(schema)
        return self._calculator


def caller_key(context: Context) -> str:
    """Whose budget pays: the signed-in user, else the partner client, else the address."""
    principal = context.principal
    if principal.user_id is not None:
        return f"user:{principal.user_id}"
    if principal.client_id is not None:
        return f"client:{principal.client_id}"
    return f"ip:{context.client_ip or 'unknown'}"


class QueryShapeLimiter(SchemaExtension):
    """Tokens (while parsing), depth and aliases (while validating): what strawberry's
    MaxTokensLimiter, QueryDepthLimiter, MaxAliasesLimiter and AddValidationRules do,
    as one extension with its rules built once. Why: each extension costs every request
    an instance and four hook lookups, and the limiters built a rule class per request
    (together ~40 µs of a ~600 µs `{ __typename }`, measured in bench/README.md)."""

    def __init__(self, limits: QueryLimits) -> None:
        self.limits = limits

    def on_operation(self) -> Iterator[None]:
        execution = self.execution_context
        execution.parse_options["max_tokens"] = self.limits.max_tokens
        execution.validation_rules = execution.validation_rules + self.limits.validation_rules
        yield


class QueryCostLimiter(SchemaExtension):
    """Runs after validation, before execution: a refused operation runs no resolver."""

    def __init__(self, limits: QueryLimits) -> None:
        self.limits = limits
        self.charge: QueryCharge | None = None

    async def on_execute(self) -> AsyncIterator[None]:
        execution = self.execution_context
        context: Context = execution.context
        assert execution.graphql_document is not None  # validated by now
        cost = self.limits.calculator(execution.schema._schema).cost(
            execution.graphql_document, execution.operation_name, execution.variables
        )
        maximum = self.limits.max_query_cost
        refusal: GraphQLError | None = None
        if cost > maximum:
            self.charge = QueryCharge(cost, maximum, await self._peek(context))
            refusal = GraphQLError(
                f"This query costs {cost:,} points, more than the {maximum:,} points one "
                "query may cost. Ask for fewer items (`first`/`last`) or fewer nested fields.",
                extensions={"code": "QUERY_TOO_COSTLY", "cost": cost, "maximumCost": maximum},
            )
        else:
            spend = await self._spend(context, cost)
            self.charge = QueryCharge(cost, maximum, spend.status)
            if not spend.allowed and spend.status is not None:
                retry_after = spend.retry_after(cost)
                refusal = GraphQLError(
                    f"Throttled: this query costs {cost:,} points and your budget holds "
                    f"{int(spend.status.currently_available):,} (it refills "
                    f"{spend.status.restore_rate:g} points a second). "
                    f"Retry in {retry_after} s.",
                    extensions={"code": "THROTTLED", "cost": cost, "retryAfter": retry_after},
                )
        context.query_charge = self.charge
        if refusal is not None:
            if execution.operation_type is OperationType.SUBSCRIPTION:
                # strawberry's subscription path ignores a preset result; an error
                # raised here becomes the stream's one result, before subscribing.
                raise refusal
            # Queries and mutations: a preset result replaces execution entirely.
            execution.result = GraphQLExecutionResult(data=None, errors=[refusal])
        yield

    async def get_results(self) -> dict[str, Any]:
        """`extensions.cost` (Shopify's shape), on every response, refused ones included."""
        charge = self.charge
        if charge is None:  # refused before it could be priced (syntax, validation)
            status = await self._peek(self.execution_context.context)
            charge = QueryCharge(0, self.limits.max_query_cost, status)
            requested: int | None = None
        else:
            requested = charge.cost
        return {
            "cost": {
                "requestedQueryCost": requested,
                "maximumQueryCost": charge.max_query_cost,
                "throttleStatus": charge.status.as_json() if charge.status else None,
            }
        }

    async def _spend(self, context: Context, cost: int) -> Spend:
        if self.limits.budgets is None:
            return Spend(True, None)
        bucket = self.limits.budgets.bucket(context.services.redis)
        return await bucket.spend(caller_key(context), cost)

    async def _peek(self, context: Context | None) -> ThrottleStatus | None:
        if context is None:
            return None
        return (await self._spend(context, 0)).status
