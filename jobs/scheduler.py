"""The scheduler: APScheduler 3 with its SQLAlchemy job store in the app's database, run by
whichever worker holds the lease; the others wait as standbys.

Jobs: one cron job per active subscription (``digest-<id>``, in the subscriber's time zone),
plus interval jobs that prepare prose batches, poll them and catch up on missed digests, the
daily usage re-import (``usage-reimport``) and the weekly ledger snapshots (``ledger-snapshots``,
Mondays 00:05 UTC).
Every job has a stable id and is added with ``replace_existing=True``, ``coalesce`` and
``max_instances=1``; a digest missed by more than the misfire grace is skipped with a log line.
"""

from __future__ import annotations

import threading
from datetime import timedelta

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from batchscout.jobs import tasks
from batchscout.logs import get_logger
from batchscout.services.digests import schedule_of
from batchscout.services.heartbeat import Heartbeat
from batchscout.services.runtime import Runtime, install
from batchscout.storage import digests as store
from batchscout.storage.db import session_scope
from batchscout.storage.heartbeats import ProcessRole
from batchscout.storage.types import utcnow

log = get_logger(__name__)

LEASE_NAME = "scheduler"
PREPARE_EVERY = timedelta(minutes=5)
POLL_EVERY = timedelta(minutes=1)
EXPIRE_EVERY = timedelta(minutes=15)
FOLLOWUPS_EVERY = timedelta(minutes=15)
"""How often the worker checks which owners' follow-ups are due (their day, 10:00 local)."""
USAGE_HOUR = 4
"""The UTC hour of the daily usage re-import."""
LEDGER_MINUTE = 5
"""Minutes past Monday 00:00 UTC when the weekly ledger snapshots are taken."""


def build_scheduler(runtime: Runtime) -> BackgroundScheduler:
    """A scheduler whose jobs live in the app's database."""
    scheduler = BackgroundScheduler(
        jobstores={
            "default": SQLAlchemyJobStore(engine=runtime.engine, tablename="apscheduler_jobs")
        },
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": int(runtime.misfire_grace.total_seconds()),
        },
        timezone="UTC",
    )
    scheduler.add_listener(_on_event, EVENT_JOB_MISSED | EVENT_JOB_ERROR)
    return scheduler


def _on_event(event: JobExecutionEvent) -> None:
    if event.code == EVENT_JOB_MISSED:
        log.warning(
            "job missed beyond grace",
            job_id=event.job_id,
            scheduled=str(event.scheduled_run_time),
        )
    else:
        log.error("job failed", job_id=event.job_id, error=repr(event.exception))


def sync_jobs(scheduler: BackgroundScheduler, runtime: Runtime) -> None:
    """Make the scheduler's digest jobs match the active subscriptions (stable ids)."""
    with session_scope(runtime.engine) as session:
        wanted = {
            f"digest-{s.id}": (s.id, schedule_of(s))
            for s in store.active_subscriptions(session=session)
        }
    for job_id, (subscription_id, schedule) in wanted.items():
        existing = scheduler.get_job(job_id)
        trigger = schedule.trigger()
        if existing is None or str(existing.trigger) != str(trigger):
            scheduler.add_job(
                tasks.post_digest_job, trigger=trigger, args=[subscription_id], id=job_id,
                name=f"digest {schedule.describe()}", replace_existing=True,
            )  # fmt: skip
    for job in scheduler.get_jobs():
        if job.id.startswith("digest-") and job.id not in wanted:
            job.remove()


