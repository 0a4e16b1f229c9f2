"""Heartbeats: each ``serve`` and ``worker`` process says it is alive, and ``batchscout health``
asks whether one did recently.

A process beats every :data:`BEAT_EVERY` while it is doing its job (the worker after each
successful scheduler tick; ``serve`` while its Slack connection is up), so a probe that finds
no beat younger than :data:`STALE_AFTER` may restart it. A clean stop deletes the row.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from batchscout.logs import get_logger
from batchscout.storage import heartbeats as store
from batchscout.storage.db import session_scope
from batchscout.storage.heartbeats import ProcessHeartbeat, ProcessRole
from batchscout.storage.types import utcnow

log = get_logger(__name__)

#: How often a process beats.
BEAT_EVERY = timedelta(seconds=20)
#: A beat older than this means the process is stuck or gone (three missed beats).
STALE_AFTER = timedelta(seconds=60)
#: Rows of processes that died without a clean stop are deleted after this.
FORGET_AFTER = timedelta(days=1)


class Heartbeat:
    """This process's heartbeat row in one ``role``.

    Call :meth:`beat` from a loop that already runs (the worker), or :meth:`start` a thread
    that beats every ``every`` while ``alive()`` is true (``serve``). :meth:`stop` deletes the
    row; a failed write is logged and retried at the next beat.
    """

    def __init__(
        self,
        engine: Engine,
        role: str,
        *,
        detail: str = "",
        alive: Callable[[], bool] = lambda: True,
        every: timedelta = BEAT_EVERY,
    ) -> None:
        self.engine = engine
        self.role = role
        self.detail = detail
        self.alive = alive
        self.every = every
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self.started_at = utcnow()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def beat(self, detail: str | None = None) -> bool:
        """Write the row now; False (and a log line) when the database refused."""
        if detail is not None:
            self.detail = detail
        now = utcnow()
        try:
            with session_scope(self.engine) as session:
                store.beat(
                    session=session, role=self.role, host=self.host, pid=self.pid,
                    detail=self.detail, started_at=self.started_at, now=now,
                )  # fmt: skip
                store.forget_stale(session=session, older_than=now - FORGET_AFTER)
        except SQLAlchemyError as error:
            log.warning("heartbeat not written", role=self.role, error=type(error).__name__)
            return False
        return True

    def start(self) -> Heartbeat:
        """Beat in a daemon thread until :meth:`stop`; returns ``self``."""
        self._thread = threading.Thread(
            target=self._run, name=f"batchscout-heartbeat-{self.role}", daemon=True
        )
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stopping.is_set():
            if self.alive():
                self.beat()
            else:
                log.warning("heartbeat skipped: not alive", role=self.role)
            self._stopping.wait(self.every.total_seconds())

    def stop(self) -> None:
        """Stop beating and delete the row, so no probe mistakes a stopped process for a live one."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        try:
            with session_scope(self.engine) as session:
                store.forget(session=session, role=self.role, host=self.host, pid=self.pid)
        except SQLAlchemyError as error:
            log.warning("heartbeat not removed", role=self.role, error=type(error).__name__)


@dataclass(frozen=True)
class Health:
    """What ``batchscout health`` found: every matching process and whether one is fresh."""

    processes: list[ProcessHeartbeat]
    now: datetime
    max_age: timedelta

    def age(self, process: ProcessHeartbeat) -> timedelta:
        """How long ago ``process`` last beat."""
        return self.now - process.beat_at

    @property
    def fresh(self) -> list[ProcessHeartbeat]:
        """The processes that beat within ``max_age``."""
        return [p for p in self.processes if self.age(p) <= self.max_age]

    @property
    def ok(self) -> bool:
        """True when at least one matching process is alive."""
        return bool(self.fresh)


def health(
    engine: Engine,
    *,
    role: str | None = None,
    host: str | None = None,
    max_age: timedelta = STALE_AFTER,
) -> Health:
    """The heartbeats of ``role`` processes on ``host`` (``None``: any); raises
    :class:`sqlalchemy.exc.SQLAlchemyError` when the database does not answer."""
    with session_scope(engine) as session:
        rows = store.heartbeats(session=session, role=role, host=host)
    return Health(processes=rows, now=utcnow(), max_age=max_age)


#: A worker without a beat for this long is taken for dead by the fleet: its running jobs
#: go back to the queue (the beat comes every few seconds; see ``jobs.scheduler``).
WORKER_DEAD_AFTER = timedelta(seconds=20)


def live_workers(engine: Engine, *, within: timedelta = WORKER_DEAD_AFTER) -> set[str]:
    """The worker ids (``host:pid``) of worker processes that beat ``within`` the last while."""
    found = health(engine, role=ProcessRole.WORKER, max_age=within)
    return {f"{p.host}:{p.pid}" for p in found.fresh}
