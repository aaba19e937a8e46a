"""Ranking: one job against every worker, or one worker against every job, as whole-column
passes over the cached feature columns (no Python loop per candidate).

    score = Σ weight_f · factor_f / Σ weight_f   (weights.py, factors.py)

Ranking runs in two stages, as retrieval-then-ranking systems do: the hard constraints
(constraints.py) over the table — distance on every row, the others on the rows nearby —
then the soft factors on the eligible rows alone, the top K by partial sort, and their facts
for the explanations. `score_*` computes everything for every row instead (analysis and
tests; the two agree on every eligible row). Scores are rounded to
`SCORE_DECIMALS` so that the order never depends on floating-point summation order, and
equal scores are ordered by candidate id (as a 128-bit number), so the same input gives the
same ranking in any row order.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from domain.clock import today
from domain.matching.constraints import Constraint, eligible_rows, hard_constraints
from domain.matching.explain import Audience, MatchFacts, SkillNames, explain, facts_of
from domain.matching.factors import soft_factors
from domain.matching.features import FeatureTable, JobFeatures, WorkerFeatures
from domain.matching.pairs import JobsForWorker, Pairs, WorkersForJob
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
    factors: dict[Factor, npt.NDArray[np.float64]]
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


def combine(
    factors: dict[Factor, npt.NDArray[np.float64]], weights: MatchingWeights, count: int
) -> npt.NDArray[np.float64]:
    """The weighted mean of the factors, rounded to `SCORE_DECIMALS`."""
    total = np.zeros(count, dtype=np.float64)
    for factor, share in weights.normalized().items():
        if share:
            total += share * factors[factor]
    return np.asarray(np.round(np.clip(total, 0.0, 1.0), SCORE_DECIMALS), dtype=np.float64)


def _evaluate(
    pairs: Pairs, active: npt.NDArray[np.bool_], weights: MatchingWeights
) -> CandidateScores:
    count = len(active)
    factors = soft_factors(pairs, count)
    constraints = hard_constraints(pairs, count)
    eligible = active.copy()
    for satisfied in constraints.values():
        eligible &= satisfied
    return CandidateScores(combine(factors, weights, count), factors, constraints, eligible, pairs)


def best_first(
    scores: npt.NDArray[np.float64],
    id_high: npt.NDArray[np.uint64],
    id_low: npt.NDArray[np.uint64],
    top_k: int | None,
) -> Rows:
    """Positions of the `top_k` best scores (None: all), best first, equal scores by
    ascending id. Only the scores tied with the k-th best are sorted beyond a partition."""
    positions = np.arange(len(scores))
    if top_k is not None and len(scores) > top_k:
        if top_k <= 0:
            return positions[:0]
        cut = len(scores) - top_k
        threshold = np.partition(scores, cut)[cut]
        positions = np.flatnonzero(scores >= threshold)  # every tie of the k-th stays in
    order = np.lexsort((id_low[positions], id_high[positions], -scores[positions]))
    return positions[order][:top_k]


def _rank(
    pairs_of: Callable[[Rows | None], Pairs],
    candidates: FeatureTable,
    weights: MatchingWeights,
    top_k: int | None,
    min_score: float,
) -> tuple[Pairs, npt.NDArray[np.float64], dict[Factor, npt.NDArray[np.float64]], Rows]:
    """Two stages over one table: the hard constraints (`eligible_rows`: distance over every
    row, the rest over the rows nearby), then the soft factors for the rows that pass."""
    rows = eligible_rows(pairs_of, candidates.active[: candidates.size])
    survivors = pairs_of(rows)
    factors = soft_factors(survivors, len(rows))
    scores = combine(factors, weights, len(rows))
    keep = np.flatnonzero(scores >= min_score)
    best = keep[
        best_first(
            scores[keep], candidates.id_high[rows[keep]], candidates.id_low[rows[keep]], top_k
        )
    ]
    return survivors, scores, factors, best


def _breakdown(factors: dict[Factor, npt.NDArray[np.float64]], index: int) -> dict[str, float]:
    return {
        factor.value: round(float(values[index]), BREAKDOWN_DECIMALS)
        for factor, values in factors.items()
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
    """Every worker row, eligible or not, scored against the job at `job_row`."""
    pairs = WorkersForJob(jobs, job_row, workers, _today(as_of))
    return _evaluate(pairs, workers.active[: workers.size], weights)


def score_jobs_for_stored_worker(
    workers: WorkerFeatures,
    worker_row: int,
    jobs: JobFeatures,
    weights: MatchingWeights = DEFAULT_WEIGHTS,
    *,
    as_of: date | None = None,
) -> CandidateScores:
    """Every job row, eligible or not, scored against the worker at `worker_row`."""
    pairs = JobsForWorker(workers, worker_row, jobs, _today(as_of))
    return _evaluate(pairs, jobs.active[: jobs.size], weights)


def rank_workers_for_stored_job(
    jobs: JobFeatures,
    job_row: int,
    workers: WorkerFeatures,
    weights: MatchingWeights = DEFAULT_WEIGHTS,
    top_k: int | None = DEFAULT_TOP_K,
    *,
    as_of: date | None = None,
    min_score: float = 0.0,
) -> list[RankedMatch]:
    day = _today(as_of)
    job_id = _id(jobs, job_row)
    survivors, scores, factors, best = _rank(
        lambda rows: WorkersForJob(jobs, job_row, workers, day, rows),
        workers,
        weights,
        top_k,
        min_score,
    )
    top = WorkersForJob(jobs, job_row, workers, day, _rows_of(survivors, best))
    return [
        RankedMatch(
            job_id=job_id,
            worker_id=_id(workers, top.row(k)),
            score=float(scores[i]),
            breakdown=_breakdown(factors, i),
            facts=facts,
        )
        for k, (i, facts) in enumerate(
            zip(best.tolist(), facts_of(top, workers.vocabulary, day), strict=True)
        )
    ]


def rank_jobs_for_stored_worker(
    workers: WorkerFeatures,
    worker_row: int,
    jobs: JobFeatures,
    weights: MatchingWeights = DEFAULT_WEIGHTS,
    top_k: int | None = DEFAULT_TOP_K,
    *,
    as_of: date | None = None,
    min_score: float = 0.0,
) -> list[RankedMatch]:
    day = _today(as_of)
    worker_id = _id(workers, worker_row)
    survivors, scores, factors, best = _rank(
        lambda rows: JobsForWorker(workers, worker_row, jobs, day, rows),
        jobs,
        weights,
        top_k,
        min_score,
    )
    top = JobsForWorker(workers, worker_row, jobs, day, _rows_of(survivors, best))
    return [
        RankedMatch(
            job_id=_id(jobs, top.row(k)),
            worker_id=worker_id,
            score=float(scores[i]),
            breakdown=_breakdown(factors, i),
            facts=facts,
        )
        for k, (i, facts) in enumerate(
            zip(best.tolist(), facts_of(top, jobs.vocabulary, day), strict=True)
        )
    ]


def _rows_of(pairs: Pairs, positions: Rows) -> Rows:
    return positions if pairs.rows is None else pairs.rows[positions]


def _id(table: FeatureTable, row: int) -> uuid.UUID:
    record_id = table.ids[row]
    if record_id is None:
        raise KeyError(f"Row {row} was removed.")
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
    min_score: float = 0.0,
) -> list[RankedMatch]:
    """The `top_k` best eligible workers for `job`, best first (ties by worker id)."""
    jobs = _transient_job(job, workers.vocabulary, workers.terms_per_row)
    return rank_workers_for_stored_job(
        jobs, 0, workers, weights, top_k, as_of=as_of, min_score=min_score
    )


def rank_jobs_for_worker(
    worker: WorkerRecord,
    jobs: JobFeatures,
    weights: MatchingWeights = DEFAULT_WEIGHTS,
    top_k: int | None = DEFAULT_TOP_K,
    *,
    as_of: date | None = None,
    min_score: float = 0.0,
) -> list[RankedMatch]:
    """The `top_k` best eligible jobs for `worker`, best first (ties by job id)."""
    workers = _transient_worker(worker, jobs.vocabulary, jobs.terms_per_row)
    return rank_jobs_for_stored_worker(
        workers, 0, jobs, weights, top_k, as_of=as_of, min_score=min_score
    )


def score_pair(
    worker: WorkerRecord,
    job: JobRecord,
    weights: MatchingWeights = DEFAULT_WEIGHTS,
    *,
    vocabulary: Vocabulary | None = None,
    as_of: date | None = None,
) -> PairScore:
    """One pair, constraints reported rather than applied (e.g. for an application). Pass the
    cache's vocabulary: TF-IDF needs the idf of a whole population, so without one only the
    short-text embeddings (when stored) count in the text factor."""
    if vocabulary is None:
        vocabulary = Vocabulary()
        vocabulary.register_worker(worker)
        vocabulary.register_job(job)
    workers = _transient_worker(worker, vocabulary, TERMS_PER_ROW)
    jobs = _transient_job(job, vocabulary, TERMS_PER_ROW)
    day = _today(as_of)
    result = score_workers_for_stored_job(jobs, 0, workers, weights, as_of=day)
    failed = tuple(c for c, ok in result.constraints.items() if not bool(ok[0]))
    return PairScore(
        score=float(result.scores[0]),
        breakdown=_breakdown(result.factors, 0),
        eligible=bool(result.eligible[0]),
        failed=failed,
        facts=facts_of(result.pairs, vocabulary, day)[0],
    )
