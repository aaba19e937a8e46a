"""TF-IDF over character n-grams, in numpy: text similarity that needs no word segmentation
(Japanese has no spaces) and no downloaded model.

- Text is folded like search text (`domain.text_search.normalize`: NFKC, case-folded,
  punctuation to spaces). Grams are the character 2- and 3-grams inside each token, with the
  token padded by a space on each side (" fo", "ork", "k "), so English words keep their
  edges and a Japanese run gives its bigrams and trigrams.
- A gram is an integer, its code points packed 21 bits each: no string is ever built, and
  extracting the grams of 100,000 texts is a handful of whole-array operations.
- Weights are sublinear TF-IDF: (1 + ln tf) · idf with idf = ln((1 + n) / (1 + df)) + 1 over
  all texts of both sides (workers and jobs). Each text's vector is L2-normalised over all its
  grams, then only its `terms_per_row` heaviest grams that occur in at least two texts are
  kept (a gram in one text can never be shared). The similarity of two texts is the dot
  product of their kept weights: the cosine, minus the light tail that was cut, and the same
  value whichever side asks.
- The vocabulary and idf are fixed when fitted; a text written later is weighed with them
  (grams never seen count in its norm with the highest idf, and match nothing) until the
  next refit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from domain.text_search import normalize

NGRAM_SIZES = (2, 3)
TERMS_PER_ROW = 48
_CHUNK = 20_000  # texts per pass while fitting, to bound memory
_SPACE, _SEPARATOR = 32, 0
_BITS = 21  # every Unicode code point fits in 21 bits

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]


def _clean(text: str) -> str:
    return " " + normalize(text.replace("\x00", " ")) + " "


def text_grams(texts: Sequence[str]) -> tuple[IntArray, IntArray]:
    """(text index, gram) for every 2- and 3-gram occurrence, in whole-array operations."""
    if not texts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    cleaned = [_clean(text) for text in texts]
    corpus = "\x00".join(cleaned)
    points = np.frombuffer(corpus.encode("utf-32-le"), dtype="<u4").astype(np.int64)
    lengths = np.fromiter((len(text) + 1 for text in cleaned), dtype=np.int64, count=len(texts))
    owner = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)[: len(points)]
    separator, space = points == _SEPARATOR, points == _SPACE
    owners, grams = [], []
    if 2 in NGRAM_SIZES:
        keep = ~(separator[:-1] | separator[1:]) & ~(space[:-1] & space[1:])
        owners.append(owner[:-1][keep])
        grams.append(((points[:-1] << _BITS) | points[1:])[keep])
    if 3 in NGRAM_SIZES and len(points) > 2:
        keep = ~(separator[:-2] | separator[1:-1] | separator[2:]) & ~space[1:-1]
        owners.append(owner[:-2][keep])
        grams.append(((points[:-2] << (2 * _BITS)) | (points[1:-1] << _BITS) | points[2:])[keep])
    return np.concatenate(owners), np.concatenate(grams)


def term_counts(texts: Sequence[str]) -> tuple[IntArray, IntArray, IntArray]:
    """(text index, gram, count) for every distinct gram of every text, sorted by text."""
    owner, grams = text_grams(texts)
    if len(grams) == 0:
        return owner, grams, np.zeros(0, np.int64)
    order = np.lexsort((grams, owner))
    owner, grams = owner[order], grams[order]
    first = np.ones(len(grams), dtype=np.bool_)
    first[1:] = (owner[1:] != owner[:-1]) | (grams[1:] != grams[:-1])
    starts = np.flatnonzero(first)
    counts = np.diff(np.append(starts, len(grams)))
    return owner[starts], grams[starts], counts


@dataclass(frozen=True, slots=True)
class TextRows:
    """Each text's kept grams (vocabulary indices, -1 = empty slot) and their weights."""

    terms: npt.NDArray[np.int32]  # (n, terms_per_row)
    weights: FloatArray  # (n, terms_per_row)

    def __len__(self) -> int:
        return int(self.terms.shape[0])


