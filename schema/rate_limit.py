"""The `rateLimit` field's type: a client's query budget, as GitHub's API reports it."""

from __future__ import annotations

import math
from datetime import datetime

import strawberry

from server.rate_limit import QueryCharge


@strawberry.type(
    description="Your query budget. Each query costs points (see `cost`), taken from a "
    "bucket that holds at most `limit` and refills at `restoreRate` points a second; "
    "a query costing more than `remaining` is refused with THROTTLED. Every response "
    "also reports this in `extensions.cost`."
)
class RateLimit:
    cost: int = strawberry.field(description="What this query costs.")
    max_query_cost: int = strawberry.field(
        description="The most one query may cost; a query above it is refused "
        "(QUERY_TOO_COSTLY) however full your budget."
    )
    limit: int = strawberry.field(description="The most your budget holds.")
    remaining: int = strawberry.field(description="Points left after this query.")
    restore_rate: float = strawberry.field(description="Points restored per second.")
    reset_at: datetime = strawberry.field(
        description="When your budget will be full again if you send nothing more."
    )

    @classmethod
    def from_charge(cls, charge: QueryCharge) -> RateLimit | None:
        status = charge.status
        if status is None:
            return None
        return cls(
            cost=charge.cost,
            max_query_cost=charge.max_query_cost,
            limit=status.maximum_available,
            remaining=math.floor(status.currently_available),
            restore_rate=status.restore_rate,
            reset_at=status.full_at,
        )
