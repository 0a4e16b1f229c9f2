"""Knowledge checks: questions asked in channels, first answers and their grades.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "quiz_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=False),
        sa.Column("question_key", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("instance", sa.Text(), nullable=False),
        sa.Column("asked_by", sa.String(length=32), nullable=True),
        sa.Column("digest_run_id", sa.Integer(), nullable=True),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("revealed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["digest_run_id"],
            ["digest_run.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "channel_id", "message_ts"),
    )
    with op.batch_alter_table("quiz_question", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quiz_question_closes_at"), ["closes_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_quiz_question_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_quiz_question_team_id"), ["team_id"], unique=False)

    op.create_table(
        "quiz_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("reply_ts", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=True),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=True),
        sa.Column("feedback", sa.Text(), nullable=True),
        sa.Column("batch_job_id", sa.Integer(), nullable=True),
        sa.Column("announced", sa.Boolean(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("graded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_job_id"],
            ["llm_batch_job.id"],
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["quiz_question.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("question_id", "user_id"),
    )
    with op.batch_alter_table("quiz_answer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_quiz_answer_answered_at"), ["answered_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_quiz_answer_batch_job_id"), ["batch_job_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_quiz_answer_question_id"), ["question_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_quiz_answer_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_quiz_answer_team_id"), ["team_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("quiz_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quiz_answer_team_id"))
        batch_op.drop_index(batch_op.f("ix_quiz_answer_status"))
        batch_op.drop_index(batch_op.f("ix_quiz_answer_question_id"))
        batch_op.drop_index(batch_op.f("ix_quiz_answer_batch_job_id"))
        batch_op.drop_index(batch_op.f("ix_quiz_answer_answered_at"))

    op.drop_table("quiz_answer")
    with op.batch_alter_table("quiz_question", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quiz_question_team_id"))
        batch_op.drop_index(batch_op.f("ix_quiz_question_status"))
        batch_op.drop_index(batch_op.f("ix_quiz_question_closes_at"))

    op.drop_table("quiz_question")
