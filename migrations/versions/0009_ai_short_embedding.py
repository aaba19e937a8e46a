"""ai short embedding: the title or headline and skill names, for matching's text factor

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("ai_extractions", sa.Column("short_embedding", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    op.drop_column("ai_extractions", "short_embedding")
