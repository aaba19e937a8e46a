"""Bilingual substring search backed by a GIN index on character bigrams.

Japanese has no spaces between words, so word-based full-text search misses
most queries ("フォーク" inside "フォークリフト運転"). Every searchable row
stores its normalised text and the set of character bigrams of each token; a
query keeps the rows whose grams contain all the query's grams (GIN `@>`),
then confirms the exact substring. It needs no PostgreSQL extension, so the
embedded server and any managed PostgreSQL behave the same.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from sqlalchemy import and_, literal
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import Text

MAX_QUERY_LENGTH = 200
_SEPARATORS = re.compile(r"[\s\u3000,、，。・/／()（）\[\]「」]+")


def normalize(text: str) -> str:
    """Fold width, case and compatibility forms so 'ＦＯＲＫ' finds 'fork'."""
    return " ".join(_SEPARATORS.split(unicodedata.normalize("NFKC", text).casefold())).strip()


def tokens(text: str) -> list[str]:
    return [token for token in normalize(text).split(" ") if token]


def _token_grams(token: str) -> set[str]:
    if len(token) == 1:
        return {token}
    return {token[i : i + 2] for i in range(len(token) - 1)}


def grams(texts: Iterable[str]) -> list[str]:
    """The sorted gram set stored beside a row's searchable text."""
    found: set[str] = set()
    for text in texts:
        for token in tokens(text):
            found |= _token_grams(token)
            found.update(token)  # single characters too, so one-letter queries stay indexed
    return sorted(found)


LIKE_ESCAPE = "/"


class SearchTerms(NamedTuple):
    """A query as a search condition needs it: every gram of its tokens, and each token
    escaped for LIKE (with `LIKE_ESCAPE`)."""

    grams: list[str]
    patterns: list[str]


def search_terms(query: str) -> SearchTerms | None:
    """None when the query has no token (it finds everything)."""
    query_tokens = tokens(query[:MAX_QUERY_LENGTH])
    if not query_tokens:
        return None
    wanted = sorted(set().union(*(_token_grams(t) for t in query_tokens)))
    return SearchTerms(wanted, [_escaped_for_like(token) for token in query_tokens])


def _escaped_for_like(token: str) -> str:
    """As SQLAlchemy's `autoescape=True` escapes a LIKE operand."""
    escaped = token.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
    return escaped.replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_")


def search_sql(grams_column: Any, text_column: Any, grams: Any, patterns: Sequence[Any]) -> Any:
    """SQL condition: the row's grams hold `grams` (an array, or its parameter) and its
    normalised text each of `patterns` (escaped tokens, or their parameters)."""
    contains = grams_column.op("@>")(grams)
    substrings = [text_column.contains(pattern, escape=LIKE_ESCAPE) for pattern in patterns]
    return and_(contains, *substrings)


def search_condition(grams_column: Any, text_column: Any, query: str) -> Any:
    """SQL condition: every query token occurs in the row's normalised text."""
    terms = search_terms(query)
    if terms is None:
        return literal(True)
    return search_sql(grams_column, text_column, literal(terms.grams, ARRAY(Text)), terms.patterns)
