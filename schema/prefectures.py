"""The prefecture list, for pickers in the apps."""

from __future__ import annotations

import strawberry

from domain.geo.prefectures import prefectures
from schema.enums import Prefecture


@strawberry.type(description="A prefecture with its names and the coordinates of its capital.")
class PrefectureInfo:
    code: Prefecture
    name_en: str
    name_ja: str
    region: str
    lat: float
    lon: float


def all_prefectures() -> list[PrefectureInfo]:
    return [
        PrefectureInfo(
            code=Prefecture(p.code),
            name_en=p.name_en,
            name_ja=p.name_ja,
            region=p.region,
            lat=p.lat,
            lon=p.lon,
        )
        for p in prefectures().values()
    ]
