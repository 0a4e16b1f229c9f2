"""Initial schema: workspaces, price overrides, workflows.

Money is stored as decimal text (exact on SQLite too), enums as their values, times in UTC.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "price_override",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("provider", sa.String(length=24), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("input_per_mtok", sa.String(length=48), nullable=False),
        sa.Column("output_per_mtok", sa.String(length=48), nullable=False),
        sa.Column("batch_input_per_mtok", sa.String(length=48), nullable=True),
        sa.Column("batch_output_per_mtok", sa.String(length=48), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "provider", "model"),
    )
    with op.batch_alter_table("price_override", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_price_override_team_id"), ["team_id"], unique=False)

    op.create_table(
        "workflow",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("owner", sa.String(length=32), nullable=True),
        sa.Column("provider", sa.String(length=24), nullable=True),
        sa.Column("model", sa.String(length=200), nullable=True),
        sa.Column("requests", sa.String(length=48), nullable=False),
        sa.Column("per", sa.String(length=24), nullable=False),
        sa.Column("input_tokens", sa.Integer(), nullable=True),
        sa.Column("output_tokens", sa.Integer(), nullable=True),
        sa.Column("cost_per_request", sa.String(length=48), nullable=True),
        sa.Column("trigger", sa.String(length=24), nullable=False),
        sa.Column("reader", sa.String(length=24), nullable=False),
        sa.Column("freshness", sa.String(length=24), nullable=False),
        sa.Column("mode", sa.String(length=24), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("name_key", sa.String(length=80), nullable=False),
        sa.Column("priced_model", sa.String(length=200), nullable=True),
        sa.Column("sync_per_request", sa.String(length=48), nullable=False),
        sa.Column("batch_per_request", sa.String(length=48), nullable=False),
        sa.Column("batch_basis", sa.String(length=24), nullable=False),
        sa.Column("latency_class", sa.String(length=24), nullable=False),
        sa.Column("rationale", sa.String(length=1000), nullable=False),
        sa.Column("batch_disguised_as_stream", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("migrated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "name_key"),
    )
    with op.batch_alter_table("workflow", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workflow_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_workflow_team_id"), ["team_id"], unique=False)

    op.create_table(
        "workspace",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("batch_discount", sa.String(length=48), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id"),
    )


def downgrade() -> None:
    op.drop_table("workspace")
    with op.batch_alter_table("workflow", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workflow_team_id"))
        batch_op.drop_index(batch_op.f("ix_workflow_status"))

    op.drop_table("workflow")
    with op.batch_alter_table("price_override", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_price_override_team_id"))

    op.drop_table("price_override")
