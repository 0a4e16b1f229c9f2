"""A digest run remembers how far its thread got, so a crash between thread parts is resumed.

Revision ID: 0015
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("digest_run") as batch:
        batch.add_column(sa.Column("thread_next", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("thread_sending", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("digest_run") as batch:
        batch.drop_column("thread_sending")
        batch.drop_column("thread_next")
