"""The kinds of scheduled work the fleet runs: for each, which workspaces are due now (the
clock's claim, read from our own tables) and the work for one workspace.

To add a kind: write its two functions and append a :class:`Kind` to :data:`KINDS`. The
clock ticks each kind every ``every`` and enqueues one job per due workspace, with the id
``kind:team:period`` (:class:`~batchscout.jobs.queue.JobKey`); a worker runs ``run``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from batchscout.jobs.queue import INSTALL
from batchscout.services import digests, quizzes
from batchscout.services.boundary import isolated
from batchscout.services.runtime import Runtime

#: The UTC hour from which the daily usage re-import runs (providers have closed yesterday).
USAGE_HOUR = 4


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of scheduled work.

    ``due(runtime, now)`` gives the ``(team_id, period)`` pairs due now (``period`` makes the
    job's id: the same pair enqueued again is not run again); ``run(runtime, team_id, now)``
    does the work for one workspace; ``every`` is how often the clock asks.
    """

    name: str
    every: timedelta
    due: Callable[[Runtime, datetime], Iterable[tuple[str, str]]]
    run: Callable[[Runtime, str, datetime], None]
    #: Ask the clock to skip workspaces that already have one of these waiting or running.
    one_at_a_time: bool = False


def minute(now: datetime) -> str:
    """``20261130T0900``: the period of work done every minute."""
    return f"{now:%Y%m%dT%H%M}"


def slot(now: datetime, every: timedelta) -> str:
    """The period of work done every ``every``: the start of ``now``'s slot."""
    seconds = int(every.total_seconds())
    start = datetime.fromtimestamp(now.timestamp() // seconds * seconds, tz=now.tzinfo)
    return minute(start)


# -- digest posting -------------------------------------------------------------------------


def _digest_due(runtime: Runtime, now: datetime) -> Iterable[tuple[str, str]]:
    return [(team, minute(now)) for team in digests.due_teams(runtime, now=now)]


def _digest_run(runtime: Runtime, team_id: str, now: datetime) -> None:
    digests.catch_up(runtime, now=now, team_id=team_id)


# -- digest prose batches -------------------------------------------------------------------

PROSE_EVERY = timedelta(minutes=5)


def _prose_due(runtime: Runtime, now: datetime) -> Iterable[tuple[str, str]]:
    return [(team, slot(now, PROSE_EVERY)) for team in digests.prose_due_teams(runtime, now=now)]


def _prose_run(runtime: Runtime, team_id: str, now: datetime) -> None:
    digests.prepare_due_digests(runtime, now=now, team_id=team_id)


# -- provider batches: digest prose and free-text grading (install-wide: one batch serves
# many workspaces; these jobs store results and post nothing to Slack) ----------------------


def _install_every_minute(runtime: Runtime, now: datetime) -> Iterable[tuple[str, str]]:
    return [(INSTALL, minute(now))]


def _poll_run(runtime: Runtime, team_id: str, now: datetime) -> None:
    digests.poll_batches(runtime, now=now)


def _grading_run(runtime: Runtime, team_id: str, now: datetime) -> None:
    quizzes.grade_tick(runtime, now=now)


# -- knowledge-check reveals and grades, posted per workspace (its partition: never beside
# another of its posts) ----------------------------------------------------------------------


def _reveal_due(runtime: Runtime, now: datetime) -> Iterable[tuple[str, str]]:
    return [(team, minute(now)) for team in quizzes.teams_to_tell(runtime, now=now)]


def _reveal_run(runtime: Runtime, team_id: str, now: datetime) -> None:
    quizzes.tell_team(runtime, team_id, now=now)


# -- usage re-imports -----------------------------------------------------------------------


def _usage_due(runtime: Runtime, now: datetime) -> Iterable[tuple[str, str]]:
    if runtime.settings is None or now.hour < USAGE_HOUR:
        return []
    from batchscout.services.usage import usage_teams

    teams = {team for team, _ in usage_teams(engine=runtime.engine, settings=runtime.settings)}
    return [(team, now.date().isoformat()) for team in sorted(teams)]


def _usage_run(runtime: Runtime, team_id: str, now: datetime) -> None:
    if runtime.settings is None:
        return
    from batchscout.jobs.usage import reimport_recent

    reimport_recent(engine=runtime.engine, settings=runtime.settings, now=now, team_id=team_id)


# -- owner follow-ups (each owner's day at 10:00 in their own time zone) ---------------------

FOLLOWUPS_EVERY = timedelta(minutes=15)


def _followups_due(runtime: Runtime, now: datetime) -> Iterable[tuple[str, str]]:
    from batchscout.services.followups import followup_teams

    period = slot(now, FOLLOWUPS_EVERY)
    return [(team, period) for team in followup_teams(engine=runtime.engine)]


def _followups_run(runtime: Runtime, team_id: str, now: datetime) -> None:
    from batchscout.services.followups import send_followups

    send_followups(
        engine=runtime.engine, client=runtime.slack(team_id), team_id=team_id, now=now,
        noise_floor=runtime.noise_floor, scheduled=True,
    )  # fmt: skip


# -- the weekly ledger (each Monday after 00:00 UTC, one snapshot per workspace and week) ----


def _ledger_due(runtime: Runtime, now: datetime) -> Iterable[tuple[str, str]]:
    from batchscout.audit.ledger import iso_week
    from batchscout.services import ledger

    if now.weekday() != 0:  # Monday, UTC: the ISO week has just turned
        return []
    week = iso_week(now)
    return [(team, week) for team in ledger.snapshot_teams(runtime.engine)]


def _ledger_run(runtime: Runtime, team_id: str, now: datetime) -> None:
    from batchscout.services import ledger

    ledger.snapshot_team(runtime.engine, team_id, now=now)


KINDS: list[Kind] = [
    Kind("digest", timedelta(minutes=1), _digest_due, _digest_run, one_at_a_time=True),
    Kind("prose", PROSE_EVERY, _prose_due, _prose_run, one_at_a_time=True),
    Kind("poll", timedelta(minutes=1), _install_every_minute, _poll_run, one_at_a_time=True),
    Kind("grading", timedelta(minutes=1), _install_every_minute, _grading_run, one_at_a_time=True),
    Kind("reveal", timedelta(minutes=1), _reveal_due, _reveal_run, one_at_a_time=True),
    Kind("usage", timedelta(hours=1), _usage_due, _usage_run),
    Kind("followups", FOLLOWUPS_EVERY, _followups_due, _followups_run, one_at_a_time=True),
    Kind("ledger", timedelta(hours=1), _ledger_due, _ledger_run),
]


#: Kinds an older install enqueued, and the kind that does their work now: ``quiz`` was one
#: install-wide job that also posted reveals; its grading is ``grading`` (the reveals are
#: picked up by the next minute's per-workspace ``reveal`` jobs).
RENAMED = {"quiz": "grading"}


def kind_named(name: str) -> Kind:
    """The registered kind called ``name`` (or that took over from it: :data:`RENAMED`);
    ``KeyError`` for an unknown one."""
    name = RENAMED.get(name, name)
    for kind in KINDS:
        if kind.name == name:
            return kind
    raise KeyError(name)


def run_job(runtime: Runtime, kind: str, team_id: str, now: datetime) -> None:
    """Do one job: one kind of work for one workspace, inside an error boundary (logged)."""
    with isolated("scheduled job failed", kind=kind, team_id=team_id):
        kind_named(kind).run(runtime, team_id, now)
