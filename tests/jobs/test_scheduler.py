"""The scheduler: a database lease picks one worker; jobs have stable ids in the job store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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


def test_the_clock_has_a_few_fixed_ticks_never_one_schedule_per_channel(runtime: Runtime) -> None:
    subscribe(runtime.engine, timezone="America/New_York")
    worker = Worker(runtime)
    try:
        worker.tick()
        assert worker.scheduler is not None
        ticks = {j.id: j for j in worker.scheduler.get_jobs()}
        assert set(ticks) == {
            "tick-digest", "tick-prose", "tick-poll", "tick-grading", "tick-reveal", "tick-usage",
            "tick-followups", "tick-ledger", "expire-registrations",
        }  # fmt: skip
        digest = ticks["tick-digest"]
        assert digest.func is tasks.tick and digest.args == ("digest",)
        assert digest.coalesce is True and digest.max_instances == 1

        worker.tick()  # ticking again replaces nothing and duplicates nothing
        assert len(worker.scheduler.get_jobs()) == len(ticks)
    finally:
        worker._stop_scheduler()