@dataclass(frozen=True, slots=True)
class TextVocabulary:
    terms: IntArray  # sorted grams that occur in at least two texts
    idf: FloatArray  # per term
    unseen_idf: float  # for grams the fit never saw (or saw once)
    documents: int

    @classmethod
    def fit(cls, texts: Iterable[str]) -> TextVocabulary:
        """Document frequencies over all texts, a chunk at a time."""
        batch: list[str] = []
        chunks: list[tuple[IntArray, IntArray]] = []
        documents = 0

        def flush() -> None:
            _, grams, _ = term_counts(batch)
            chunks.append(np.unique(grams, return_counts=True))
            batch.clear()

        for text in texts:
            batch.append(text)
            documents += 1
            if len(batch) >= _CHUNK:
                flush()
        if batch:
            flush()
        if chunks:
            grams, inverse = np.unique(np.concatenate([g for g, _ in chunks]), return_inverse=True)
            frequency = np.bincount(inverse, weights=np.concatenate([c for _, c in chunks]))
        else:
            grams, frequency = np.zeros(0, np.int64), np.zeros(0)
        shared = frequency >= 2
        idf = np.log((1 + documents) / (1 + frequency[shared])) + 1
        return cls(
            terms=grams[shared],
            idf=idf.astype(np.float32),
            unseen_idf=float(np.log(1 + documents) + 1),
            documents=documents,
        )

    @property
    def size(self) -> int:
        return len(self.terms)

    @property
    def nbytes(self) -> int:
        return int(self.terms.nbytes + self.idf.nbytes)

    def rows(self, texts: Sequence[str], terms_per_row: int = TERMS_PER_ROW) -> TextRows:
        """Normalised, pruned TF-IDF rows for `texts` (see the module notes)."""
        count = len(texts)
        terms = np.full((count, terms_per_row), -1, dtype=np.int32)
        weights = np.zeros((count, terms_per_row), dtype=np.float32)
        for start in range(0, count, _CHUNK):
            chunk = texts[start : start + _CHUNK]
            owner, grams, counts = term_counts(chunk)
            if len(grams) == 0:
                continue
            if self.size:
                index = np.minimum(np.searchsorted(self.terms, grams), self.size - 1)
                known = self.terms[index] == grams
                idf = np.where(known, self.idf[index], np.float32(self.unseen_idf))
            else:
                index = np.zeros(len(grams), np.int64)
                known = np.zeros(len(grams), np.bool_)
                idf = np.full(len(grams), self.unseen_idf, np.float32)
            weight = (1 + np.log(counts)) * idf
            norm = np.sqrt(np.bincount(owner, weights=weight * weight, minlength=len(chunk)))
            weight = weight / np.where(norm > 0, norm, 1.0)[owner]
            owner, index, weight = owner[known], index[known], weight[known]
            order = np.lexsort((index, -weight, owner))  # heaviest first, ties by term
            owner, index, weight = owner[order], index[order], weight[order]
            first = np.searchsorted(owner, np.arange(len(chunk)))
            rank = np.arange(len(owner)) - first[owner]
            keep = rank < terms_per_row
            rows = owner[keep] + start
            terms[rows, rank[keep]] = index[keep]
            weights[rows, rank[keep]] = weight[keep]
        return TextRows(terms=terms, weights=weights)

    def dense(self, terms: npt.NDArray[np.int32], weights: FloatArray) -> FloatArray:
        """One row as a dense vector over the vocabulary, plus a trailing 0 that the empty
        slots (-1) of other rows read."""
        vector = np.zeros(self.size + 1, dtype=np.float32)
        filled = terms >= 0
        vector[terms[filled]] = weights[filled]
        return vector


def similarity_to(
    vector: FloatArray, rows: TextRows | tuple[npt.NDArray[np.int32], FloatArray]
) -> FloatArray:
    """Dot product of one dense row (`TextVocabulary.dense`) with many pruned rows."""
    terms, weights = (rows.terms, rows.weights) if isinstance(rows, TextRows) else rows
    result: FloatArray = np.einsum("ij,ij->i", vector[terms], weights)
    return result
