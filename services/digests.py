"""Weekly digests: prepare prose through a provider batch API ahead of time, post exactly once.

The life of a digest run (one per channel and period, see ``storage.digest_tables``):

1. :func:`prepare_due_digests` — for every subscription due within the lead time, compute its
   facts and submit one batch per provider for all of them. The batch job row (with its
   idempotency key) and its links to the runs are committed *before* the provider is called.
2. :func:`poll_batches` — reconcile batches whose creation outcome is unknown, poll the rest,
   and store each run's prose when its batch ends. Failures leave the run on the template.
3. :func:`post_digest` — at the due time: claim the run atomically, recompute the facts,
   keep the prose only if every figure it states is still a fact, and post. Slack refusing
   the channel for good pauses the subscription and tells the subscriber.
4. :func:`catch_up` — post what is due and unposted within the misfire grace (a worker that
   was down), skip with a log line what is older, and settle claims left by a crash.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from batchscout.audit.digest import (
    DigestFacts,
    build_facts,
    clean_prose,
    llm_prompt,
    owners_named,
    prose_matches_facts,
    template_prose,
    without_owners,
)
from batchscout.audit.ledger import Trend
from batchscout.audit.pricing import PricingError
from batchscout.delivery import chart as charts
from batchscout.delivery import messages, posting
from batchscout.delivery.blocks import Message
from batchscout.delivery.blocks import digest as digest_blocks
from batchscout.delivery.blocks import ledger as ledger_blocks
from batchscout.delivery.blocks import quiz as quiz_blocks
from batchscout.delivery.blocks import usage as usage_blocks
from batchscout.delivery.blocks.opportunities import (
    FollowThroughSection,
    follow_through_message,
)
from batchscout.delivery.posting import Place
from batchscout.logs import get_logger
from batchscout.services import batches, ledger, people, sharing, usage
from batchscout.services.batch_api import BatchProvider, BatchRequest, BatchResult, batch_cost
from batchscout.services.batches import Purpose
from batchscout.services.boundary import isolated
from batchscout.services.digest_history import (
    METADATA_EVENT,
    THREAD_EVENT,
    find_posted,
    find_reply,
    post_once,
)
from batchscout.services.opportunity_clicks import follow_through_section
from batchscout.services.quizzes import ask_in_digest
from batchscout.services.runtime import Runtime
from batchscout.services.schedule import Schedule
from batchscout.services.uninstall import TOKEN_DEAD, stop_workspace
from batchscout.storage import digests as store
from batchscout.storage import quizzes
from batchscout.storage.db import session_scope
from batchscout.storage.digest_tables import (
    BatchJobStatus,
    DigestRun,
    DigestSubscription,
    LLMBatchJob,
    RunStatus,
    SubscriptionStatus,
)
from batchscout.storage.types import utcnow

log = get_logger(__name__)

DIGEST_MAX_TOKENS = 300
#: Workspaces whose claims a dead worker left are settled at once, at most (one thread each):
#: as many as a worker runs jobs (``jobs.engine.WORKER_CONCURRENCY``).
SETTLE_AT_ONCE = 8
#: A ``digest now`` claimed this recently is taken to be still posting (two commands racing);
#: an older claim is a killed one, settled and resumed (posting takes seconds, not a minute).
ON_DEMAND_RACE = timedelta(seconds=60)


def schedule_of(subscription: DigestSubscription) -> Schedule:
    """A subscription's weekly slot."""
    return Schedule(
        subscription.weekday, subscription.hour, subscription.minute, subscription.timezone
    )


def run_for(session: Session, subscription: DigestSubscription, due: datetime) -> DigestRun:
    """The run of a subscription's digest due at ``due`` (created when first needed)."""
    return store.get_or_create_run(
        session=session,
        team_id=subscription.team_id,
        channel_id=subscription.channel_id,
        period=schedule_of(subscription).period(due),
        due_at=due,
        subscription_id=subscription.id,
    )


def current_facts(
    *, session: Session, team_id: str, channel_id: str, noise_floor: Decimal, now: datetime
) -> DigestFacts:
    """The facts of a digest posted ``now``: compared with the channel's previous digest."""
    previous = store.previous_posted(
        session=session, team_id=team_id, channel_id=channel_id, before=now
    )
    return build_facts(
        store.digest_items(session=session, team_id=team_id),
        since=previous.posted_at if previous else None,
        previous=store.run_facts(previous),
        noise_floor=noise_floor,
    )


