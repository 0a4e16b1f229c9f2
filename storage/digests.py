"""Query functions for digests, their runs and provider batch jobs. Keyword-only, explicit
``session``; subscriptions are always looked up with their ``team_id``."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from batchscout.audit.digest import DigestFacts, DigestItem
from batchscout.storage.digest_tables import (
    BatchJobStatus,
    DigestRun,
    DigestSubscription,
    LLMBatchJob,
    RunStatus,
    SchedulerLease,
    SubscriptionStatus,
)
from batchscout.storage.queries import ROW_TIMES, many_objects, row_of, rows_query
from batchscout.storage.types import utcnow


def subscribe(
    *,
    session: Session,
    team_id: str,
    channel_id: str,
    subscriber_id: str,
    weekday: int,
    hour: int,
    minute: int,
    timezone: str,
    noise_floor: Decimal | None = None,
) -> DigestSubscription:
    """Create or replace a channel's subscription, and make it active."""
    subscription = get_subscription(session=session, team_id=team_id, channel_id=channel_id)
    if subscription is None:
        subscription = DigestSubscription(
            team_id=team_id, channel_id=channel_id, subscriber_id=subscriber_id
        )
    subscription.subscriber_id = subscriber_id
    subscription.weekday, subscription.hour, subscription.minute = weekday, hour, minute
    subscription.timezone = timezone
    if noise_floor is not None:
        subscription.noise_floor = noise_floor
    subscription.status = SubscriptionStatus.ACTIVE
    subscription.status_reason = None
    subscription.updated_at = utcnow()
    session.add(subscription)
    session.flush()
    return subscription


def get_subscription(
    *, session: Session, team_id: str, channel_id: str
) -> DigestSubscription | None:
    """A channel's subscription (in any status), or ``None``."""
    return session.exec(
        select(DigestSubscription).where(
            DigestSubscription.team_id == team_id, DigestSubscription.channel_id == channel_id
        )
    ).first()


def unsubscribe(*, session: Session, team_id: str, channel_id: str) -> bool:
    """Cancel a channel's subscription; False when it had none active."""
    subscription = get_subscription(session=session, team_id=team_id, channel_id=channel_id)
    if subscription is None or subscription.status == SubscriptionStatus.CANCELLED:
        return False
    subscription.status = SubscriptionStatus.CANCELLED
    subscription.updated_at = utcnow()
    session.add(subscription)
    return True


def pause_subscription(*, session: Session, subscription_id: int, reason: str) -> None:
    """Stop posting to a channel Slack refuses (archived, removed, bot not a member)."""
    subscription = session.get(DigestSubscription, subscription_id)
    if subscription is not None:
        subscription.status = SubscriptionStatus.PAUSED
        subscription.status_reason = reason[:200]
        subscription.updated_at = utcnow()
        session.add(subscription)


def active_subscriptions(*, session: Session) -> list[DigestSubscription]:
    """Every active subscription of every workspace (the scheduler's work list)."""
    return list(
        session.exec(
            select(DigestSubscription).where(DigestSubscription.status == SubscriptionStatus.ACTIVE)
        ).all()
    )


def digest_items(*, session: Session, team_id: str) -> list[DigestItem]:
    """The workspace's active workflows as the digest sees them (read as plain rows)."""
    items = []
    with many_objects():
        for values in session.execute(rows_query(team_id, *ROW_TIMES)).all():
            row, figures = row_of(values)
            created_at, updated_at = values[-2:]
            items.append(
                DigestItem(
                    name=row.name,
                    owner=row.owner,
                    latency_class=row.latency_class,
                    disguised=row.batch_disguised_as_stream,
                    mode=row.mode,
                    figures=figures,
                    created_at=created_at,
                    updated_at=updated_at,
                )
            )
    return items


def get_or_create_run(
    *,
    session: Session,
    team_id: str,
    channel_id: str,
    period: str,
    due_at: datetime,
    subscription_id: int | None,
) -> DigestRun:
    """The run for (channel, period), created if needed; safe when two workers race."""
    existing = find_run(session=session, team_id=team_id, channel_id=channel_id, period=period)
    if existing is not None:
        return existing
    run = DigestRun(
        team_id=team_id,
        channel_id=channel_id,
        period=period,
        due_at=due_at,
        subscription_id=subscription_id,
    )
    try:
        with session.begin_nested():
            session.add(run)
    except IntegrityError:
        found = find_run(session=session, team_id=team_id, channel_id=channel_id, period=period)
        assert found is not None
        return found
    return run


def find_run(*, session: Session, team_id: str, channel_id: str, period: str) -> DigestRun | None:
    """The run for (channel, period), or ``None``."""
    return session.exec(
        select(DigestRun).where(
            DigestRun.team_id == team_id,
            DigestRun.channel_id == channel_id,
            DigestRun.period == period,
        )
    ).first()


