"""The skills taxonomy: big enough, bilingual, and searchable by any name or alias."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from domain.skills.models import Sector, Skill
from tests.graphql_client import data, error_codes, gql

SEARCH = "query($s: String!, $sector: Sector) { skills(search: $s, sector: $sector) { slug nameEn nameJa } }"


async def test_taxonomy_covers_the_sectors_japan_needs(services):
    async with services.database.session() as session:
        rows = (
            await session.execute(select(Skill.sector, func.count()).group_by(Skill.sector))
        ).all()
    per_sector = dict(rows)
    assert sum(per_sector.values()) >= 300
    for sector in Sector:
        if sector is not Sector.GENERAL:
            assert per_sector.get(sector.value, 0) >= 25, sector


async def slugs(client, search, sector=None) -> list[str]:
    return [
        s["slug"]
        for s in data(await gql(client, SEARCH, {"s": search, "sector": sector}))["skills"]
    ]


@pytest.mark.parametrize(
    ("search", "expected_first"),
    [
        ("Forklift operation", "forklift-operation"),  # English name
        ("フォークリフト運転", "forklift-operation"),  # Japanese name
        ("forklift", "forklift-operation"),  # English alias, exact match ranks first
        ("フォーク", "forklift-operation"),  # Japanese alias
        ("ＦＯＲＫＬＩＦＴ", "forklift-operation"),  # full-width input
        ("初任者研修", "caregiver-initial-training"),
        ("ケアマネ", "care-manager"),
        ("TIG", "tig-welding"),
    ],
)
async def test_search_by_any_name_or_alias(client, search, expected_first):
    assert (await slugs(client, search))[0] == expected_first


async def test_search_within_a_sector(client):
    found = await slugs(client, "溶接", "MANUFACTURING")
    assert "tig-welding" in found
    assert await slugs(client, "溶接", "CARE") == []


async def test_unknown_search_finds_nothing(client):
    assert await slugs(client, "underwater basket weaving") == []


async def test_search_limits(client):
    assert error_codes(await gql(client, SEARCH, {"s": "x" * 201})) == ["BAD_USER_INPUT"]
    too_many = await gql(client, '{ skills(search: "a", first: 101) { slug } }')
    assert error_codes(too_many) == ["BAD_USER_INPUT"]