def _settle(
    session: Session, job_id: int, results: Mapping[int, BatchResult], provider: BatchProvider
) -> int:
    """Store each run's prose and what writing it cost; runs without prose keep the template."""
    stored = 0
    for run_id, result in results.items():
        try:
            batch, sync = batch_cost(provider.name, provider.model, [result])
            costs: tuple[Decimal, Decimal] | None = (batch, sync)
        except PricingError as error:  # the prose is paid for: use it, without its cost line
            log.warning("digest prose cost unknown", run_id=run_id, error=str(error))
            costs = None
        prose = clean_prose(result.text) if result.ok and result.text else None
        kept = store.store_prose(
            session=session, run_id=run_id, job_id=job_id, prose=prose, costs=costs
        )
        stored += bool(kept and prose)
    return stored


DIGEST_PROSE = Purpose("digest", "digest", store.link_run_batch, _settle)


# -- 1. prepare ---------------------------------------------------------------------------


def prepare_due_digests(runtime: Runtime, *, now: datetime, team_id: str | None = None) -> int:
    """Submit prose requests for digests due within the lead time (of one workspace, or of
    all when ``team_id`` is ``None``); returns how many.

    Each subscription is prepared in its own transaction and error boundary: one workspace's
    bad data is logged and leaves that digest on the template, never the others without prose.
    """
    provider = runtime.provider
    if provider is None:
        return 0
    with session_scope(runtime.engine) as session:
        subscriptions = [
            (s.id, s.team_id)
            for s in store.active_subscriptions(session=session)
            if team_id is None or s.team_id == team_id
        ]
    requests: list[BatchRequest] = []
    for subscription_id, team_id in subscriptions:
        with isolated(
            "digest prose not prepared", subscription_id=subscription_id, team_id=team_id
        ):
            request = _prepare_one(runtime, subscription_id, now=now)
            if request is not None:
                requests.append(request)
                _take_snapshot(runtime, team_id, now=now)
    if requests:
        batches.submit_requests(runtime, provider, requests, DIGEST_PROSE)
    return len(requests)


def _prepare_one(
    runtime: Runtime, subscription_id: int | None, *, now: datetime
) -> BatchRequest | None:
    with session_scope(runtime.engine) as session:
        subscription = session.get(DigestSubscription, subscription_id)
        if subscription is None:
            return None
        due = schedule_of(subscription).next_due(now - runtime.misfire_grace)
        if due - now > runtime.lead_time:
            return None
        run = run_for(session, subscription, due)
        if run.status != RunStatus.PENDING or run.batch_job_id or run.prose:
            return None
        return _prose_request(session, run, subscription.noise_floor, now)


def _prose_request(
    session: Session, run: DigestRun, noise_floor: Decimal, now: datetime
) -> BatchRequest:
    facts = current_facts(
        session=session,
        team_id=run.team_id,
        channel_id=run.channel_id,
        noise_floor=noise_floor,
        now=now,
    )
    store.set_run_facts(session=session, run=run, facts=facts)
    system, prompt = llm_prompt(facts)
    assert run.id is not None
    return BatchRequest(DIGEST_PROSE.custom_id(run.id), system, prompt, DIGEST_MAX_TOKENS)


def poll_batches(runtime: Runtime, *, now: datetime) -> None:
    """Reconcile and poll open digest batches; store prose from those that ended."""
    batches.poll_batches(runtime, DIGEST_PROSE, now=now)


# -- 3. post ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DigestContent:
    """A digest ready to send."""

    facts: DigestFacts
    prose: str
    source: str
    top: Message
    thread: list[Message]
    cost: digest_blocks.WritingCost | None
    trend: Trend | None = None


