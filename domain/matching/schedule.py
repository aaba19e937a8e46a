"""Weekly time as a 7 × 48 half-hour bitmap, packed into six 64-bit words per row.

Bit `d * 48 + h` is day `d` (Monday = 0), half-hour `h` (00:00–00:30 = 0). A window whose end
is at or before its start runs past midnight into the next day, and Sunday night runs into
Monday morning. A job's schedule marks every half-hour it touches (rounding outwards); a
worker's availability marks only the half-hours it covers completely (rounding inwards), so
"the schedule lies inside the availability" never holds by rounding alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from domain.matching.records import TimeWindow

DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
MINUTES_PER_SLOT = 30
SLOTS_PER_DAY = 24 * 60 // MINUTES_PER_SLOT
SLOTS_PER_WEEK = 7 * SLOTS_PER_DAY
MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
WORDS = -(-SLOTS_PER_WEEK // 64)  # 6 words hold the 336 bits

WeekBits = npt.NDArray[np.uint64]


def _minutes(hh_mm: str) -> int:
    hours, minutes = hh_mm.split(":")
    return int(hours) * 60 + int(minutes)


def window_minutes(window: TimeWindow) -> tuple[int, int]:
    """Start and end as minutes from Monday 00:00; the end may pass the end of the week."""
    day = DAYS.index(window.day)
    start, end = _minutes(window.start), _minutes(window.end)
    if end <= start:  # a night shift: ends the next day
        end += MINUTES_PER_DAY
    return day * MINUTES_PER_DAY + start, day * MINUTES_PER_DAY + end


def pack(slots: npt.NDArray[np.bool_]) -> WeekBits:
    """336 booleans → 6 words (bit i of the week is bit i % 64 of word i // 64)."""
    padded = np.zeros(WORDS * 64, dtype=np.bool_)
    padded[: slots.shape[-1]] = slots
    return np.packbits(padded, bitorder="little").view("<u8").astype(np.uint64)


def unpack(bits: WeekBits) -> npt.NDArray[np.bool_]:
    as_bytes = np.asarray(bits, dtype="<u8").view(np.uint8)
    return np.unpackbits(as_bytes, bitorder="little")[:SLOTS_PER_WEEK].astype(np.bool_)


@lru_cache(maxsize=4096)
def _week_bits(windows: tuple[TimeWindow, ...], outward: bool) -> tuple[int, ...]:
    slots = np.zeros(SLOTS_PER_WEEK, dtype=np.bool_)
    for window in windows:
        start, end = window_minutes(window)
        if outward:
            first, last = start // MINUTES_PER_SLOT, -(-end // MINUTES_PER_SLOT)
        else:
            first, last = -(-start // MINUTES_PER_SLOT), end // MINUTES_PER_SLOT
        slots[np.arange(first, last) % SLOTS_PER_WEEK] = True
    return tuple(int(word) for word in pack(slots))


def schedule_bits(windows: Iterable[TimeWindow]) -> WeekBits:
    """The half-hours a job's schedule touches."""
    return np.array(_week_bits(tuple(windows), True), dtype=np.uint64)


def availability_bits(windows: Iterable[TimeWindow]) -> WeekBits:
    """The half-hours a worker's availability covers completely; none stated = any time."""
    windows = tuple(windows)
    if not windows:
        return ALL_WEEK.copy()
    return np.array(_week_bits(windows, False), dtype=np.uint64)


@lru_cache(maxsize=4096)
def _weekly_minutes(windows: tuple[TimeWindow, ...]) -> int:
    spans: list[tuple[int, int]] = []
    for window in windows:
        start, end = window_minutes(window)
        if end > MINUTES_PER_WEEK:  # Sunday night into Monday morning
            spans += [(start, MINUTES_PER_WEEK), (0, end - MINUTES_PER_WEEK)]
        else:
            spans.append((start, end))
    total, reached = 0, 0
    for start, end in sorted(spans):
        if end > reached:
            total += end - max(start, reached)
            reached = end
    return total


def weekly_hours(windows: Iterable[TimeWindow]) -> float:
    """Exact hours per week the windows cover (overlaps counted once)."""
    return _weekly_minutes(tuple(windows)) / 60


def popcount(bits: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
    """Set bits per row (summed over the last axis)."""
    counts: npt.NDArray[np.int64] = np.bitwise_count(bits).sum(axis=-1, dtype=np.int64)
    return counts


def overlaps(a: WeekBits, b: WeekBits) -> bool:
    return bool(np.any(np.bitwise_and(a, b)))


ALL_WEEK: WeekBits = pack(np.ones(SLOTS_PER_WEEK, dtype=np.bool_))
NO_TIME: WeekBits = np.zeros(WORDS, dtype=np.uint64)
