# ruff: noqa: E501  (regex and phrase tables read better unwrapped)
"""When: night shifts, weekends or weekdays only, named days, hours, days per week.

Times come out as 24-hour HH:MM; "22:00〜翌7:00" keeps end < start, which the
platform's `WeeklySlot` reads as running past midnight.
"""

from __future__ import annotations

import re

from domain.ai.mentions import ScheduleKind, ScheduleMention, clamp
from domain.ai.text import FoldedText
from domain.values import Weekday

_WEEK = (Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI, Weekday.SAT, Weekday.SUN)
_JA_DAYS = {"月": 0, "火": 1, "水": 2, "木": 3, "金": 4, "土": 5, "日": 6}
_EN_DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}

_NIGHT = re.compile(
    r"夜勤|夜間勤務|深夜勤務|ナイトシフト|night[- ]?shifts?|overnight shifts?|night work|nights only"
)
_NO_NIGHT = re.compile(r"夜勤(?:なし|無し|ナシ)|no night shifts?|without night shifts?")
_WEEKENDS = re.compile(
    r"土日(?:祝)?のみ|週末のみ|土日(?:祝)?だけ|weekends? only|only (?:on )?weekends|weekend[- ]only"
)
_WEEKDAYS = re.compile(
    r"平日のみ|土日(?:祝)?休み|土日祝日?休|完全週休2日制?\(土日\)|weekdays only|only (?:on )?weekdays|"
    r"monday (?:to|through|-) friday|mon(?:day)?\s?[-~]\s?fri(?:day)?|月~金|月曜~金曜"
)
_JA_DAY_LIST = re.compile(
    r"(?<![0-9])([月火水木金土日](?:[・、,/]?[月火水木金土日]){1,6})(?:曜日?)?(?:のみ|勤務|出勤)"
)
_EN_DAY = r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?"
_EN_DAY_LIST = re.compile(rf"\b({_EN_DAY}(?:\s*(?:,|/|and|&)\s*{_EN_DAY})+)")
_HOURS = re.compile(
    r"(?P<h1>[0-2]?\d)(?::(?P<m1>[0-5]\d)|時(?:(?P<m1j>[0-5]?\d)分|半)?)\s*(?P<ampm1>am|pm)?\s*"
    r"(?:~|-|から|to)\s*(?:翌)?\s*(?P<h2>[0-2]?\d)(?::(?P<m2>[0-5]\d)|時(?:(?P<m2j>[0-5]?\d)分|半)?)\s*(?P<ampm2>am|pm)?"
    r"|(?P<eh1>1[0-2]|0?[1-9])\s*(?P<eap1>am|pm)\s*(?:~|-|to)\s*(?P<eh2>1[0-2]|0?[1-9])\s*(?P<eap2>am|pm)"
)
_PER_WEEK = re.compile(
    r"週\s*(?P<ja>[1-7])\s*日|(?P<en>[1-7])\s*(?:days?|shifts?)\s*(?:a|per|/)\s*week"
)


def _clock(hour: int, minute: int, ampm: str | None) -> str | None:
    if ampm == "pm" and hour < 12:
        hour += 12
    if ampm == "am" and hour == 12:
        hour = 0
    if hour == 24:
        hour = 0
    if not 0 <= hour <= 23:
        return None
    return f"{hour:02d}:{minute:02d}"


def _hours(text: FoldedText) -> list[ScheduleMention]:
    found: list[ScheduleMention] = []
    for m in _HOURS.finditer(text.text):
        if m.group("eh1"):
            start = _clock(int(m.group("eh1")), 0, m.group("eap1"))
            end = _clock(int(m.group("eh2")), 0, m.group("eap2"))
        else:
            m1 = (
                m.group("m1")
                or m.group("m1j")
                or ("30" if "半" in m.group(0).split("~")[0] else "0")
            )
            m2 = m.group("m2") or m.group("m2j") or "0"
            ampm1 = m.group("ampm1") or (m.group("ampm2") if m.group("ampm2") == "am" else None)
            start = _clock(int(m.group("h1")), int(m1), ampm1)
            end = _clock(int(m.group("h2")), int(m2), m.group("ampm2"))
        if start and end and start != end:
            span = text.span(m.start(), m.end())
            found.append(
                ScheduleMention(ScheduleKind.HOURS, span, clamp(0.9), start=start, end=end)
            )
    return found


def _days(text: FoldedText) -> list[ScheduleMention]:
    found: list[ScheduleMention] = []
    for m in _JA_DAY_LIST.finditer(text.text):
        days = tuple(_WEEK[_JA_DAYS[ch]] for ch in m.group(1) if ch in _JA_DAYS)
        span = text.span(m.start(), m.end())
        found.append(ScheduleMention(ScheduleKind.DAYS, span, clamp(0.8), days=days))
    for m in _EN_DAY_LIST.finditer(text.text):
        days = tuple(
            _WEEK[_EN_DAYS[word[:3]]]
            for word in re.findall(r"[a-z]+", m.group(1))
            if word[:3] in _EN_DAYS
        )
        span = text.span(m.start(), m.end())
        found.append(
            ScheduleMention(ScheduleKind.DAYS, span, clamp(0.75), days=tuple(dict.fromkeys(days)))
        )
    return found


def find_schedule(text: FoldedText) -> list[ScheduleMention]:
    """All schedule statements, in text order."""
    found: list[ScheduleMention] = []
    folded = text.text
    if not _NO_NIGHT.search(folded):
        night = _NIGHT.search(folded)
        if night:
            found.append(
                ScheduleMention(
                    ScheduleKind.NIGHT_SHIFT, text.span(night.start(), night.end()), 0.9
                )
            )
    weekends = _WEEKENDS.search(folded)
    if weekends:
        span = text.span(weekends.start(), weekends.end())
        found.append(
            ScheduleMention(ScheduleKind.WEEKENDS_ONLY, span, 0.9, days=(Weekday.SAT, Weekday.SUN))
        )
    weekdays = _WEEKDAYS.search(folded)
    if weekdays:
        span = text.span(weekdays.start(), weekdays.end())
        found.append(ScheduleMention(ScheduleKind.WEEKDAYS_ONLY, span, 0.85, days=_WEEK[:5]))
    per_week = _PER_WEEK.search(folded)
    if per_week:
        count = int(per_week.group("ja") or per_week.group("en"))
        span = text.span(per_week.start(), per_week.end())
        found.append(ScheduleMention(ScheduleKind.DAYS_PER_WEEK, span, 0.85, per_week=count))
    found += _days(text) + _hours(text)
    return sorted(found, key=lambda mention: mention.span.start)


def weekly_slots(mentions: list[ScheduleMention]) -> list[dict[str, str]]:
    """`WeeklySlot`-shaped dicts when both days and hours are known (else nothing is guessed)."""
    hours = next((m for m in mentions if m.kind is ScheduleKind.HOURS), None)
    day_sources = [m for m in mentions if m.days]
    if hours is None or not day_sources or not hours.start or not hours.end:
        return []
    days = day_sources[0].days
    return [{"day": day.value, "start": hours.start, "end": hours.end} for day in days]
