"""Reading amounts the way Japanese and English ads write them.

Works on folded text (full-width digits are already ASCII): "1,300", "25万",
"25.5万", "2万5千", "3千", "二十五万", "4.5 million", "250k".
"""

from __future__ import annotations

import re

_KANJI_DIGITS = {
    "〇": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_KANJI_SMALL = {"十": 10, "百": 100, "千": 1000}

# One amount: digits with optional thousands commas/decimals, optionally followed by
# 万/千 parts ("2万5千", "25.5万"), or kanji numerals ("二十五万").
AMOUNT = (
    r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s?万(?:\s?\d+\s?千|\s?\d{1,4}(?!\d))?|\s?千)?"
    r"|[〇一二三四五六七八九十百千]+万?[〇一二三四五六七八九十百千]*"
)
_AMOUNT_RE = re.compile(AMOUNT)
_MAN = re.compile(r"^(?P<man>[\d.]+)\s?万(?:\s?(?P<sen>\d+)\s?千|\s?(?P<rest>\d{1,4}))?$")


def _kanji_below_man(text: str) -> int:
    total, digit = 0, 0
    for ch in text:
        if ch in _KANJI_DIGITS:
            digit = _KANJI_DIGITS[ch]
        elif ch in _KANJI_SMALL:
            total += (digit or 1) * _KANJI_SMALL[ch]
            digit = 0
    return total + digit


def _kanji(text: str) -> int | None:
    if "万" in text:
        high, low = text.split("万", 1)
        return _kanji_below_man(high) * 10_000 + _kanji_below_man(low)
    value = _kanji_below_man(text)
    return value or None


def parse_amount(text: str) -> int | None:
    """The integer value of one amount string, or None when it is not a number."""
    text = text.strip().replace(",", "")
    if not text:
        return None
    if text[0] in _KANJI_DIGITS or text[0] in _KANJI_SMALL:
        return _kanji(text)
    man = _MAN.match(text)
    if man:
        value = float(man.group("man")) * 10_000
        if man.group("sen"):
            value += int(man.group("sen")) * 1000
        elif man.group("rest"):
            value += int(man.group("rest"))
        return round(value)
    if text.endswith("千"):
        return round(float(text[:-1].strip()) * 1000)
    try:
        return round(float(text))
    except ValueError:
        return None


def scale_english(value: float, suffix: str) -> int:
    """Apply an English multiplier: 'k' (thousand), 'm'/'million', 'man' (10,000)."""
    suffix = suffix.strip().lower()
    if suffix in ("k", "thousand"):
        return round(value * 1000)
    if suffix in ("m", "mil", "million"):
        return round(value * 1_000_000)
    if suffix == "man":
        return round(value * 10_000)
    return round(value)
