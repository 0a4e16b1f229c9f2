"""The scheduler: a database lease picks one worker; jobs have stable ids in the job store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Engine

from batchscout.jobs import tasks
from batchscout.jobs.scheduler import LEASE_NAME, Worker
from batchscout.services.runtime import Runtime
from batchscout.storage import digests as store
from batchscout.storage.db import session_scope
from batchscout.storage.digest_tables import SchedulerLease
from tests.jobs.conftest import subscribe


def test_a_second_worker_waits_as_a_standby_then_takes_over(runtime: Runtime) -> None:
    first = Worker(runtime)
    second = Worker(Runtime(engine=runtime.engine, slack=runtime.slack, worker_id="worker-b"))
    try:
        assert first.tick() is True
        assert second.tick() is False and second.scheduler is None
        assert first.tick() is True  # renewing

        first.stop()
        first.run()  # returns at once (stopping is set) and gives the lease up

        assert second.tick() is True and second.scheduler is not None
    finally:
        first._stop_scheduler()
        second._stop_scheduler()


def test_an_expired_lease_is_taken_over(digest_engine: Engine) -> None:
    now = datetime(2026, 11, 30, tzinfo=UTC)
    with session_scope(digest_engine) as session:
        assert store.acquire_lease(
            session=session, name=LEASE_NAME, holder="a", now=now, ttl=timedelta(seconds=60)
        )
        assert not store.acquire_lease(
            session=session,
            name=LEASE_NAME,
            holder="b",
            now=now + timedelta(seconds=30),
            ttl=timedelta(seconds=60),
        )
        assert store.acquire_lease(
            session=session,
            name=LEASE_NAME,
            holder="b",
            now=now + timedelta(seconds=61),
            ttl=timedelta(seconds=60),
        )
    with session_scope(digest_engine) as session:
        lease = session.get(SchedulerLease, LEASE_NAME)
        assert lease is not None and lease.holder == "b"


def test_jobs_have_stable_ids_and_follow_the_subscriptions(runtime: Runtime) -> None:
    subscription_id = subscribe(runtime.engine, timezone="America/New_York")
    worker = Worker(runtime)
    try:
        worker.tick()
        assert worker.scheduler is not None
        job = worker.scheduler.get_job(f"digest-{subscription_id}")
        assert (
            job is not None and job.func is tasks.post_digest_job and job.args == (subscription_id,)
        )
        assert (
            isinstance(job.trigger, CronTrigger) and str(job.trigger.timezone) == "America/New_York"
        )
        assert job.coalesce is True and job.max_instances == 1
        assert job.misfire_grace_time == 6 * 3600
        assert {j.id for j in worker.scheduler.get_jobs()} >= {
            "prepare-digests",
            "poll-batches",
            "usage-reimport",
            "ledger-snapshots",
            "followups-tick",
        }
        snapshots = worker.scheduler.get_job("ledger-snapshots")
        assert snapshots.func is tasks.ledger_snapshots_job
        assert str(snapshots.trigger) == "cron[day_of_week='mon', hour='0', minute='5']"
        assert str(snapshots.trigger.timezone) == "UTC"

        worker.tick()  # ticking again replaces nothing and duplicates nothing
        assert len([j for j in worker.scheduler.get_jobs() if j.id.startswith("digest-")]) == 1

        with session_scope(runtime.engine) as session:
            store.unsubscribe(session=session, team_id="T0TEST", channel_id="C0DIGEST")
        worker.tick()
        assert worker.scheduler.get_job(f"digest-{subscription_id}") is None
    finally:
        worker._stop_scheduler()
