"""The functions APScheduler stores: importable, module-level, taking only picklable ids.

The clock has a few fixed ticks: one per kind of work (:data:`batchscout.jobs.kinds.KINDS`),
each claiming what is due in our tables and enqueueing one job per workspace, plus the
expiry of idle registration conversations. Each reads the process's runtime and queue, and
hands over to code that takes an explicit ``now`` (which the tests call directly).
"""

from __future__ import annotations

from datetime import datetime

from batchscout.jobs.kinds import kind_named
from batchscout.jobs.queue import JobKey, JobQueue, current_queue
from batchscout.logs import get_logger
from batchscout.services.boundary import isolated
from batchscout.services.runtime import Runtime, current
from batchscout.storage.types import utcnow

log = get_logger(__name__)


def enqueue_due(runtime: Runtime, queue: JobQueue, kind: str, *, now: datetime) -> int:
    """Enqueue one ``kind`` job per workspace due ``now``; returns how many were new.

    A workspace that already has a job of a one-at-a-time kind waiting or running gets none:
    that job does what is due when it runs."""
    found = kind_named(kind)
    busy = queue.busy(kind) if found.one_at_a_time else set()
    added = 0
    for team_id, period in found.due(runtime, now):
        if team_id not in busy:
            added += queue.enqueue(JobKey(kind, team_id, period))
    if added:
        log.info("jobs enqueued", kind=kind, jobs=added)
    return added


def tick(kind: str) -> None:
    """A kind's tick: claim what is due and enqueue it."""
    with isolated("tick failed", kind=kind):
        enqueue_due(current(), current_queue(), kind, now=utcnow())


def expire_registrations_job() -> None:
    """Close registration conversations idle for 24 hours, with a note in their place."""
    from batchscout.services.context import Services
    from batchscout.services.registration import expire_idle

    runtime = current()
    if runtime.settings is None:
        return
    expire_idle(
        services=Services(engine=runtime.engine, settings=runtime.settings),
        client_for_team=runtime.slack,
        now=utcnow(),
    )
