"""The feature columns of every worker and every open job, kept in memory and refreshed a
row at a time when a profile or a job changes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from domain.matching.features import JobFeatures, WorkerFeatures
from domain.matching.records import JobRecord, WorkerRecord
from domain.matching.scoring import (
    DEFAULT_TOP_K,
    CandidateScores,
    RankedMatch,
    rank_jobs_for_stored_worker,
    rank_workers_for_stored_job,
    score_jobs_for_stored_worker,
    score_workers_for_stored_job,
)
from domain.matching.text_similarity import TERMS_PER_ROW
from domain.matching.vocabulary import Vocabulary
from domain.matching.weights import DEFAULT_WEIGHTS, MatchingWeights


class FeatureCache:
    """Workers and jobs as feature columns over one shared vocabulary.

    `build` fits the text vocabulary (idf) on both sides and fills both tables; `put_worker`
    / `put_job` insert or replace one row, `remove_worker` / `remove_job` drop one. The text
    vocabulary stays as fitted until the next `build` (new words match nothing until then)."""

    def __init__(self, vocabulary: Vocabulary, workers: WorkerFeatures, jobs: JobFeatures):
        self.vocabulary = vocabulary
        self.workers = workers
        self.jobs = jobs

    @classmethod
    def build(
        cls,
        workers: Sequence[WorkerRecord],
        jobs: Sequence[JobRecord],
        *,
        terms_per_row: int = TERMS_PER_ROW,
    ) -> FeatureCache:
        vocabulary = Vocabulary.fit(workers, jobs)
        return cls(
            vocabulary,
            WorkerFeatures.build(workers, vocabulary, terms_per_row=terms_per_row),
            JobFeatures.build(jobs, vocabulary, terms_per_row=terms_per_row),
        )

    @property
    def nbytes(self) -> int:
        return self.workers.nbytes + self.jobs.nbytes + self.vocabulary.text.nbytes

    def put_worker(self, worker: WorkerRecord) -> None:
        self.workers.put(worker)

    def put_job(self, job: JobRecord) -> None:
        self.jobs.put(job)

    def remove_worker(self, worker_id: uuid.UUID) -> bool:
        return self.workers.remove(worker_id)

    def remove_job(self, job_id: uuid.UUID) -> bool:
        return self.jobs.remove(job_id)

    def _job_row(self, job_id: uuid.UUID) -> int:
        try:
            return self.jobs.row_of[job_id]
        except KeyError:
            raise KeyError(f"Job {job_id} is not in the cache.") from None

    def _worker_row(self, worker_id: uuid.UUID) -> int:
        try:
            return self.workers.row_of[worker_id]
        except KeyError:
            raise KeyError(f"Worker {worker_id} is not in the cache.") from None

    def rank_workers_for_job(
        self,
        job_id: uuid.UUID,
        weights: MatchingWeights = DEFAULT_WEIGHTS,
        top_k: int | None = DEFAULT_TOP_K,
        *,
        as_of: date | None = None,
        min_score: float = 0.0,
    ) -> list[RankedMatch]:
        return rank_workers_for_stored_job(
            self.jobs,
            self._job_row(job_id),
            self.workers,
            weights,
            top_k,
            as_of=as_of,
            min_score=min_score,
        )

    def rank_jobs_for_worker(
        self,
        worker_id: uuid.UUID,
        weights: MatchingWeights = DEFAULT_WEIGHTS,
        top_k: int | None = DEFAULT_TOP_K,
        *,
        as_of: date | None = None,
        min_score: float = 0.0,
    ) -> list[RankedMatch]:
        return rank_jobs_for_stored_worker(
            self.workers,
            self._worker_row(worker_id),
            self.jobs,
            weights,
            top_k,
            as_of=as_of,
            min_score=min_score,
        )

    def score_workers_for_job(
        self,
        job_id: uuid.UUID,
        weights: MatchingWeights = DEFAULT_WEIGHTS,
        *,
        as_of: date | None = None,
    ) -> CandidateScores:
        return score_workers_for_stored_job(
            self.jobs, self._job_row(job_id), self.workers, weights, as_of=as_of
        )

    def score_jobs_for_worker(
        self,
        worker_id: uuid.UUID,
        weights: MatchingWeights = DEFAULT_WEIGHTS,
        *,
        as_of: date | None = None,
    ) -> CandidateScores:
        return score_jobs_for_stored_worker(
            self.workers, self._worker_row(worker_id), self.jobs, weights, as_of=as_of
        )
