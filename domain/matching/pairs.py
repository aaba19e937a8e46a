"""Candidate pairs as broadcast-ready columns: the one place that lines a job up against
workers, or a worker against jobs.

`WorkersForJob` and `JobsForWorker` gather what the constraints and factors read into arrays
whose first axis is the candidates (C) — or 1 for the fixed side, which numpy broadcasts.
Every column is gathered on first use and kept, so checking the hard constraints over all
rows touches only the columns they need, and the soft factors then gather the rest for the
surviving rows alone. The two classes differ only in how they gather; every rule downstream
is written once and runs unchanged in both directions.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from domain.matching.features import JobFeatures, WorkerFeatures
from domain.matching.geometry import haversine_km_radians
from domain.matching.schedule import popcount
from domain.matching.short_text import cosines
from domain.matching.text_similarity import similarity_to

Rows = npt.NDArray[np.intp]
F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]
I8 = npt.NDArray[np.int8]
U64 = npt.NDArray[np.uint64]


class Pairs:
    """Shapes: (C,) or (C, k) for the candidates' side; (1,) or (1, k) for the fixed side.
    Columns are computed by the subclass's `_<name>` method the first time they are read."""

    # skills: one slot per skill the job names
    slot_skills: I32  # vocabulary column, -1 for an empty slot
    slot_required: Bools
    min_levels: F32
    skill_levels: F32  # 0: not held
    skill_years: F32
    # languages: one column per language (only those asked, in the job → workers direction)
    language_columns: I32
    language_required: I8  # rank asked, 0: not asked
    language_ranks: I8  # rank the worker has, 0: none
    # credentials: one column per credential type
    credential_columns: I32
    credentials_required: Bools
    credentials_wanted: Bools  # required or preferred
    credentials_held: Bools  # verified
    # place
    distance_km: F64  # NaN when either side has no location
    radius_km: F32
    remote_ok: Bools
    job_remote: Bools
    job_has_location: Bools
    # pay (yen per hour; the original amounts for explanations)
    pay_wish_hourly: F64  # NaN: no wish
    pay_max_hourly: F64
    pay_wish_amount: I64
    pay_wish_period: npt.NDArray[np.int8]
    pay_max: I64
    pay_period: npt.NDArray[np.int8]
    # time
    schedule_bits: U64  # the job's week (schedule.py)
    availability_bits: U64  # the worker's week
    schedule_slots: I64  # half-hours of the job's schedule
    covered_slots: I64  # … of them inside the worker's availability
    has_schedule: Bools
    weekly_hours: F32
    can_start: I32  # date ordinal: max(earliest start, today)
    job_start: I32  # date ordinal: max(start date or today, today)
    # work authorisation and employment type
    authorized_until: I32
    part_time_only: Bools
    employment_mask: U8
    employment_bit: U8
    text_similarity: F64  # TF-IDF cosine of the whole texts
    short_similarity: F64  # embedding cosine of the short texts; 0 when either has none

    def __init__(self, count: int, rows: Rows | None):
        self.count = count  # candidates
        self.rows = rows  # their rows in the candidates' table; None: all rows in order

    def __getattr__(self, name: str) -> Any:
        compute = None if name.startswith("_") else getattr(type(self), f"_{name}", None)
        if compute is None:
            raise AttributeError(name)
        value = compute(self)
        setattr(self, name, value)
        return value

    def _schedule_slots(self) -> I64:
        return popcount(self.schedule_bits)

    def _covered_slots(self) -> I64:
        return popcount(np.bitwise_and(self.schedule_bits, self.availability_bits))

    def row(self, index: int) -> int:
        """The table row of candidate `index`."""
        return index if self.rows is None else int(self.rows[index])


