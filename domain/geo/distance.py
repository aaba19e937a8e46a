"""Great-circle distance, in Python and as an index-friendly SQL condition."""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import and_, func

EARTH_RADIUS_KM = 6371.0088
_KM_PER_DEGREE_LAT = 111.32


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def haversine_sql(lat_column: Any, lon_column: Any, lat: float, lon: float) -> Any:
    dphi = func.radians(lat_column - lat)
    dlambda = func.radians(lon_column - lon)
    a = func.power(func.sin(dphi / 2), 2) + math.cos(math.radians(lat)) * func.cos(
        func.radians(lat_column)
    ) * func.power(func.sin(dlambda / 2), 2)
    return 2 * EARTH_RADIUS_KM * func.asin(func.least(1.0, func.sqrt(a)))


def within_km_condition(lat_column: Any, lon_column: Any, lat: float, lon: float, km: float) -> Any:
    """A bounding box the (lat, lon) index can use, then the exact distance."""
    dlat = km / _KM_PER_DEGREE_LAT
    dlon = km / (_KM_PER_DEGREE_LAT * max(math.cos(math.radians(lat)), 0.01))
    return and_(
        lat_column.between(lat - dlat, lat + dlat),
        lon_column.between(lon - dlon, lon + dlon),
        haversine_sql(lat_column, lon_column, lat, lon) <= km,
    )
