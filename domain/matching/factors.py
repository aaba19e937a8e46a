"""The soft factors, each a number in [0, 1] per candidate pair, computed on whole columns.

Every formula is monotone in what it rewards (a higher level, more years, a shorter distance,
more pay… never lowers it) and smooth enough that a small change is a small change.

- **skills**: each skill slot earns a level credit times an experience credit, and the
  slots are averaged with required skills weighing `REQUIRED_SKILL_WEIGHT` (2) and
  nice-to-have ones `NICE_TO_HAVE_SKILL_WEIGHT` (1).
  Level credit, with δ = level − min_level: 0 when the skill is not held; 0.9 · 2^δ below
  the level asked (half as much per missing level); 0.9 at the level, +0.05 per level above,
  at most 1. Experience credit: 1 − 0.25 · e^(−years / 3) — 0.75 with no years, 0.91 after
  3 years, 0.99 after 10 (diminishing returns). A job naming no skills scores 1.
- **languages**: per language asked, 0.8 at the level asked and +0.1 per rank above
  (JLPT N3 asked, N1 held: 1.0), averaged; 1 when no language is asked.
- **distance**: 1 when the worker works remotely (a remote job and `remote_ok`);
  otherwise 4^(−km / radius): 1 at the door, 0.5 at half the worker's travel radius, 0.25
  at its edge (the radius counts as at least 0.5 km). 0 when a distance is needed but a
  location is missing.
- **pay**: (job's maximum / worker's minimum)³ capped at 1, both in yen per hour: 1 when the
  job pays at least the wish, 0.73 at 90 %, 0.51 at 80 %. 1 without a wish.
- **schedule**: the share of the job's half-hours the worker is available; 1 without a
  schedule.
- **start_date**: 1 when the worker can start by the job's start (no start date: today);
  halves every `START_HALF_LIFE_DAYS` (30) days later.
- **credentials**: the share of the job's credential types (required and preferred) the
  worker holds verified; 1 when it names none.
- **employment_type**: 1 when the worker wants the job's employment type (or named none),
  else 0.
- **text**: the larger of two readings, so either can only add:
  - TF-IDF cosine of the profile and the job description (`text_similarity`), divided by
    `TEXT_SATURATION` and capped at 1: descriptions and profiles are different kinds of
    text, and a cosine of 0.3 is already a close match. Needs shared character n-grams,
    so a Japanese ad and an English profile score 0.
  - the multilingual embedding cosine of the short texts (title or headline plus skill
    names, `short_text.py`), 0 up to `EMBEDDING_FLOOR` (0.30, what 90 % of
    different-sector pairs stay below) and 1 from `EMBEDDING_CEILING` (0.55). A row
    whose embedding is not stored yet has only the TF-IDF reading.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from domain.matching.pairs import Pairs
from domain.matching.short_text import embedding_fit
from domain.matching.weights import Factor

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]

REQUIRED_SKILL_WEIGHT = 2.0
NICE_TO_HAVE_SKILL_WEIGHT = 1.0
LEVEL_CREDIT_AT_MINIMUM = 0.9
LEVEL_CREDIT_PER_LEVEL_ABOVE = 0.05
LEVEL_CREDIT_PER_LEVEL_BELOW = 0.5  # multiplied once per missing level
EXPERIENCE_SHARE = 0.25
EXPERIENCE_SCALE_YEARS = 3.0
LANGUAGE_CREDIT_AT_LEVEL = 0.8
LANGUAGE_CREDIT_PER_RANK_ABOVE = 0.1
DISTANCE_DECAY_PER_RADIUS = 4.0
MIN_RADIUS_KM = 0.5
PAY_SHORTFALL_EXPONENT = 3.0
START_HALF_LIFE_DAYS = 30.0
TEXT_SATURATION = 0.3
# Factors are rounded to this many decimals: sums over skill slots or text terms run in a
# different order in the two directions, and rounding makes a pair score the same both ways.
FACTOR_DECIMALS = 6


def _ratio(numerator: npt.NDArray[Any], denominator: npt.NDArray[Any]) -> F64:
    """numerator / denominator, and 1 where the denominator is 0 (nothing was asked)."""
    shape = np.broadcast_shapes(numerator.shape, denominator.shape)
    result: F64 = np.divide(
        numerator, denominator, out=np.ones(shape), where=np.asarray(denominator) > 0
    )
    return result


def meets_level(levels: F32, min_levels: F32) -> npt.NDArray[np.bool_]:
    """Held at (or above) the level asked."""
    result: npt.NDArray[np.bool_] = (levels > 0) & (levels >= min_levels)
    return result


def level_credit(levels: F32, min_levels: F32) -> F32:
    delta = levels - min_levels
    above = np.minimum(1.0, LEVEL_CREDIT_AT_MINIMUM + LEVEL_CREDIT_PER_LEVEL_ABOVE * delta)
    below = LEVEL_CREDIT_AT_MINIMUM * np.power(np.float32(LEVEL_CREDIT_PER_LEVEL_BELOW), -delta)
    credit = np.where(delta >= 0, above, below)
    return np.where(levels > 0, credit, 0.0).astype(np.float32)


def experience_credit(years: F32) -> F32:
    credit = 1.0 - EXPERIENCE_SHARE * np.exp(-years / np.float32(EXPERIENCE_SCALE_YEARS))
    return credit.astype(np.float32, copy=False)


def slot_weights(pairs: Pairs) -> F32:
    weights = np.where(pairs.slot_required, REQUIRED_SKILL_WEIGHT, NICE_TO_HAVE_SKILL_WEIGHT)
    return np.where(pairs.slot_skills >= 0, weights, 0.0).astype(np.float32)


def skill_fit(pairs: Pairs) -> F64:
    weights = slot_weights(pairs)
    credit = level_credit(pairs.skill_levels, pairs.min_levels)
    credit = credit * experience_credit(pairs.skill_years)
    earned = (credit * weights).sum(axis=-1, dtype=np.float64)
    return _ratio(earned, weights.sum(axis=-1, dtype=np.float64))


def language_fit(pairs: Pairs) -> F64:
    asked = pairs.language_required > 0
    above = pairs.language_ranks.astype(np.float32) - pairs.language_required
    credit = np.clip(LANGUAGE_CREDIT_AT_LEVEL + LANGUAGE_CREDIT_PER_RANK_ABOVE * above, 0.0, 1.0)
    earned = np.where(asked, credit, 0.0).sum(axis=-1, dtype=np.float64)
    return _ratio(earned, asked.sum(axis=-1))


def works_remotely(pairs: Pairs) -> npt.NDArray[np.bool_]:
    result: npt.NDArray[np.bool_] = pairs.job_remote & pairs.remote_ok
    return result


def distance_fit(pairs: Pairs) -> F64:
    radius = np.maximum(pairs.radius_km, MIN_RADIUS_KM).astype(np.float64)
    decay = np.exp2(-np.log2(DISTANCE_DECAY_PER_RADIUS) * pairs.distance_km / radius)
    decay = np.where(np.isnan(decay), 0.0, decay)
    unplaced_on_site = ~pairs.job_remote & ~pairs.job_has_location  # not a valid job; no penalty
    fit: F64 = np.where(works_remotely(pairs) | unplaced_on_site, 1.0, decay)
    return fit


def pay_fit(pairs: Pairs) -> F64:
    ratio = _ratio(pairs.pay_max_hourly, np.nan_to_num(pairs.pay_wish_hourly))
    fit: F64 = np.minimum(ratio, 1.0) ** PAY_SHORTFALL_EXPONENT
    return fit


def schedule_share(pairs: Pairs) -> F64:
    """Share of the job's half-hours inside the worker's availability (1 without schedule)."""
    return _ratio(pairs.covered_slots, pairs.schedule_slots * pairs.has_schedule)


def start_date_fit(pairs: Pairs) -> F64:
    late = np.maximum(pairs.can_start - pairs.job_start, 0)
    fit: F64 = np.exp2(-late / START_HALF_LIFE_DAYS)
    return fit


def credential_fit(pairs: Pairs) -> F64:
    held = (pairs.credentials_wanted & pairs.credentials_held).sum(axis=-1)
    return _ratio(held, pairs.credentials_wanted.sum(axis=-1))


def employment_type_fit(pairs: Pairs) -> F64:
    wanted = (pairs.employment_mask == 0) | ((pairs.employment_mask & pairs.employment_bit) != 0)
    return wanted.astype(np.float64)


def text_fit(pairs: Pairs) -> F64:
    fit: F64 = np.maximum(
        np.clip(pairs.text_similarity / TEXT_SATURATION, 0.0, 1.0),
        embedding_fit(pairs.short_similarity),
    )
    return fit


FACTORS: dict[Factor, Callable[[Pairs], F64]] = {
    Factor.SKILLS: skill_fit,
    Factor.DISTANCE: distance_fit,
    Factor.PAY: pay_fit,
    Factor.LANGUAGES: language_fit,
    Factor.SCHEDULE: schedule_share,
    Factor.START_DATE: start_date_fit,
    Factor.TEXT: text_fit,
    Factor.CREDENTIALS: credential_fit,
    Factor.EMPLOYMENT_TYPE: employment_type_fit,
}


def soft_factors(pairs: Pairs, count: int) -> dict[Factor, F64]:
    """Every factor for every candidate, each a (count,) array in [0, 1]."""
    return {
        factor: np.asarray(
            np.round(np.broadcast_to(compute(pairs), (count,)), FACTOR_DECIMALS), dtype=np.float64
        )
        for factor, compute in FACTORS.items()
    }
