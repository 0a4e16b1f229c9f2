"""The worker fleet's queue: the clock claims due work in our tables and enqueues one job per
workspace and kind on DBOS (SQLite and PostgreSQL), with ids from our keys; old job-store rows
of the per-subscription layout are removed."""

from __future__ import annotations

import pickle
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from dbos import DBOS
from sqlalchemy import Engine, text
from sqlmodel import select

from batchscout.audit.quiz import QuestionInstance, Source, bank_question
from batchscout.jobs import tasks
from batchscout.jobs.engine import DbosQueue, queue_status
from batchscout.jobs.queue import JobKey, install_queue
from batchscout.jobs.scheduler import Worker, build_scheduler
from batchscout.services import digests, quiz
from batchscout.services.runtime import Runtime, install
from batchscout.storage import digests as store
from batchscout.storage.db import session_scope
from batchscout.storage.digest_tables import DigestRun, RunStatus
from batchscout.storage.types import utcnow
from tests.fakes.slack_api import FakeSlack
from tests.jobs.conftest import DUE, TEAM, subscribe, top_posts

OTHER_TEAM = "T0OTHER"


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def queue(runtime: Runtime) -> Iterator[DbosQueue]:
    install(runtime)
    started = DbosQueue(runtime.engine, executor_id=runtime.worker_id).start()
    install_queue(started)
    yield started
    install_queue(None)
    DBOS.destroy(workflow_completion_timeout_sec=10)
    install(None)


def due_now(engine: Engine, channels: list[tuple[str, str]], now: datetime) -> None:
    with session_scope(engine) as session:
        for team, channel in channels:
            subscription = store.subscribe(
                session=session, team_id=team, channel_id=channel, subscriber_id="U0X",
                weekday=now.weekday(), hour=now.hour, minute=now.minute, timezone="UTC",
            )  # fmt: skip
            subscription.created_at = datetime(2026, 1, 1, tzinfo=UTC)


def finished(job_id: str) -> bool:
    status = DBOS.get_workflow_status(job_id)
    return status is not None and status.status in ("SUCCESS", "ERROR")


def test_enqueuing_the_same_key_twice_enqueues_once(queue: DbosQueue) -> None:
    # `quiz` is what an older install enqueued: it still runs (as `grading`, kinds.RENAMED).
    key = JobKey("quiz", "_install", "20261130T0800")
    assert queue.enqueue(key) is True
    assert queue.enqueue(key) is False
    wait_for(lambda: finished(key.job_id), "the job to run")
    assert queue.enqueue(key) is False  # done is not waiting: still never run twice
    assert DBOS.get_workflow_status(key.job_id).status == "SUCCESS"  # type: ignore[union-attr]
    assert len(DBOS.list_workflows(workflow_id_prefix="quiz:")) == 1


def test_the_clock_enqueues_one_digest_job_per_workspace_and_each_posts_once(
    runtime: Runtime, queue: DbosQueue, slack: FakeSlack
) -> None:
    now = utcnow()  # the job reads the clock: every channel due this very minute
    due_now(
        runtime.engine, [(TEAM, "C0DIGEST"), (OTHER_TEAM, "C0SECOND"), (OTHER_TEAM, "C0THIRD")], now
    )

    assert tasks.enqueue_due(runtime, queue, "digest", now=now) == 2  # one per workspace
    assert tasks.enqueue_due(runtime, queue, "digest", now=now) == 0  # same minute: nothing
    for team in (TEAM, OTHER_TEAM):
        job_id = f"digest:{team}:{now:%Y%m%dT%H%M}"
        wait_for(lambda job_id=job_id: finished(job_id), job_id)

    for channel in ("C0DIGEST", "C0SECOND", "C0THIRD"):
        assert len(top_posts(slack, channel)) == 1, channel
    with session_scope(runtime.engine) as session:
        statuses = {r.status for r in session.exec(select(DigestRun)).all()}
    assert statuses == {RunStatus.POSTED}
    # Posted: the next minute's tick claims nothing more.
    assert tasks.enqueue_due(runtime, queue, "digest", now=now + timedelta(minutes=1)) == 0


