"""The clock: APScheduler 3 with its SQLAlchemy job store in the app's database, run by
whichever worker holds the lease; every worker (leader or not) takes jobs from the queue.

The clock has a few fixed ticks with stable ids, one per kind of work (``tick-digest``,
``tick-prose``, ``tick-reveal``, ...: see :data:`batchscout.jobs.kinds.KINDS`)
plus ``expire-registrations``; each tick claims what is due in our tables and enqueues one job
per workspace (:mod:`batchscout.jobs.queue`). Never one schedule per channel: rows an older
install stored (``digest-<id>`` jobs whose functions moved) are removed when the clock starts.
"""

from __future__ import annotations

import hashlib
import threading
from datetime import timedelta

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from batchscout.jobs import tasks
from batchscout.jobs.kinds import KINDS
from batchscout.jobs.queue import JobQueue, install_queue
from batchscout.logs import get_logger
from batchscout.services.digests import settle_claims_of
from batchscout.services.heartbeat import Heartbeat, live_workers
from batchscout.services.runtime import Runtime, install
from batchscout.storage import digests as store
from batchscout.storage.db import session_scope
from batchscout.storage.heartbeats import ProcessRole
from batchscout.storage.types import utcnow

log = get_logger(__name__)

LEASE_NAME = "scheduler"
EXPIRE_EVERY = timedelta(minutes=15)
#: How long the worker settling a dead worker's digests keeps the others from doing it too.
RECOVERY_LEASE = timedelta(minutes=5)
#: How often a worker renews the lease, beats and looks for dead workers' jobs.
TICK_EVERY = timedelta(seconds=5)
#: After SIGTERM, how long a dead worker's settle under way may take before the process exits.
DRAIN_SECONDS = 50


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


def add_periodic_jobs(scheduler: BackgroundScheduler, runtime: Runtime) -> None:
    """The fixed ticks (stable ids, replaced on every start); any other stored job goes."""
    wanted = {"expire-registrations"}
    for kind in KINDS:
        job_id = f"tick-{kind.name}"
        wanted.add(job_id)
        scheduler.add_job(
            tasks.tick, "interval", seconds=int(kind.every.total_seconds()), args=[kind.name],
            id=job_id, replace_existing=True, next_run_time=utcnow(),
        )  # fmt: skip
    scheduler.add_job(
        tasks.expire_registrations_job, "interval", seconds=int(EXPIRE_EVERY.total_seconds()),
        id="expire-registrations", replace_existing=True, next_run_time=utcnow(),
    )  # fmt: skip
    remove_stale_jobs(scheduler, keep=wanted)


def remove_stale_jobs(scheduler: BackgroundScheduler, *, keep: set[str]) -> list[str]:
    """Remove stored jobs of an older layout (one per subscription, functions that moved).

    APScheduler itself deletes a row whose function no longer imports when it loads the jobs;
    the rest not in ``keep`` are removed here. Returns the ids removed."""
    removed = [job.id for job in scheduler.get_jobs() if job.id not in keep]
    for job_id in removed:
        scheduler.remove_job(job_id)
    if removed:
        log.info("old scheduler jobs removed", jobs=removed)
    return removed


class Worker:
    """Takes jobs from the queue; holds the lease and runs the clock while it does.

    ``queue`` is made at :meth:`run` when not given (DBOS in this process, named by the
    runtime's worker id)."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        lease_ttl: timedelta = timedelta(seconds=60),
        queue: JobQueue | None = None,
    ) -> None:
        self.runtime = runtime
        self.lease_ttl = lease_ttl
        self.queue = queue
        self.scheduler: BackgroundScheduler | None = None
        self.stopping = threading.Event()
        self.leader = False
        self.heartbeat = Heartbeat(runtime.engine, ProcessRole.WORKER)

    def tick(self) -> bool:
        """Take or renew the lease; start or stop the clock to match. True while leading."""
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
            self.scheduler.resume()
        elif not leading and self.leader:
            log.warning(
                "scheduler lease lost; standing by",
                worker=self.runtime.worker_id,
            )
            self._stop_scheduler()
        elif not leading:
            log.debug("standby: another worker holds the scheduler lease")
        self.leader = leading
        return leading

    def recover(self) -> list[str]:
        """Give the jobs of workers that stopped beating (killed) back to the queue, after
        settling the digests they had claimed; returns those workers' ids."""
        engine_queue = self.queue
        if engine_queue is None or not hasattr(engine_queue, "recover_dead"):
            return []
        live = live_workers(self.runtime.engine) | {self.runtime.worker_id}
        dead: list[str] = engine_queue.recover_dead(live, before=self._settle)
        return dead

    def _settle(self, worker: str) -> bool:
        """Settle a dead worker's digests, unless another live worker already is: one lease
        per dead worker, so each of its claims is settled once and its half-posted threads
        are handed off once (to the digest jobs given back next). True: go on and give its
        jobs back."""
        now = utcnow()
        name = "recover:" + hashlib.sha1(worker.encode()).hexdigest()[:24]
        with session_scope(self.runtime.engine) as session:
            mine = store.acquire_lease(
                session=session, name=name, holder=self.runtime.worker_id, now=now,
                ttl=RECOVERY_LEASE,
            )  # fmt: skip
        if mine:
            settle_claims_of(self.runtime, worker, now=now)
        return mine

    def _recovering(self, interval: float) -> None:
        """Look for dead workers' jobs every ``interval`` seconds until :meth:`stop`, in a
        thread of its own: settling a dead worker's digests waits on Slack (rate limits, a
        history read a minute), and the heartbeat must not wait with it, or this worker
        looks dead to the others, who would then settle its digests while it posts them."""
        while not self.stopping.wait(interval):
            try:
                self.recover()
            except Exception:
                log.exception("dead workers' jobs not recovered")

    def run(self) -> None:
        """Tick until :meth:`stop` (every :data:`TICK_EVERY`), beating after each tick that
        reached the database, and taking jobs from the queue all along; dead workers' jobs
        are looked for in a thread of their own (:meth:`_recovering`).

        On stop, the clock stops, jobs already running finish first (in-flight work is done,
        not dropped), then the lease is released so a standby takes over at once, and the
        heartbeat row goes.
        """
        install(self.runtime)
        interval = min(max(self.lease_ttl.total_seconds() / 3, 1.0), TICK_EVERY.total_seconds())
        if self.queue is None:
            from batchscout.jobs.engine import DbosQueue

            self.queue = DbosQueue(self.runtime.engine, executor_id=self.runtime.worker_id)
        install_queue(self.queue)
        started = False
        recovering = threading.Thread(
            target=self._recovering, args=(interval,), name="recover-dead-workers", daemon=True
        )
        try:
            while not self.stopping.is_set():
                try:
                    if not started:
                        # Alive (beating) before taking any job, and the queue up before the
                        # clock (the lease) can enqueue anything on it.
                        self.heartbeat.beat("standby")
                        start = getattr(self.queue, "start", None)
                        if start is not None:
                            start()
                        started = True
                        recovering.start()
                    leading = self.tick()
                except Exception:  # the database may be briefly away: keep trying
                    log.exception("worker tick failed")
                else:
                    self.heartbeat.beat("leader" if leading else "standby")
                self.stopping.wait(interval)
        finally:
            if recovering.is_alive():  # a settle under way finishes (a thread half-posted)
                recovering.join(timeout=DRAIN_SECONDS)
            self._stop_scheduler(wait=True)
            stop = getattr(self.queue, "stop", None)
            if started and stop is not None:
                stop()
            install_queue(None)
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
