"""Japan's 47 prefectures, from the data file shipped beside this module."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

_DATA = Path(__file__).parent / "data" / "prefectures.json"


@dataclass(frozen=True, slots=True)
class City:
    name_en: str
    name_ja: str
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class PrefectureInfo:
    code: str
    jis: int
    name_en: str
    name_ja: str
    region: str
    lat: float
    lon: float
    cities: tuple[City, ...]


@cache
def prefectures() -> dict[str, PrefectureInfo]:
    """Prefectures by code, in JIS order."""
    rows = json.loads(_DATA.read_text(encoding="utf-8"))
    return {
        row["code"]: PrefectureInfo(
            code=row["code"],
            jis=row["jis"],
            name_en=row["name_en"],
            name_ja=row["name_ja"],
            region=row["region"],
            lat=row["lat"],
            lon=row["lon"],
            cities=tuple(City(**city) for city in row["cities"]),
        )
        for row in rows
    }


Prefecture = StrEnum("Prefecture", [(code, code) for code in prefectures()])  # type: ignore[misc]
Prefecture.__doc__ = "A prefecture of Japan, by its romanised name (JIS X 0401 order)."


def location_search_terms(prefecture: str, city: str) -> list[str]:
    """Both languages' names, so "大阪" finds a job entered as Osaka."""
    info = prefectures()[prefecture]
    return [city, info.name_en, info.name_ja]
