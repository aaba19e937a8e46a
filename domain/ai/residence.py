# ruff: noqa: E501  (regex and phrase tables read better unwrapped)
"""Status of residence (在留資格) named in an ad or a self-introduction.

"特定技能" without 1号 / 2号 is read as SPECIFIED_SKILLED_WORKER_1 (the common
case) with lower confidence.
"""

from __future__ import annotations

import re

from domain.ai.mentions import ResidenceMention, clamp
from domain.ai.text import FoldedText
from domain.profiles.inputs import ResidenceStatus

_RULES: tuple[tuple[re.Pattern[str], ResidenceStatus, float], ...] = (
    (re.compile(r"特定技能\s*(?:2|二)\s*号|specified skilled worker\s*\(?(?:ii|2)\)?|ssw\s*\(?(?:ii|2)\)?(?![0-9])"),
     ResidenceStatus.SPECIFIED_SKILLED_WORKER_2, 0.95),
    (re.compile(r"特定技能\s*(?:1|一)\s*号|specified skilled worker\s*\(?(?:i|1)\)?(?![iv])|ssw\s*\(?(?:i|1)\)?(?![0-9iv])"),
     ResidenceStatus.SPECIFIED_SKILLED_WORKER_1, 0.95),
    (re.compile(r"特定技能|specified skilled worker|tokutei gino|(?<![a-z])ssw(?![a-z])"),
     ResidenceStatus.SPECIFIED_SKILLED_WORKER_1, 0.75),
    (re.compile(r"技能実習|technical intern(?:ship)?(?: training)?|(?<![a-z])tito(?![a-z])"),
     ResidenceStatus.TECHNICAL_INTERN_TRAINING, 0.9),
    (re.compile(r"永住者|永住権|永住|permanent resident|permanent residency"),
     ResidenceStatus.PERMANENT_RESIDENT, 0.9),
    (re.compile(r"日本人の配偶者|配偶者ビザ|配偶者等|spouse (?:or child )?of a japanese|spouse visa"),
     ResidenceStatus.SPOUSE_OR_CHILD_OF_JAPANESE, 0.9),
    (re.compile(r"定住者|long[- ]term resident"), ResidenceStatus.LONG_TERM_RESIDENT, 0.9),
    (re.compile(r"技術・人文知識・国際業務|技人国|engineer/specialist in humanities|engineer visa|"
                r"specialist in humanities|humanities visa"),
     ResidenceStatus.ENGINEER_SPECIALIST_IN_HUMANITIES, 0.9),
    (re.compile(r"留学ビザ|留学生|在留資格「?留学|student visa|international student|college student visa"),
     ResidenceStatus.STUDENT, 0.85),
    (re.compile(r"特定活動|designated activities"), ResidenceStatus.DESIGNATED_ACTIVITIES, 0.85),
    (re.compile(r"家族滞在|dependent visa|dependant visa"), ResidenceStatus.DEPENDENT, 0.85),
    (re.compile(r"日本国籍|japanese national(?:ity)?|japanese citizen"), ResidenceStatus.JAPANESE_NATIONAL, 0.85),
)  # fmt: skip


def find_residence_statuses(text: FoldedText) -> list[ResidenceMention]:
    """Each status named, once, in text order; a more specific rule claims its words first."""
    found: dict[ResidenceStatus, ResidenceMention] = {}
    taken = bytearray(len(text.text))
    for pattern, status, confidence in _RULES:
        for match in pattern.finditer(text.text):
            if any(taken[match.start() : match.end()]):
                continue
            taken[match.start() : match.end()] = b"\x01" * (match.end() - match.start())
            if status not in found:
                span = text.span(match.start(), match.end())
                found[status] = ResidenceMention(status, span, clamp(confidence))
    return sorted(found.values(), key=lambda mention: mention.span.start)
