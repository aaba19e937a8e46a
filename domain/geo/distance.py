"""Great-circle distance, in Python and as an index-friendly SQL condition."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from sqlalchemy import and_, func

EARTH_RADIUS_KM = 6371.0088
_KM_PER_DEGREE_LAT = 111.32


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


class NearBox(NamedTuple):
    """What a distance condition needs of a point and a radius: the bounding box an index
    on (lat, lon) can use, and the values of the exact distance. Its fields are numbers,
    or SQL parameters of a statement compiled once (`domain.jobs.queries`)."""

    lat_min: Any
    lat_max: Any
    lon_min: Any
    lon_max: Any
    lat: Any
    lon: Any
    cos_lat: Any  # cos(lat): a constant of the haversine
    km: Any


def near_box(lat: float, lon: float, km: float) -> NearBox:
    dlat = km / _KM_PER_DEGREE_LAT
    dlon = km / (_KM_PER_DEGREE_LAT * max(math.cos(math.radians(lat)), 0.01))
    return NearBox(
        lat - dlat, lat + dlat, lon - dlon, lon + dlon, lat, lon, math.cos(math.radians(lat)), km
    )


def haversine_sql(lat_column: Any, lon_column: Any, lat: Any, lon: Any, cos_lat: Any) -> Any:
    dphi = func.radians(lat_column - lat)
    dlambda = func.radians(lon_column - lon)
    a = func.power(func.sin(dphi / 2), 2) + cos_lat * func.cos(
        func.radians(lat_column)
    ) * func.power(func.sin(dlambda / 2), 2)
    return 2 * EARTH_RADIUS_KM * func.asin(func.least(1.0, func.sqrt(a)))


def within_sql(lat_column: Any, lon_column: Any, box: NearBox) -> Any:
    """A bounding box the (lat, lon) index can use, then the exact distance."""
    return and_(
        lat_column.between(box.lat_min, box.lat_max),
        lon_column.between(box.lon_min, box.lon_max),
        haversine_sql(lat_column, lon_column, box.lat, box.lon, box.cos_lat) <= box.km,
    )


def within_km_condition(lat_column: Any, lon_column: Any, lat: float, lon: float, km: float) -> Any:
    return within_sql(lat_column, lon_column, near_box(lat, lon, km))