def compose(
    session: Session,
    run: DigestRun,
    *,
    noise_floor: Decimal,
    schedule: str | None,
    provider: str | None,
    now: datetime,
    gone: Callable[[frozenset[str]], frozenset[str]] | None = None,
    names: Callable[[Iterable[str]], Mapping[str, str]] | None = None,
) -> DigestContent:
    """Facts as they are now, the prose if it still agrees with them, and the messages.

    ``gone`` picks, of the owners the digest names, those who left (treated as no owner).
    ``names`` looks owners' names up (by Slack user id) so a posted digest names them without
    pinging them; without it (a preview only its reader sees) owners are mentions."""
    facts = current_facts(
        session=session,
        team_id=run.team_id,
        channel_id=run.channel_id,
        noise_floor=noise_floor,
        now=now,
    )
    if gone is not None:
        facts = without_owners(facts, gone(owners_named(facts)))
    prose, source = template_prose(facts), "template"
    if run.prose and prose_matches_facts(run.prose, facts):
        prose, source = run.prose, "llm"
    elif run.prose:
        log.info(
            "llm prose discarded",
            run_id=run.id,
            reason="states a figure that is not a fact",
        )
    cost = None
    if source == "llm" and run.llm_batch_cost is not None and run.llm_sync_cost is not None:
        cost = digest_blocks.WritingCost(provider or "LLM", run.llm_batch_cost, run.llm_sync_cost)
    owners = None
    if names is not None:
        lines = (*facts.top, *facts.challenge, *facts.realised_lines)
        owners = names(line.owner for line in lines if line.owner)
    top = digest_blocks.top_message(
        facts, prose=prose, source=source, schedule=schedule, cost=cost, names=owners
    )
    thread = digest_blocks.thread_messages(facts, owners)
    seen = usage_blocks.seen_in_usage(
        usage.usage_report(session=session, team_id=run.team_id, today=now.date())
    )
    if seen is not None:
        thread.append(seen)
    trend = ledger.trend(session=session, team_id=run.team_id)
    top = ledger_blocks.with_ledger_line(
        top, ledger_blocks.ledger_line(trend.weeks, trend.movement)
    )
    thread.append(ledger_blocks.progress_message(trend.weeks, trend.benchmarks))
    follow_through = follow_through_message(
        follow_through_facts(
            session=session, team_id=run.team_id, channel_id=run.channel_id, now=now
        )
    )
    if follow_through is not None:
        thread.append(follow_through)
    return DigestContent(facts, prose, source, top, thread, cost, trend)


def follow_through_facts(
    *, session: Session, team_id: str, channel_id: str, now: datetime
) -> FollowThroughSection:
    """The digest's Follow-through since the channel's previous digest (ever, before the
    first): see :func:`batchscout.services.followups.follow_through`."""
    previous = store.previous_posted(
        session=session, team_id=team_id, channel_id=channel_id, before=now
    )
    return follow_through_section(
        session=session, team_id=team_id, since=previous.posted_at if previous else None, now=now
    )


def post_digest(runtime: Runtime, subscription_id: int, *, now: datetime) -> DigestRun | None:
    """The scheduled job: post the subscription's digest for the period due at or before ``now``."""
    with session_scope(runtime.engine) as session:
        subscription = session.get(DigestSubscription, subscription_id)
        if subscription is None or subscription.status != SubscriptionStatus.ACTIVE:
            log.info(
                "digest not posted",
                subscription_id=subscription_id,
                reason="subscription not active",
            )
            return None
        schedule = schedule_of(subscription)
        due = schedule.last_due(now)
        run = run_for(session, subscription, due)
        late = now - due
        if late > runtime.misfire_grace:
            if run.status == RunStatus.PENDING:
                reason = f"missed by {late}; grace is {runtime.misfire_grace}"
                store.skip_run(session=session, run=run, reason=reason)
                log.warning("digest skipped", run_id=run.id, team_id=run.team_id,
                    channel_id=run.channel_id, period=run.period, late_seconds=int(late.total_seconds()),
                )  # fmt: skip
            return run
        run_id = run.id
        assert run_id is not None
    return deliver(runtime, run_id, now=now)


def deliver(runtime: Runtime, run_id: int, *, now: datetime) -> DigestRun | None:
    """Claim a run and post it; ``None`` when another worker has it (or had it), when the
    channel is shared externally (skipped, see ``services.sharing``), or when Slack refused."""
    with session_scope(runtime.engine) as session:
        pending = session.get(DigestRun, run_id)
        assert pending is not None
        team_id, channel_id = pending.team_id, pending.channel_id
    client = runtime.slack(team_id)  # no token: raises before anything is claimed
    if _skipped_as_shared(runtime, client, run_id, team_id, channel_id):
        return None
    with session_scope(runtime.engine) as session:
        if not store.claim_run(session=session, run_id=run_id, worker=runtime.worker_id, now=now):
            log.info("digest already claimed", run_id=run_id)
            return None
    content, subscriber = _content_of(runtime, run_id, now=now)
    try:
        ts = post_once(
            client,
            find=lambda: find_posted(runtime, team_id, channel_id, run_id, since=now),
            what={"run_id": run_id},
            channel=channel_id,
            unfurl_links=False,
            unfurl_media=False,
            metadata={"event_type": METADATA_EVENT, "event_payload": {"run_id": run_id}},
            **content.top.as_kwargs(),
        )
    except SlackApiError as error:
        _post_failed(runtime, run_id, str(error.response.get("error", "unknown")), subscriber)
        return None
    log.info("digest posted", run_id=run_id, team_id=team_id, channel_id=channel_id,
        prose_source=content.source, migrate_now=f"{content.facts.migrate_now:.2f}",
    )  # fmt: skip
    return _record_posted(runtime, client, run_id, ts, content, posted_at=now, now=now)


