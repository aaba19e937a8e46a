"""Pay in yen with its period: "時給1,300円〜", "月給25万円", "¥250,000/month".

Works on folded text (full-width digits, ￥ and 〜 already folded). Only yen
is read: a dollar or euro amount is not pay on this platform. A range with no
upper end ("1,300円〜", "1,300円以上", "from ¥1,300") has `max=None`.
"""

from __future__ import annotations

import re

from domain.ai.mentions import PayMention, clamp
from domain.ai.numbers import AMOUNT, parse_amount, scale_english
from domain.ai.text import FoldedText
from domain.values import MAX_YEN, PayPeriod

_JA_PERIODS = {
    "時給": PayPeriod.HOURLY,
    "時間給": PayPeriod.HOURLY,
    "時間額": PayPeriod.HOURLY,
    "日給": PayPeriod.DAILY,
    "日当": PayPeriod.DAILY,
    "日額": PayPeriod.DAILY,
    "月給": PayPeriod.MONTHLY,
    "月収": PayPeriod.MONTHLY,
    "月額": PayPeriod.MONTHLY,
    "基本給": PayPeriod.MONTHLY,
    "固定給": PayPeriod.MONTHLY,
    "年俸": PayPeriod.YEARLY,
    "年収": PayPeriod.YEARLY,
    "年給": PayPeriod.YEARLY,
    # Per shift ("夜勤1回 2万2千円", "1勤務12,000円"): a day's pay, as "per shift" is in English.
    "1回あたり": PayPeriod.DAILY,
    "1回": PayPeriod.DAILY,
    "1勤務あたり": PayPeriod.DAILY,
    "1勤務": PayPeriod.DAILY,
    "月": PayPeriod.MONTHLY,
    "日": PayPeriod.DAILY,
    "時間": PayPeriod.HOURLY,
    "年": PayPeriod.YEARLY,
}
_JA_SUFFIX = {
    "時": PayPeriod.HOURLY,
    "時間": PayPeriod.HOURLY,
    "h": PayPeriod.HOURLY,
    "日": PayPeriod.DAILY,
    "月": PayPeriod.MONTHLY,
    "年": PayPeriod.YEARLY,
}
_EN_PERIODS = {
    "hour": PayPeriod.HOURLY, "hr": PayPeriod.HOURLY, "h": PayPeriod.HOURLY,
    "hourly": PayPeriod.HOURLY,
    "day": PayPeriod.DAILY, "daily": PayPeriod.DAILY, "shift": PayPeriod.DAILY,
    "month": PayPeriod.MONTHLY, "mo": PayPeriod.MONTHLY, "monthly": PayPeriod.MONTHLY,
    "year": PayPeriod.YEARLY, "yr": PayPeriod.YEARLY, "annum": PayPeriod.YEARLY,
    "annual": PayPeriod.YEARLY, "annually": PayPeriod.YEARLY, "yearly": PayPeriod.YEARLY,
}  # fmt: skip

_RANGE = r"(?:~|-|から|to|–)"
_JA_KEYWORDS = "|".join(sorted(_JA_PERIODS, key=len, reverse=True))
_JA = re.compile(
    rf"(?P<kw>{_JA_KEYWORDS})\s*(?:[:：]|は)?\s*(?:¥\s*)?(?P<a>{AMOUNT})\s*(?P<yen_a>円)?"
    rf"(?:\s*{_RANGE}\s*(?:¥\s*)?(?P<b>{AMOUNT})?\s*(?P<yen_b>円)?)?"
    r"(?:\s*/\s*(?P<suffix>時間|時|日|月|年|h))?(?P<open>\s*以上)?"
)
# Yen with a suffix period and no keyword: "1,300円〜/時", "1200円/h".
_JA_SUFFIXED = re.compile(
    rf"(?P<a>{AMOUNT})\s*円\s*(?:~\s*(?:(?P<b>{AMOUNT})\s*円)?)?\s*/\s*(?P<suffix>時間|時|日|月|年|h)"
)
_EN_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_EN_MULT = r"(?:\s?(?:k|m|million|mil|thousand|man)(?![a-z]))"
_EN_PER = (
    r"(?:\s*(?:/|per|an?|each)\s*(?P<per>hour|hr|h|day|shift|month|mo|year|yr|annum)\b"
    r"|\s*(?P<per2>hourly|daily|monthly|annually|yearly))"
)
_EN_KEYWORD = (
    r"(?P<kw>hourly|daily|monthly|annual|yearly)\s+(?:wage|pay|rate|salary|income|compensation)"
    r"|(?:salary|wage|pay|compensation|rate)(?:\s+(?:is|of|from|range))*"
)
_EN = re.compile(
    rf"(?:(?:{_EN_KEYWORD})\s*[:：]?\s*(?:of\s+|from\s+|starting\s+(?:at|from)\s+|up\s+to\s+)?)?"
    rf"(?:(?:¥|jpy|yen)\s*(?P<a>{_EN_NUM})(?P<ma>{_EN_MULT})?"
    rf"|(?P<a2>{_EN_NUM})(?P<ma2>{_EN_MULT})?\s*(?:yen|jpy|円))"
    rf"(?:\s*{_RANGE}\s*(?:¥|jpy)?\s*(?P<b>{_EN_NUM})(?P<mb>{_EN_MULT})?\s*(?:yen|jpy|円)?)?"
    rf"(?P<plus>\s*\+)?(?:{_EN_PER})?(?P<open>\s*(?:\+|or more|and up|and above))?",
    re.IGNORECASE,
)


