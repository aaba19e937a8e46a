"""Feature columns: N workers or M jobs as numpy arrays, one row each, over the shared
`Vocabulary`.

Rows can be written one at a time (a profile or job changed) without rebuilding the rest:
arrays keep spare capacity (rows and vocabulary columns grow geometrically), a removed row
is cleared, marked inactive and reused. Skill levels and years are stored column-major, so the
few skill columns one job asks about are contiguous reads over all workers.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
import numpy.typing as npt

from domain.matching.pay import PAY_PERIODS, hourly_equivalent
from domain.matching.records import JobRecord, LanguageSkill, WorkerRecord
from domain.matching.schedule import WORDS, availability_bits, schedule_bits, weekly_hours
from domain.matching.short_text import DIMENSIONS, decode
from domain.matching.text_similarity import TERMS_PER_ROW
from domain.matching.vocabulary import Vocabulary
from domain.matching.work_authorization import authorized_until, is_part_time_only
from domain.values import EmploymentType, language_rank
from domain.values import LanguageLevel as Level

EMPLOYMENT_TYPES: tuple[str, ...] = tuple(t.value for t in EmploymentType)
_MIN_CAPACITY = 16
_LOW_64 = (1 << 64) - 1

Width = Literal["skills", "languages", "credentials", "slots", "words", "text", "vector"] | None


def employment_bit(employment_type: str) -> int:
    return 1 << EMPLOYMENT_TYPES.index(str(employment_type))


def level_rank(language: LanguageSkill) -> int:
    """`domain.values.language_rank`, or 0 for a level the language does not have."""
    try:
        return language_rank(language.code, Level(language.level))
    except ValueError:
        return 0


def _radians(value: float | None) -> float:
    return float("nan") if value is None else float(np.radians(value))


def _grown(current: int, needed: int) -> int:
    if needed <= current:
        return current
    return max(needed, current + max(current // 4, 8))


@dataclass(frozen=True, slots=True)
class _Column:
    name: str
    dtype: Any
    width: Width = None
    fill: Any = 0
    column_major: bool = False


class FeatureTable:
    """Rows of equally long arrays with spare capacity, keyed by record id."""

    COLUMNS: ClassVar[tuple[_Column, ...]]
    id_high: npt.NDArray[np.uint64]
    id_low: npt.NDArray[np.uint64]
    active: npt.NDArray[np.bool_]
    text_terms: npt.NDArray[np.int32]
    text_weights: npt.NDArray[np.float32]
    short_vector: npt.NDArray[np.float16]

    def __init__(
        self,
        vocabulary: Vocabulary,
        capacity: int = 0,
        *,
        terms_per_row: int = TERMS_PER_ROW,
        vectors: bool = False,
    ):
        self.vocabulary = vocabulary
        self.terms_per_row = terms_per_row
        self.size = 0  # rows in use, removed ones included (they are inactive)
        self.ids: list[uuid.UUID | None] = []
        self.row_of: dict[uuid.UUID, int] = {}
        self._free: list[int] = []
        self._vectors = vectors  # any short-text embedding yet (until then: width 0, no memory)
        self._capacity = 0
        self._widths: dict[str, int] = {}
        self._reallocate(max(capacity, _MIN_CAPACITY), self._wanted_widths())

    # --- storage ------------------------------------------------------------------------

    def _wanted_widths(self, slots: int = 0) -> dict[str, int]:
        return {
            "skills": len(self.vocabulary.skills),
            "languages": len(self.vocabulary.languages),
            "credentials": len(self.vocabulary.credentials),
            "slots": max(slots, self._widths.get("slots", 0)),
            "words": WORDS,
            "text": self.terms_per_row,
            "vector": DIMENSIONS if self._vectors else 0,
        }

    def _reallocate(self, capacity: int, widths: dict[str, int]) -> None:
        for column in self.COLUMNS:
            shape: tuple[int, ...] = (capacity,)
            if column.width is not None:
                shape = (capacity, widths[column.width])
            fresh = np.full(
                shape, column.fill, dtype=column.dtype, order="F" if column.column_major else "C"
            )
            old = getattr(self, column.name, None)
            if old is not None:
                fresh[tuple(slice(0, n) for n in old.shape)] = old
            setattr(self, column.name, fresh)
        self._capacity = capacity
        self._widths = dict(widths)

    def _ensure(self, rows: int, slots: int = 0) -> None:
        """Room for `rows` rows and every vocabulary column. What runs short grows by a
        quarter (geometric, so appends stay amortised O(1) without doubling 100,000 rows)."""
        wanted = self._wanted_widths(slots)
        widths = {kind: _grown(self._widths.get(kind, 0), width) for kind, width in wanted.items()}
        capacity = _grown(self._capacity, rows)
        if capacity != self._capacity or widths != self._widths:
            self._reallocate(capacity, widths)

    def ensure_vocabulary(self) -> None:
        """Columns for every skill, language and credential type the vocabulary holds (it is
        shared, so the other side may have added some)."""
        self._ensure(self.size)

    @property
    def nbytes(self) -> int:
        return int(sum(getattr(self, column.name).nbytes for column in self.COLUMNS))

    @property
    def active_rows(self) -> int:
        return len(self.row_of)

    # --- rows ---------------------------------------------------------------------------

    def _rows_after_put(self, record_id: uuid.UUID) -> int:
        """Rows in use once `record_id` is written (a new record without a free row adds one)."""
        return self.size + (record_id not in self.row_of and not self._free)

    def _claim(self, record_id: uuid.UUID) -> int:
        row = self.row_of.get(record_id)
        if row is not None:
            return row
        if self._free:
            row = self._free.pop()
            self.ids[row] = record_id
        else:
            row = self.size
            self.size += 1
            self.ids.append(record_id)
        self.row_of[record_id] = row
        return row

    def _clear(self, row: int) -> None:
        for column in self.COLUMNS:
            getattr(self, column.name)[row] = column.fill

    def _write_id(self, row: int, record_id: uuid.UUID) -> None:
        self.id_high[row] = record_id.int >> 64
        self.id_low[row] = record_id.int & _LOW_64
        self.active[row] = True

    def remove(self, record_id: uuid.UUID) -> bool:
        """Forget a row (its slot is reused); False if it was not there."""
        row = self.row_of.pop(record_id, None)
        if row is None:
            return False
        self._clear(row)
        self.ids[row] = None
        self._free.append(row)
        return True

    def _write_text(self, row: int, text_row: tuple[Any, Any] | None, text: str) -> None:
        if text_row is None:
            rows = self.vocabulary.text.rows([text], self.terms_per_row)
            text_row = rows.terms[0], rows.weights[0]
        self.text_terms[row], self.text_weights[row] = text_row

    def _expect_vectors(self, records: Sequence[WorkerRecord | JobRecord]) -> None:
        """Give rows room for short-text embeddings once any record has one."""
        if not self._vectors and any(r.short_vector is not None for r in records):
            self._vectors = True

    def _write_vector(self, row: int, stored: bytes | None) -> None:
        if stored is not None:
            self.short_vector[row] = decode(stored)

    @property
    def has_vectors(self) -> bool:
        return self._vectors


_ID_COLUMNS = (
    _Column("id_high", np.uint64),
    _Column("id_low", np.uint64),
    _Column("active", np.bool_, fill=False),
)
_PLACE_COLUMNS = (
    _Column("lat", np.float64, fill=np.nan),  # radians
    _Column("lon", np.float64, fill=np.nan),  # radians
    _Column("cos_lat", np.float64, fill=np.nan),
    _Column("has_location", np.bool_, fill=False),
)
_TEXT_COLUMNS = (
    _Column("text_terms", np.int32, "text", fill=-1),
    _Column("text_weights", np.float32, "text"),
    _Column("short_vector", np.float16, "vector"),  # zeros: no embedding stored
)


class WorkerFeatures(FeatureTable):
    """Workers as columns. Skill levels are 0 where a skill is not held."""

    COLUMNS = (
        *_ID_COLUMNS,
        _Column("skill_levels", np.int8, "skills", column_major=True),
        _Column("skill_years", np.float16, "skills", column_major=True),
        _Column("language_ranks", np.int8, "languages"),
        *_PLACE_COLUMNS,
        _Column("radius_km", np.float32),
        _Column("remote_ok", np.bool_, fill=False),
        _Column("pay_wish_hourly", np.float64, fill=np.nan),  # NaN: no wish
        _Column("pay_wish_amount", np.int64, fill=-1),
        _Column("pay_wish_period", np.int8, fill=-1),  # index into PAY_PERIODS
        _Column("employment_mask", np.uint8),  # 0: any
        _Column("availability", np.uint64, "words"),
        _Column("earliest_start", np.int32),  # date ordinal; 0: now
        _Column("authorized_until", np.int32),  # date ordinal (work_authorization)
        _Column("part_time_only", np.bool_, fill=False),
        _Column("credentials", np.bool_, "credentials", fill=False),
        *_TEXT_COLUMNS,
    )

    id_high: npt.NDArray[np.uint64]
    id_low: npt.NDArray[np.uint64]
    active: npt.NDArray[np.bool_]
    skill_levels: npt.NDArray[np.int8]
    skill_years: npt.NDArray[np.float16]
    language_ranks: npt.NDArray[np.int8]
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    cos_lat: npt.NDArray[np.float64]
    has_location: npt.NDArray[np.bool_]
    radius_km: npt.NDArray[np.float32]
    remote_ok: npt.NDArray[np.bool_]
    pay_wish_hourly: npt.NDArray[np.float64]
    pay_wish_amount: npt.NDArray[np.int64]
    pay_wish_period: npt.NDArray[np.int8]
    employment_mask: npt.NDArray[np.uint8]
    availability: npt.NDArray[np.uint64]
    earliest_start: npt.NDArray[np.int32]
    authorized_until: npt.NDArray[np.int32]
    part_time_only: npt.NDArray[np.bool_]
    credentials: npt.NDArray[np.bool_]
    text_terms: npt.NDArray[np.int32]
    text_weights: npt.NDArray[np.float32]
    short_vector: npt.NDArray[np.float16]

    @classmethod
    def build(
        cls,
        records: Sequence[WorkerRecord],
        vocabulary: Vocabulary,
        *,
        terms_per_row: int = TERMS_PER_ROW,
    ) -> WorkerFeatures:
        for record in records:
            vocabulary.register_worker(record)
        table = cls(
            vocabulary,
            len(records),
            terms_per_row=terms_per_row,
            vectors=any(r.short_vector is not None for r in records),
        )
        text = vocabulary.text.rows([r.text for r in records], terms_per_row)
        for index, record in enumerate(records):
            table._put(record, (text.terms[index], text.weights[index]))
        return table

    def put(self, record: WorkerRecord) -> int:
        """Insert or replace the worker's row; returns the row."""
        self.vocabulary.register_worker(record)
        self._expect_vectors([record])
        return self._put(record, None)

    def _put(self, record: WorkerRecord, text_row: tuple[Any, Any] | None) -> int:
        self._ensure(self._rows_after_put(record.id))
        row = self._claim(record.id)
        self._clear(row)
        self._write_id(row, record.id)
        vocabulary = self.vocabulary
        for skill in record.skills:
            column = vocabulary.skills.get(skill.skill_id)
            self.skill_levels[row, column] = skill.level
            self.skill_years[row, column] = skill.years
        for language in record.languages:
            self.language_ranks[row, vocabulary.languages.get(language.code)] = level_rank(language)
        if record.lat is not None and record.lon is not None:
            self.lat[row], self.lon[row] = _radians(record.lat), _radians(record.lon)
            self.cos_lat[row] = np.cos(self.lat[row])
            self.has_location[row] = True
        self.radius_km[row] = record.travel_radius_km
        self.remote_ok[row] = record.remote_ok
        if record.desired_pay_amount is not None and record.desired_pay_period is not None:
            self.pay_wish_amount[row] = record.desired_pay_amount
            self.pay_wish_period[row] = PAY_PERIODS.index(record.desired_pay_period)
            self.pay_wish_hourly[row] = hourly_equivalent(
                record.desired_pay_amount, record.desired_pay_period
            )
        mask = 0
        for employment_type in record.employment_types:
            mask |= employment_bit(employment_type)
        self.employment_mask[row] = mask
        self.availability[row] = availability_bits(record.availability)
        self.earliest_start[row] = record.earliest_start.toordinal() if record.earliest_start else 0
        self.authorized_until[row] = authorized_until(
            record.residence_status, record.authorization_expires_on
        )
        self.part_time_only[row] = is_part_time_only(record.residence_status)
        for credential in record.credential_types:
            self.credentials[row, vocabulary.credentials.get(credential)] = True
        self._write_text(row, text_row, record.text)
        self._write_vector(row, record.short_vector)
        return row


