"""Query functions for digests, their runs and provider batch jobs. Keyword-only, explicit
``session``; subscriptions are always looked up with their ``team_id``."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement, or_, update
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


def set_noise_floor(*, session: Session, team_id: str, channel_id: str, amount: Decimal) -> bool:
    """Set an active subscription's noise floor (US dollars a month); ``False`` when the
    channel has no active subscription (nothing changed)."""
    subscription = get_subscription(session=session, team_id=team_id, channel_id=channel_id)
    if subscription is None or subscription.status != SubscriptionStatus.ACTIVE:
        return False
    subscription.noise_floor = amount
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
            disguised = row.batch_disguised_as_stream
            item = (row.name, row.owner, row.latency_class, disguised, row.mode, figures)
            items.append(DigestItem(*item, created_at, updated_at))
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


def skip_run(*, session: Session, run: DigestRun, reason: str) -> None:
    """A pending run missed by more than the misfire grace: it is never posted."""
    if run.status == RunStatus.PENDING:
        run.status, run.error, run.updated_at = RunStatus.SKIPPED, reason[:500], utcnow()
        session.add(run)


def mark_posted(
    *,
    session: Session,
    run_id: int,
    message_ts: str,
    posted_at: datetime,
    facts: DigestFacts | None = None,
    prose: str | None = None,
    prose_source: str | None = None,
    hand_off: bool = False,
) -> DigestRun:
    """A claimed run whose top message Slack took (``message_ts``): posted, with the facts
    and prose it showed when given (a stale claim settled from history keeps its own).

    ``hand_off``: the poster died before its thread began, and whoever records it does not
    post the thread: nobody holds the run (``claimed_by`` cleared), so the workspace's next
    digest job resumes its thread at once (:func:`unfinished_threads`)."""
    run = session.get(DigestRun, run_id)
    assert run is not None
    run.status, run.message_ts, run.posted_at = RunStatus.POSTED, message_ts, posted_at
    run.updated_at, run.error, run.thread_next = utcnow(), None, 0
    if hand_off:
        run.claimed_by = None
    if facts is not None:
        run.facts = json.dumps(facts.to_dict())
    if prose is not None:
        run.prose, run.prose_source = prose, prose_source
    session.add(run)
    return run


def fail_run(*, session: Session, run_id: int, error: str, pause: bool = False) -> DigestRun:
    """Slack refused a claimed run for good: failed; with ``pause`` (the channel is gone) its
    subscription is paused with the same reason."""
    run = session.get(DigestRun, run_id)
    assert run is not None
    run.status, run.error, run.updated_at = RunStatus.FAILED, error[:500], utcnow()
    session.add(run)
    if pause and run.subscription_id is not None:
        pause_subscription(session=session, subscription_id=run.subscription_id, reason=error)
    return run


def set_run_facts(*, session: Session, run: DigestRun, facts: DigestFacts) -> None:
    """The facts a run's prose request was written from (the prose is checked against the
    facts again at posting time)."""
    run.facts = json.dumps(facts.to_dict())
    session.add(run)
    session.flush()


def link_run_batch(session: Session, run_id: int, job_id: int) -> None:
    """A run's prose is being written by batch job ``job_id``."""
    run = session.get(DigestRun, run_id)
    if run is not None:
        run.batch_job_id = job_id
        session.add(run)


def store_prose(
    *,
    session: Session,
    run_id: int,
    job_id: int,
    prose: str | None,
    costs: tuple[Decimal, Decimal] | None,
) -> bool:
    """A pending run's prose from its batch job, and ``costs``, what writing it cost in US
    dollars on the batch API and on the synchronous one (``None``: unknown, no cost line);
    ``False`` (nothing stored) for a run no longer waiting on that job. Without ``prose``
    the run keeps the template."""
    run = session.get(DigestRun, run_id)
    if run is None or run.status != RunStatus.PENDING or run.batch_job_id != job_id:
        return False
    if costs is not None:
        run.llm_batch_cost, run.llm_sync_cost = costs
    if prose:
        run.prose = prose
    session.add(run)
    return True


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


def batch_submitted(*, session: Session, job_id: int, batch_id: str, at: datetime) -> None:
    """The provider created the job's batch (or it was found again by its key)."""
    job = session.get(LLMBatchJob, job_id)
    assert job is not None
    job.batch_id, job.status, job.submitted_at = batch_id, BatchJobStatus.SUBMITTED, at
    session.add(job)


def batch_ended(
    *, session: Session, job_id: int, status: BatchJobStatus, at: datetime, error: str | None
) -> None:
    """The job is over for good: ``ended``, ``failed``, ``expired``, ``cancelled`` or
    ``abandoned`` (created with an unknown outcome and never found)."""
    job = session.get(LLMBatchJob, job_id)
    assert job is not None
    job.status, job.ended_at = status, at
    job.error = error[:500] if error is not None else None
    session.add(job)


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


