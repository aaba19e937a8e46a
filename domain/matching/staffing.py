"""Shift staffing: fill the openings of several jobs at once, best total score, nobody
double-booked.

Two jobs conflict when their weekly schedules share a half-hour (a job without a schedule
conflicts with every job: its hours are unknown). Jobs fall into groups — the connected
components of the conflict graph — and no job of one group overlaps any job of another, so
the groups are staffed independently and a worker may hold one opening in each group.

Within a group every worker takes at most one opening: the group is one assignment problem
(rows: openings; columns: workers, plus one "leave unfilled" column per opening worth 0),
solved optimally by the Hungarian method (`assignment.linear_sum_assignment`, or scipy's
when it is installed). When a group is a clique — every two of its jobs overlap, as shifts
at the same hours do — this is the exact optimum. When it is a chain (9–17 overlaps 13–21,
which overlaps 17–01) it is the optimum among plans giving each worker at most one job of
the chain: a worker is never offered both 9–17 and 17–01 in the same proposal.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

import numpy as np

from domain.matching.features import WorkerFeatures
from domain.matching.records import JobRecord, TimeWindow
from domain.matching.schedule import overlaps, schedule_bits
from domain.matching.scoring import rank_workers_for_job
from domain.matching.weights import DEFAULT_WEIGHTS, MatchingWeights

try:  # the C implementation when it is there; ours otherwise (same interface)
    from scipy.optimize import linear_sum_assignment  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on the environment
    from domain.matching.assignment import linear_sum_assignment

ScoreTable = Mapping[tuple[uuid.UUID, uuid.UUID], float]  # (job id, worker id) → score


class ShiftJob(Protocol):
    @property
    def id(self) -> uuid.UUID: ...
    @property
    def openings(self) -> int: ...
    @property
    def schedule(self) -> tuple[TimeWindow, ...]: ...


@dataclass(frozen=True, slots=True)
class StaffingAssignment:
    job_id: uuid.UUID
    worker_id: uuid.UUID
    score: float


@dataclass(frozen=True, slots=True)
class StaffingProposal:
    assignments: tuple[StaffingAssignment, ...]  # by job id, then best score first
    unfilled: dict[uuid.UUID, int] = field(default_factory=dict)  # job id → openings left
    total_score: float = 0.0


def shifts_conflict(a: ShiftJob, b: ShiftJob) -> bool:
    """One person cannot work both: the schedules overlap, or either is unknown."""
    if not a.schedule or not b.schedule:
        return True
    return overlaps(schedule_bits(a.schedule), schedule_bits(b.schedule))


def conflict_groups(jobs: Sequence[ShiftJob]) -> list[list[int]]:
    """Indices of `jobs` grouped into connected components of the conflict graph."""
    parent = list(range(len(jobs)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(jobs)):
        for j in range(i + 1, len(jobs)):
            if shifts_conflict(jobs[i], jobs[j]):
                parent[root(j)] = root(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(jobs)):
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())


def propose_staffing(
    jobs_with_openings: Sequence[ShiftJob], workers: Iterable[uuid.UUID], scores: ScoreTable
) -> StaffingProposal:
    """Assign `workers` to the jobs' openings for the highest total score. A worker may only
    take a job with a score in `scores` (the eligible pairs); see the module notes."""
    jobs = sorted({job.id: job for job in jobs_with_openings}.values(), key=lambda job: job.id)
    people = sorted(set(workers))
    assignments: list[StaffingAssignment] = []
    for group in conflict_groups(jobs):
        assignments += _staff_group([jobs[i] for i in group], people, scores)
    assignments.sort(key=lambda a: (a.job_id, -a.score, a.worker_id))
    filled: dict[uuid.UUID, int] = {}
    for assignment in assignments:
        filled[assignment.job_id] = filled.get(assignment.job_id, 0) + 1
    unfilled = {
        job.id: job.openings - filled.get(job.id, 0)
        for job in jobs
        if job.openings > filled.get(job.id, 0)
    }
    total = float(sum(a.score for a in assignments))
    return StaffingProposal(tuple(assignments), unfilled, total)


def _staff_group(
    jobs: list[ShiftJob], people: list[uuid.UUID], scores: ScoreTable
) -> list[StaffingAssignment]:
    openings = [job for job in jobs for _ in range(max(job.openings, 0))]
    candidates = [p for p in people if any((job.id, p) in scores for job in jobs)]
    if not openings or not candidates:
        return []
    value = np.full((len(openings), len(candidates)), np.nan)
    for column, person in enumerate(candidates):
        for row, job in enumerate(openings):
            score = scores.get((job.id, person))
            if score is not None:
                value[row, column] = float(score)
    allowed = ~np.isnan(value)
    best = float(np.nanmax(value))
    forbidden = -(len(openings) + 1) * (abs(best) + 1)  # worse than leaving every opening empty
    # One "leave unfilled" column (worth 0) per opening: never forced into a forbidden pair.
    matrix = np.hstack([np.where(allowed, value, forbidden), np.zeros((len(openings),) * 2)])
    rows, columns = linear_sum_assignment(matrix, maximize=True)
    return [
        StaffingAssignment(openings[row].id, candidates[column], float(value[row, column]))
        for row, column in zip(rows.tolist(), columns.tolist(), strict=True)
        if column < len(candidates) and allowed[row, column]
    ]


def staffing_scores(
    jobs: Sequence[JobRecord],
    workers: WorkerFeatures,
    weights: MatchingWeights = DEFAULT_WEIGHTS,
    *,
    per_job: int | None = 100,
    as_of: date | None = None,
) -> dict[tuple[uuid.UUID, uuid.UUID], float]:
    """The eligible (job, worker) scores `propose_staffing` chooses from: each job's best
    `per_job` workers (None: every eligible worker)."""
    table: dict[tuple[uuid.UUID, uuid.UUID], float] = {}
    for job in jobs:
        for match in rank_workers_for_job(job, workers, weights, per_job, as_of=as_of):
            table[(job.id, match.worker_id)] = match.score
    return table