class JobFeatures(FeatureTable):
    """Jobs as columns. A job's skill requirements are slots (padded with -1)."""

    COLUMNS = (
        *_ID_COLUMNS,
        _Column("slot_skills", np.int32, "slots", fill=-1),  # vocabulary column; -1: empty
        _Column("slot_min_levels", np.int8, "slots"),
        _Column("slot_required", np.bool_, "slots", fill=False),
        _Column("language_required", np.int8, "languages"),  # rank asked; 0: not asked
        _Column("remote", np.bool_, fill=False),
        *_PLACE_COLUMNS,
        _Column("pay_min", np.int64),
        _Column("pay_max", np.int64),
        _Column("pay_period", np.int8),
        _Column("pay_max_hourly", np.float64),
        _Column("employment_bit", np.uint8),
        _Column("schedule", np.uint64, "words"),
        _Column("has_schedule", np.bool_, fill=False),
        _Column("weekly_hours", np.float32),
        _Column("start_date", np.int32),  # date ordinal; 0: as soon as possible
        _Column("credentials_required", np.bool_, "credentials", fill=False),
        _Column("credentials_wanted", np.bool_, "credentials", fill=False),
        _Column("openings", np.int32),
        *_TEXT_COLUMNS,
    )

    id_high: npt.NDArray[np.uint64]
    id_low: npt.NDArray[np.uint64]
    active: npt.NDArray[np.bool_]
    slot_skills: npt.NDArray[np.int32]
    slot_min_levels: npt.NDArray[np.int8]
    slot_required: npt.NDArray[np.bool_]
    language_required: npt.NDArray[np.int8]
    remote: npt.NDArray[np.bool_]
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    cos_lat: npt.NDArray[np.float64]
    has_location: npt.NDArray[np.bool_]
    pay_min: npt.NDArray[np.int64]
    pay_max: npt.NDArray[np.int64]
    pay_period: npt.NDArray[np.int8]
    pay_max_hourly: npt.NDArray[np.float64]
    employment_bit: npt.NDArray[np.uint8]
    schedule: npt.NDArray[np.uint64]
    has_schedule: npt.NDArray[np.bool_]
    weekly_hours: npt.NDArray[np.float32]
    start_date: npt.NDArray[np.int32]
    credentials_required: npt.NDArray[np.bool_]
    credentials_wanted: npt.NDArray[np.bool_]
    openings: npt.NDArray[np.int32]
    text_terms: npt.NDArray[np.int32]
    text_weights: npt.NDArray[np.float32]
    short_vector: npt.NDArray[np.float16]

    @classmethod
    def build(
        cls,
        records: Sequence[JobRecord],
        vocabulary: Vocabulary,
        *,
        terms_per_row: int = TERMS_PER_ROW,
    ) -> JobFeatures:
        for record in records:
            vocabulary.register_job(record)
        table = cls(
            vocabulary,
            len(records),
            terms_per_row=terms_per_row,
            vectors=any(r.short_vector is not None for r in records),
        )
        table._ensure(len(records), max((len(r.skills) for r in records), default=0))
        text = vocabulary.text.rows([r.text for r in records], terms_per_row)
        for index, record in enumerate(records):
            table._put(record, (text.terms[index], text.weights[index]))
        return table

    def put(self, record: JobRecord) -> int:
        """Insert or replace the job's row; returns the row."""
        self.vocabulary.register_job(record)
        self._expect_vectors([record])
        return self._put(record, None)

    def _put(self, record: JobRecord, text_row: tuple[Any, Any] | None) -> int:
        self._ensure(self._rows_after_put(record.id), len(record.skills))
        row = self._claim(record.id)
        self._clear(row)
        self._write_id(row, record.id)
        vocabulary = self.vocabulary
        for slot, skill in enumerate(record.skills):
            self.slot_skills[row, slot] = vocabulary.skills.get(skill.skill_id)
            self.slot_min_levels[row, slot] = skill.min_level
            self.slot_required[row, slot] = skill.required
        for language in record.languages:
            column = vocabulary.languages.get(language.code)
            self.language_required[row, column] = level_rank(language)
        self.remote[row] = record.remote
        if record.lat is not None and record.lon is not None:
            self.lat[row], self.lon[row] = _radians(record.lat), _radians(record.lon)
            self.cos_lat[row] = np.cos(self.lat[row])
            self.has_location[row] = True
        self.pay_min[row], self.pay_max[row] = record.pay_min, record.pay_max
        self.pay_period[row] = PAY_PERIODS.index(record.pay_period)
        self.pay_max_hourly[row] = hourly_equivalent(record.pay_max, record.pay_period)
        self.employment_bit[row] = employment_bit(record.employment_type)
        self.schedule[row] = schedule_bits(record.schedule)
        self.has_schedule[row] = bool(record.schedule)
        self.weekly_hours[row] = weekly_hours(record.schedule)
        self.start_date[row] = record.start_date.toordinal() if record.start_date else 0
        for credential in record.required_credential_types:
            column = vocabulary.credentials.get(credential)
            self.credentials_required[row, column] = self.credentials_wanted[row, column] = True
        for credential in record.preferred_credential_types:
            self.credentials_wanted[row, vocabulary.credentials.get(credential)] = True
        self.openings[row] = record.openings
        self._write_text(row, text_row, record.text)
        self._write_vector(row, record.short_vector)
        return row
