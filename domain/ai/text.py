"""Normalised text that remembers where every character came from.

Rules and dictionaries match against one folded form of the text (NFKC, lower
case, one tilde, one dash), so "時給１３００円～" and "時給1300円~" look alike.
Every extracted item must still point at the user's own characters, so the
fold is done character by character and keeps the original offset of each
folded character: a match in folded text maps back to an exact span.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

# Characters that mean "range" or "from" in Japanese ads, all folded to "~".
_TILDES = "〜～~∼〰"
_DASHES = "‐‑‒–—―−－ｰ"
_FOLD = {**{ch: "~" for ch in _TILDES}, **{ch: "-" for ch in _DASHES}, "　": " "}
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


@dataclass(frozen=True, slots=True)
class Span:
    """Where an item came from: offsets into the original text and that substring."""

    start: int
    end: int
    text: str


def _fold_char(ch: str) -> str:
    if ch in _FOLD:
        return _FOLD[ch]
    folded = unicodedata.normalize("NFKC", ch).lower()
    return "".join(_FOLD.get(c, c) for c in folded)


@dataclass(frozen=True)
class FoldedText:
    """`text` is the folded form of `original`; `offsets[i]` is where `text[i]` came from."""

    original: str
    text: str
    offsets: tuple[int, ...]

    @classmethod
    def of(cls, original: str) -> FoldedText:
        parts: list[str] = []
        offsets: list[int] = []
        for index, ch in enumerate(original):
            folded = _fold_char(ch)
            parts.append(folded)
            offsets.extend([index] * len(folded))
        return cls(original, "".join(parts), tuple(offsets))

    def span(self, start: int, end: int) -> Span:
        """The original span behind folded `text[start:end]`."""
        if not self.offsets or start >= end:
            return Span(0, 0, "")
        first = self.offsets[start]
        last = self.offsets[end - 1] + 1
        return Span(first, last, self.original[first:last])

    @cached_property
    def language(self) -> str:
        """'ja' when Japanese script is a noticeable part of the text, else 'en'."""
        letters = sum(1 for ch in self.text if ch.isalpha())
        japanese = len(_JAPANESE.findall(self.text))
        return "ja" if letters and japanese / letters >= 0.15 else "en"


def fold(text: str) -> str:
    """The folded form alone (for dictionary keys)."""
    return "".join(_fold_char(ch) for ch in text)


def is_ascii_word_char(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")