def thread_step(
    *, session: Session, run_id: int, next_step: int | None, sending: bool, now: datetime
) -> None:
    """Where a posted run's thread is: ``next_step`` is the step to post next (``None``: the
    thread is done), ``sending`` whether it is being sent right now (Slack's answer unknown
    until the next call). ``now`` (UTC) keeps the poster's claim on the thread fresh."""
    session.execute(
        update(DigestRun)
        .where(col(DigestRun.id) == run_id, col(DigestRun.status) == RunStatus.POSTED)
        .values(thread_next=next_step, thread_sending=sending, claimed_at=now, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def _thread_free(older_than: datetime) -> ColumnElement[bool]:
    """A stopped thread anyone may resume: nobody has touched it since ``older_than`` (UTC),
    or nobody holds it (handed off: its poster is known dead)."""
    return or_(col(DigestRun.claimed_at) < older_than, col(DigestRun.claimed_by).is_(None))


def unfinished_threads(
    *, session: Session, older_than: datetime, team_id: str | None = None
) -> list[DigestRun]:
    """Posted runs whose thread stopped part-way (a crash) and that are free to resume
    (untouched since ``older_than``, UTC, or handed off by :func:`hand_off_threads`); with
    ``team_id``, only that workspace's."""
    query = select(DigestRun).where(
        DigestRun.status == RunStatus.POSTED,
        col(DigestRun.thread_next).is_not(None),
        _thread_free(older_than),
    )
    if team_id is not None:
        query = query.where(DigestRun.team_id == team_id)
    return list(session.exec(query).all())


def take_thread(
    *,
    session: Session,
    run_id: int,
    step: int,
    worker: str,
    older_than: datetime,
    now: datetime,
) -> bool:
    """Atomically take the right to finish a stopped thread from ``step``: exactly one caller
    gets True, and only while the thread is free (nobody has posted a step since
    ``older_than``, UTC, or it was handed off)."""
    result = session.execute(
        update(DigestRun)
        .where(
            col(DigestRun.id) == run_id,
            col(DigestRun.status) == RunStatus.POSTED,
            col(DigestRun.thread_next) == step,
            _thread_free(older_than),
        )
        .values(claimed_by=worker, claimed_at=now, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return bool(getattr(result, "rowcount", 0) == 1)


def resume_channel(
    *, session: Session, team_id: str, channel_id: str, reasons: frozenset[str] | None = None
) -> int:
    """Make a channel's paused subscription active again (the bot is back in it, or it was
    unarchived); with ``reasons``, only a pause for one of them. Returns how many resumed."""
    subscription = get_subscription(session=session, team_id=team_id, channel_id=channel_id)
    if subscription is None or subscription.status != SubscriptionStatus.PAUSED:
        return 0
    if reasons is not None and (subscription.status_reason or "") not in reasons:
        return 0
    subscription.status, subscription.status_reason = SubscriptionStatus.ACTIVE, None
    subscription.updated_at = utcnow()
    session.add(subscription)
    return 1


def hand_off_threads(*, session: Session, worker: str) -> int:
    """A dead ``worker``'s posted runs whose thread stopped part-way: nobody holds them now
    (``claimed_by`` cleared), so the workspace's next digest job resumes each at once, from
    the step recorded as next. Returns how many were handed off."""
    result = session.execute(
        update(DigestRun)
        .where(
            col(DigestRun.status) == RunStatus.POSTED,
            col(DigestRun.thread_next).is_not(None),
            col(DigestRun.claimed_by) == worker,
        )
        .values(claimed_by=None, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return int(getattr(result, "rowcount", 0))


def claims_of(*, session: Session, worker: str) -> list[DigestRun]:
    """Runs ``worker`` claimed for posting and never recorded as posted."""
    return list(
        session.exec(
            select(DigestRun).where(
                DigestRun.status == RunStatus.POSTING, col(DigestRun.claimed_by) == worker
            )
        ).all()
    )


def settled_runs(
    *, session: Session, keys: list[tuple[str, str, str]]
) -> set[tuple[str, str, str]]:
    """Of ``keys`` (team, channel, period), those whose run is no longer pending (claimed,
    posted, skipped or failed)."""
    if not keys:
        return set()
    periods = {period for _, _, period in keys}
    rows = session.exec(
        select(DigestRun.team_id, DigestRun.channel_id, DigestRun.period).where(
            col(DigestRun.period).in_(periods), DigestRun.status != RunStatus.PENDING
        )
    ).all()
    return {(t, c, p) for t, c, p in rows} & set(keys)


def posted_by(*, session: Session, worker: str, since: datetime) -> list[DigestRun]:
    """Runs ``worker`` claimed and recorded as posted at or after ``since``."""
    return list(
        session.exec(
            select(DigestRun).where(
                DigestRun.status == RunStatus.POSTED,
                col(DigestRun.claimed_by) == worker,
                col(DigestRun.posted_at) >= since,
            )
        ).all()
    )