#: The period prefix of on-demand digests (``digest now``): ``now-20261130T080000.000000``.
ON_DEMAND = "now-"


def open_on_demand_run(
    *, session: Session, team_id: str, channel_id: str, since: datetime
) -> DigestRun | None:
    """The channel's latest on-demand run started at or after ``since`` and not yet recorded
    as posted (pending, or claimed for posting).

    A ``digest now`` killed part-way leaves one (perhaps with its prose batch already paid
    for, perhaps posted but not recorded); running it again resumes it instead of starting a
    second.
    """
    return session.exec(
        select(DigestRun)
        .where(
            DigestRun.team_id == team_id,
            DigestRun.channel_id == channel_id,
            col(DigestRun.period).startswith(ON_DEMAND),
            col(DigestRun.status).in_((RunStatus.PENDING, RunStatus.POSTING)),
            col(DigestRun.due_at) >= since,
        )
        .order_by(col(DigestRun.id).desc())
    ).first()


def claim_run(*, session: Session, run_id: int, worker: str, now: datetime) -> bool:
    """Atomically take the right to post a run. Exactly one caller ever gets True."""
    result = session.execute(
        update(DigestRun)
        .where(col(DigestRun.id) == run_id, col(DigestRun.status) == RunStatus.PENDING)
        .values(status=RunStatus.POSTING, claimed_by=worker, claimed_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return bool(getattr(result, "rowcount", 0) == 1)


def release_run(*, session: Session, run_id: int, error: str) -> None:
    """Give a claimed run back (its top message was not posted), so a later try may post it."""
    session.execute(
        update(DigestRun)
        .where(col(DigestRun.id) == run_id, col(DigestRun.status) == RunStatus.POSTING)
        .values(status=RunStatus.PENDING, claimed_by=None, error=error[:500], updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def previous_posted(
    *, session: Session, team_id: str, channel_id: str, before: datetime
) -> DigestRun | None:
    """The channel's latest posted digest before ``before``."""
    return session.exec(
        select(DigestRun)
        .where(
            DigestRun.team_id == team_id,
            DigestRun.channel_id == channel_id,
            DigestRun.status == RunStatus.POSTED,
            col(DigestRun.posted_at) < before,
        )
        .order_by(col(DigestRun.posted_at).desc())
    ).first()


def run_facts(run: DigestRun | None) -> DigestFacts | None:
    """The facts a run stored, if any."""
    if run is None or not run.facts:
        return None
    return DigestFacts.from_dict(json.loads(run.facts))


def record_batch_intent(
    *, session: Session, provider: str, model: str, purpose: str, key: str, request_count: int
) -> LLMBatchJob:
    """Store a batch job *before* it is created at the provider."""
    job = LLMBatchJob(
        provider=provider,
        model=model,
        purpose=purpose,
        idempotency_key=key,
        request_count=request_count,
    )
    session.add(job)
    session.flush()
    return job


def open_batch_jobs(*, session: Session, purpose: str | None = None) -> list[LLMBatchJob]:
    """Batch jobs still creating or running at the provider."""
    query = select(LLMBatchJob).where(
        col(LLMBatchJob.status).in_([BatchJobStatus.CREATING, BatchJobStatus.SUBMITTED])
    )
    if purpose is not None:
        query = query.where(LLMBatchJob.purpose == purpose)
    return list(session.exec(query.order_by(col(LLMBatchJob.id))).all())


def acquire_lease(
    *, session: Session, name: str, holder: str, now: datetime, ttl: timedelta
) -> bool:
    """Take or renew a named lease; False while another holder's lease is still valid."""
    result = session.execute(
        update(SchedulerLease)
        .where(
            col(SchedulerLease.name) == name,
            or_(col(SchedulerLease.holder) == holder, col(SchedulerLease.expires_at) < now),
        )
        .values(holder=holder, expires_at=now + ttl)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) == 1:
        return True
    if session.get(SchedulerLease, name) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(SchedulerLease(name=name, holder=holder, expires_at=now + ttl))
    except IntegrityError:
        return False
    return True


def release_lease(*, session: Session, name: str, holder: str) -> None:
    """Give a lease up (on clean shutdown) so a standby takes over at once."""
    lease = session.get(SchedulerLease, name)
    if lease is not None and lease.holder == holder:
        session.delete(lease)


def stale_claims(*, session: Session, older_than: datetime) -> list[DigestRun]:
    """Runs claimed for posting before ``older_than`` and never recorded as posted."""
    return list(
        session.exec(
            select(DigestRun).where(
                DigestRun.status == RunStatus.POSTING, col(DigestRun.claimed_at) < older_than
            )
        ).all()
    )
