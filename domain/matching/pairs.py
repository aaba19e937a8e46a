"""Candidate pairs as broadcast-ready columns: the one place that lines a job up against all
workers, or a worker against all jobs.

`pairs_for_job` and `pairs_for_worker` gather what the constraints and factors read into
arrays whose first axis is the candidates (C) — or 1 for the fixed side, which numpy then
broadcasts. The two builders differ only in how they gather; every rule downstream is written
once and runs unchanged in both directions.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from domain.matching.features import JobFeatures, WorkerFeatures
from domain.matching.geometry import haversine_km_radians
from domain.matching.text_similarity import similarity_to

Rows = npt.NDArray[np.intp]
F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]


@dataclass(slots=True)
class Pairs:
    """Shapes: (C,) or (C, k) for the candidates' side; (1,) or (1, k) for the fixed side."""

    # skills: one slot per skill the job names
    slot_skills: I32  # vocabulary column, -1 for an empty slot
    slot_required: Bools
    min_levels: F32
    skill_levels: F32  # 0: not held
    skill_years: F32
    # languages: one column per language (only those asked, in the job → workers direction)
    language_columns: I32
    language_required: F32  # rank asked, 0: not asked
    language_ranks: F32  # rank the worker has, 0: none
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
    availability: U64
    schedule: U64
    has_schedule: Bools
    weekly_hours: F32
    can_start: I32  # date ordinal: max(earliest start, today)
    job_start: I32  # date ordinal: max(start date or today, today)
    # work authorisation and employment type
    authorized_until: I32
    part_time_only: Bools
    employment_mask: npt.NDArray[np.uint8]
    employment_bit: npt.NDArray[np.uint8]
    text_similarity: F32

    def candidate(self, index: int) -> Pairs:
        """The pair of one candidate, every array keeping a leading axis of 1."""
        picked: dict[str, Any] = {}
        for item in fields(self):
            array = getattr(self, item.name)
            at = index if array.shape[0] > 1 else 0
            picked[item.name] = array[at : at + 1]
        return Pairs(**picked)


def _rows(size: int, rows: Rows | None) -> Rows | slice:
    return slice(0, size) if rows is None else rows


def _today(as_of: date) -> int:
    return as_of.toordinal()


def pairs_for_job(
    jobs: JobFeatures, job_row: int, workers: WorkerFeatures, as_of: date, rows: Rows | None = None
) -> Pairs:
    """The job at `job_row` against workers (all rows, or `rows`)."""
    workers.ensure_vocabulary()
    jobs.ensure_vocabulary()
    vocabulary = workers.vocabulary
    pick = _rows(workers.size, rows)
    j = job_row
    today = _today(as_of)

    slots = jobs.slot_skills[j]
    filled = int(np.count_nonzero(slots >= 0))
    columns = slots[:filled]
    if rows is None:  # a slice, then a gather of the job's few (contiguous) columns
        levels = workers.skill_levels[: workers.size, columns]
        years = workers.skill_years[: workers.size, columns]
    else:
        levels = workers.skill_levels[np.ix_(rows, columns)]
        years = workers.skill_years[np.ix_(rows, columns)]

    languages = len(vocabulary.languages)
    asked = np.flatnonzero(jobs.language_required[j, :languages]).astype(np.int32)
    credentials = len(vocabulary.credentials)
    wanted = np.flatnonzero(jobs.credentials_wanted[j, :credentials]).astype(np.int32)

    distance = haversine_km_radians(
        workers.lat[pick],
        workers.lon[pick],
        workers.cos_lat[pick],
        jobs.lat[j],
        jobs.lon[j],
        jobs.cos_lat[j],
    )
    job_text = vocabulary.text.dense(jobs.text_terms[j], jobs.text_weights[j])
    one = slice(j, j + 1)
    return Pairs(
        slot_skills=columns[None, :],
        slot_required=jobs.slot_required[j, :filled][None, :],
        min_levels=jobs.slot_min_levels[j, :filled][None, :].astype(np.float32),
        skill_levels=levels.astype(np.float32),
        skill_years=years.astype(np.float32),
        language_columns=asked[None, :],
        language_required=jobs.language_required[j, asked][None, :].astype(np.float32),
        language_ranks=workers.language_ranks[pick][:, asked].astype(np.float32),
        credential_columns=wanted[None, :],
        credentials_required=jobs.credentials_required[j, wanted][None, :],
        credentials_wanted=np.ones((1, len(wanted)), dtype=np.bool_),
        credentials_held=workers.credentials[pick][:, wanted],
        distance_km=distance,
        radius_km=workers.radius_km[pick],
        remote_ok=workers.remote_ok[pick],
        job_remote=jobs.remote[one],
        job_has_location=jobs.has_location[one],
        pay_wish_hourly=workers.pay_wish_hourly[pick],
        pay_max_hourly=jobs.pay_max_hourly[one],
        pay_wish_amount=workers.pay_wish_amount[pick],
        pay_wish_period=workers.pay_wish_period[pick],
        pay_max=jobs.pay_max[one],
        pay_period=jobs.pay_period[one],
        availability=workers.availability[pick],
        schedule=jobs.schedule[one],
        has_schedule=jobs.has_schedule[one],
        weekly_hours=jobs.weekly_hours[one],
        can_start=np.maximum(workers.earliest_start[pick], today),
        job_start=np.maximum(jobs.start_date[one], today),
        authorized_until=workers.authorized_until[pick],
        part_time_only=workers.part_time_only[pick],
        employment_mask=workers.employment_mask[pick],
        employment_bit=jobs.employment_bit[one],
        text_similarity=similarity_to(
            job_text, (workers.text_terms[pick], workers.text_weights[pick])
        ),
    )


