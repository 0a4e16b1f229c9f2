"""Provider usage: hourly usage buckets, daily cost lines, imported days, encrypted admin keys;
the inventory's usage_project and usage_api_key columns.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "usage_cost_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("provider", sa.String(length=24), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("project", sa.String(length=100), nullable=False),
        sa.Column("api_key", sa.String(length=100), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("amount", sa.String(length=48), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "provider", "day", "project", "api_key", "description"),
    )
    with op.batch_alter_table("usage_cost_day", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_usage_cost_day_team_id"), ["team_id"], unique=False)

    op.create_table(
        "usage_credential",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("provider", sa.String(length=24), nullable=False),
        sa.Column("ciphertext", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "provider"),
    )
    with op.batch_alter_table("usage_credential", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_usage_credential_team_id"), ["team_id"], unique=False)

    op.create_table(
        "usage_hour",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("provider", sa.String(length=24), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("project", sa.String(length=100), nullable=False),
        sa.Column("api_key", sa.String(length=100), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("tier", sa.String(length=24), nullable=False),
        sa.Column("requests", sa.BigInteger(), nullable=True),
        sa.Column("input_tokens", sa.BigInteger(), nullable=False),
        sa.Column("cache_read_tokens", sa.BigInteger(), nullable=False),
        sa.Column("cache_write_tokens", sa.BigInteger(), nullable=False),
        sa.Column("output_tokens", sa.BigInteger(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "provider", "start", "project", "api_key", "model", "tier"),
    )
    with op.batch_alter_table("usage_hour", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_usage_hour_team_id"), ["team_id"], unique=False)

    op.create_table(
        "usage_import_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("provider", sa.String(length=24), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "provider", "day"),
    )
    with op.batch_alter_table("usage_import_day", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_usage_import_day_team_id"), ["team_id"], unique=False)

    with op.batch_alter_table("workflow", schema=None) as batch_op:
        batch_op.add_column(sa.Column("usage_project", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("usage_api_key", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("workflow", schema=None) as batch_op:
        batch_op.drop_column("usage_api_key")
        batch_op.drop_column("usage_project")

    with op.batch_alter_table("usage_import_day", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_usage_import_day_team_id"))

    op.drop_table("usage_import_day")
    with op.batch_alter_table("usage_hour", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_usage_hour_team_id"))

    op.drop_table("usage_hour")
    with op.batch_alter_table("usage_credential", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_usage_credential_team_id"))

    op.drop_table("usage_credential")
    with op.batch_alter_table("usage_cost_day", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_usage_cost_day_team_id"))

    op.drop_table("usage_cost_day")
