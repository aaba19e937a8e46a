"""Skill types."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from operator import attrgetter
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

import strawberry

from domain.skills.models import Skill as SkillRow
from schema.enums import Sector, as_sector
from schema.ids import node_id
from schema.relay import Node
from schema.row_backed import RowBacked, column_values
from schema.shown import ShownPerRow

if TYPE_CHECKING:
    from schema.context import Info


@strawberry.type(description="A skill or licence from the taxonomy, named in English and Japanese.")
class Skill(RowBacked, Node):
    pk: strawberry.Private[uuid.UUID]
    slug: str = strawberry.field(description="Stable, readable key, e.g. `forklift-operation`.")
    sector: Sector = strawberry.field(description="The industry sector the skill belongs to.")
    name_en: str = strawberry.field(description="The English name.")
    name_ja: str = strawberry.field(description="The Japanese name.")
    aliases_en: list[str] = strawberry.field(
        description="Other English names the skill is known by (search finds them too).",
    )
    aliases_ja: list[str] = strawberry.field(
        description="Other Japanese names and spellings (search finds them too).",
    )

    @staticmethod
    def from_row(row: SkillRow) -> Skill:
        """The skill, each field converted from `row` when first read (`RowBacked`); the
        same object for the same row object (`schema/shown.py`)."""
        return _SHOWN.of(row, _made_from)

    converters: ClassVar[Mapping[str, Callable[[SkillRow], Any]]] = {
        "slug": attrgetter("slug"),
        "sector": lambda row: as_sector(row.sector),
        "name_en": attrgetter("name_en"),
        "name_ja": attrgetter("name_ja"),
        "aliases_en": lambda row: list(row.aliases_en),
        "aliases_ja": lambda row: list(row.aliases_ja),
    }

    @strawberry.field(description="The name in the given locale (`ja` or `en`).")
    def name(
        self,
        locale: Annotated[str, strawberry.argument(description="`ja` (default) or `en`.")] = "ja",
    ) -> str:
        return self.name_ja if locale == "ja" else self.name_en


# A page's ~290 skill links share far fewer skill rows (`skills_of_jobs`, the public cache).
_SHOWN: ShownPerRow[Skill] = ShownPerRow(Skill, 4096)


def _made_from(row: SkillRow) -> Skill:
    columns = column_values(row)
    pk = columns.id
    return Skill.lazily(columns, {"id": node_id("Skill", pk), "pk": pk})


async def load_skill(info: Info, pk: uuid.UUID) -> Skill | None:
    row = await info.context.loaders.skill.load(pk)
    return Skill.from_row(row) if row else None
