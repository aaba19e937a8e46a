"""The multilingual embedding: shape, normalisation, and one space for both languages."""

from __future__ import annotations

import numpy as np

from domain.ai.embedding import DIMENSIONS, embed, nearest_skills
from domain.ai.skill_index import default_skill_index


def test_shape_and_unit_length() -> None:
    vectors = embed(["フォークリフト運転", "forklift operation", "sushi"])
    assert vectors.shape == (3, DIMENSIONS)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embed([]).shape == (0, DIMENSIONS)


def test_japanese_is_nearer_its_english_translation_than_an_unrelated_phrase() -> None:
    ja, en, unrelated = embed(["介護の仕事", "caregiving job", "software engineer"])
    assert float(ja @ en) > float(ja @ unrelated) + 0.2
    forklift_ja, forklift_en, cooking = embed(
        ["フォークリフト運転", "forklift operation", "ramen cooking"]
    )
    assert float(forklift_ja @ forklift_en) > float(forklift_ja @ cooking)


def test_phrase_to_skill() -> None:
    best = [entry.slug for entry, _ in nearest_skills("寿司を握る", default_skill_index(), limit=1)]
    assert best == ["sushi-making"]
