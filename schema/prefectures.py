"""The prefecture list, for pickers in the apps."""

from __future__ import annotations

import strawberry

from domain.geo.prefectures import prefectures
from schema.enums import Prefecture


@strawberry.type(description="A prefecture with its names and the coordinates of its capital.")
class PrefectureInfo:
    code: Prefecture = strawberry.field(description="The prefecture.")
    name_en: str = strawberry.field(description="English name, e.g. Tokyo.")
    name_ja: str = strawberry.field(description="Japanese name, e.g. 東京都.")
    region: str = strawberry.field(description="The region it belongs to, e.g. KANTO.")
    lat: float = strawberry.field(description="Latitude of the prefectural capital, in degrees.")
    lon: float = strawberry.field(description="Longitude of the prefectural capital, in degrees.")


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
