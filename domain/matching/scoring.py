"""Ranking: one job against every worker, or one worker against every job, in one
vectorised pass over the feature columns.

    score = Σ weight_f · factor_f / Σ weight_f   (weights.py, factors.py)

A candidate that breaks a hard constraint (constraints.py) is dropped. Scores are rounded to
`SCORE_DECIMALS` so that the order never depends on floating-point summation order, and
equal scores are ordered by candidate id (as a 128-bit number), so the same input gives the
same ranking in any row order.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from domain.clock import today
from domain.matching.constraints import Constraint, hard_constraints
from domain.matching.explain import Audience, MatchFacts, SkillNames, explain, facts_of
from domain.matching.factors import soft_factors
from domain.matching.features import JobFeatures, WorkerFeatures, _Table
from domain.matching.pairs import Pairs, pairs_for_job, pairs_for_worker
from domain.matching.records import JobRecord, WorkerRecord
from domain.matching.text_similarity import TERMS_PER_ROW
from domain.matching.vocabulary import Vocabulary
from domain.matching.weights import DEFAULT_WEIGHTS, Factor, MatchingWeights

SCORE_DECIMALS = 9
BREAKDOWN_DECIMALS = 4
DEFAULT_TOP_K = 20

Rows = npt.NDArray[np.intp]


@dataclass(frozen=True, slots=True)
class CandidateScores:
    """Every candidate row of a table scored against one counterpart (row-aligned)."""

    scores: npt.NDArray[np.float64]
    factors: dict[Factor, npt.NDArray[np.float32]]
    constraints: dict[Constraint, npt.NDArray[np.bool_]]
    eligible: npt.NDArray[np.bool_]  # active and breaking no hard constraint
    pairs: Pairs


@dataclass(frozen=True, slots=True)
class RankedMatch:
    job_id: uuid.UUID
    worker_id: uuid.UUID
    score: float
    breakdown: dict[str, float]  # factor → [0, 1]
    facts: MatchFacts

    def explanation(
        self, skill_names: SkillNames, locale: str = "en", audience: Audience = Audience.WORKER
    ) -> str:
        return explain(self.facts, skill_names, locale, audience)


@dataclass(frozen=True, slots=True)
class PairScore:
    """One worker and one job: the score even when a hard constraint fails."""

    score: float
    breakdown: dict[str, float]
    eligible: bool
    failed: tuple[Constraint, ...]
    facts: MatchFacts


def _evaluate(
    pairs: Pairs, active: npt.NDArray[np.bool_], weights: MatchingWeights
) -> CandidateScores:
    count = len(active)
    factors = soft_factors(pairs, count)
    total = np.zeros(count, dtype=np.float64)
    for factor, share in weights.normalized().items():
        if share:
            total += share * factors[factor]
    scores = np.round(np.clip(total, 0.0, 1.0), SCORE_DECIMALS)
    constraints = hard_constraints(pairs, count)
    eligible = active.copy()
    for satisfied in constraints.values():
        eligible &= satisfied
    return CandidateScores(scores, factors, constraints, eligible, pairs)


def top_rows(
    scores: npt.NDArray[np.float64],
    eligible: npt.NDArray[np.bool_],
    table: _Table,
    top_k: int | None,
) -> Rows:
    """Eligible rows, best first, ties by ascending id; at most `top_k` (None: all)."""
    rows = np.flatnonzero(eligible)
    best = scores[rows]
    if top_k is not None and len(rows) > top_k:
        if top_k <= 0:
            return rows[:0]
        cut = len(rows) - top_k
        threshold = np.partition(best, cut)[cut]
        keep = best >= threshold  # everything tied with the k-th stays in the running
        rows, best = rows[keep], best[keep]
    order = np.lexsort((table.id_low[rows], table.id_high[rows], -best))
    return rows[order][:top_k]


def _breakdown(result: CandidateScores, row: int) -> dict[str, float]:
    return {
        factor.value: round(float(values[row]), BREAKDOWN_DECIMALS)
        for factor, values in result.factors.items()
    }


def _today(as_of: date | None) -> date:
    return today() if as_of is None else as_of


def score_workers_for_stored_job(
    jobs: JobFeatures,
    job_row: int,
    workers: WorkerFeatures,
    weights: MatchingWeights = DEFAULT_WEIGHTS,
    *,
    as_of: date | None = None,
) -> CandidateScores:
    pairs = pairs_for_job(jobs, job_row, workers, _today(as_of))
    return _evaluate(pairs, workers.active[: workers.size], weights)


def score_jobs_for_stored_worker(
    workers: WorkerFeatures,
    worker_row: int,
    jobs: JobFeatures,
    weights: MatchingWeights = DEFAULT_WEIGHTS,
    *,
    as_of: date | None = None,
) -> CandidateScores:
    pairs = pairs_for_worker(workers, worker_row, jobs, _today(as_of))
    return _evaluate(pairs, jobs.active[: jobs.size], weights)


def rank_workers_for_stored_job(
    jobs: JobFeatures,
    job_row: int,
    workers: WorkerFeatures,
    weights: MatchingWeights = DEFAULT_WEIGHTS,
    top_k: int | None = DEFAULT_TOP_K,
    *,
    as_of: date | None = None,
) -> list[RankedMatch]:
    result = score_workers_for_stored_job(jobs, job_row, workers, weights, as_of=as_of)
    job_id = jobs.ids[job_row]
    assert job_id is not None, "the job's row was removed"
    return [
        RankedMatch(
            job_id=job_id,
            worker_id=_id(workers, row),
            score=float(result.scores[row]),
            breakdown=_breakdown(result, row),
            facts=facts_of(result.pairs.candidate(row), workers.vocabulary),
        )
        for row in top_rows(result.scores, result.eligible, workers, top_k).tolist()
    ]


def rank_jobs_for_stored_worker(
    workers: WorkerFeatures,
    worker_row: int,
    jobs: JobFeatures,
    weights: MatchingWeights = DEFAULT_WEIGHTS,
    top_k: int | None = DEFAULT_TOP_K,
    *,
    as_of: date | None = None,
) -> list[RankedMatch]:
    result = score_jobs_for_stored_worker(workers, worker_row, jobs, weights, as_of=as_of)
    worker_id = workers.ids[worker_row]
    assert worker_id is not None, "the worker's row was removed"
    return [
        RankedMatch(
            job_id=_id(jobs, row),
            worker_id=worker_id,
            score=float(result.scores[row]),
            breakdown=_breakdown(result, row),
            facts=facts_of(result.pairs.candidate(row), jobs.vocabulary),
        )
        for row in top_rows(result.scores, result.eligible, jobs, top_k).tolist()
    ]


def _id(table: _Table, row: int) -> uuid.UUID:
    record_id = table.ids[row]
    assert record_id is not None
    return record_id


def _transient_job(job: JobRecord, vocabulary: Vocabulary, terms_per_row: int) -> JobFeatures:
    return JobFeatures.build([job], vocabulary, terms_per_row=terms_per_row)


def _transient_worker(
    worker: WorkerRecord, vocabulary: Vocabulary, terms_per_row: int
) -> WorkerFeatures:
    return WorkerFeatures.build([worker], vocabulary, terms_per_row=terms_per_row)


def score_workers_for_job(
    job: JobRecord,
    workers: WorkerFeatures,
    weights: MatchingWeights = DEFAULT_WEIGHTS,
    *,
    as_of: date | None = None,
) -> CandidateScores:
    """Every worker row scored against `job` (which need not be in any table)."""
    jobs = _transient_job(job, workers.vocabulary, workers.terms_per_row)
    return score_workers_for_stored_job(jobs, 0, workers, weights, as_of=as_of)


def score_jobs_for_worker(
    worker: WorkerRecord,
    jobs: JobFeatures,
    weights: MatchingWeights = DEFAULT_WEIGHTS,
    *,
    as_of: date | None = None,
) -> CandidateScores:
    """Every job row scored against `worker` (who need not be in any table)."""
    workers = _transient_worker(worker, jobs.vocabulary, jobs.terms_per_row)
    return score_jobs_for_stored_worker(workers, 0, jobs, weights, as_of=as_of)


def rank_workers_for_job(
    job: JobRecord,
    workers: WorkerFeatures,
    weights: MatchingWeights = DEFAULT_WEIGHTS,
    top_k: int | None = DEFAULT_TOP_K,
    *,
    as_of: date | None = None,
) -> list[RankedMatch]:
    """The `top_k` best eligible workers for `job`, best first (ties by worker id)."""
    jobs = _transient_job(job, workers.vocabulary, workers.terms_per_row)
    return rank_workers_for_stored_job(jobs, 0, workers, weights, top_k, as_of=as_of)


def rank_jobs_for_worker(
    worker: WorkerRecord,
    jobs: JobFeatures,
    weights: MatchingWeights = DEFAULT_WEIGHTS,
    top_k: int | None = DEFAULT_TOP_K,
    *,
    as_of: date | None = None,
) -> list[RankedMatch]:
    """The `top_k` best eligible jobs for `worker`, best first (ties by job id)."""
    workers = _transient_worker(worker, jobs.vocabulary, jobs.terms_per_row)
    return rank_jobs_for_stored_worker(workers, 0, jobs, weights, top_k, as_of=as_of)


def score_pair(
    worker: WorkerRecord,
    job: JobRecord,
    weights: MatchingWeights = DEFAULT_WEIGHTS,
    *,
    vocabulary: Vocabulary | None = None,
    as_of: date | None = None,
) -> PairScore:
    """One pair, constraints reported rather than applied (e.g. for an application). Pass the
    cache's vocabulary so the text similarity uses the fitted idf."""
    if vocabulary is None:
        vocabulary = Vocabulary.fit([worker], [job])
    workers = _transient_worker(worker, vocabulary, TERMS_PER_ROW)
    jobs = _transient_job(job, vocabulary, TERMS_PER_ROW)
    result = score_workers_for_stored_job(jobs, 0, workers, weights, as_of=as_of)
    failed = tuple(c for c, ok in result.constraints.items() if not bool(ok[0]))
    return PairScore(
        score=float(result.scores[0]),
        breakdown=_breakdown(result, 0),
        eligible=bool(result.eligible[0]),
        failed=failed,
        facts=facts_of(result.pairs.candidate(0), vocabulary),
    )
