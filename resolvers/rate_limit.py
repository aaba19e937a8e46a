"""`rateLimit`: the caller's query budget, as the cost limiter left it for this query."""

from __future__ import annotations

from schema.context import Info
from schema.rate_limit import RateLimit


def rate_limit(info: Info) -> RateLimit | None:
    """Your query budget and this query's cost; null when budgets are off or unreadable."""
    charge = info.context.query_charge
    return RateLimit.from_charge(charge) if charge else None