def _take_snapshot(runtime: Runtime, team_id: str, *, now: datetime) -> None:
    """Preparing a digest takes the week's ledger snapshot; a failure costs the snapshot only."""
    with isolated("ledger snapshot not taken", team_id=team_id):
        ledger.snapshot_team(runtime.engine, team_id, now=now)


def _skipped_as_shared(
    runtime: Runtime, client: WebClient, run_id: int, team_id: str, channel_id: str
) -> bool:
    """A channel shared with another organisation gets no digest: the run is skipped, and the
    subscriber told once by DM."""
    if not sharing.refused_as_shared(
        runtime.engine, client, team_id=team_id, channel_id=channel_id, run_id=run_id
    ):
        return False
    with session_scope(runtime.engine) as session:
        run = session.get(DigestRun, run_id)
        assert run is not None
        store.skip_run(session=session, run=run, reason=sharing.SHARED_EVENT)
        subscription = (
            session.get(DigestSubscription, run.subscription_id) if run.subscription_id else None
        )
        subscriber = subscription.subscriber_id if subscription else None
    sharing.tell_shared(
        runtime.engine, client, team_id=team_id, channel_id=channel_id, user_id=subscriber
    )
    return True


def _content_of(
    runtime: Runtime, run_id: int, *, now: datetime
) -> tuple[DigestContent, str | None]:
    """A run's digest as it is posted ``now`` (after taking this week's ledger snapshot), and
    who subscribed the channel."""
    with session_scope(runtime.engine) as session:
        team_of_run = session.get(DigestRun, run_id)
        assert team_of_run is not None
        team_id = team_of_run.team_id
    _take_snapshot(runtime, team_id, now=now)
    with session_scope(runtime.engine) as session:
        run = session.get(DigestRun, run_id)
        assert run is not None
        subscription = (
            session.get(DigestSubscription, run.subscription_id) if run.subscription_id else None
        )
        noise_floor = subscription.noise_floor if subscription else runtime.noise_floor
        weekly = subscription is not None and not run.period.startswith(store.ON_DEMAND)
        # "Posted Mondays at 09:00" only on the weekly digest, never on an ad-hoc one.
        schedule = schedule_of(subscription).describe() if weekly and subscription else None
        job = session.get(LLMBatchJob, run.batch_job_id) if run.batch_job_id else None
        directory = people.Directory(runtime.slack(run.team_id))
        content = compose(
            session, run, noise_floor=noise_floor, schedule=schedule,
            provider=job.provider if job else None, now=now,
            gone=directory.deactivated,
            names=directory.display_names,
        )  # fmt: skip
        return content, subscription.subscriber_id if subscription else None


def _record_posted(
    runtime: Runtime,
    client: WebClient,
    run_id: int,
    ts: str,
    content: DigestContent,
    *,
    posted_at: datetime,
    now: datetime,
) -> DigestRun:
    """Record the top message as posted, then post its thread (each part once)."""
    with session_scope(runtime.engine) as session:
        store.mark_posted(
            session=session, run_id=run_id, message_ts=ts, posted_at=posted_at,
            facts=content.facts, prose=content.prose, prose_source=content.source,
        )  # fmt: skip
    with session_scope(runtime.engine) as session:
        run = session.get(DigestRun, run_id)
        assert run is not None
        session.expunge(run)
    _post_thread(runtime, client, run, ts, content, start=0, now=now)
    return run


def _post_thread(
    runtime: Runtime,
    client: WebClient,
    run: DigestRun,
    ts: str,
    content: DigestContent,
    *,
    start: int,
    now: datetime,
    unsure: bool = False,
) -> None:
    """Post the thread's steps from ``start`` on, recording each before and after it goes out,
    so a crash is resumed by :func:`_resume_threads` from the database. ``unsure``: the crash
    came while step ``start`` was being sent; a message part is then looked for in the thread
    first (the one history read), and another kind of step is left out rather than doubled.
    Best effort: the digest itself is already posted and recorded, and a step Slack refuses
    ends the Slack part of the thread.

    It holds the workflows to challenge, realised savings, what changed, the chart, and the
    week's knowledge check (whose answers are the thread's replies). Parts in ``posted`` are
    in Slack already (a thread resumed after its worker died) and are not sent again.
    """
    assert run.id is not None
    run_id = run.id
    steps = _thread_steps(runtime, client, run, ts, content)
    parts = len(content.thread)
    after_slack = parts + 2  # the leaderboard and the quiz handle Slack's errors themselves

    def record(next_step: int | None, *, sending: bool = False) -> None:
        with session_scope(runtime.engine) as session:
            store.thread_step(
                session=session, run_id=run_id, next_step=next_step, sending=sending, now=now
            )

    step = start
    if unsure and step < len(steps):
        payload = {"run_id": run_id, "part": step}
        if step >= parts or find_reply(runtime, client, run.team_id, run.channel_id, ts, payload):
            log.info("digest thread step was being sent; not sent again", run_id=run_id, step=step)
            step += 1
            record(step)
    while step < len(steps):
        record(step, sending=True)
        try:
            steps[step]()
            step += 1
        except SlackApiError as error:
            if step >= after_slack:
                raise
            log.warning("digest thread incomplete", run_id=run_id, step=step,
                error=str(error.response.get("error")),
            )  # fmt: skip
            step = after_slack
        record(step)
    record(None)


