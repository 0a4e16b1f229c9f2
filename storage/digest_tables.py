"""SQLModel tables for digests and provider batch jobs (see storage/models.py for conventions).

- ``digest_subscription``: a channel's weekly digest: day, local time and time zone;
- ``digest_run``: one row per (channel, period); the unique key is what makes posting
  idempotent, whatever crashes, retries, re-subscriptions or second workers do. An on-demand
  digest (``digest now``) has a period of its own and may have no subscription;
- ``llm_batch_job``: a provider batch, recorded with its idempotency key *before* it is
  created so a crash never leaves an unknown or orphaned batch;
- ``scheduler_lease``: which worker may run the scheduler now;
- ``apscheduler_jobs``: APScheduler's SQLAlchemy job store, declared here as APScheduler
  declares it so that Alembic owns it like every other table.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Column, Float, LargeBinary, String, Table, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from batchscout.defaults import NOISE_FLOOR
from batchscout.storage.types import DecimalText, EnumText, UTCDateTime, utcnow


class SubscriptionStatus(StrEnum):
    """Values of ``DigestSubscription.status``."""

    ACTIVE = "active"
    PAUSED = "paused"  # the channel went away or the bot was removed: the subscriber was told
    CANCELLED = "cancelled"


class DigestSubscription(SQLModel, table=True):
    """A channel's weekly digest. ``weekday`` is 0 for Monday; the time is local to ``timezone``."""

    __tablename__ = "digest_subscription"
    __table_args__ = (UniqueConstraint("team_id", "channel_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, max_length=32)
    channel_id: str = Field(max_length=32)
    subscriber_id: str = Field(max_length=32)
    weekday: int = 0
    hour: int = 9
    minute: int = 0
    timezone: str = Field(default="UTC", max_length=64)
    noise_floor: Decimal = Field(default=NOISE_FLOOR, sa_type=DecimalText)
    status: SubscriptionStatus = Field(
        default=SubscriptionStatus.ACTIVE,
        sa_type=EnumText(SubscriptionStatus, length=16),
        index=True,
    )
    status_reason: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RunStatus(StrEnum):
    """Values of ``DigestRun.status``."""

    PENDING = "pending"  # facts computed, maybe prose on its way
    POSTING = "posting"  # claimed by one worker; nobody else may post it
    POSTED = "posted"
    SKIPPED = "skipped"  # missed by more than the grace period
    FAILED = "failed"  # Slack refused it for good (channel gone); the subscription is paused


class DigestRun(SQLModel, table=True):
    """One digest for one channel and one period: the local date a weekly digest is due, or
    ``now-…`` for an on-demand one."""

    __tablename__ = "digest_run"
    __table_args__ = (UniqueConstraint("team_id", "channel_id", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int | None = Field(
        default=None, foreign_key="digest_subscription.id", index=True
    )
    team_id: str = Field(index=True, max_length=32)
    channel_id: str = Field(max_length=32)
    period: str = Field(max_length=32)
    due_at: datetime = Field(sa_type=UTCDateTime, index=True)
    status: RunStatus = Field(
        default=RunStatus.PENDING, sa_type=EnumText(RunStatus, length=16), index=True
    )
    facts: str | None = Field(default=None, sa_type=Text)
    prose: str | None = Field(default=None, sa_type=Text)
    prose_source: str | None = Field(default=None, max_length=16)
    batch_job_id: int | None = Field(default=None, foreign_key="llm_batch_job.id", index=True)
    llm_batch_cost: Decimal | None = Field(default=None, sa_type=DecimalText)
    llm_sync_cost: Decimal | None = Field(default=None, sa_type=DecimalText)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    message_ts: str | None = Field(default=None, max_length=32)
    posted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    #: The thread step to post next once the top message is posted (0 at first); ``None`` when
    #: the thread is done (or was never started). A crash leaves it set: the next pass resumes.
    thread_next: int | None = Field(default=None)
    #: Step ``thread_next`` was being sent: a crash there leaves Slack's answer unknown.
    thread_sending: bool = Field(default=False)


class BatchJobStatus(StrEnum):
    """Values of ``LLMBatchJob.status``."""

    CREATING = "creating"  # intent stored; the provider may or may not have the batch yet
    SUBMITTED = "submitted"
    ENDED = "ended"
    FAILED = "failed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    ABANDONED = "abandoned"  # creation failed and reconciliation found no batch


class LLMBatchJob(SQLModel, table=True):
    """A batch submitted to a provider, for digests or quiz grading."""

    __tablename__ = "llm_batch_job"

    id: int | None = Field(default=None, primary_key=True)
    provider: str = Field(max_length=16)
    model: str = Field(max_length=100)
    purpose: str = Field(max_length=16)
    idempotency_key: str = Field(max_length=64, unique=True)
    batch_id: str | None = Field(default=None, max_length=128)
    status: BatchJobStatus = Field(
        default=BatchJobStatus.CREATING, sa_type=EnumText(BatchJobStatus, length=16), index=True
    )
    request_count: int = 0
    error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SchedulerLease(SQLModel, table=True):
    """Who runs the scheduler: the holder renews before ``expires_at`` or loses the lease."""

    __tablename__ = "scheduler_lease"

    name: str = Field(primary_key=True, max_length=32)
    holder: str = Field(max_length=64)
    expires_at: datetime = Field(sa_type=UTCDateTime)


#: APScheduler 3's job store table (``SQLAlchemyJobStore(tablename="apscheduler_jobs")``).
apscheduler_jobs = Table(
    "apscheduler_jobs",
    SQLModel.metadata,
    Column("id", String(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
