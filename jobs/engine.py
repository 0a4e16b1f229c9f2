"""The queue engine: DBOS Transact's durable queues, in the app's PostgreSQL (schema ``dbos``)
or, for a single SQLite install, in a SQLite file beside the app's.

One queue, partitioned by workspace with one job at a time per partition: a workspace's Slack
posts are never made by two workers at once, and a slow workspace holds only its own
partition. Each worker process is a DBOS executor named by its worker id (``host:pid``); a
worker killed mid-job leaves its jobs PENDING under that id, and any live worker that sees no
heartbeat from it for ``WORKER_DEAD_AFTER`` (``services.heartbeat``) gives them back to the queue
(:meth:`DbosQueue.recover_dead`). The job body is re-run whole: the exactly-once rules live
in our own claim tables, not in the engine.

Only :mod:`batchscout.jobs` imports this module; everything else sees
:class:`~batchscout.jobs.queue.JobQueue`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from dbos import DBOS, DBOSClient, SetEnqueueOptions, SetWorkflowID
from dbos._error import DBOSWorkflowIDInUseError
from sqlalchemy import Engine, inspect

from batchscout.jobs import kinds
from batchscout.jobs.queue import JobKey
from batchscout.logs import get_logger
from batchscout.services.runtime import current
from batchscout.storage.types import utcnow

log = get_logger(__name__)

QUEUE_NAME = "batchscout"
#: DBOS's schema in the app's PostgreSQL database (its default).
SYSTEM_SCHEMA = "dbos"
#: Every worker runs every job (a job is a kind, a workspace and a period: plain strings), so
#: all share one application version: DBOS dequeues only jobs of its own version.
APP_VERSION = "batchscout-jobs-1"
#: Jobs one worker runs at once (different workspaces: one per workspace at a time).
WORKER_CONCURRENCY = 8
#: Connections one worker keeps to DBOS's tables at most.
SYSTEM_POOL_SIZE = WORKER_CONCURRENCY + 2
#: After SIGTERM, how long running jobs may take to finish before the process exits anyway.
DRAIN_SECONDS = 50


def system_database_url(engine: Engine) -> str:
    """Where DBOS keeps its state: the app's PostgreSQL database (its own ``dbos`` schema),
    or ``<name>.dbos.sqlite`` beside a SQLite database file."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database in ("", ":memory:"):
            raise ValueError("the job queue needs a database file, not an in-memory SQLite")
        path = Path(database)
        return f"sqlite:///{path.with_name(path.stem + '.dbos.sqlite')}"
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@DBOS.workflow(name="batchscout.job")
def run_job(kind: str, team_id: str, period: str) -> None:
    """One job, as a worker runs it: the kind's work for one workspace, now."""
    kinds.run_job(current(), kind, team_id, utcnow())