def _thread_steps(
    runtime: Runtime, client: WebClient, run: DigestRun, ts: str, content: DigestContent
) -> list[Callable[[], object]]:
    """The thread, one call a step, in posting order: its messages (parts), the chart, the
    trend chart, the leaderboard and the knowledge check. A step's number is its place here."""
    channel_id = run.channel_id

    def part(number: int, message: Message) -> None:
        payload: dict[str, Any] = {"run_id": run.id, "part": number}
        post_once(
            client,
            find=partial(find_reply, runtime, client, run.team_id, channel_id, ts, payload),
            what=payload,
            channel=channel_id,
            thread_ts=ts,
            unfurl_links=False,
            metadata={"event_type": THREAD_EVENT, "event_payload": payload},
            **message.as_kwargs(),
        )

    def chart() -> None:
        png = charts.digest_chart(content.facts)
        if png is None:
            log.info("digest chart left out", run_id=run.id, reason="matplotlib is not installed",
                hint=charts.CHART_EXTRA_HINT,
            )  # fmt: skip
            return
        client.files_upload_v2(
            channel=channel_id,
            thread_ts=ts,
            content=png,
            filename="batchscout-digest.png",
            title="Spend by latency class and savings",
        )

    def standings() -> None:
        board = _leaderboard(runtime, run)
        if board is not None:
            posting.post(client, Place(channel_id, ts), board, run_id=run.id)

    return [
        *(partial(part, number, message) for number, message in enumerate(content.thread)),
        chart,
        partial(_upload_trend, client, channel_id, ts, content, run_id=run.id),
        standings,
        partial(ask_in_digest, runtime, run, ts, shown=content.facts.shown_names()),
    ]


def _upload_trend(
    client: WebClient, channel_id: str, ts: str, content: DigestContent, *, run_id: int | None
) -> None:
    """The ledger's trend chart in the thread, uploaded like the digest's chart."""
    weeks = content.trend.weeks if content.trend else []
    trend_png = charts.trend_chart(weeks)
    if trend_png is None:
        log.info("digest trend chart left out", run_id=run_id, weeks=len(weeks),
            reason="no history yet" if not weeks else "matplotlib is not installed",
        )  # fmt: skip
        return
    client.files_upload_v2(
        channel=channel_id,
        thread_ts=ts,
        content=trend_png,
        filename=ledger_blocks.TREND_CHART_FILENAME,
        title=ledger_blocks.TREND_CHART_TITLE,
    )


def _leaderboard(runtime: Runtime, run: DigestRun) -> Message | None:
    """This quarter's knowledge-check scores in the channel, once anyone has scored."""
    now = utcnow()
    with session_scope(runtime.engine) as session:
        channel = quizzes.leaderboard(
            session=session,
            team_id=run.team_id,
            channel_id=run.channel_id,
            since=quizzes.quarter_start(now),
        )
    scored = [standing for standing in channel if standing.points > 0]
    if not scored:
        return None
    quarter = f"{now.year} Q{(now.month - 1) // 3 + 1}"
    return quiz_blocks.leaderboard_message(quarter=quarter, channel=scored[:5], workspace=None)


def _post_failed(runtime: Runtime, run_id: int, error: str, subscriber: str | None) -> None:
    if error in TOKEN_DEAD:
        with session_scope(runtime.engine) as session:
            team_id = store.fail_run(session=session, run_id=run_id, error=error).team_id
        stop_workspace(runtime.engine, team_id=team_id, reason=f"Slack answered {error}")
        return
    with session_scope(runtime.engine) as session:
        run = session.get(DigestRun, run_id)
        assert run is not None
        if not posting.is_permanent(error):
            store.release_run(session=session, run_id=run_id, error=error)
            log.warning(
                "digest post failed; will retry",
                run_id=run_id,
                error=error,
            )
            return
        store.fail_run(session=session, run_id=run_id, error=error, pause=True)
        team_id, channel_id = run.team_id, run.channel_id
    log.warning(
        "digest channel unavailable; subscription paused",
        run_id=run_id,
        channel_id=channel_id,
        error=error,
    )
    client = runtime.slack(team_id)
    text = messages.DIGEST_PAUSED.format(channel=f"<#{channel_id}>", error=error)
    sharing.tell_once(
        runtime.engine, client, team_id=team_id, channel_id=channel_id,
        kind=sharing.NOTICE_PAUSED, user_id=subscriber or installer_of(runtime, team_id),
        text=text,
    )  # fmt: skip


