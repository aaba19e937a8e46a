"""Great-circle distance over whole columns (the scalar version is `domain.geo.distance`)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from domain.geo.distance import EARTH_RADIUS_KM

FloatArray = npt.NDArray[np.float64]


def haversine_km_radians(
    lat1: FloatArray | float,
    lon1: FloatArray | float,
    cos_lat1: FloatArray | float,
    lat2: FloatArray | float,
    lon2: FloatArray | float,
    cos_lat2: FloatArray | float,
) -> FloatArray:
    """Kilometres between points given in radians with their latitude's cosine precomputed
    (the feature columns keep all three, so a pass over 100,000 rows needs no trig on them).
    Arguments broadcast; NaN coordinates give NaN."""
    a = (
        np.sin((np.asarray(lat2) - lat1) / 2) ** 2
        + np.asarray(cos_lat1) * cos_lat2 * np.sin((np.asarray(lon2) - lon1) / 2) ** 2
    )
    result: FloatArray = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))
    return result


def haversine_km_array(
    lat1: FloatArray | float,
    lon1: FloatArray | float,
    lat2: FloatArray | float,
    lon2: FloatArray | float,
) -> FloatArray:
    """Kilometres between points given in degrees; arguments broadcast."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    return haversine_km_radians(
        phi1, np.radians(lon1), np.cos(phi1), phi2, np.radians(lon2), np.cos(phi2)
    )
