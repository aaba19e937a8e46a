# ruff: noqa: E501  (regex and phrase tables read better unwrapped)
"""Start dates: "即日", "来週から", "2026年4月1日", "4月から", "from April", "ASAP".

A date counts as a start date only next to start wording (開始, 入社, から,
start, from, available …), so a posting date or a birthday is not read as one.
A month without a year is its next occurrence (this month counts); a month
with no day starts on the 1st.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from domain.ai.mentions import StartDateMention, clamp
from domain.ai.text import FoldedText

_MONTHS = {name: i for i, name in enumerate(calendar.month_name) if name} | {
    name: i for i, name in enumerate(calendar.month_abbr) if name
}
_MONTHS = {name.lower(): i for name, i in _MONTHS.items()} | {"sept": 9}
_EN_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))

_IMMEDIATE = re.compile(
    r"即日|すぐに?(?:でも)?(?:勤務|働|開始|スタート|可能)|いつでも|immediately|asap|as soon as possible|right away|"
    r"immediate start|start now"
)
_NEXT_WEEK = re.compile(r"来週|next week")
_NEXT_MONTH = re.compile(r"来月|next month")
_JA_DATE = re.compile(
    r"(?:(?P<y>20\d\d)\s*年\s*)?(?P<m>1[0-2]|0?[1-9])\s*月\s*(?:(?P<d>[1-3]?\d)\s*日|(?P<part>上旬|中旬|下旬|初旬|頃))?"
)
_SLASH_DATE = re.compile(
    r"(?<![\d/])(?:(?P<y>20\d\d)/)?(?P<m>1[0-2]|0?[1-9])/(?P<d>[1-3]?\d)(?![\d/])"
)
_ISO_DATE = re.compile(r"(?P<y>20\d\d)-(?P<m>[01]?\d)-(?P<d>[0-3]?\d)")
_EN_DATE = re.compile(
    rf"(?:(?P<d1>[1-3]?\d)(?:st|nd|rd|th)?\s+)?(?P<mon>{_EN_MONTH})\.?(?:\s+(?P<d2>[1-3]?\d)(?:st|nd|rd|th)?)?"
    rf"(?:,?\s+(?P<y>20\d\d))?(?![a-z])"
)
_START_CONTEXT = re.compile(
    r"開始|入社|勤務開始|スタート|から|より|~|以降|可能|start|from|available|begin|commenc|join|beginning|on or after"
)


def _next_monday(today: date) -> date:
    return today + timedelta(days=7 - today.weekday())


def _first_of_next_month(today: date) -> date:
    return date(today.year + (today.month == 12), today.month % 12 + 1, 1)


def _resolve(today: date, year: str | None, month: int, day: int | None) -> date | None:
    resolved_year = int(year) if year else today.year if month >= today.month else today.year + 1
    try:
        return date(resolved_year, month, day or 1)
    except ValueError:
        return None


def _near_start_words(folded: str, start: int, end: int) -> bool:
    window = folded[max(0, start - 16) : start] + " " + folded[end : end + 12]
    return bool(_START_CONTEXT.search(window))


def find_start_dates(text: FoldedText, today: date) -> list[StartDateMention]:
    """Start dates in text order; explicit dates before relative words at the same place."""
    folded = text.text
    found: list[StartDateMention] = []
    taken = bytearray(len(folded))

    def add(start: int, end: int, value: date | None, immediate: bool, confidence: float) -> None:
        if value is None or any(taken[start:end]) or value < today - timedelta(days=1):
            return
        taken[start:end] = b"\x01" * (end - start)
        found.append(StartDateMention(value, immediate, text.span(start, end), clamp(confidence)))

    for pattern in (_JA_DATE, _ISO_DATE, _SLASH_DATE):
        for m in pattern.finditer(folded):
            if not _near_start_words(folded, m.start(), m.end()):
                continue
            day = m.groupdict().get("d")
            part = m.groupdict().get("part")
            day_value = int(day) if day else {"中旬": 11, "下旬": 21}.get(part or "")
            value = _resolve(today, m.group("y"), int(m.group("m")), day_value)
            add(m.start(), m.end(), value, False, 0.85 if day else 0.7)
    for m in _EN_DATE.finditer(folded):
        if (
            m.group("mon") in ("may", "mar", "jun", "sat", "sun")
            and not (m.group("d1") or m.group("d2"))
            and not re.search(
                r"(?:from|in|start(?:ing)?|begin(?:ning)?|available)\s+$", folded[: m.start()]
            )
        ):
            continue
        if not _near_start_words(folded, m.start(), m.end()):
            continue
        day = m.group("d1") or m.group("d2")
        value = _resolve(today, m.group("y"), _MONTHS[m.group("mon")], int(day) if day else None)
        add(m.start(), m.end(), value, False, 0.85 if day else 0.7)
    for m in _IMMEDIATE.finditer(folded):
        add(m.start(), m.end(), today, True, 0.9)
    for m in _NEXT_WEEK.finditer(folded):
        add(m.start(), m.end(), _next_monday(today), False, 0.8)
    for m in _NEXT_MONTH.finditer(folded):
        add(m.start(), m.end(), _first_of_next_month(today), False, 0.8)
    return sorted(found, key=lambda mention: mention.span.start)
