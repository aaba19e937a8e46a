"""The embedding half of the text factor: short texts compared across languages.

TF-IDF over character n-grams (`text_similarity`) finds nothing shared between a Japanese
ad and an English profile about the same work. A multilingual sentence embedding does, but
only of short texts: whole ads are dominated by pay and place boilerplate (bench/ai/README).
So the background reading (`domain.ai.saved`) embeds the job's title with its skill names,
and the worker's headline with theirs, and stores 512 float16 values; the engine holds
them as float16 rows (1 KiB each) and compares them with a dot product (the vectors are
L2-normalised before rounding, so it is a cosine to about 1e-3).

Measured cross-lingually (`bench/ai/title_similarity.py`): same-sector pairs have a median
cosine of 0.28–0.37, different-sector pairs 0.14–0.18 with 90 % of them below about 0.30.
`embedding_fit` therefore counts only what lies above `EMBEDDING_FLOOR` and saturates at
`EMBEDDING_CEILING` (above the same-sector 90th percentile): unrelated pairs stay at 0.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

DIMENSIONS = 512  # USE multilingual v3 (`domain.ai.embedding.DIMENSIONS`)
EMBEDDING_FLOOR = 0.30
EMBEDDING_CEILING = 0.55
_CHUNK = 4_096  # rows per product, to bound the float64 copy

F64 = npt.NDArray[np.float64]
F16 = npt.NDArray[np.float16]


def encode(vector: npt.NDArray[np.floating]) -> bytes:
    """How a vector is stored: float16, little-endian."""
    values = np.asarray(vector, dtype="<f2").reshape(-1)
    if values.shape != (DIMENSIONS,):
        raise ValueError(f"A short-text embedding has {DIMENSIONS} values, not {values.size}.")
    return values.tobytes()


def decode(stored: bytes) -> F16:
    values: F16 = np.frombuffer(stored, dtype="<f2").astype(np.float16)
    if values.shape != (DIMENSIONS,):
        raise ValueError(f"A short-text embedding has {DIMENSIONS} values, not {values.size}.")
    return values


def cosines(vector: F16, rows: F16) -> F64:
    """Dot product of one stored vector with many (a zero row — no vector — gives 0).

    Summed in float64: float16 products are exact there, so the result does not depend on
    the order of the sum and a pair scores the same whichever side asks."""
    fixed = vector.astype(np.float64)
    result = np.zeros(rows.shape[0], dtype=np.float64)
    if not fixed.any():
        return result
    for start in range(0, rows.shape[0], _CHUNK):
        result[start : start + _CHUNK] = rows[start : start + _CHUNK].astype(np.float64) @ fixed
    return result


def embedding_fit(cosine: F64) -> F64:
    """Cosine → [0, 1]: 0 up to `EMBEDDING_FLOOR`, linear to 1 at `EMBEDDING_CEILING`."""
    fit: F64 = np.clip((cosine - EMBEDDING_FLOOR) / (EMBEDDING_CEILING - EMBEDDING_FLOOR), 0.0, 1.0)
    return fit