def pairs_for_worker(
    workers: WorkerFeatures,
    worker_row: int,
    jobs: JobFeatures,
    as_of: date,
    rows: Rows | None = None,
) -> Pairs:
    """The worker at `worker_row` against jobs (all rows, or `rows`)."""
    workers.ensure_vocabulary()
    jobs.ensure_vocabulary()
    vocabulary = workers.vocabulary
    pick = _rows(jobs.size, rows)
    w = worker_row
    today = _today(as_of)

    skills = len(vocabulary.skills)
    # One extra, always-empty column at the end: empty slots (-1) read it.
    levels = np.zeros(skills + 1, dtype=np.float32)
    years = np.zeros(skills + 1, dtype=np.float32)
    levels[:skills] = workers.skill_levels[w, :skills]
    years[:skills] = workers.skill_years[w, :skills]
    slots = jobs.slot_skills[pick]
    languages = len(vocabulary.languages)
    credentials = len(vocabulary.credentials)

    distance = haversine_km_radians(
        workers.lat[w],
        workers.lon[w],
        workers.cos_lat[w],
        jobs.lat[pick],
        jobs.lon[pick],
        jobs.cos_lat[pick],
    )
    worker_text = vocabulary.text.dense(workers.text_terms[w], workers.text_weights[w])
    one = slice(w, w + 1)
    return Pairs(
        slot_skills=slots,
        slot_required=jobs.slot_required[pick],
        min_levels=jobs.slot_min_levels[pick].astype(np.float32),
        skill_levels=levels[slots],
        skill_years=years[slots],
        language_columns=np.arange(languages, dtype=np.int32)[None, :],
        language_required=jobs.language_required[pick, :languages].astype(np.float32),
        language_ranks=workers.language_ranks[one, :languages].astype(np.float32),
        credential_columns=np.arange(credentials, dtype=np.int32)[None, :],
        credentials_required=jobs.credentials_required[pick, :credentials],
        credentials_wanted=jobs.credentials_wanted[pick, :credentials],
        credentials_held=workers.credentials[one, :credentials],
        distance_km=np.atleast_1d(distance),
        radius_km=workers.radius_km[one],
        remote_ok=workers.remote_ok[one],
        job_remote=jobs.remote[pick],
        job_has_location=jobs.has_location[pick],
        pay_wish_hourly=workers.pay_wish_hourly[one],
        pay_max_hourly=jobs.pay_max_hourly[pick],
        pay_wish_amount=workers.pay_wish_amount[one],
        pay_wish_period=workers.pay_wish_period[one],
        pay_max=jobs.pay_max[pick],
        pay_period=jobs.pay_period[pick],
        availability=workers.availability[one],
        schedule=jobs.schedule[pick],
        has_schedule=jobs.has_schedule[pick],
        weekly_hours=jobs.weekly_hours[pick],
        can_start=np.maximum(workers.earliest_start[one], today),
        job_start=np.maximum(jobs.start_date[pick], today),
        authorized_until=workers.authorized_until[one],
        part_time_only=workers.part_time_only[one],
        employment_mask=workers.employment_mask[one],
        employment_bit=jobs.employment_bit[pick],
        text_similarity=similarity_to(
            worker_text, (jobs.text_terms[pick], jobs.text_weights[pick])
        ),
    )
