"""The fleet under a crash: two real ``batchscout worker`` processes on PostgreSQL share the
digests of several workspaces due the same minute; the one running jobs is SIGKILLed
mid-post. The other takes its jobs up within 60 s, and every channel gets exactly one digest
with its thread, in order. SIGTERM, by contrast, lets running jobs finish."""

from __future__ import annotations

import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text

from batchscout.audit.inventory import parse_csv
from batchscout.storage import digests as store
from batchscout.storage.db import session_scope
from batchscout.storage.queries import import_specs
from batchscout.storage.types import utcnow
from tests.fakes.slack_api import FakeSlack
from tests.test_shutdown import SCRIPT, environment, migrated, start, terminate

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

SAMPLE = Path(__file__).parents[2] / "cli" / "sample_inventory.csv"
TEAMS = [f"T0FLEET{n}" for n in range(4)]
CHANNELS = [f"C0FLEET{n}" for n in range(3)]


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    engine = migrated(postgres_url)
    yield engine
    engine.dispose()


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.first_ts_seconds = int(time.time())  # so a half-posted digest is in the history
        fake.latency = 0.25  # a digest of a few messages takes a few seconds
        fake.answer_latency = 0.5  # posted, not yet answered: the window the kill aims at
        yield fake


def all_due_now(engine: Engine) -> None:
    now = utcnow()
    with session_scope(engine) as session:
        for team in TEAMS:
            import_specs(session=session, team_id=team, specs=parse_csv(SAMPLE.read_text()))
            for channel in CHANNELS:
                subscription = store.subscribe(
                    session=session, team_id=team, channel_id=channel, subscriber_id="U0X",
                    weekday=now.weekday(), hour=now.hour, minute=now.minute, timezone="UTC",
                )  # fmt: skip
                subscription.created_at = datetime(2026, 1, 1, tzinfo=UTC)


def running_jobs(engine: Engine) -> Counter[str]:
    """PENDING digest jobs per worker (DBOS executor id, ``host:pid``)."""
    if not inspect(engine).has_table("workflow_status", schema="dbos"):
        return Counter()  # no worker has launched the queue yet
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT executor_id FROM dbos.workflow_status "
                 "WHERE status = 'PENDING' AND workflow_uuid LIKE 'digest:%'")
        )  # fmt: skip
        return Counter(str(r[0]) for r in rows)


def tops(slack: FakeSlack) -> Counter[str]:
    """Top-level digest messages per channel id (the fake is one Slack for every team)."""
    found: Counter[str] = Counter()
    for call in slack.calls("chat.postMessage"):
        metadata = call.params.get("metadata") or {}
        if call.ok and "thread_ts" not in call.params and "batchscout_digest" in str(metadata):
            found[str(metadata)] += 1
    return found


def logged(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[str]:
    """A worker whose output goes to ``log``: a pipe nobody reads fills up after 64 KiB and
    blocks the worker's next log line, which would look like a hang of the worker itself."""
    with log.open("w") as sink:
        return subprocess.Popen([str(SCRIPT), *args], stdout=sink, stderr=subprocess.STDOUT,
            text=True, env=env, cwd=log.parent)  # fmt: skip


def half_posted(engine: Engine, slack: FakeSlack) -> list[str]:
    """Workers holding a claim whose top message Slack has but whose ts is not recorded."""
    posted = {
        int(call.params["metadata"]["event_payload"]["run_id"])
        for call in slack.calls("chat.postMessage")
        if "thread_ts" not in call.params and "batchscout_digest" in str(call.params.get("metadata"))
    }  # fmt: skip
    with engine.connect() as connection:
        claims = connection.execute(
            text("SELECT id, claimed_by FROM digest_run "
                 "WHERE status = 'posting' AND message_ts IS NULL")
        ).all()  # fmt: skip
    return [str(worker) for run_id, worker in claims if run_id in posted and worker]


def wait_until(condition: Callable[[], bool], what: str, seconds: float, step: float = 0.2) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds:.0f} s waiting for {what}")
        time.sleep(step)


def test_a_killed_workers_jobs_are_taken_up_and_nothing_is_doubled_or_lost(
    postgres_url: str, engine: Engine, slack: FakeSlack, tmp_path: Path
) -> None:
    all_due_now(engine)
    env = environment(postgres_url, slack)
    workers = [logged(["worker"], env, tmp_path / f"worker{n}.log") for n in range(2)]
    try:
        # Killed between posting a top message and recording it: the hardest moment.
        wait_until(lambda: bool(half_posted(engine, slack)), "a worker mid-post", 240, step=0.05)
        victim_id = half_posted(engine, slack)[0]
        victim = next(w for w in workers if victim_id.endswith(f":{w.pid}"))
        survivor = next(w for w in workers if w is not victim)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        killed_at = time.monotonic()

        # Taken up within 60 s: nothing left running under the dead worker's name.
        wait_until(lambda: victim_id not in running_jobs(engine), "the jobs taken up", 60)
        taken_up = time.monotonic() - killed_at
        wait_until(lambda: len(tops(slack)) == len(TEAMS) * len(CHANNELS) and not
            running_jobs(engine), "every digest posted", 180)  # fmt: skip
        assert survivor.poll() is None, "the survivor must still run"
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                worker.wait(timeout=60)
    posted = tops(slack)
    assert set(posted.values()) == {1}, f"doubled digests: {posted}"  # nothing doubled
    assert len(posted) == len(TEAMS) * len(CHANNELS)  # nothing lost
    with session_scope(engine) as session:
        states = Counter(
            (str(r[0]), r[1] is None)
            for r in session.execute(text("SELECT status, thread_next FROM digest_run")).all()
        )
    assert states == {("posted", True): len(TEAMS) * len(CHANNELS)}  # every thread finished
    payloads = [
        (str(c.params["thread_ts"]), (c.params.get("metadata") or {}).get("event_payload") or {})
        for c in slack.calls("chat.postMessage") if c.ok and "thread_ts" in c.params
    ]  # fmt: skip
    parts = Counter((ts, payload["part"]) for ts, payload in payloads if "part" in payload)
    assert len({ts for ts, _ in parts}) == len(TEAMS) * len(CHANNELS)  # a thread under each
    assert set(parts.values()) == {1}, "a thread part posted twice"
    assert taken_up <= 60


def test_sigterm_lets_running_jobs_finish(
    postgres_url: str, engine: Engine, slack: FakeSlack, tmp_path: Path
) -> None:
    all_due_now(engine)
    worker = start(["worker"], environment(postgres_url, slack), tmp_path)
    try:
        wait_until(lambda: bool(running_jobs(engine)) and bool(tops(slack)),
            "the worker mid-post", 240)  # fmt: skip
    finally:
        code, output = terminate(worker)
    assert code == 0, output
    assert "tick failed" not in output  # the queue is up before the clock enqueues on it
    assert not running_jobs(engine)  # nothing left half-done: each job it started finished
    with engine.connect() as connection:
        statuses = Counter(str(r[0]) for r in connection.execute(text(
            "SELECT status FROM dbos.workflow_status WHERE workflow_uuid LIKE 'digest:%'")))  # fmt: skip
    assert statuses["SUCCESS"] >= 1 and statuses["PENDING"] == 0
