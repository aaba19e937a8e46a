# ruff: noqa: E501  (regex and phrase tables read better unwrapped)
"""Languages and their levels, mapped to JLPT (Japanese) and CEFR (others).

Documented mapping of wording to levels (the platform's scale, `domain.values`):

| wording | Japanese | other languages |
| --- | --- | --- |
| 簡単な / 片言 / 少し / 基礎 / basic / beginner / a little | N4 | A2 |
| 日常会話 / 中級 / conversational / daily conversation / intermediate | N3 | B1 |
| ビジネス(レベル) / business(-level) | N2 | B2 |
| 堪能 / 流暢 / 上級 / fluent / advanced | N1 | C1 |
| ネイティブ / 母国語 / native / mother tongue | NATIVE | NATIVE |
| JLPT / 日本語能力試験 N1–N5 | as written | — |
| JFT-Basic (A2 by design) | N4 | — |
| TOEIC L&R ≥945 / ≥785 / ≥550 / ≥225 (ETS's CEFR mapping) | — | C1 / B2 / B1 / A2 |
| 英検 1級 / 準1級 / 2級 / 準2級 / 3級 | — | C1 / B2 / B1 / A2 / A1 |
| IELTS ≥7.0 / ≥5.5 / ≥4.0 | — | C1 / B2 / B1 |
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.ai.mentions import LanguageMention, clamp
from domain.ai.text import FoldedText
from domain.values import LanguageLevel

_NAMES: dict[str, tuple[str, ...]] = {
    "ja": ("日本語", "japanese", "nihongo"),
    "en": ("英語", "english", "英会話"),
    "zh": ("中国語", "北京語", "普通話", "chinese", "mandarin"),
    "ko": ("韓国語", "韓国・朝鮮語", "korean"),
    "vi": ("ベトナム語", "vietnamese"),
    "tl": ("タガログ語", "フィリピン語", "tagalog", "filipino"),
    "id": ("インドネシア語", "indonesian", "bahasa indonesia"),
    "ne": ("ネパール語", "nepali", "nepalese"),
    "my": ("ミャンマー語", "ビルマ語", "burmese", "myanmar language"),
    "th": ("タイ語", "thai"),
    "pt": ("ポルトガル語", "portuguese"),
    "es": ("スペイン語", "spanish"),
    "km": ("クメール語", "カンボジア語", "khmer"),
    "mn": ("モンゴル語", "mongolian"),
    "si": ("シンハラ語", "sinhala", "sinhalese"),
    "bn": ("ベンガル語", "bengali"),
    "hi": ("ヒンディー語", "hindi"),
    "fr": ("フランス語", "french"),
    "de": ("ドイツ語", "german"),
    "ru": ("ロシア語", "russian"),
    "uz": ("ウズベク語", "uzbek"),
}
_NAME_TO_CODE = {name: code for code, names in _NAMES.items() for name in names}
_NAME_RE = re.compile(
    "|".join(
        (re.escape(n) if not n.isascii() else rf"(?<![a-z]){re.escape(n)}(?![a-z])")
        for n in sorted(_NAME_TO_CODE, key=len, reverse=True)
    )
)

# (pattern, Japanese level, other-language level), strongest first.
_DESCRIPTORS: tuple[tuple[re.Pattern[str], LanguageLevel, LanguageLevel], ...] = (
    (
        re.compile(r"ネイティブ|母国語|母語|native|mother tongue|first language"),
        LanguageLevel.NATIVE,
        LanguageLevel.NATIVE,
    ),
    (
        re.compile(r"堪能|流暢|ペラペラ|上級|fluent|fluently|advanced|near.native|proficient"),
        LanguageLevel.N1,
        LanguageLevel.C1,
    ),
    (re.compile(r"ビジネス|business"), LanguageLevel.N2, LanguageLevel.B2),
    (
        re.compile(r"日常会話|中級|conversational|daily conversation|everyday|intermediate"),
        LanguageLevel.N3,
        LanguageLevel.B1,
    ),
    (
        re.compile(
            r"簡単な|かんたんな|片言|少し|基礎|初級|挨拶|あいさつ|basic|beginner|a little|simple|some "
        ),
        LanguageLevel.N4,
        LanguageLevel.A2,
    ),
)
_JLPT = re.compile(
    r"(?P<test>jlpt|日本語能力試験|日本語能力|日本語検定)?\s*[(（:：]?\s*(?<![a-z0-9])n(?P<n>[1-5])(?![0-9a-z])"
    r"(?:\s*(?:レベル|level|相当|程度))?(?:\s*(?:以上|or above|or higher|and above|\+))?"
)
_JFT = re.compile(r"jft-?\s?basic(?:\s*(?:a2|合格|passed))?")
_TOEIC = re.compile(
    r"toeic\s*(?:l&r|score|スコア)?\s*[:：]?\s*(?P<score>\d{3})\s*(?:点|points)?(?:\s*以上)?"
)
_EIKEN = re.compile(
    r"英検\s*(?P<grade>準?[1-5])\s*級|eiken\s*(?:grade\s*)?(?P<grade_en>pre-?[12]|[1-5])"
)
_IELTS = re.compile(r"ielts\s*[:：]?\s*(?P<band>\d(?:\.\d)?)")
_CONJUNCTION = re.compile(r"\s*(?:と|・|、|,|/|&|and|or|及び|および)\s*")
_WINDOW_END = re.compile(r"[。\n;；■●◆★※【]|\.\s")
_LIST_SEPARATOR = re.compile(r"[、,，/／]")


@dataclass(frozen=True, slots=True)
class _Found:
    code: str
    level: LanguageLevel | None
    start: int
    end: int
    confidence: float
    test: str | None = None


def _toeic_level(score: int) -> LanguageLevel | None:
    for bound, level in ((945, LanguageLevel.C1), (785, LanguageLevel.B2), (550, LanguageLevel.B1),
                         (225, LanguageLevel.A2)):  # fmt: skip
        if score >= bound:
            return level
    return LanguageLevel.A1 if score >= 120 else None


_EIKEN_LEVELS = {"1": LanguageLevel.C1, "準1": LanguageLevel.B2, "pre-1": LanguageLevel.B2,
                 "pre1": LanguageLevel.B2, "2": LanguageLevel.B1, "準2": LanguageLevel.A2,
                 "pre-2": LanguageLevel.A2, "pre2": LanguageLevel.A2, "3": LanguageLevel.A1}  # fmt: skip


def _tests(folded: str) -> list[_Found]:
    found: list[_Found] = []
    for m in _JLPT.finditer(folded):
        level = LanguageLevel(f"N{m.group('n')}")
        found.append(
            _Found("ja", level, m.start(), m.end(), 0.95 if m.group("test") else 0.85, "JLPT")
        )
    for m in _JFT.finditer(folded):
        found.append(_Found("ja", LanguageLevel.N4, m.start(), m.end(), 0.85, "JFT"))
    for m in _TOEIC.finditer(folded):
        toeic = _toeic_level(int(m.group("score")))
        if toeic:
            found.append(_Found("en", toeic, m.start(), m.end(), 0.85, "TOEIC"))
    for m in _EIKEN.finditer(folded):
        grade = m.group("grade") or m.group("grade_en")
        if grade in _EIKEN_LEVELS:
            found.append(_Found("en", _EIKEN_LEVELS[grade], m.start(), m.end(), 0.85, "EIKEN"))
    for m in _IELTS.finditer(folded):
        band = float(m.group("band"))
        level = (
            LanguageLevel.C1 if band >= 7 else LanguageLevel.B2 if band >= 5.5 else LanguageLevel.B1
        )
        found.append(_Found("en", level, m.start(), m.end(), 0.85, "IELTS"))
    return found


def _descriptor(window: str, code: str) -> tuple[LanguageLevel, re.Match[str]] | None:
    for pattern, japanese, other in _DESCRIPTORS:
        match = pattern.search(window)
        if match:
            return (japanese if code == "ja" else other), match
    return None


def _same_wording(level: LanguageLevel, code: str) -> LanguageLevel | None:
    """The level the same words give another language ("business" is N2 or B2)."""
    for _, japanese, other in _DESCRIPTORS:
        if level in (japanese, other):
            return japanese if code == "ja" else other
    return None


def _named(folded: str, tests: list[_Found]) -> list[_Found]:
    names = list(_NAME_RE.finditer(folded))
    found: list[_Found] = []
    claimed = 0  # the end of the previous language's own words ("ネパール語ネイティブ")
    for i, name in enumerate(names):
        code = _NAME_TO_CODE[name.group()]
        # Window: this clause, not past the neighbouring language names, and not the level
        # the previous language already took ("Nepali native, Hindi", "English fluent,
        # Japanese not required").
        left = max(names[i - 1].end() if i else 0, claimed)
        right = names[i + 1].start() if i + 1 < len(names) else len(folded)
        for boundary in _WINDOW_END.finditer(folded, left, name.start()):
            left = boundary.end()
        stop = _WINDOW_END.search(folded, name.end(), right)
        right = stop.start() if stop else right
        before_start = max(left, name.start() - 22)
        after_end = min(right, name.end() + 25)
        test = next(
            (
                t
                for t in tests
                if t.code == code and before_start <= t.start and t.end <= after_end + 12
            ),
            None,
        )
        if test is not None:
            found.append(
                _Found(
                    code,
                    test.level,
                    min(name.start(), test.start),
                    max(name.end(), test.end),
                    min(0.97, test.confidence + 0.05),
                    test.test,
                )
            )
            claimed = max(name.end(), test.end)
            continue
        after = _descriptor(folded[name.end() : after_end], code)
        before = _descriptor(folded[before_start : name.start()], code)
        if before and _LIST_SEPARATOR.search(folded, before_start + before[1].end(), name.start()):
            before = (
                None  # "N1またはネイティブ、英語": a level before a list break is not this one's
            )
        if (
            after
            and i + 1 < len(names)
            and _LIST_SEPARATOR.search(folded, name.end(), name.end() + after[1].start())
            and names[i + 1].start() - (name.end() + after[1].end()) <= 3
        ):
            after = None  # "English speaker, fluent Japanese": the next language's level
        if after:
            level, match = after
            found.append(_Found(code, level, name.start(), name.end() + match.end(), 0.85))
            claimed = name.end() + match.end()
        elif before:
            level, match = before
            found.append(_Found(code, level, before_start + match.start(), name.end(), 0.85))
            claimed = name.end()
        else:
            found.append(_Found(code, None, name.start(), name.end(), 0.6))
    # "タガログ語と英語はネイティブ", "Tagalog and English (native)": a name joined to the next
    # by a conjunction shares the level said after the last one.
    for i in range(len(found) - 2, -1, -1):
        item, following = found[i], found[i + 1]
        gap = folded[item.end : names[i + 1].start()] if i + 1 < len(names) else ""
        if item.level is None and following.level is not None and _CONJUNCTION.fullmatch(gap):
            shared = _same_wording(following.level, item.code)
            if shared is not None:
                found[i] = _Found(item.code, shared, item.start, item.end, 0.75)
    return found


def find_languages(text: FoldedText) -> list[LanguageMention]:
    """One mention per language: the most specific (a level beats none, a test beats words)."""
    tests = _tests(text.text)
    candidates = _named(text.text, tests) + tests
    best: dict[str, _Found] = {}
    for item in candidates:
        current = best.get(item.code)
        rank = (item.level is not None, item.confidence)
        if current is None or rank > (current.level is not None, current.confidence):
            best[item.code] = item
    return sorted(
        (
            LanguageMention(f.code, f.level, text.span(f.start, f.end), clamp(f.confidence), f.test)
            for f in best.values()
        ),
        key=lambda mention: mention.span.start,
    )