def test_reveals_run_per_workspace_in_its_own_partition(
    runtime: Runtime, queue: DbosQueue, slack: FakeSlack
) -> None:
    # A reveal is a Slack post: it runs in its workspace's partition, never beside that
    # workspace's digest on another worker (it was one install-wide job before).
    asked = utcnow() - timedelta(hours=2)
    for team, channel in ((TEAM, "C0QUIZONE"), (OTHER_TEAM, "C0QUIZTWO")):
        quiz.ask_question(
            runtime.slack(team), runtime.engine, team_id=team, channel_id=channel, now=asked,
            open_for=timedelta(hours=1), asked_by="U0ASKER",
            instance=QuestionInstance(bank_question("classify-nightly-ticket-summaries"), Source.BANK),
        )  # fmt: skip
    now = utcnow()
    assert tasks.enqueue_due(runtime, queue, "reveal", now=now) == 2
    for team in (TEAM, OTHER_TEAM):
        job_id = f"reveal:{team}:{now:%Y%m%dT%H%M}"
        wait_for(lambda job_id=job_id: finished(job_id), job_id)
        status = DBOS.get_workflow_status(job_id)
        assert status is not None and status.queue_partition_key == team
    for channel in ("C0QUIZONE", "C0QUIZTWO"):
        posts = [c for c in slack.calls("chat.postMessage") if c.params["channel"] == channel]
        assert len(posts) == 2, channel  # the question, then its reveal in the thread
        assert posts[1].params.get("thread_ts") == posts[0].response["ts"]
    assert tasks.enqueue_due(runtime, queue, "reveal", now=now + timedelta(minutes=1)) == 0


def test_a_busy_workspace_gets_no_second_job(runtime: Runtime, queue: DbosQueue) -> None:
    subscribe(runtime.engine, timezone="UTC")
    now = DUE.replace(hour=9) + timedelta(seconds=5)
    queue_busy = {TEAM}
    original = queue.busy
    queue.busy = lambda kind: queue_busy if kind == "digest" else original(kind)  # type: ignore[method-assign]
    assert tasks.enqueue_due(runtime, queue, "digest", now=now) == 0


def test_queue_status_counts_waiting_jobs_per_kind(runtime: Runtime) -> None:
    # A process that only enqueues (takes no jobs): the jobs wait, and the status sees them.
    install(runtime)
    queue = DbosQueue(runtime.engine, executor_id="clock-only", worker_concurrency=0).start()
    try:
        queue.enqueue(JobKey("digest", TEAM, "20261130T0900"))
        queue.enqueue(JobKey("digest", OTHER_TEAM, "20261130T0900"))
        queue.enqueue(JobKey("poll", "_install", "20261130T0900"))
        status = queue_status(runtime.engine)
        assert status.waiting == {"digest": 2, "poll": 1}
        assert status.oldest_waiting_seconds is not None and status.oldest_waiting_seconds >= 0
    finally:
        DBOS.destroy()
        install(None)
    empty = queue_status(runtime.engine)
    assert empty.waiting == {"digest": 2, "poll": 1}  # durable: still there for a worker


def old_layout_row(scheduler: BackgroundScheduler, job_id: str, func: str) -> dict[str, object]:
    """A job as an older install stored it: one job per subscription, ``func`` by path."""
    job = scheduler.add_job(tasks.expire_registrations_job, "interval", minutes=5, id=job_id)
    state: dict[str, object] = job.__getstate__()
    job.remove()
    state["func"] = func
    state["args"] = (7,)
    return state


