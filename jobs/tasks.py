"""The functions APScheduler stores: importable, module-level, taking only picklable ids.

Each reads the process's :mod:`batchscout.services.runtime` and the clock, and hands over to the code that
takes an explicit ``now`` (which the tests call directly).
"""

from __future__ import annotations

from batchscout.services import digests, quizzes
from batchscout.services.boundary import isolated
from batchscout.services.runtime import current
from batchscout.storage.types import utcnow


def post_digest_job(subscription_id: int) -> None:
    """A subscription's weekly slot has come."""
    digests.post_digest(current(), subscription_id, now=utcnow())


def prepare_digests_job() -> None:
    """Submit prose batches for digests due within the lead time."""
    digests.prepare_due_digests(current(), now=utcnow())


def poll_batches_job() -> None:
    """Poll provider batches, then post anything due that a stopped worker missed."""
    runtime = current()
    with isolated("digest batches not polled"):
        digests.poll_batches(runtime, now=utcnow())
    digests.catch_up(runtime, now=utcnow())


def quiz_tick_job() -> None:
    """Grade free-text answers through the batch API, announce grades, reveal closed questions."""
    quizzes.quiz_tick(current(), now=utcnow())


def reimport_usage_job() -> None:
    """Re-read the last three days of provider usage for every team with an admin key."""
    from batchscout.jobs.usage import reimport_recent

    runtime = current()
    if runtime.settings is None:
        return
    reimport_recent(engine=runtime.engine, settings=runtime.settings, now=utcnow())


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


def ledger_snapshots_job() -> None:
    """Monday, just after 00:00 UTC: take every workspace's weekly ledger snapshot, each on its
    own (one workspace's failure is logged and never stops another's)."""
    from batchscout.services import ledger

    runtime = current()
    for team_id in ledger.snapshot_teams(runtime.engine):
        with isolated("ledger snapshot not taken", team_id=team_id):
            snapshot_team_job(team_id)


def snapshot_team_job(team_id: str) -> None:
    """One workspace's ledger snapshot for the week containing now."""
    from batchscout.services import ledger

    ledger.snapshot_team(current().engine, team_id, now=utcnow())


def followups_tick_job() -> None:
    """Every workspace's follow-ups due now (each owner's day at 10:00 in their own time zone),
    each workspace inside its own error boundary."""
    from batchscout.services.followups import each_workspace, followups_job

    each_workspace(current().engine, followups_job)