class DbosQueue:
    """:class:`~batchscout.jobs.queue.JobQueue` on DBOS. :meth:`start` launches DBOS in this
    process (one per process): it then also runs jobs, up to ``worker_concurrency`` at once
    (0: enqueue only)."""

    def __init__(
        self, engine: Engine, *, executor_id: str, worker_concurrency: int = WORKER_CONCURRENCY
    ) -> None:
        self.url = system_database_url(engine)
        self.executor_id = executor_id
        self.worker_concurrency = worker_concurrency

    def start(self) -> DbosQueue:
        DBOS(
            config={
                "name": "batchscout",
                "system_database_url": self.url,
                "executor_id": self.executor_id,
                "application_version": APP_VERSION,
                "log_level": "WARNING",
                # The jobs running at once, the queue's poller and a spare (README: the fleet).
                "sys_db_pool_size": SYSTEM_POOL_SIZE,
            }
        )
        if self.worker_concurrency == 0:
            DBOS.listen_queues([])  # enqueue only: this process takes no jobs
        DBOS.launch()
        DBOS.register_queue(
            QUEUE_NAME,
            partition_concurrency=1,
            worker_concurrency=max(self.worker_concurrency, 1),
            polling_interval_sec=0.5,
            on_conflict="always_update",
        )
        log.info("job queue started", executor_id=self.executor_id, url_backend=self.url[:6])
        return self

    def enqueue(self, key: JobKey) -> bool:
        try:
            with (
                SetWorkflowID(key.job_id, workflow_id_reuse_policy="reject"),
                SetEnqueueOptions(queue_partition_key=key.team_id),
            ):
                DBOS.enqueue_workflow(QUEUE_NAME, run_job, key.kind, key.team_id, key.period)
        except DBOSWorkflowIDInUseError:
            return False
        log.debug("job enqueued", job_id=key.job_id)
        return True

    def busy(self, kind: str) -> set[str]:
        found = DBOS.list_workflows(
            status=["ENQUEUED", "PENDING"], queue_name=QUEUE_NAME,
            workflow_id_prefix=f"{kind}:", load_input=False, load_output=False,
        )  # fmt: skip
        return {JobKey.parse(w.workflow_id).team_id for w in found}

    def recover_dead(
        self, live: set[str], *, before: Callable[[str], bool] = lambda worker: True
    ) -> list[str]:
        """Give back to the queue the running jobs of executors not in ``live`` (worker ids
        with a fresh heartbeat), calling ``before(worker)`` first for each dead one (False:
        another worker sees to that one); returns the dead executors whose jobs went back."""
        pending = DBOS.list_workflows(
            status="PENDING", queue_name=QUEUE_NAME, load_input=False, load_output=False
        )
        dead = sorted(
            {w.executor_id for w in pending if w.executor_id and w.executor_id not in live}
        )
        dead = [executor for executor in dead if before(executor)]
        for executor in dead:
            handles = DBOS._recover_pending_workflows([executor])
            log.warning("dead worker's jobs given back", worker=executor, jobs=len(handles))
        return dead

    def stop(self, *, drain_seconds: int = DRAIN_SECONDS) -> None:
        """Stop taking jobs; let running ones finish (up to ``drain_seconds``); shut DBOS down."""
        DBOS.destroy(workflow_completion_timeout_sec=drain_seconds)


@dataclass(frozen=True)
class QueueStatus:
    """What waits: jobs per kind, and the oldest one's age (``None`` when nothing waits)."""

    waiting: dict[str, int]
    oldest_waiting_seconds: float | None
    done_last_hour: dict[str, int]
    """Jobs finished in the last hour, per worker id (executor)."""


def queue_status(engine: Engine, *, now: datetime | None = None) -> QueueStatus:
    """Read the queue without joining it (a DBOS client, not an executor)."""
    now = now or utcnow()
    url = system_database_url(engine)
    if not _queue_exists(engine, url):  # no worker has started yet: nothing ever queued
        return QueueStatus({}, None, {})
    client = DBOSClient(system_database_url=url)
    try:
        waiting = client.list_workflows(
            status="ENQUEUED", queue_name=QUEUE_NAME, load_input=False, load_output=False
        )
        done = client.list_workflows(
            status=["SUCCESS", "ERROR"], queue_name=QUEUE_NAME, load_input=False,
            load_output=False, completed_after=(now - timedelta(hours=1)).isoformat(),
        )  # fmt: skip
    finally:
        client.destroy()
    per_kind = Counter(w.workflow_id.split(":", 1)[0] for w in waiting)
    created = [w.created_at for w in waiting if w.created_at is not None]
    oldest = max(0.0, now.timestamp() - min(created) / 1000) if created else None
    per_worker = Counter(w.executor_id or "" for w in done)
    return QueueStatus(dict(per_kind), oldest, dict(per_worker))


def _queue_exists(engine: Engine, url: str) -> bool:
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///")).exists()
    return inspect(engine).has_table("workflow_status", schema=SYSTEM_SCHEMA)