def test_jobs_of_the_old_layout_are_removed_when_the_clock_starts(
    runtime: Runtime, digest_engine: Engine
) -> None:
    scheduler = build_scheduler(runtime)
    scheduler.start(paused=True)
    rows = [
        old_layout_row(scheduler, "digest-7", "batchscout.jobs.tasks:post_digest_job"),
        old_layout_row(scheduler, "poll-batches", "batchscout.jobs.tasks:expire_registrations_job"),
        # The last layout's install-wide knowledge-check tick, now `grading` and `reveal`.
        old_layout_row(scheduler, "tick-quiz", "batchscout.jobs.tasks:expire_registrations_job"),
    ]
    scheduler.shutdown()
    with digest_engine.begin() as connection:
        for state in rows:
            connection.execute(
                text("INSERT INTO apscheduler_jobs (id, next_run_time, job_state) "
                     "VALUES (:id, :at, :state)"),
                {"id": state["id"], "at": time.time() + 3600, "state": pickle.dumps(state)},
            )  # fmt: skip

    worker = Worker(runtime)
    try:
        assert worker.tick() is True
        with digest_engine.connect() as connection:
            ids = {r[0] for r in connection.execute(text("SELECT id FROM apscheduler_jobs"))}
    finally:
        worker._stop_scheduler()
    assert ids == {
        "tick-digest", "tick-prose", "tick-poll", "tick-grading", "tick-reveal", "tick-usage",
        "tick-followups", "tick-ledger", "expire-registrations",
    }  # fmt: skip


def thread_parts(slack: FakeSlack, channel: str, ts: str) -> list[int]:
    """The digest thread's parts as Slack holds them, in posting order."""
    return [
        m["metadata"]["event_payload"]["part"]
        for m in slack.messages(channel)
        if m.get("thread_ts") == ts and (m.get("metadata") or {}).get("event_payload", {}).get(
            "part") is not None
    ]  # fmt: skip


def died_after_first_part(runtime: Runtime, slack: FakeSlack, run: DigestRun, at: datetime) -> None:
    """Make a posted run look as its worker would leave it, killed after the thread's first
    part: the later parts are not in Slack, and the database says the second is next."""
    assert run.id is not None and run.message_ts is not None
    client = runtime.slack(TEAM)
    for message in slack.messages("C0DIGEST"):
        part = ((message.get("metadata") or {}).get("event_payload") or {}).get("part")
        if message.get("thread_ts") == run.message_ts and part not in (None, 0):
            client.chat_delete(channel="C0DIGEST", ts=message["ts"])
    with session_scope(runtime.engine) as session:
        store.thread_step(session=session, run_id=run.id, next_step=1, sending=False, now=at)


def posted_then_died(runtime: Runtime, slack: FakeSlack) -> tuple[str, list[int], datetime]:
    """A digest posted whole at 09:00:05, then left as a worker killed after the thread's
    first part would leave it; returns its ts, the whole thread's parts and the time."""
    subscription_id = subscribe(runtime.engine, timezone="UTC")
    now = DUE.replace(hour=9) + timedelta(seconds=5)
    run = digests.post_digest(runtime, subscription_id, now=now)
    assert run is not None and run.message_ts is not None
    whole = thread_parts(slack, "C0DIGEST", run.message_ts)
    assert len(whole) >= 2 and whole == sorted(whole)
    died_after_first_part(runtime, slack, run, now)
    assert thread_parts(slack, "C0DIGEST", run.message_ts) == [0]
    return run.message_ts, whole, now


def test_a_dead_workers_half_posted_thread_is_completed_once_and_in_order(
    runtime: Runtime, slack: FakeSlack
) -> None:
    ts, whole, now = posted_then_died(runtime, slack)
    later = now + timedelta(minutes=1)  # long before the thread would look stale

    digests.settle_claims_of(runtime, runtime.worker_id, now=later)
    digests.settle_claims_of(runtime, runtime.worker_id, now=later)
    # Settling posts nothing (the dead worker's jobs go back at once): the thread is handed
    # off to the workspace's digest job, which a survivor then runs (here twice: once posts).
    assert thread_parts(slack, "C0DIGEST", ts) == [0]
    digests.catch_up(runtime, now=later, team_id=OTHER_TEAM)
    assert thread_parts(slack, "C0DIGEST", ts) == [0]  # not another workspace's job
    digests.catch_up(runtime, now=later, team_id=TEAM)
    digests.catch_up(runtime, now=later, team_id=TEAM)

    assert thread_parts(slack, "C0DIGEST", ts) == whole  # each once, in order
    assert len(top_posts(slack)) == 1