def add_periodic_jobs(scheduler: BackgroundScheduler, runtime: Runtime) -> None:
    """The interval jobs (stable ids, replaced on every start)."""
    for func, every, job_id in (
        (tasks.prepare_digests_job, PREPARE_EVERY, "prepare-digests"),
        (tasks.poll_batches_job, POLL_EVERY, "poll-batches"),
        (tasks.quiz_tick_job, POLL_EVERY, "quiz-tick"),
        (tasks.expire_registrations_job, EXPIRE_EVERY, "expire-registrations"),
    ):
        scheduler.add_job(
            func, "interval", seconds=int(every.total_seconds()), id=job_id, replace_existing=True,
            next_run_time=utcnow(),
        )  # fmt: skip
    # Follow-ups are due at 10:00 in each owner's zone: a quarter-hour tick finds them, starting
    # a quarter-hour after the scheduler does (a restart never sends at once).
    scheduler.add_job(
        tasks.followups_tick_job, "interval", seconds=int(FOLLOWUPS_EVERY.total_seconds()),
        id="followups-tick", replace_existing=True,
    )  # fmt: skip
    # Daily, once the providers have closed yesterday's buckets (they keep revising them).
    scheduler.add_job(
        tasks.reimport_usage_job, "cron", hour=USAGE_HOUR, minute=20, id="usage-reimport",
        replace_existing=True,
    )  # fmt: skip
    # Each Monday just after 00:00 UTC, when the ISO week turns: every workspace's snapshot.
    scheduler.add_job(
        tasks.ledger_snapshots_job, "cron", day_of_week="mon", hour=0, minute=LEDGER_MINUTE,
        id="ledger-snapshots", replace_existing=True,
    )  # fmt: skip


class Worker:
    """Holds the lease and runs the scheduler while it does; a standby otherwise."""

    def __init__(self, runtime: Runtime, *, lease_ttl: timedelta = timedelta(seconds=60)) -> None:
        self.runtime = runtime
        self.lease_ttl = lease_ttl
        self.scheduler: BackgroundScheduler | None = None
        self.stopping = threading.Event()
        self.leader = False
        self.heartbeat = Heartbeat(runtime.engine, ProcessRole.WORKER)

    def tick(self) -> bool:
        """Take or renew the lease; start or stop the scheduler to match. True while leading."""
        with session_scope(self.runtime.engine) as session:
            leading = store.acquire_lease(
                session=session,
                name=LEASE_NAME,
                holder=self.runtime.worker_id,
                now=utcnow(),
                ttl=self.lease_ttl,
            )
        if leading and not self.leader:
            log.info("scheduler lease taken", worker=self.runtime.worker_id)
            self.scheduler = build_scheduler(self.runtime)
            self.scheduler.start(paused=True)
            add_periodic_jobs(self.scheduler, self.runtime)
            sync_jobs(self.scheduler, self.runtime)
            self.scheduler.resume()
        elif not leading and self.leader:
            log.warning(
                "scheduler lease lost; standing by",
                worker=self.runtime.worker_id,
            )
            self._stop_scheduler()
        elif not leading:
            log.debug("standby: another worker holds the scheduler lease")
        elif self.scheduler is not None:
            sync_jobs(self.scheduler, self.runtime)
        self.leader = leading
        return leading

    def run(self) -> None:
        """Tick until :meth:`stop` (renewing well before the lease expires), beating after each
        tick that reached the database.

        On stop, jobs already running finish first (in-flight work is done, not dropped), then
        the lease is released so a standby takes over at once, and the heartbeat row goes.
        """
        install(self.runtime)
        interval = max(self.lease_ttl.total_seconds() / 3, 1.0)
        try:
            while not self.stopping.is_set():
                try:
                    leading = self.tick()
                except Exception:  # the database may be briefly away: keep trying
                    log.exception("worker tick failed")
                else:
                    self.heartbeat.beat("leader" if leading else "standby")
                self.stopping.wait(interval)
        finally:
            self._stop_scheduler(wait=True)
            if self.leader:
                with session_scope(self.runtime.engine) as session:
                    store.release_lease(
                        session=session, name=LEASE_NAME, holder=self.runtime.worker_id
                    )
                log.info("scheduler lease released", worker=self.runtime.worker_id)
            self.leader = False
            self.heartbeat.stop()

    def stop(self) -> None:
        """Ask :meth:`run` to finish (safe from a signal handler or another thread)."""
        self.stopping.set()

    def _stop_scheduler(self, *, wait: bool = False) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=wait)
            self.scheduler = None
