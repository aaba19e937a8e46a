"""Seed the skills taxonomy from domain/skills/data/skills.json.

The sync is an upsert by slug, so a later migration that calls it again picks
up additions and renames without touching the IDs jobs and profiles refer to.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

from domain.skills.taxonomy import sync_taxonomy

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    sync_taxonomy(op.get_bind())


def downgrade() -> None:
    op.execute("DELETE FROM skills")
