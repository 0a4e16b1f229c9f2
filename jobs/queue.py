"""The one interface between the clock and the queue engine: enqueue a kind of work for a
workspace, with an id made from our keys, so enqueuing twice does nothing.

The use cases never import the engine (DBOS Transact, :mod:`batchscout.jobs.engine`); the
clock (:mod:`batchscout.jobs.scheduler`) calls :func:`current_queue` and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

#: The pseudo-workspace of install-wide work (a provider batch serves every workspace).
INSTALL = "_install"


@dataclass(frozen=True, slots=True)
class JobKey:
    """Which work (``kind``), for which workspace (``team_id``), for which ``period`` (a
    digest's minute, a day, a poll's minute): the job's id and idempotency key."""

    kind: str
    team_id: str
    period: str

    @property
    def job_id(self) -> str:
        """``kind:team:period``: enqueuing the same id twice enqueues once."""
        return f"{self.kind}:{self.team_id}:{self.period}"

    @classmethod
    def parse(cls, job_id: str) -> JobKey:
        """The key back from :attr:`job_id`; raises ``ValueError`` for an id not of ours."""
        kind, team_id, period = job_id.split(":", 2)
        return cls(kind, team_id, period)


class JobQueue(Protocol):
    """Where the clock puts work and any worker takes it."""

    def enqueue(self, key: JobKey) -> bool:
        """Enqueue ``key``'s job; False when a job with that id already exists (waiting,
        running or done): nothing is enqueued then."""
        ...

    def busy(self, kind: str) -> set[str]:
        """The workspaces with a ``kind`` job waiting or running."""
        ...


_queue: JobQueue | None = None


def install_queue(queue: JobQueue | None) -> None:
    """Make ``queue`` the one the clock's ticks use (``None`` to clear)."""
    global _queue
    _queue = queue


def current_queue() -> JobQueue:
    """The installed queue; a tick fails loudly when the worker forgot to install one."""
    if _queue is None:
        raise RuntimeError("no job queue installed: start the clock through `batchscout worker`")
    return _queue
