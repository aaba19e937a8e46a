# ruff: noqa: E501  (regex and phrase tables read better unwrapped)
"""Employment type wording mapped onto the platform's four types.

The platform has FULL_TIME, PART_TIME, CONTRACT and SHIFT
(`domain.values.EmploymentType`). Finer Japanese categories keep their name in
`detail`: 派遣 (DISPATCH), 短期 / 単発 (TEMPORARY), 季節 (SEASONAL) all map
to CONTRACT, because each is a fixed-term engagement.
"""

from __future__ import annotations

import re

from domain.ai.mentions import EmploymentTypeMention, clamp
from domain.ai.text import FoldedText, Span
from domain.values import EmploymentType

_RULES: tuple[tuple[re.Pattern[str], EmploymentType, str, float], ...] = (
    (re.compile(r"正社員|正職員|full[- ]?time|permanent (?:position|employee|role)|regular employee"),
     EmploymentType.FULL_TIME, "FULL_TIME", 0.95),
    (re.compile(r"契約社員|契約職員|嘱託|contract (?:employee|position|worker|staff|role|basis)|fixed[- ]term|on contract"),
     EmploymentType.CONTRACT, "CONTRACT", 0.9),
    (re.compile(r"派遣社員|派遣スタッフ|人材派遣|派遣|dispatch(?:ed)? (?:worker|staff)|agency (?:worker|staff)|temp agency"),
     EmploymentType.CONTRACT, "DISPATCH", 0.85),
    (re.compile(r"短期|単発|スポット|日雇い|temporary|short[- ]term|one[- ]day|temp job|(?<![a-z])temp(?![a-z])"),
     EmploymentType.CONTRACT, "TEMPORARY", 0.8),
    (re.compile(r"季節雇用|期間工|期間従業員|seasonal"), EmploymentType.CONTRACT, "SEASONAL", 0.85),
    (re.compile(r"パート|アルバイト|バイト|part[- ]?time|part[- ]timer"),
     EmploymentType.PART_TIME, "PART_TIME", 0.95),
    (re.compile(r"シフト制|交替制|交代制|二交代|三交代|2交代|3交代|shift work|rotating shifts?|shift[- ]based"),
     EmploymentType.SHIFT, "SHIFT", 0.7),
)  # fmt: skip


def find_employment_types(text: FoldedText) -> list[EmploymentTypeMention]:
    """Each employment type the text names, once, at its first mention, in text order."""
    found: dict[str, EmploymentTypeMention] = {}
    taken = bytearray(len(text.text))
    for pattern, value, detail, confidence in _RULES:
        for match in pattern.finditer(text.text):
            if any(taken[match.start() : match.end()]) or detail in found:
                continue
            taken[match.start() : match.end()] = b"\x01" * (match.end() - match.start())
            found[detail] = EmploymentTypeMention(
                value, detail, text.span(match.start(), match.end()), clamp(confidence)
            )
    return sorted(found.values(), key=lambda mention: mention.span.start)


def primary_employment_type(mentions: list[EmploymentTypeMention]) -> EmploymentTypeMention | None:
    """An explicit contract type beats "shift work", which describes hours more than contract."""
    explicit = [m for m in mentions if m.value is not EmploymentType.SHIFT]
    chosen = explicit or mentions
    return chosen[0] if chosen else None


_REMOTE = re.compile(
    r"フルリモート|リモートワーク|リモート勤務|在宅勤務|在宅ワーク|テレワーク|(?<![a-z])remote(?![a-z])|"
    r"work from home|wfh|telework"
)
_NOT_REMOTE = re.compile(r"リモート不可|在宅不可|no remote|not remote|on-site only|onsite only")


def find_remote(text: FoldedText) -> Span | None:
    """Where the text says the work can be done remotely (and does not also rule it out)."""
    if _NOT_REMOTE.search(text.text):
        return None
    match = _REMOTE.search(text.text)
    return text.span(match.start(), match.end()) if match else None