def installer_of(runtime: Runtime, team_id: str) -> str | None:
    """Who installed Batchscout in the workspace (told when a paused digest has no
    subscriber), when the runtime knows."""
    return runtime.installer(team_id) if runtime.installer else None


# -- 4. catch up --------------------------------------------------------------------------


def catch_up(runtime: Runtime, *, now: datetime, team_id: str | None = None) -> None:
    """Post due digests a stopped worker missed (within grace), and settle stale claims: of
    one workspace (the fleet's ``digest`` job), or of all when ``team_id`` is ``None``.

    Each subscription is looked at and posted inside its own error boundary: one failing
    (bad data, a broken channel) is logged and never keeps another's digest from posting.
    """
    with isolated("stale digest claims not settled"):
        _settle_stale_claims(runtime, now=now, team_id=team_id)
    with isolated("stopped digest threads not resumed"):
        _resume_threads(runtime, now=now, team_id=team_id)
    with session_scope(runtime.engine) as session:
        subscriptions = [
            (s.id, s.team_id)
            for s in store.active_subscriptions(session=session)
            if team_id is None or s.team_id == team_id
        ]
    for subscription_id, team in subscriptions:
        assert subscription_id is not None
        with isolated("missed digest not posted", subscription_id=subscription_id, team_id=team):
            if _missed(runtime, subscription_id, now=now):
                post_digest(runtime, subscription_id, now=now)


def _missed(runtime: Runtime, subscription_id: int, *, now: datetime) -> bool:
    """Whether the subscription's last slot has no digest posted (or skipped) yet."""
    with session_scope(runtime.engine) as session:
        subscription = session.get(DigestSubscription, subscription_id)
        if subscription is None:
            return False
        schedule = schedule_of(subscription)
        last = schedule.last_due(now)
        if last < subscription.created_at:
            return False  # subscribed after that slot: the first digest is the next one
        run = store.find_run(
            session=session, team_id=subscription.team_id, channel_id=subscription.channel_id,
            period=schedule.period(last),
        )  # fmt: skip
        return run is None or run.status == RunStatus.PENDING


def _settle_stale_claims(
    runtime: Runtime, *, now: datetime, team_id: str | None = None, worker: str | None = None
) -> None:
    """A crash between posting and recording leaves a claim: find the message, or retry.

    Claims older than the runtime's ``stale_claim``; or, with ``worker``, every claim of that
    worker (known dead: :func:`settle_claims_of`), whose threads are then handed off."""
    with session_scope(runtime.engine) as session:
        claims = (
            store.claims_of(session=session, worker=worker)
            if worker is not None
            else store.stale_claims(session=session, older_than=now - runtime.stale_claim)
        )
        stale = [
            (r.id, r.team_id, r.channel_id, r.claimed_at)
            for r in claims
            if team_id is None or r.team_id == team_id
        ]
    by_team: dict[str, list[tuple[int, str, datetime]]] = {}
    for run_id, team, channel_id, claimed_at in stale:
        assert run_id is not None and claimed_at is not None
        by_team.setdefault(team, []).append((run_id, channel_id, claimed_at))

    def settle(team: str) -> None:
        for run_id, channel_id, claimed_at in by_team[team]:
            with isolated("stale digest claim not settled", run_id=run_id, team_id=team):
                _settle_stale_claim(
                    runtime, run_id, team, channel_id, claimed_at, now=now,
                    hand_off=worker is not None,
                )  # fmt: skip

    if worker is None or len(by_team) < 2:
        for team in by_team:
            settle(team)
        return
    # A dead worker's jobs go back to the queue once its claims are settled, and settling
    # one waits on Slack (a history read, the owners' names): its workspaces are settled side
    # by side, each in order, so that wait is the slowest workspace's, not the sum of all.
    with ThreadPoolExecutor(
        max_workers=min(len(by_team), SETTLE_AT_ONCE), thread_name_prefix="settle"
    ) as pool:
        list(pool.map(settle, by_team))


