"""What the jobs need at run time, set once per process by the worker (or by tests).

APScheduler stores jobs as a function path plus picklable ids, so the engine, the Slack
clients and the LLM provider cannot travel with the job: the job functions read them here.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from slack_sdk import WebClient
from sqlalchemy import Engine

from batchscout.defaults import NOISE_FLOOR
from batchscout.services.batch_api import BatchProvider
from batchscout.services.history import PROCESS_GATE, HistoryGate
from batchscout.settings import Settings

SlackClients = Callable[[str], WebClient]
"""Gives the Web API client that acts for a team (its bot token)."""


def default_worker_id() -> str:
    """``host:pid``: names the worker in leases, claims and logs."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Runtime:
    """The engine, Slack, the LLM provider and the timings the jobs use."""

    engine: Engine
    slack: SlackClients
    provider: BatchProvider | None = None
    worker_id: str = field(default_factory=default_worker_id)
    misfire_grace: timedelta = timedelta(hours=6)
    lead_time: timedelta = timedelta(hours=24)
    #: A claim older than this whose message we cannot find is given back for another try.
    stale_claim: timedelta = timedelta(minutes=10)
    #: A batch that stayed "creating" this long without being found is abandoned.
    abandon_creating: timedelta = timedelta(minutes=30)
    #: How long a knowledge check takes answers before the reveal.
    quiz_open_for: timedelta = timedelta(hours=24)
    #: A digest without a subscription (``digest now`` / ``preview`` in any channel) leaves out
    #: opportunities saving less than this many dollars a month (``BATCHSCOUT_NOISE_FLOOR``).
    noise_floor: Decimal = NOISE_FLOOR
    #: The process's settings, for jobs that hand them to the Slack layer.
    settings: Settings | None = None
    #: Who installed Batchscout in a workspace (user id), told when nobody else can be.
    installer: Callable[[str], str | None] | None = None
    #: Slack's history read at most once a minute per workspace and method (the process's
    #: gate when built from settings).
    history: HistoryGate = field(default_factory=HistoryGate)

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        engine: Engine,
        slack: SlackClients,
        *,
        provider: BatchProvider | None,
    ) -> Runtime:
        """A runtime with the configured timings (``BATCHSCOUT_MISFIRE_GRACE_HOURS``,
        ``BATCHSCOUT_DIGEST_LEAD_HOURS``, ``BATCHSCOUT_QUIZ_HOURS``) and noise floor
        (``BATCHSCOUT_NOISE_FLOOR``)."""
        return cls(
            engine=engine,
            slack=slack,
            provider=provider,
            misfire_grace=timedelta(hours=settings.batchscout_misfire_grace_hours),
            lead_time=timedelta(hours=settings.batchscout_digest_lead_hours),
            quiz_open_for=timedelta(hours=settings.batchscout_quiz_hours),
            noise_floor=settings.batchscout_noise_floor,
            settings=settings,
            history=PROCESS_GATE,
        )


_current: Runtime | None = None


def install(runtime: Runtime | None) -> None:
    """Make ``runtime`` the one the scheduled job functions use (``None`` to clear)."""
    global _current
    _current = runtime


def current() -> Runtime:
    """The installed runtime; scheduled jobs fail loudly when the worker forgot to install one."""
    if _current is None:
        raise RuntimeError("no jobs runtime installed: start jobs through `batchscout worker`")
    return _current
