"""Digests: subscriptions, digest runs (one per subscription and period), provider batch jobs, scheduler lease.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "apscheduler_jobs",
        sa.Column("id", sa.String(length=191), nullable=False),
        sa.Column("next_run_time", sa.Float(precision=25), nullable=True),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_apscheduler_jobs_next_run_time", "apscheduler_jobs", ["next_run_time"])
    op.create_table(
        "digest_subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("subscriber_id", sa.String(length=32), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("minute", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("noise_floor", sa.String(length=48), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_reason", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "channel_id"),
    )
    with op.batch_alter_table("digest_subscription", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_digest_subscription_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_digest_subscription_team_id"), ["team_id"], unique=False
        )

    op.create_table(
        "llm_batch_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("batch_id", sa.String(length=128), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("request_count", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    with op.batch_alter_table("llm_batch_job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_llm_batch_job_status"), ["status"], unique=False)

    op.create_table(
        "scheduler_lease",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "digest_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("facts", sa.Text(), nullable=True),
        sa.Column("prose", sa.Text(), nullable=True),
        sa.Column("prose_source", sa.String(length=16), nullable=True),
        sa.Column("batch_job_id", sa.Integer(), nullable=True),
        sa.Column("llm_batch_cost", sa.String(length=48), nullable=True),
        sa.Column("llm_sync_cost", sa.String(length=48), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_job_id"],
            ["llm_batch_job.id"],
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["digest_subscription.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "channel_id", "period"),
    )
    with op.batch_alter_table("digest_run", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_digest_run_batch_job_id"), ["batch_job_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_digest_run_due_at"), ["due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_digest_run_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_digest_run_subscription_id"), ["subscription_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_digest_run_team_id"), ["team_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_apscheduler_jobs_next_run_time", table_name="apscheduler_jobs")
    op.drop_table("apscheduler_jobs")
    with op.batch_alter_table("digest_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digest_run_team_id"))
        batch_op.drop_index(batch_op.f("ix_digest_run_subscription_id"))
        batch_op.drop_index(batch_op.f("ix_digest_run_status"))
        batch_op.drop_index(batch_op.f("ix_digest_run_due_at"))
        batch_op.drop_index(batch_op.f("ix_digest_run_batch_job_id"))

    op.drop_table("digest_run")
    op.drop_table("scheduler_lease")
    with op.batch_alter_table("llm_batch_job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_llm_batch_job_status"))

    op.drop_table("llm_batch_job")
    with op.batch_alter_table("digest_subscription", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digest_subscription_team_id"))
        batch_op.drop_index(batch_op.f("ix_digest_subscription_status"))

    op.drop_table("digest_subscription")