def _settle_stale_claim(
    runtime: Runtime,
    run_id: int,
    team_id: str,
    channel_id: str,
    claimed_at: datetime,
    *,
    now: datetime,
    hand_off: bool = False,
) -> None:
    """Record a claimed run as posted when its top message is in the channel's history since
    the claim (then post its thread, or with ``hand_off`` leave the thread to the workspace's
    next digest job); give the run back to be posted otherwise."""
    ts = find_posted(runtime, team_id, channel_id, run_id, since=claimed_at)
    if ts is None:
        with session_scope(runtime.engine) as session:
            store.release_run(
                session=session, run_id=run_id, error="claim went stale before posting"
            )
        log.info("stale claim released", run_id=run_id)
        return
    log.info("stale claim settled: digest was posted", run_id=run_id, thread_handed_off=hand_off)
    # The crash came before the top message was recorded, so before any of its thread.
    content, _ = _content_of(runtime, run_id, now=claimed_at)
    if hand_off:
        with session_scope(runtime.engine) as session:
            store.mark_posted(
                session=session, run_id=run_id, message_ts=ts, posted_at=claimed_at,
                facts=content.facts, prose=content.prose, prose_source=content.source,
                hand_off=True,
            )  # fmt: skip
        return
    _record_posted(
        runtime, runtime.slack(team_id), run_id, ts, content, posted_at=claimed_at, now=now
    )


def _resume_threads(runtime: Runtime, *, now: datetime, team_id: str | None = None) -> None:
    """A crash after the top message was recorded, between thread steps: post the steps
    still missing, in order, from the one the database says is next (no history read).
    Threads untouched for ``stale_claim``, or handed off by a dead worker's settling (at
    once); with ``team_id``, only that workspace's (a fleet job posts only for its own
    workspace: its queue partition is what keeps two workers from posting there at once)."""
    older_than = now - runtime.stale_claim
    with session_scope(runtime.engine) as session:
        stopped = [
            (r.id, r.team_id, r.thread_next, r.thread_sending)
            for r in store.unfinished_threads(
                session=session, older_than=older_than, team_id=team_id
            )
        ]
    for run_id, team, step, sending in stopped:
        assert run_id is not None and step is not None
        with isolated("stopped digest thread not resumed", run_id=run_id, team_id=team):
            with session_scope(runtime.engine) as session:
                taken = store.take_thread(
                    session=session, run_id=run_id, step=step, worker=runtime.worker_id,
                    older_than=older_than, now=now,
                )  # fmt: skip
            if not taken:
                continue  # another worker resumed it, or the poster is still at it
            with session_scope(runtime.engine) as session:
                run = session.get(DigestRun, run_id)
                assert run is not None and run.message_ts and run.posted_at
                session.expunge(run)
            log.info("digest thread resumed", run_id=run_id, step=step, was_sending=sending)
            content, _ = _content_of(runtime, run_id, now=run.posted_at)
            _post_thread(
                runtime, runtime.slack(team), run, run.message_ts, content,
                start=step, now=now, unsure=sending,
            )  # fmt: skip


# -- on demand ----------------------------------------------------------------------------


