"""Faults: a worker SIGKILLed at each step of a digest, then started again (issue 9, Faults).

Each case runs the real jobs in a subprocess against the fake Slack and the fake OpenAI batch
API, kills it at one point, and starts a fresh one. Exactly one digest per channel and
period is posted, at most one prose batch is paid for, and a batch already created is used.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from batchscout.audit.inventory import parse_csv
from batchscout.services import digests
from batchscout.storage.db import make_engine, session_scope, upgrade
from batchscout.storage.digest_tables import DigestRun, DigestSubscription, RunStatus
from batchscout.storage.queries import import_specs
from tests.fakes.openai_batch import FakeOpenAI
from tests.fakes.slack_api import FakeSlack
from tests.faults import digest_worker
from tests.faults.digest_worker import KILL_POINTS, THREAD_KILL_POINTS
from tests.jobs.conftest import CHANNEL, DUE, SAMPLE, TEAM, subscribe

ROOT = Path(__file__).resolve().parents[2]
PROSE = "Moving scheduled work to batch APIs would save $56,563 a month."
#: Kill points after which the paid-for batch must still give the digest its prose.
PROSE_SURVIVES = {"created", "polling", "results", "posted"}


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(team_id=TEAM) as fake:
        fake.first_ts_seconds = int(DUE.timestamp())  # Slack's clock is the test's clock
        yield fake


@pytest.fixture
def openai_fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(polls_to_complete=1, reply=lambda body: PROSE) as fake:
        yield fake


@pytest.fixture
def database(tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    url = f"sqlite:///{tmp_path / 'faults.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with session_scope(engine) as session:
        import_specs(session=session, team_id=TEAM, specs=parse_csv(SAMPLE.read_text()))
    yield url, engine
    engine.dispose()


def run_worker(config: dict[str, Any]) -> int:
    done = subprocess.run(
        [sys.executable, "-m", "tests.faults.digest_worker", json.dumps(config)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode in (0, -signal.SIGKILL), done.stderr[-3000:]
    return done.returncode


def restart(config: dict[str, Any]) -> None:
    """A fresh worker after the crash (in this process: nothing to kill this time)."""
    digest_worker.main(config)


def scheduled(
    url: str, engine: Engine, slack: FakeSlack, openai_fake: FakeOpenAI
) -> dict[str, Any]:
    """A worker's configuration for the channel's weekly digest (subscribed here)."""
    return {
        "database": url, "slack_api": slack.api_url, "openai_url": openai_fake.sdk_base_url,
        "subscription_id": subscribe(engine), "team_id": TEAM, "channel_id": CHANNEL,
    }  # fmt: skip


def at(offset: timedelta) -> str:
    return (DUE + offset).isoformat()


def top_digests(slack: FakeSlack) -> list[dict[str, Any]]:
    return [
        m
        for m in slack.messages(CHANNEL)
        if (m.get("metadata") or {}).get("event_type") == digests.METADATA_EVENT
    ]


def assert_once(slack: FakeSlack, openai_fake: FakeOpenAI, engine: Engine, kill: str) -> None:
    [posted] = top_digests(slack)
    assert len(openai_fake.calls("batches.create")) <= 1
    with session_scope(engine) as session:
        [run] = session.exec(select(DigestRun)).all()
        assert run.status == RunStatus.POSTED and run.message_ts == posted["ts"]
    if kill in PROSE_SURVIVES:  # the batch paid for is the prose people read
        assert len(openai_fake.calls("batches.create")) == 1
        assert PROSE in str(posted["blocks"]), kill
    replies = [m for m in slack.messages(CHANNEL) if m.get("thread_ts") == posted["ts"]]
    parts = [m["metadata"]["event_payload"]["part"] for m in replies if "metadata" in m]
    assert parts == list(range(len(parts))) and parts  # the thread, once, in order


@pytest.mark.parametrize("kill", KILL_POINTS)
def test_a_scheduled_digest_killed_at_any_step_posts_once(
    kill: str, slack: FakeSlack, openai_fake: FakeOpenAI, database: tuple[str, Engine]
) -> None:
    url, engine = database
    base = scheduled(url, engine, slack, openai_fake)
    first = [
        ["prepare", at(-timedelta(hours=20))],
        ["poll", at(-timedelta(hours=19))],
        ["post", at(timedelta(0))],
    ]

    assert run_worker(base | {"kill": kill, "steps": first}) == -signal.SIGKILL

    again = [
        ["prepare", at(-timedelta(hours=17))],
        ["poll", at(-timedelta(hours=17))],
        ["poll", at(-timedelta(hours=16))],
        ["post", at(timedelta(minutes=1))],
        ["catch_up", at(timedelta(minutes=15))],
        ["catch_up", at(timedelta(minutes=16))],
    ]
    restart(base | {"kill": "", "steps": again})
    assert_once(slack, openai_fake, engine, kill)


@pytest.mark.parametrize("kill", KILL_POINTS)
def test_digest_now_killed_at_any_step_posts_once(
    kill: str, slack: FakeSlack, openai_fake: FakeOpenAI, database: tuple[str, Engine]
) -> None:
    url, engine = database
    base = {
        "database": url, "slack_api": slack.api_url, "openai_url": openai_fake.sdk_base_url,
        "team_id": TEAM, "channel_id": CHANNEL,
    }  # fmt: skip

    killed = run_worker(base | {"kill": kill, "steps": [["now", at(timedelta(0))]]})
    assert killed == -signal.SIGKILL
    restart(base | {"kill": "", "steps": [["now", at(timedelta(minutes=2))]]})

    assert_once(slack, openai_fake, engine, kill)


@pytest.mark.slow
@pytest.mark.parametrize("kill", THREAD_KILL_POINTS)
def test_a_digest_killed_between_thread_parts_is_resumed_once_in_order(
    kill: str, slack: FakeSlack, openai_fake: FakeOpenAI, database: tuple[str, Engine]
) -> None:
    """The top message is posted and recorded, the thread's first parts are out, then the
    worker dies: the next pass posts the missing parts once, in order, after the last one."""
    url, engine = database
    base = scheduled(url, engine, slack, openai_fake)
    killed = run_worker(base | {"kill": kill, "steps": [["post", at(timedelta(0))]]})
    assert killed == -signal.SIGKILL
    [posted] = top_digests(slack)
    assert thread_parts(slack, posted["ts"]) == [0, 1]  # the crash came after the second part
    assert not slack.calls("conversations.replies")

    restart(base | {"kill": "", "steps": [
        ["catch_up", at(timedelta(minutes=5))],  # the thread's poster may still be at it
        ["catch_up", at(timedelta(minutes=15))],
        ["catch_up", at(timedelta(minutes=16))],
    ]})  # fmt: skip

    with session_scope(engine) as session:
        [run] = session.exec(select(DigestRun)).all()
        assert run.status == RunStatus.POSTED and run.message_ts == posted["ts"]
        assert run.thread_next is None  # done
        expected = digests.compose(
            session, run, noise_floor=run_noise_floor(engine), schedule=None, provider=None,
            now=run.posted_at or DUE,
        ).thread  # fmt: skip
    assert top_digests(slack) == [posted]
    assert thread_parts(slack, posted["ts"]) == list(range(len(expected)))
    assert len(expected) > 2
    # Only a crash while a part was being sent needs the thread read to know if Slack has it.
    assert bool(slack.calls("conversations.replies")) == (kill == "thread_sent")


def thread_parts(slack: FakeSlack, ts: str) -> list[int]:
    replies = [m for m in slack.messages(CHANNEL) if m.get("thread_ts") == ts]
    return [
        m["metadata"]["event_payload"]["part"]
        for m in replies
        if (m.get("metadata") or {}).get("event_type") == digests.THREAD_EVENT
    ]


def run_noise_floor(engine: Engine) -> Any:
    with session_scope(engine) as session:
        [subscription] = session.exec(select(DigestSubscription)).all()
        return subscription.noise_floor
