"""Pay in one unit: every amount becomes yen per hour before it is compared.

The factors are Japan's statutory working time: 8 hours a day and 40 a week, which is
40 × 52.14 / 12 ≈ 173.8 hours a month and 2,085.6 hours a year.
"""

from __future__ import annotations

HOURS_PER_DAY = 8.0
HOURS_PER_MONTH = 173.8
HOURS_PER_YEAR = HOURS_PER_MONTH * 12
HOURS_PER_PERIOD: dict[str, float] = {
    "HOURLY": 1.0,
    "DAILY": HOURS_PER_DAY,
    "MONTHLY": HOURS_PER_MONTH,
    "YEARLY": HOURS_PER_YEAR,
}
PAY_PERIODS: tuple[str, ...] = tuple(HOURS_PER_PERIOD)


def hourly_equivalent(amount: float, period: str) -> float:
    """Yen per hour for `amount` yen per `period` (HOURLY, DAILY, MONTHLY or YEARLY)."""
    try:
        return amount / HOURS_PER_PERIOD[str(period)]
    except KeyError:
        raise ValueError(f"Unknown pay period {period!r}.") from None
