"""The soft factors and how much each counts.

A match's score is the weighted mean of its factors, each in [0, 1]:

    score = Σ weight_f · factor_f / Σ weight_f

so the score is in [0, 1] whatever the weights (they need not sum to 1, only to more
than 0). The defaults (they happen to sum to 1, so each reads as a share):

| factor          | weight | what it rewards                                              |
| --------------- | -----: | ------------------------------------------------------------ |
| skills          |   0.30 | required skills (counted twice) and nice-to-have ones at level |
| distance        |   0.14 | living close to an on-site job (1 for remote work)           |
| pay             |   0.14 | the job paying at least the worker's minimum                 |
| languages       |   0.08 | language levels above those asked                            |
| schedule        |   0.08 | being available for the job's hours                          |
| start_date      |   0.07 | being able to start by the job's start date                  |
| text            |   0.07 | the profile resembling the job: TF-IDF of the whole texts, or |
|                 |        | (across languages) embeddings of title/headline + skill names |
| credentials     |   0.06 | verified credentials of the types the job names              |
| employment_type |   0.06 | the job's employment type being one the worker wants         |

The text factor's two readings and their rescaling (embedding cosine counted from 0.30,
full at 0.55, chosen from `bench/ai/title_similarity.py`) are documented in `factors.py`
and `short_text.py`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from enum import StrEnum


class Factor(StrEnum):
    SKILLS = "skills"
    DISTANCE = "distance"
    PAY = "pay"
    LANGUAGES = "languages"
    SCHEDULE = "schedule"
    START_DATE = "start_date"
    TEXT = "text"
    CREDENTIALS = "credentials"
    EMPLOYMENT_TYPE = "employment_type"


@dataclass(frozen=True, slots=True)
class MatchingWeights:
    skills: float = 0.30
    distance: float = 0.14
    pay: float = 0.14
    languages: float = 0.08
    schedule: float = 0.08
    start_date: float = 0.07
    text: float = 0.07
    credentials: float = 0.06
    employment_type: float = 0.06

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                raise ValueError(f"The weight of {item.name} must be a finite number ≥ 0.")
        if self.total <= 0:
            raise ValueError("At least one weight must be above 0.")

    @property
    def total(self) -> float:
        return float(sum(self.of(factor) for factor in Factor))

    def of(self, factor: Factor) -> float:
        return float(getattr(self, factor.value))

    def normalized(self) -> dict[Factor, float]:
        """Each factor's share of the score (the shares sum to 1)."""
        total = self.total
        return {factor: self.of(factor) / total for factor in Factor}


DEFAULT_WEIGHTS = MatchingWeights()
