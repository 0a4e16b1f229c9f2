"""Fixtures for the jobs: a database with the sample inventory, the fake Slack, a runtime."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine

from batchscout.audit.inventory import parse_csv
from batchscout.bot.app import make_web_client
from batchscout.services.history import HistoryGate
from batchscout.services.runtime import Runtime
from batchscout.settings import Settings
from batchscout.storage import digests as store
from batchscout.storage.db import make_engine, session_scope, upgrade
from batchscout.storage.queries import import_specs
from tests.fakes.slack_api import FakeSlack

TEAM = "T0TEST"
CHANNEL = "C0DIGEST"
SUBSCRIBER = "U0SUBSCRIBER"
SAMPLE = Path(__file__).parents[2] / "cli" / "sample_inventory.csv"
#: Monday 30 November 2026, 09:00 in Paris (CET, UTC+1).
DUE = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(team_id=TEAM) as fake:
        yield fake


@pytest.fixture
def digest_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    with session_scope(engine) as session:
        import_specs(session=session, team_id=TEAM, specs=parse_csv(SAMPLE.read_text()))
    yield engine
    engine.dispose()


def slack_client(slack: FakeSlack) -> WebClient:
    return make_web_client(Settings(slack_api_url=slack.api_url), token="xoxb-test")


class GateClock:
    """The history gate's clock: waiting advances it (and is recorded), nothing sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


@pytest.fixture
def gate_clock() -> GateClock:
    return GateClock()


@pytest.fixture
def runtime(digest_engine: Engine, slack: FakeSlack, gate_clock: GateClock) -> Runtime:
    client = slack_client(slack)
    gate = HistoryGate(clock=lambda: gate_clock.now, sleep=gate_clock.sleep)
    return Runtime(
        engine=digest_engine, slack=lambda team_id: client, worker_id="worker-a", history=gate
    )


def subscribe(
    engine: Engine, *, timezone: str = "Europe/Paris", created: datetime | None = None
) -> int:
    with session_scope(engine) as session:
        subscription = store.subscribe(
            session=session, team_id=TEAM, channel_id=CHANNEL, subscriber_id=SUBSCRIBER,
            weekday=0, hour=9, minute=0, timezone=timezone,
        )  # fmt: skip
        subscription.created_at = created or datetime(2026, 11, 1, tzinfo=UTC)
        assert subscription.id is not None
        return subscription.id


def top_posts(slack: FakeSlack, channel: str = CHANNEL) -> list:  # type: ignore[type-arg]
    return [
        c for c in slack.calls("chat.postMessage")
        if c.params.get("channel") == channel and "thread_ts" not in c.params and c.ok
    ]  # fmt: skip