# "290,000 to 350,000 yen per month": the unit comes once, after the range.
_EN_BARE_RANGE = re.compile(
    rf"(?P<a>{_EN_NUM})(?P<ma>{_EN_MULT})?\s*{_RANGE}\s*(?P<b>{_EN_NUM})(?P<mb>{_EN_MULT})?\s*(?:yen|jpy|円)"
    rf"(?:{_EN_PER})?",
    re.IGNORECASE,
)


def _guess_period(amount: int) -> PayPeriod:
    """A bare yen amount: its size says which period it must be."""
    if amount < 6_000:
        return PayPeriod.HOURLY
    if amount < 60_000:
        return PayPeriod.DAILY
    if amount < 2_000_000:
        return PayPeriod.MONTHLY
    return PayPeriod.YEARLY


def _plausible(amount: int, period: PayPeriod) -> bool:
    low, high = {
        PayPeriod.HOURLY: (500, 20_000),
        PayPeriod.DAILY: (3_000, 150_000),
        PayPeriod.MONTHLY: (50_000, 3_000_000),
        PayPeriod.YEARLY: (1_000_000, MAX_YEN),
    }[period]
    return low <= amount <= high


def _mention(
    text: FoldedText, start: int, end: int, low: int | None, high: int | None, period: PayPeriod,
    confidence: float,
) -> PayMention | None:  # fmt: skip
    if low is None or not _plausible(low, period):
        return None
    if high is not None and (high < low or not _plausible(high, period)):
        high = None
    return PayMention(low, high, period, text.span(start, end), clamp(confidence))


def _japanese(text: FoldedText) -> list[PayMention]:
    found: list[PayMention] = []
    for match in _JA.finditer(text.text):
        keyword = match.group("kw")
        has_yen = bool(match.group("yen_a") or match.group("yen_b"))
        amount_a = match.group("a")
        if len(keyword) == 1 or keyword == "時間":
            # "月25万円", "日1万円": a one-character period needs yen or 万 to be pay.
            if not has_yen and "万" not in amount_a:
                continue
            if len(keyword) == 1 and match.start() > 0 and text.text[match.start() - 1].isdigit():
                continue  # "4月1日" is a date
        per_shift = keyword.startswith("1")
        if per_shift and (
            not has_yen or (match.start() > 0 and text.text[match.start() - 1].isdigit())
        ):
            continue  # "11回", or a count rather than pay
        period = _JA_PERIODS[keyword]
        if match.group("suffix"):
            period = _JA_SUFFIX[match.group("suffix")]
        low = parse_amount(amount_a)
        high = parse_amount(match.group("b")) if match.group("b") else None
        confidence = 0.95 if has_yen else 0.85
        if len(keyword) == 1:
            confidence -= 0.1
        if per_shift:
            confidence = 0.8  # an allowance per shift is often quoted next to the real pay
        mention = _mention(text, match.start(), match.end(), low, high, period, confidence)
        if mention:
            found.append(mention)
    for match in _JA_SUFFIXED.finditer(text.text):
        low = parse_amount(match.group("a"))
        high = parse_amount(match.group("b")) if match.group("b") else None
        period = _JA_SUFFIX[match.group("suffix")]
        mention = _mention(text, match.start(), match.end(), low, high, period, 0.9)
        if mention:
            found.append(mention)
    return found


def _english_amount(number: str | None, multiplier: str | None) -> int | None:
    if number is None:
        return None
    return scale_english(float(number.replace(",", "")), multiplier or "")


def _english(text: FoldedText) -> list[PayMention]:
    found: list[PayMention] = []
    for match in _EN_BARE_RANGE.finditer(text.text):
        multiplier = match.group("mb") or match.group("ma")
        low = _english_amount(match.group("a"), match.group("ma") or multiplier)
        high = _english_amount(match.group("b"), multiplier)
        per = match.group("per") or match.group("per2")
        period, confidence = (
            (_EN_PERIODS[per.lower()], 0.93) if per else (_guess_period(low or 0), 0.6)
        )
        mention = _mention(text, match.start(), match.end(), low, high, period, confidence)
        if mention:
            found.append(mention)
    for match in _EN.finditer(text.text):
        if match.group("a"):
            low = _english_amount(match.group("a"), match.group("ma"))
        else:
            low = _english_amount(match.group("a2"), match.group("ma2"))
        multiplier_b = match.group("mb") or match.group("ma") or match.group("ma2")
        high = _english_amount(match.group("b"), multiplier_b) if match.group("b") else None
        if low is None:
            continue
        if high is not None and high < low and multiplier_b is None:
            high = None
        per = match.group("per") or match.group("per2") or match.group("kw")
        if per:
            period, confidence = _EN_PERIODS[per.lower()], 0.93
        else:
            period, confidence = _guess_period(low), 0.6
        mention = _mention(text, match.start(), match.end(), low, high, period, confidence)
        if mention:
            found.append(mention)
    return found


def find_pay(text: FoldedText) -> list[PayMention]:
    """Every pay statement, in text order, without overlaps (the longer wins)."""
    candidates = sorted(
        _japanese(text) + _english(text), key=lambda m: (m.span.start, -(m.span.end - m.span.start))
    )
    result: list[PayMention] = []
    for mention in candidates:
        if result and mention.span.start < result[-1].span.end:
            continue
        result.append(mention)
    return result


def primary_pay(mentions: list[PayMention]) -> PayMention | None:
    """The pay the ad or profile is about: the most confident, then the first."""
    if not mentions:
        return None
    best = max(mention.confidence for mention in mentions)
    return next(mention for mention in mentions if mention.confidence >= best - 0.05)
