"""SQLModel tables for knowledge checks (see storage/models.py for conventions).

- ``quiz_question``: a question asked in a channel: the thread it lives in, the question
  instance as asked (JSON, so a restart or an edited bank grades what was asked), and when
  it closes;
- ``quiz_answer``: one person's first answer to one question (the unique pair is what makes
  "first answer counts" hold under retries and races), with its grade.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from batchscout.storage.types import EnumText, UTCDateTime, utcnow


class QuestionStatus(StrEnum):
    """Values of ``QuizQuestion.status``."""

    OPEN = "open"
    REVEALED = "revealed"


class QuizQuestion(SQLModel, table=True):
    """A knowledge check posted in a channel; answers are replies in its thread."""

    __tablename__ = "quiz_question"
    __table_args__ = (UniqueConstraint("team_id", "channel_id", "message_ts"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, max_length=32)
    channel_id: str = Field(max_length=32)
    message_ts: str = Field(max_length=32)
    question_key: str = Field(max_length=100)
    kind: str = Field(max_length=16)
    instance: str = Field(sa_type=Text)
    asked_by: str | None = Field(default=None, max_length=32)
    digest_run_id: int | None = Field(default=None, foreign_key="digest_run.id")
    asked_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    closes_at: datetime = Field(sa_type=UTCDateTime, index=True)
    status: QuestionStatus = Field(
        default=QuestionStatus.OPEN, sa_type=EnumText(QuestionStatus, length=16), index=True
    )
    revealed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AnswerStatus(StrEnum):
    """Values of ``QuizAnswer.status``."""

    GRADED = "graded"
    PENDING = "pending"  # a free-text answer waiting for its batch grade


class QuizAnswer(SQLModel, table=True):
    """A person's first answer to a question."""

    __tablename__ = "quiz_answer"
    __table_args__ = (UniqueConstraint("question_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="quiz_question.id", index=True)
    team_id: str = Field(index=True, max_length=32)
    channel_id: str = Field(max_length=32)
    user_id: str = Field(max_length=32)
    reply_ts: str = Field(max_length=32)
    text: str = Field(sa_type=Text)
    status: AnswerStatus = Field(
        default=AnswerStatus.GRADED, sa_type=EnumText(AnswerStatus, length=16), index=True
    )
    correct: bool | None = None
    points: int = 0
    method: str | None = Field(default=None, max_length=16)
    feedback: str | None = Field(default=None, sa_type=Text)
    batch_job_id: int | None = Field(default=None, foreign_key="llm_batch_job.id", index=True)
    announced: bool = False
    answered_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    graded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
