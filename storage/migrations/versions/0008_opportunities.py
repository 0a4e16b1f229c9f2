"""Follow-through: opportunities and their history, follow-up settings, owners and audits.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "opportunity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("workflow_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("monthly_savings", sa.String(length=48), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("snoozed_until", sa.Date(), nullable=True),
        sa.Column("reason", sa.String(length=16), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("dismissed_answers", sa.String(length=64), nullable=True),
        sa.Column("dismissed_savings", sa.String(length=48), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workflow_id"], ["workflow.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "workflow_id"),
    )
    op.create_index("ix_opportunity_team_id", "opportunity", ["team_id"])
    op.create_index("ix_opportunity_workflow_id", "opportunity", ["workflow_id"])
    op.create_table(
        "opportunity_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(["opportunity_id"], ["opportunity.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_opportunity_event_team_id", "opportunity_event", ["team_id"])
    op.create_index("ix_opportunity_event_opportunity_id", "opportunity_event", ["opportunity_id"])
    op.create_table(
        "followup_settings",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id"),
    )
    op.create_table(
        "followup_owner",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("owner", sa.String(length=32), nullable=False),
        sa.Column("last_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tz", sa.String(length=64), nullable=True),
        sa.Column("refused_error", sa.String(length=64), nullable=True),
        sa.Column("refused_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "owner"),
    )
    op.create_index("ix_followup_owner_team_id", "followup_owner", ["team_id"])
    op.create_table(
        "workflow_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("workflow_id", sa.Integer(), nullable=False),
        sa.Column("audited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("audited_by", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["workflow_id"], ["workflow.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "workflow_id"),
    )
    op.create_index("ix_workflow_audit_team_id", "workflow_audit", ["team_id"])
    op.create_index("ix_workflow_audit_workflow_id", "workflow_audit", ["workflow_id"])


def downgrade() -> None:
    op.drop_index("ix_workflow_audit_workflow_id", table_name="workflow_audit")
    op.drop_index("ix_workflow_audit_team_id", table_name="workflow_audit")
    op.drop_table("workflow_audit")
    op.drop_index("ix_followup_owner_team_id", table_name="followup_owner")
    op.drop_table("followup_owner")
    op.drop_table("followup_settings")
    op.drop_index("ix_opportunity_event_opportunity_id", table_name="opportunity_event")
    op.drop_index("ix_opportunity_event_team_id", table_name="opportunity_event")
    op.drop_table("opportunity_event")
    op.drop_index("ix_opportunity_workflow_id", table_name="opportunity")
    op.drop_index("ix_opportunity_team_id", table_name="opportunity")
    op.drop_table("opportunity")
