"""SQL helpers shared by the query modules."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY, UUID


def any_of(column: Any, ids: Collection[uuid.UUID]) -> Any:
    """`column = ANY($1)` with the ids as one array parameter. `column.in_(ids)` binds one
    parameter per id, and PostgreSQL's protocol (asyncpg) stops at 32,767: matching loads
    every public profile at once, 100,000 and more."""
    return column == any_(bindparam(None, list(ids), type_=ARRAY(UUID(as_uuid=True))))
