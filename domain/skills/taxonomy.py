"""The skills taxonomy data file, and bringing the `skills` table in line with it."""

from __future__ import annotations

import json
import uuid
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects.postgresql import insert

from domain.skills.models import Skill
from domain.text_search import grams, normalize

_DATA = Path(__file__).parent / "data" / "skills.json"
# Skill IDs derive from the slug, so every environment (and every client's cache) agrees on them.
_NAMESPACE = uuid.UUID("6f1c1c1e-6c5b-4f7e-9d0c-1a2b3c4d5e6f")


def skill_id_for(slug: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, slug)


@cache
def taxonomy() -> tuple[dict[str, Any], ...]:
    return tuple(json.loads(_DATA.read_text(encoding="utf-8")))


def _row(entry: dict[str, Any]) -> dict[str, Any]:
    names = [entry["name_en"], entry["name_ja"], *entry["aliases_en"], *entry["aliases_ja"]]
    return {
        "id": skill_id_for(entry["slug"]),
        "slug": entry["slug"],
        "sector": entry["sector"],
        "name_en": entry["name_en"],
        "name_ja": entry["name_ja"],
        "aliases_en": entry["aliases_en"],
        "aliases_ja": entry["aliases_ja"],
        "search_text": " | ".join(normalize(name) for name in names),
        "search_grams": grams(names),
    }


def sync_taxonomy(connection: Connection) -> int:
    """Insert new skills, update changed ones (by slug); never delete: jobs refer to them."""
    rows = [_row(entry) for entry in taxonomy()]
    statement = insert(Skill.__table__).values(rows)  # type: ignore[attr-defined]
    updated = {
        column: statement.excluded[column] for column in rows[0] if column not in ("id", "slug")
    }
    connection.execute(statement.on_conflict_do_update(index_elements=["slug"], set_=updated))
    return len(rows)
