# ruff: noqa: E501  (regex and phrase tables read better unwrapped)
"""Reading what the words around a skill say about it: level, years, required or not.

Level mapping (1–5, the taxonomy's scale), documented so employers and workers
read it the same way:

| wording | level |
| --- | --- |
| 未経験 / no experience / beginner-friendly | 1 |
| 初級 / 基礎 / beginner / basic | 2 |
| 中級 / 一通りできる / intermediate | 3 |
| 上級 / 熟練 / advanced / proficient | 4 |
| エキスパート / 指導できる / expert | 5 |
| "レベル3", "Lv.3", "level 3" | as written |

When only years are stated, level follows the years: under 1 year → 1,
1–2 → 2, 3–4 → 3, 5–9 → 4, 10 or more → 5 (confidence is lower).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CLAUSE_END = re.compile(r"[。\n!?！？;；■●◆★※【]|\.\s")
_PREFERRED = re.compile(
    r"歓迎|優遇|尚可|なお可|あれば|望まし|preferred|a plus|nice to have|welcome|advantage|bonus|desirable"
)
_LEVEL_WORDS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"エキスパート|指導できる|expert|master"), 5),
    (re.compile(r"上級|熟練|ベテラン|advanced|proficient|highly skilled"), 4),
    (re.compile(r"中級|一通り|intermediate"), 3),
    (re.compile(r"初級|基礎|beginner|basic|entry.level"), 2),
)
_EXPLICIT_LEVEL = re.compile(r"(?:レベル|lv\.?|level)\s*([1-5])(?!\d)")
_YEARS = re.compile(
    r"(?:経験|歴)\s*(\d+(?:\.\d+)?)\s*年"
    r"|(\d+(?:\.\d+)?)\s*年(?:以上)?(?:の)?(?:経験|勤務|実務|以上)"
    r"|(\d+(?:\.\d+)?)\+?\s*(?:years?|yrs?)(?:'|’)?"
)


@dataclass(frozen=True, slots=True)
class SkillContext:
    level: int | None
    years: float | None
    required: bool
    level_from_years: bool


def level_for_years(years: float) -> int:
    if years < 1:
        return 1
    if years < 3:
        return 2
    if years < 5:
        return 3
    if years < 10:
        return 4
    return 5


def _clause(folded: str, start: int, end: int) -> tuple[int, int]:
    left = 0
    for match in _CLAUSE_END.finditer(folded, 0, start):
        left = match.end()
    right_match = _CLAUSE_END.search(folded, end)
    return left, right_match.start() if right_match else len(folded)


def read_context(
    folded: str, start: int, end: int, *, other_hits: list[tuple[int, int]]
) -> SkillContext:
    """Level, years and requiredness for the skill at folded[start:end].

    The window is the skill's clause, cut at the neighbouring skills so "フォークリフト
    経験3年、Excel初級" gives 3 years to the forklift and level 2 to Excel only."""
    clause_left, clause_right = _clause(folded, start, end)
    left, right = clause_left, clause_right
    for other_start, other_end in other_hits:
        if other_end <= start:
            left = max(left, other_end)
        elif other_start >= end:
            right = min(right, other_start)
    after = folded[end : min(right, end + 20)]
    before = folded[max(left, start - 14) : start]
    near = before + " " + after
    level: int | None = None
    explicit = _EXPLICIT_LEVEL.search(near)
    if explicit:
        level = int(explicit.group(1))
    else:
        for pattern, value in _LEVEL_WORDS:
            if pattern.search(near):
                level = value
                break
    years: float | None = None
    found = _YEARS.search(after) or _YEARS.search(before)
    if found:
        years = float(next(group for group in found.groups() if group))
    from_years = False
    if level is None and years is not None:
        level, from_years = level_for_years(years), True
    required = not _PREFERRED.search(folded[clause_left:clause_right])
    return SkillContext(level, years, required, from_years)