class WorkersForJob(Pairs):
    """The job at `job_row` of `jobs` against workers (all rows, or `rows`)."""

    def __init__(
        self,
        jobs: JobFeatures,
        job_row: int,
        workers: WorkerFeatures,
        as_of: date,
        rows: Rows | None = None,
    ):
        workers.ensure_vocabulary()
        jobs.ensure_vocabulary()
        super().__init__(workers.size if rows is None else len(rows), rows)
        self.jobs, self.job, self.workers, self.as_of = jobs, job_row, workers, as_of
        self.pick: Rows | slice = slice(0, workers.size) if rows is None else rows
        self.one = slice(job_row, job_row + 1)
        vocabulary = workers.vocabulary
        slots = jobs.slot_skills[job_row]
        self._filled = int(np.count_nonzero(slots >= 0))
        self._asked = np.flatnonzero(
            jobs.language_required[job_row, : len(vocabulary.languages)]
        ).astype(np.int32)
        self._wanted = np.flatnonzero(
            jobs.credentials_wanted[job_row, : len(vocabulary.credentials)]
        ).astype(np.int32)

    def _columns(self, matrix: npt.NDArray[Any], columns: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """A few columns of a worker matrix, for the picked rows."""
        if self.rows is None:  # a slice, then a gather of contiguous columns
            return matrix[: self.workers.size, columns]
        return matrix[np.ix_(self.rows, columns)]

    def _slot_skills(self) -> I32:
        return self.jobs.slot_skills[self.job, : self._filled][None, :]

    def _slot_required(self) -> Bools:
        return self.jobs.slot_required[self.job, : self._filled][None, :]

    def _min_levels(self) -> F32:
        return self.jobs.slot_min_levels[self.job, : self._filled][None, :].astype(np.float32)

    def _skill_levels(self) -> F32:
        return self._columns(self.workers.skill_levels, self.slot_skills[0]).astype(np.float32)

    def _skill_years(self) -> F32:
        return self._columns(self.workers.skill_years, self.slot_skills[0]).astype(np.float32)

    def _language_columns(self) -> I32:
        return self._asked[None, :]

    def _language_required(self) -> I8:
        return self.jobs.language_required[self.job, self._asked][None, :]

    def _language_ranks(self) -> I8:
        return self._columns(self.workers.language_ranks, self._asked)

    def _credential_columns(self) -> I32:
        return self._wanted[None, :]

    def _credentials_required(self) -> Bools:
        return self.jobs.credentials_required[self.job, self._wanted][None, :]

    def _credentials_wanted(self) -> Bools:
        return np.ones((1, len(self._wanted)), dtype=np.bool_)

    def _credentials_held(self) -> Bools:
        return self._columns(self.workers.credentials, self._wanted)

    def _distance_km(self) -> F64:
        w, j, p = self.workers, self.jobs, self.pick
        return haversine_km_radians(
            w.lat[p], w.lon[p], w.cos_lat[p], j.lat[self.job], j.lon[self.job], j.cos_lat[self.job]
        )

    def _schedule_bits(self) -> U64:
        return self.jobs.schedule[self.one]

    def _availability_bits(self) -> U64:
        return self.workers.availability[self.pick]

    def _can_start(self) -> I32:
        return np.maximum(self.workers.earliest_start[self.pick], self.as_of.toordinal())

    def _job_start(self) -> I32:
        return np.maximum(self.jobs.start_date[self.one], self.as_of.toordinal())

    def _text_similarity(self) -> F64:
        vocabulary, jobs = self.workers.vocabulary, self.jobs
        vector = vocabulary.text.dense(jobs.text_terms[self.job], jobs.text_weights[self.job])
        p = self.pick
        return similarity_to(vector, (self.workers.text_terms[p], self.workers.text_weights[p]))

    def _short_similarity(self) -> F64:
        if not (self.jobs.has_vectors and self.workers.has_vectors):
            return np.zeros(self.count)
        return cosines(self.jobs.short_vector[self.job], self.workers.short_vector[self.pick])


def _worker_column(name: str) -> Any:
    return lambda self: getattr(self.workers, name)[self.pick]


def _job_column(name: str) -> Any:
    return lambda self: getattr(self.jobs, name)[self.one]


for _name, _source in (
    ("radius_km", "radius_km"),
    ("remote_ok", "remote_ok"),
    ("pay_wish_hourly", "pay_wish_hourly"),
    ("pay_wish_amount", "pay_wish_amount"),
    ("pay_wish_period", "pay_wish_period"),
    ("authorized_until", "authorized_until"),
    ("part_time_only", "part_time_only"),
    ("employment_mask", "employment_mask"),
):
    setattr(WorkersForJob, f"_{_name}", _worker_column(_source))
for _name, _source in (
    ("job_remote", "remote"),
    ("job_has_location", "has_location"),
    ("pay_max_hourly", "pay_max_hourly"),
    ("pay_max", "pay_max"),
    ("pay_period", "pay_period"),
    ("has_schedule", "has_schedule"),
    ("weekly_hours", "weekly_hours"),
    ("employment_bit", "employment_bit"),
):
    setattr(WorkersForJob, f"_{_name}", _job_column(_source))


class JobsForWorker(Pairs):
    """The worker at `worker_row` of `workers` against jobs (all rows, or `rows`)."""

    def __init__(
        self,
        workers: WorkerFeatures,
        worker_row: int,
        jobs: JobFeatures,
        as_of: date,
        rows: Rows | None = None,
    ):
        workers.ensure_vocabulary()
        jobs.ensure_vocabulary()
        super().__init__(jobs.size if rows is None else len(rows), rows)
        self.workers, self.worker, self.jobs, self.as_of = workers, worker_row, jobs, as_of
        self.pick: Rows | slice = slice(0, jobs.size) if rows is None else rows
        self.one = slice(worker_row, worker_row + 1)
        vocabulary = workers.vocabulary
        self._languages = len(vocabulary.languages)
        self._credentials = len(vocabulary.credentials)

    def _worker_vector(self, matrix: npt.NDArray[Any]) -> F32:
        """The worker's row of a skill matrix, plus one always-empty column at the end that
        empty slots (-1) read."""
        skills = len(self.workers.vocabulary.skills)
        vector = np.zeros(skills + 1, dtype=np.float32)
        vector[:skills] = matrix[self.worker, :skills]
        return vector

    def _slot_skills(self) -> I32:
        return self.jobs.slot_skills[self.pick]

    def _slot_required(self) -> Bools:
        return self.jobs.slot_required[self.pick]

    def _min_levels(self) -> F32:
        return self.jobs.slot_min_levels[self.pick].astype(np.float32)

    def _skill_levels(self) -> F32:
        return self._worker_vector(self.workers.skill_levels)[self.slot_skills]

    def _skill_years(self) -> F32:
        return self._worker_vector(self.workers.skill_years)[self.slot_skills]

    def _language_columns(self) -> I32:
        return np.arange(self._languages, dtype=np.int32)[None, :]

    def _language_required(self) -> I8:
        return self.jobs.language_required[self.pick, : self._languages]

    def _language_ranks(self) -> I8:
        return self.workers.language_ranks[self.one, : self._languages]

    def _credential_columns(self) -> I32:
        return np.arange(self._credentials, dtype=np.int32)[None, :]

    def _credentials_required(self) -> Bools:
        return self.jobs.credentials_required[self.pick, : self._credentials]

    def _credentials_wanted(self) -> Bools:
        return self.jobs.credentials_wanted[self.pick, : self._credentials]

    def _credentials_held(self) -> Bools:
        return self.workers.credentials[self.one, : self._credentials]

    def _distance_km(self) -> F64:
        w, j, p = self.workers, self.jobs, self.pick
        distance = haversine_km_radians(
            w.lat[self.worker],
            w.lon[self.worker],
            w.cos_lat[self.worker],
            j.lat[p],
            j.lon[p],
            j.cos_lat[p],
        )
        return np.atleast_1d(distance)

    def _schedule_bits(self) -> U64:
        return self.jobs.schedule[self.pick]

    def _availability_bits(self) -> U64:
        return self.workers.availability[self.one]

    def _can_start(self) -> I32:
        return np.maximum(self.workers.earliest_start[self.one], self.as_of.toordinal())

    def _job_start(self) -> I32:
        return np.maximum(self.jobs.start_date[self.pick], self.as_of.toordinal())

    def _text_similarity(self) -> F64:
        vocabulary, workers = self.workers.vocabulary, self.workers
        vector = vocabulary.text.dense(
            workers.text_terms[self.worker], workers.text_weights[self.worker]
        )
        p = self.pick
        return similarity_to(vector, (self.jobs.text_terms[p], self.jobs.text_weights[p]))

    def _short_similarity(self) -> F64:
        if not (self.jobs.has_vectors and self.workers.has_vectors):
            return np.zeros(self.count)
        return cosines(self.workers.short_vector[self.worker], self.jobs.short_vector[self.pick])


def _own_worker_column(name: str) -> Any:
    return lambda self: getattr(self.workers, name)[self.one]


def _candidate_job_column(name: str) -> Any:
    return lambda self: getattr(self.jobs, name)[self.pick]


for _name, _source in (
    ("radius_km", "radius_km"),
    ("remote_ok", "remote_ok"),
    ("pay_wish_hourly", "pay_wish_hourly"),
    ("pay_wish_amount", "pay_wish_amount"),
    ("pay_wish_period", "pay_wish_period"),
    ("authorized_until", "authorized_until"),
    ("part_time_only", "part_time_only"),
    ("employment_mask", "employment_mask"),
):
    setattr(JobsForWorker, f"_{_name}", _own_worker_column(_source))
for _name, _source in (
    ("job_remote", "remote"),
    ("job_has_location", "has_location"),
    ("pay_max_hourly", "pay_max_hourly"),
    ("pay_max", "pay_max"),
    ("pay_period", "pay_period"),
    ("has_schedule", "has_schedule"),
    ("weekly_hours", "weekly_hours"),
    ("employment_bit", "employment_bit"),
):
    setattr(JobsForWorker, f"_{_name}", _candidate_job_column(_source))
