"""The skills taxonomy as a bilingual dictionary for finding skills in free text.

Exact matching of every name and alias (English and Japanese, folded) finds
most mentions; Sudachi's word boundaries reject matches inside other words
("レジ" in "レジャー"), ASCII word boundaries do the same for English, and
short English aliases that are also ordinary words ("Go", "Word", "PT") must
appear with the taxonomy's own capitalisation. rapidfuzz then catches typos and
spelling variants ("forklft", "ケアマネージヤー") among the words left over.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from rapidfuzz import fuzz, process

from domain.ai.text import FoldedText, fold, is_ascii_word_char
from domain.ai.tokenizer import segment

# Aliases that are ordinary English words or abbreviations: matched only with the taxonomy's
# own capitalisation ("Go", not "go"); single letters ("C") and "py" are never matched.
_CASE_SENSITIVE = {"go", "word", "spring", "node", "ruby", "rails", "excel", "vue", "oracle"}
_NEVER = {"c", "py", "ts", "it", "ai", "ml", "bi", "ot", "pt", "js"}
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "and",
        "or",
        "with",
        "for",
        "in",
        "on",
        "at",
        "to",
        "by",
        "from",
        "as",
        "is",
        "are",
        "be",
        "we",
        "you",
        "our",
        "your",
        "your's",
        "experience",
        "experienced",
        "years",
        "year",
        "job",
        "jobs",
        "work",
        "staff",
        "required",
        "preferred",
    ]
)
_PAREN = re.compile(r"\s*[(（][^)）]*[)）]\s*$")
_ASCII_WORDS = re.compile(r"[a-z0-9][a-z0-9+#.'/-]*")


@dataclass(frozen=True, slots=True)
class SkillEntry:
    id: uuid.UUID
    slug: str
    sector: str
    name_en: str
    name_ja: str
    aliases_en: tuple[str, ...]
    aliases_ja: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name_en, self.name_ja, *self.aliases_en, *self.aliases_ja)


@dataclass(frozen=True, slots=True)
class _Term:
    folded: str
    original: str
    skill: int  # index into SkillIndex.entries
    confidence: float
    case_sensitive: bool
    japanese: bool


@dataclass(frozen=True, slots=True)
class SkillHit:
    """A raw dictionary hit in folded text, before context (level, required) is read."""

    entry: SkillEntry
    start: int
    end: int
    confidence: float


def _terms_for(index: int, entry: SkillEntry) -> Iterable[_Term]:
    def make(name: str, confidence: float) -> _Term | None:
        folded = fold(name).strip()
        if not folded or folded in _NEVER:
            return None
        ascii_only = folded.isascii()
        case_sensitive = ascii_only and (len(folded) <= 3 or folded in _CASE_SENSITIVE)
        if len(folded) <= 2 and not ascii_only:
            confidence -= 0.1  # two kanji/kana ("鳶", "大特") are often part of other words
        return _Term(folded, name.strip(), index, confidence, case_sensitive, not ascii_only)

    candidates = [(entry.name_en, 0.95), (entry.name_ja, 0.95)]
    stripped = _PAREN.sub("", entry.name_en)
    if stripped != entry.name_en:
        candidates.append((stripped, 0.9))
    candidates += [(alias, 0.9) for alias in (*entry.aliases_en, *entry.aliases_ja)]
    candidates += [
        (variant, 0.8)
        for name in (stripped, *entry.aliases_en)
        for variant in _english_variants(name)
    ]
    for name, confidence in candidates:
        term = make(name, confidence)
        if term is not None:
            yield term


_HEAD_SUFFIXES = (" operation", " use", " work")


def _english_variants(name: str) -> list[str]:
    """Other ways English names a skill: the person ("TIG welding" → "TIG welder",
    "forklift operation" → "forklift operator"), the bare object of an activity
    ("Tractor operation" → "tractor", "Assembly line work" → "assembly line") and the
    activity before its object ("order taking" → "taking orders")."""
    if not name.isascii():
        return []
    variants: list[str] = []
    words = name.split(" ")
    last = words[-1]
    if last.lower().endswith("ing") and len(last) >= 6:
        variants.append(" ".join([*words[:-1], last[:-3] + "er"]))
    if last.lower() == "operation":
        variants.append(" ".join([*words[:-1], "operator"]))
    # "order taking" is also "taking orders" (but "TIG welding" is never "welding TIG").
    if (
        len(words) == 2
        and last.lower().endswith("ing")
        and words[0].isalpha()
        and not words[0].isupper()
    ):
        noun = words[0].lower()
        variants.append(f"{last} {noun}")
        if not noun.endswith(("s", "sh", "ch", "x", "y")):
            variants.append(f"{last} {noun}s")
    for suffix in _HEAD_SUFFIXES:
        head = name[: -len(suffix)]
        if name.lower().endswith(suffix) and len(head) >= 5 and head.lower() not in _STOPWORDS:
            variants.append(head)
    return variants


class SkillIndex:
    """Names and aliases of every skill, ready for matching. Build once, share freely."""

    def __init__(self, entries: Sequence[SkillEntry]) -> None:
        self.entries: tuple[SkillEntry, ...] = tuple(entries)
        self.by_slug: Mapping[str, SkillEntry] = {e.slug: e for e in self.entries}
        self.by_id: Mapping[uuid.UUID, SkillEntry] = {e.id: e for e in self.entries}
        seen: dict[str, _Term] = {}
        for index, entry in enumerate(self.entries):
            for term in _terms_for(index, entry):
                # A term shared by two skills keeps the one it names, else the first.
                if term.folded not in seen or term.confidence > seen[term.folded].confidence:
                    seen[term.folded] = term
        self._terms = tuple(sorted(seen.values(), key=lambda t: -len(t.folded)))
        self._by_name = {t.folded: t for t in self._terms}
        self._coordination_patterns = _coordination_patterns(self._terms)
        self._fuzzy_en = {t.folded: t for t in self._terms if not t.japanese and len(t.folded) >= 6}
        self._fuzzy_ja = {t.folded: t for t in self._terms if t.japanese and len(t.folded) >= 4}

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]]) -> SkillIndex:
        """From taxonomy rows (the data file's dicts or `skills` table rows as mappings)."""
        from domain.skills.taxonomy import skill_id_for

        return cls(
            [
                SkillEntry(
                    id=row.get("id") or skill_id_for(row["slug"]),
                    slug=row["slug"],
                    sector=row["sector"],
                    name_en=row["name_en"],
                    name_ja=row["name_ja"],
                    aliases_en=tuple(row.get("aliases_en") or ()),
                    aliases_ja=tuple(row.get("aliases_ja") or ()),
                )
                for row in rows
            ]
        )

    def find(self, text: FoldedText, *, fuzzy: bool = True) -> list[SkillHit]:
        """Non-overlapping skill mentions in `text`, longest match first, in text order."""
        folded = text.text
        segmentation = segment(folded) if text.language == "ja" or _has_japanese(folded) else None
        hits: list[SkillHit] = []
        taken = bytearray(len(folded))
        for term in self._terms:
            start = folded.find(term.folded)
            while start != -1:
                end = start + len(term.folded)
                if not any(taken[start:end]) and self._acceptable(
                    text, term, start, end, segmentation
                ):
                    hits.append(SkillHit(self.entries[term.skill], start, end, term.confidence))
                    taken[start:end] = b"\x01" * (end - start)
                start = folded.find(term.folded, start + 1)
        hits += self._coordinated(text, taken, {hit.entry.slug for hit in hits})
        if fuzzy:
            hits += self._fuzzy(text, taken, segmentation)
        return sorted(hits, key=lambda hit: hit.start)

    def _coordinated(self, text: FoldedText, taken: bytearray, found: set[str]) -> list[SkillHit]:
        """Modifiers that share one head word: "MIG/TIG welding", "Welder (CO2 and TIG)",
        "溶接（半自動・TIG）", "アーク・CO2溶接". Each modifier joined to the head must be a
        name the taxonomy knows ("MIG welding", "半自動溶接"); the hit is the modifier's span."""
        hits: list[SkillHit] = []
        folded = text.text
        for pattern in self._coordination_patterns:
            for match in pattern.finditer(folded):
                head = _HEAD_FORMS.get(match.group("head"), match.group("head"))
                listed = match.group("list")
                offset = match.start("list")
                for part in _LIST_ITEM.finditer(listed):
                    start, end = offset + part.start(), offset + part.end()
                    if any(taken[start:end]):
                        continue
                    modifier = part.group()
                    joined = f"{modifier}{head}" if _has_japanese(head) else f"{modifier} {head}"
                    term = self._by_name.get(joined)
                    if term is None or self.entries[term.skill].slug in found:
                        continue
                    if term.case_sensitive and not text.span(start, end).text.isupper():
                        continue  # "go" is a word, "GO" / "TIG" an abbreviation
                    found.add(self.entries[term.skill].slug)
                    hits.append(
                        SkillHit(self.entries[term.skill], start, end, term.confidence - 0.1)
                    )
                    taken[start:end] = b"\x01" * (end - start)
        return hits

    def _acceptable(
        self, text: FoldedText, term: _Term, start: int, end: int, segmentation: Any
    ) -> bool:
        folded = text.text
        if (
            term.case_sensitive
            and text.original[text.span(start, end).start :][: len(term.original)] != term.original
        ):
            return False
        first, last = term.folded[0], term.folded[-1]
        if is_ascii_word_char(first) and start > 0 and is_ascii_word_char(folded[start - 1]):
            return False
        if is_ascii_word_char(last) and end < len(folded) and is_ascii_word_char(folded[end]):
            return False
        if segmentation is None or not term.japanese:
            return True
        if not is_ascii_word_char(first) and start not in segmentation.boundaries:
            return False
        if not is_ascii_word_char(last) and end not in segmentation.boundaries:
            return False
        return segmentation.is_word(start, end) if not term.folded.isascii() else True

    def _fuzzy(self, text: FoldedText, taken: bytearray, segmentation: Any) -> list[SkillHit]:
        """Typos and variants among the words no exact term claimed."""
        hits: list[SkillHit] = []
        folded = text.text
        words = [m for m in _ASCII_WORDS.finditer(folded) if not any(taken[m.start() : m.end()])]
        for size in (3, 2, 1):
            for i in range(len(words) - size + 1):
                group = words[i : i + size]
                start, end = group[0].start(), group[-1].end()
                if any(taken[start:end]) or end - start < 6:
                    continue
                if group[0].group() in _STOPWORDS or group[-1].group() in _STOPWORDS:
                    continue
                gaps = "".join(folded[a.end() : b.start()] for a, b in itertools.pairwise(group))
                if gaps.strip(" -"):
                    continue  # words across punctuation or lines are not one phrase
                found = process.extractOne(
                    folded[start:end], self._fuzzy_en.keys(), scorer=fuzz.ratio, score_cutoff=90
                )
                if found:
                    term = self._fuzzy_en[found[0]]
                    hits.append(
                        SkillHit(self.entries[term.skill], start, end, 0.75 * found[1] / 100)
                    )
                    taken[start:end] = b"\x01" * (end - start)
        if segmentation is not None:
            for token in segmentation.coarse:
                if (
                    token.pos != "名詞"
                    or len(token.surface) < 4
                    or any(taken[token.start : token.end])
                ):
                    continue
                if token.surface.isascii():
                    continue
                found = process.extractOne(
                    token.surface, self._fuzzy_ja.keys(), scorer=fuzz.ratio, score_cutoff=88
                )
                if found:
                    term = self._fuzzy_ja[found[0]]
                    hits.append(
                        SkillHit(
                            self.entries[term.skill], token.start, token.end, 0.7 * found[1] / 100
                        )
                    )
                    taken[token.start : token.end] = b"\x01" * (token.end - token.start)
        return hits


# Coordination: a list of two or more short modifiers ("mig/tig", "半自動・tig", "co2 and tig").
_KANA_KANJI = "\u30a1-\u30fa\u30fc-\u30ff\u4e00-\u9fff"  # katakana without "・", kanji
_LIST_ITEM = re.compile(rf"[a-z0-9]+|[{_KANA_KANJI}]+")
_ITEM = rf"(?:[a-z0-9]{{2,10}}|[{_KANA_KANJI}]{{1,6}})"
_JOIN = r"(?:\s*(?:/|・|、|,|&)\s*|\s+(?:and|or)\s+)"
_LIST = rf"(?P<list>{_ITEM}(?:{_JOIN}{_ITEM})+)"
_KANJI_WORD = re.compile(r"[\u4e00-\u9fff]+")  # a Japanese head is a kanji word (溶接, 清掃)
# The person for the activity: "welder (MIG/TIG)" means MIG and TIG welding.
_HEAD_FORMS = {"welder": "welding", "溶接工": "溶接"}


def _coordination_patterns(terms: Sequence[_Term]) -> tuple[re.Pattern[str], ...]:
    """Heads shared by at least three names ("… welding", "… cleaning", "…溶接", "…清掃")."""
    english: dict[str, int] = {}
    japanese: dict[str, int] = {}
    for term in terms:
        if not term.japanese and " " in term.folded:
            head = term.folded.rsplit(" ", 1)[1]
            english[head] = english.get(head, 0) + 1
        elif term.japanese and len(term.folded) >= 4 and _KANJI_WORD.fullmatch(term.folded[-2:]):
            japanese[term.folded[-2:]] = japanese.get(term.folded[-2:], 0) + 1
    en_heads = sorted(
        {h for h, n in english.items() if n >= 3 and len(h) >= 4 and h not in _STOPWORDS}
        | {form for form, head in _HEAD_FORMS.items() if form.isascii()},
        key=len,
        reverse=True,
    )
    ja_heads = sorted(
        {h for h, n in japanese.items() if n >= 3}
        | {form for form, head in _HEAD_FORMS.items() if not form.isascii()},
        key=len,
        reverse=True,
    )
    en = "|".join(map(re.escape, en_heads))
    ja = "|".join(map(re.escape, ja_heads))
    return (
        # "mig/tig welding", "co2 and tig welding"
        re.compile(rf"(?<![a-z0-9]){_LIST}\s+(?P<head>{en})(?![a-z])"),
        # "welder (co2 and tig)", "welder - mig/tig"
        re.compile(rf"(?<![a-z])(?P<head>{en})\s*(?:\(\s*|[-–:]\s+){_LIST}(?![a-z0-9])"),
        # "アーク・co2溶接"
        re.compile(rf"{_LIST}(?P<head>{ja})"),
        # "溶接(半自動・tig)", "溶接工(アーク、co2)"
        re.compile(rf"(?P<head>{ja})\s*\(\s*{_LIST}\s*\)"),
    )


def _has_japanese(text: str) -> bool:
    return any("\u3040" <= ch <= "\u9fff" for ch in text)


@cache
def default_skill_index() -> SkillIndex:
    """The index over the taxonomy data file shipped with domain/skills (IDs match the DB)."""
    from domain.skills.taxonomy import taxonomy

    return SkillIndex.from_rows(taxonomy())