def test_a_dead_workers_posted_but_unrecorded_digest_is_recorded_and_its_thread_posted_once(
    runtime: Runtime, slack: FakeSlack
) -> None:
    # Killed between posting the top message and recording it: the survivor finds it in the
    # channel's history (Slack's ts are the wall clock's here), records it, hands its thread
    # off; the workspace's digest job posts the whole thread, and no second digest.
    slack.first_ts_seconds = int(time.time())
    now = utcnow()
    due_now(runtime.engine, [(TEAM, "C0DIGEST")], now)
    with session_scope(runtime.engine) as session:  # the dead worker's claim on this week's run
        subscription = store.get_subscription(session=session, team_id=TEAM, channel_id="C0DIGEST")
        assert subscription is not None
        schedule = digests.schedule_of(subscription)
        run = store.get_or_create_run(
            session=session, team_id=TEAM, channel_id="C0DIGEST",
            period=schedule.period(schedule.last_due(now)), due_at=now,
            subscription_id=subscription.id,
        )  # fmt: skip
        assert run.id is not None
        run_id = run.id
        assert store.claim_run(session=session, run_id=run_id, worker="host:dead", now=now)
    runtime.slack(TEAM).chat_postMessage(  # its top message, posted just before it died
        channel="C0DIGEST", text="digest",
        metadata={"event_type": digests.METADATA_EVENT, "event_payload": {"run_id": run_id}},
    )  # fmt: skip

    survivor = Worker(Runtime(engine=runtime.engine, slack=runtime.slack, worker_id="host:b"))
    assert survivor._settle("host:dead") is True
    with session_scope(runtime.engine) as session:
        settled = session.exec(select(DigestRun)).one()
        assert settled.status == RunStatus.POSTED and settled.claimed_by is None
        ts = settled.message_ts
    assert ts is not None and thread_parts(slack, "C0DIGEST", ts) == []
    digests.catch_up(survivor.runtime, now=utcnow(), team_id=TEAM)

    assert len(top_posts(slack)) == 1
    assert thread_parts(slack, "C0DIGEST", ts) == sorted(set(thread_parts(slack, "C0DIGEST", ts)))
    assert len(thread_parts(slack, "C0DIGEST", ts)) >= 2


def test_a_digest_job_resumes_only_its_own_workspaces_stopped_threads(
    runtime: Runtime, slack: FakeSlack
) -> None:
    # Another workspace's job runs in another partition, maybe beside TEAM's own job on
    # another worker: it must not post in TEAM's threads, however stale they look.
    ts, whole, now = posted_then_died(runtime, slack)
    later = now + runtime.stale_claim + timedelta(minutes=1)

    digests.catch_up(runtime, now=later, team_id=OTHER_TEAM)
    assert thread_parts(slack, "C0DIGEST", ts) == [0]
    digests.catch_up(runtime, now=later, team_id=TEAM)
    assert thread_parts(slack, "C0DIGEST", ts) == whole


def test_two_survivors_settle_a_dead_workers_thread_once(
    runtime: Runtime, slack: FakeSlack
) -> None:
    now = utcnow()  # the survivors settle what the dead worker posted in the last minutes
    due_now(runtime.engine, [(TEAM, "C0DIGEST")], now)
    with session_scope(runtime.engine) as session:
        found = store.get_subscription(session=session, team_id=TEAM, channel_id="C0DIGEST")
        assert found is not None and found.id is not None
        subscription_id = found.id
    dead = Runtime(engine=runtime.engine, slack=runtime.slack, worker_id="host:dead")
    run = digests.post_digest(dead, subscription_id, now=now)
    assert run is not None and run.message_ts is not None
    whole = thread_parts(slack, "C0DIGEST", run.message_ts)
    died_after_first_part(runtime, slack, run, now)

    first = Worker(Runtime(engine=runtime.engine, slack=runtime.slack, worker_id="host:b"))
    second = Worker(Runtime(engine=runtime.engine, slack=runtime.slack, worker_id="host:c"))
    assert first._settle("host:dead") is True
    assert second._settle("host:dead") is False  # the first one has it: not settled twice
    for survivor in (first, second):  # both may run the workspace's digest job after
        digests.catch_up(survivor.runtime, now=utcnow(), team_id=TEAM)

    assert thread_parts(slack, "C0DIGEST", run.message_ts) == whole