def digest_now(
    runtime: Runtime,
    *,
    team_id: str,
    channel_id: str,
    wait: float = 0,
    poll_interval: float = 5.0,
    clock: Callable[[], datetime] = utcnow,
    sleep: Callable[[float], None] = time.sleep,
) -> DigestRun | None:
    """Post a digest now. With a provider, submit its prose batch and poll it every
    ``poll_interval`` seconds for up to ``wait`` seconds; then post the prose or the template.

    A run left unposted by a ``digest now`` that was killed (within the misfire grace) is
    resumed: its prose batch, if one was created, is polled — never submitted a second time.
    """
    now = clock()
    with session_scope(runtime.engine) as session:
        subscription = store.get_subscription(
            session=session, team_id=team_id, channel_id=channel_id
        )
        run = store.open_on_demand_run(
            session=session, team_id=team_id, channel_id=channel_id,
            since=now - runtime.misfire_grace,
        )  # fmt: skip
        if (
            run is not None
            and run.status == RunStatus.POSTING
            and run.claimed_at is not None
            and now - run.claimed_at < ON_DEMAND_RACE
        ):  # another `digest now` is posting it right now: posting too would post it twice
            log.info("digest now already posting", run_id=run.id, claimed_by=run.claimed_by)
            return None
        if run is not None:
            log.info("digest now resumed", run_id=run.id, batch_job_id=run.batch_job_id)
            claimed = (run.id, run.claimed_at) if run.status == RunStatus.POSTING else None
        else:
            claimed = None
            run = store.get_or_create_run(
                session=session, team_id=team_id, channel_id=channel_id,
                period=f"{store.ON_DEMAND}{now:%Y%m%dT%H%M%S.%f}", due_at=now,
                subscription_id=subscription.id if subscription else None,
            )  # fmt: skip
        noise_floor = subscription.noise_floor if subscription else runtime.noise_floor
        writing = runtime.provider is not None and (wait > 0 or run.batch_job_id is not None)
        request = (
            _prose_request(session, run, noise_floor, now)
            if writing and run.batch_job_id is None and not run.prose and claimed is None
            else None
        )
        run_id = run.id
        assert run_id is not None
    if claimed is not None:  # killed while posting: posted already, or free to post again
        assert claimed[0] is not None and claimed[1] is not None
        _settle_stale_claim(runtime, claimed[0], team_id, channel_id, claimed[1], now=now)
        with session_scope(runtime.engine) as session:
            settled = session.get(DigestRun, claimed[0])
            if settled is not None and settled.status == RunStatus.POSTED:
                session.expunge(settled)
                return settled
    if runtime.provider is not None and request is not None:
        batches.submit_requests(runtime, runtime.provider, [request], DIGEST_PROSE)
    if writing:
        waited = 0.0
        while True:
            poll_batches(runtime, now=clock())
            with session_scope(runtime.engine) as session:
                current = session.get(DigestRun, run_id)
                job = (
                    session.get(LLMBatchJob, current.batch_job_id)
                    if current and current.batch_job_id
                    else None
                )
                finished = job is None or job.status not in (
                    BatchJobStatus.CREATING,
                    BatchJobStatus.SUBMITTED,
                )
            if finished or waited + poll_interval > wait:
                break
            sleep(poll_interval)
            waited += poll_interval
    return deliver(runtime, run_id, now=clock())


def preview_content(
    runtime: Runtime, *, team_id: str, channel_id: str | None, now: datetime
) -> DigestContent:
    """A digest as it would be posted now (template prose), without posting or storing it."""
    with session_scope(runtime.engine) as session:
        subscription = (
            store.get_subscription(session=session, team_id=team_id, channel_id=channel_id)
            if channel_id
            else None
        )
        run = DigestRun(team_id=team_id, channel_id=channel_id or "", period="preview", due_at=now)
        return compose(
            session, run, noise_floor=subscription.noise_floor if subscription else runtime.noise_floor,
            schedule=schedule_of(subscription).describe() if subscription else None, provider=None, now=now,
        )  # fmt: skip


# -- the fleet -----------------------------------------------------------------------------


def settle_claims_of(runtime: Runtime, worker: str, *, now: datetime) -> None:
    """A worker known dead (killed mid-job) leaves its claims: each run it claimed is found
    posted in Slack (then recorded) or given back to be posted again, at once rather than
    after the ``stale_claim`` wait. The threads of the runs it posted are handed off, not
    posted here: the dead worker's jobs go back to the queue as soon as this returns (one
    history read per claim, never a thread's worth of posts), and each workspace's digest
    job then finishes its threads from the step the database says is next, in its own
    partition, so no two workers post in one workspace at once."""
    _settle_stale_claims(runtime, now=now, worker=worker)
    with session_scope(runtime.engine) as session:
        handed = store.hand_off_threads(session=session, worker=worker)
    if handed:
        log.info("dead worker's digest threads handed off", worker=worker, threads=handed)


def due_teams(runtime: Runtime, *, now: datetime) -> set[str]:
    """The workspaces with a digest due and not yet posted (nor skipped) within the misfire
    grace: the clock's claim for the ``digest`` kind (one query for the runs of the slots)."""
    with session_scope(runtime.engine) as session:
        slots = {}
        for subscription in store.active_subscriptions(session=session):
            schedule = schedule_of(subscription)
            last = schedule.last_due(now)
            if last < subscription.created_at or now - last > runtime.misfire_grace:
                continue
            key = (subscription.team_id, subscription.channel_id, schedule.period(last))
            slots[key] = subscription.team_id
        done = store.settled_runs(session=session, keys=list(slots))
    return {team for key, team in slots.items() if key not in done}


def prose_due_teams(runtime: Runtime, *, now: datetime) -> set[str]:
    """The workspaces with a digest due within the lead time (the ``prose`` kind's claim):
    :func:`prepare_due_digests` then skips the runs that already have a batch or prose."""
    if runtime.provider is None:
        return set()
    with session_scope(runtime.engine) as session:
        return {
            s.team_id
            for s in store.active_subscriptions(session=session)
            if schedule_of(s).next_due(now - runtime.misfire_grace) - now <= runtime.lead_time
        }
