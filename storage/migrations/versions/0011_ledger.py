"""The weekly ledger: one snapshot of a workspace's figures per ISO week.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MONEY = (
    "monthly_spend",
    "migrate_now",
    "to_challenge",
    "flex_now",
    "realised",
    "spend_after",
    "verified_savings",
)


def upgrade() -> None:
    op.create_table(
        "ledger_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        *(sa.Column(name, sa.String(length=48), nullable=False) for name in _MONEY),
        sa.Column("opportunities", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "week"),
    )
    op.create_index("ix_ledger_snapshot_team_id", "ledger_snapshot", ["team_id"])


def downgrade() -> None:
    op.drop_index("ix_ledger_snapshot_team_id", table_name="ledger_snapshot")
    op.drop_table("ledger_snapshot")
