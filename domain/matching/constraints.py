"""Hard constraints: a candidate that breaks one is never proposed.

- **work_authorization**: a status of residence valid on the job's first day — statuses
  that do not expire always are; the others must expire on or after the job's start date,
  or today when the job has none or has already started. Students and dependants (資格外
  活動) only for part-time or shift jobs whose schedule is at most 28 hours a week (a job
  without a schedule has no scheduled hours and passes).
- **credentials**: every credential type the job requires, held and verified.
- **languages**: every language the job asks for, at least at the level asked.
- **distance**: an on-site job within the worker's travel radius (haversine km ≤ radius; a
  worker without a location is never within it); a remote job needs `remote_ok`, or a job
  location within the radius.
- **availability**: every half-hour of the job's schedule inside the worker's availability
  (a job without a schedule is not constrained; a worker who stated no availability is
  available any time).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from domain.matching.features import employment_bit
from domain.matching.pairs import Pairs
from domain.matching.work_authorization import (
    PART_TIME_ONLY_EMPLOYMENT,
    PART_TIME_ONLY_MAX_WEEKLY_HOURS,
)

Bools = npt.NDArray[np.bool_]

_PART_TIME_BITS = np.uint8(sum(employment_bit(t) for t in PART_TIME_ONLY_EMPLOYMENT))


class Constraint(StrEnum):
    WORK_AUTHORIZATION = "work_authorization"
    CREDENTIALS = "credentials"
    LANGUAGES = "languages"
    DISTANCE = "distance"
    AVAILABILITY = "availability"


def work_authorization_ok(pairs: Pairs) -> Bools:
    valid = pairs.authorized_until >= pairs.job_start
    part_time_job = ((pairs.employment_bit & _PART_TIME_BITS) != 0) & (
        pairs.weekly_hours <= PART_TIME_ONLY_MAX_WEEKLY_HOURS
    )
    result: Bools = valid & (~pairs.part_time_only | part_time_job)
    return result


def credentials_ok(pairs: Pairs) -> Bools:
    return ~np.any(pairs.credentials_required & ~pairs.credentials_held, axis=-1)


def languages_ok(pairs: Pairs) -> Bools:
    return ~np.any(pairs.language_ranks < pairs.language_required, axis=-1)


def distance_ok(pairs: Pairs) -> Bools:
    within = pairs.distance_km <= pairs.radius_km  # False when a location is missing (NaN)
    remote = pairs.job_remote & pairs.remote_ok
    unplaced_on_site = ~pairs.job_remote & ~pairs.job_has_location  # not a valid job
    result: Bools = within | remote | unplaced_on_site
    return result


def availability_ok(pairs: Pairs) -> Bools:
    uncovered = np.bitwise_and(pairs.schedule_bits, ~pairs.availability_bits)
    result: Bools = ~np.any(uncovered, axis=-1) | ~pairs.has_schedule
    return result


CONSTRAINTS = {
    Constraint.WORK_AUTHORIZATION: work_authorization_ok,
    Constraint.CREDENTIALS: credentials_ok,
    Constraint.LANGUAGES: languages_ok,
    Constraint.DISTANCE: distance_ok,
    Constraint.AVAILABILITY: availability_ok,
}


def hard_constraints(pairs: Pairs, count: int) -> dict[Constraint, Bools]:
    """Per constraint, True where the candidate satisfies it, each as a (count,) array."""
    return {
        constraint: np.broadcast_to(check(pairs), (count,))
        for constraint, check in CONSTRAINTS.items()
    }


def eligible_rows(
    pairs_of: Callable[[npt.NDArray[np.intp] | None], Pairs], active: Bools
) -> npt.NDArray[np.intp]:
    """The rows (of the candidates' table) passing every hard constraint. Distance goes
    first, over every row: it is cheap and removes most candidates (a worker travels 5–50
    km, Japan is 3,000 km long); the other constraints then read only the rows left.
    `pairs_of(rows)` builds the pairs for those rows (None: every row)."""
    everyone = pairs_of(None)
    near = active & np.broadcast_to(distance_ok(everyone), (everyone.count,))
    rows = np.flatnonzero(near)
    nearby = pairs_of(rows)
    passed = np.ones(len(rows), dtype=np.bool_)
    for constraint, check in CONSTRAINTS.items():
        if constraint is not Constraint.DISTANCE:
            passed &= np.broadcast_to(check(nearby), (len(rows),))
    return rows[passed]
