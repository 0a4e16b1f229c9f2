"""Long-running processes as an orchestrator sees them: ``batchscout health`` answers while
they run, and SIGTERM stops them cleanly (exit 0, scheduler lease released, heartbeat gone)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from batchscout.storage.db import make_engine, session_scope, upgrade
from batchscout.storage.digest_tables import SchedulerLease
from batchscout.storage.heartbeats import ProcessHeartbeat
from batchscout.storage.models import Workflow
from tests.bot.slack_user import SECRET
from tests.fakes.slack_api import FakeSlack
from tests.fakes.socket_mode import FakeSocketMode

SCRIPT = Path(sys.executable).with_name("batchscout")
SLACK_VARIABLES = (
    "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET", "SLACK_STATE_SECRET",
)  # fmt: skip


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


def migrated(url: str) -> Engine:
    """An engine on ``url`` with the schema in place before any process starts."""
    engine = make_engine(url)
    upgrade(engine)
    return engine


@pytest.fixture
def shared_engine(database_url: str) -> Iterator[Engine]:
    engine = migrated(database_url)
    yield engine
    engine.dispose()


def environment(database_url: str, slack: FakeSlack, **extra: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if k not in SLACK_VARIABLES},
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_API_URL": slack.api_url,
        "COLUMNS": "200",
        **extra,
    }


def start(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(SCRIPT), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=env, cwd=cwd,
    )  # fmt: skip


def wait_until(condition: Callable[[], bool], process: subprocess.Popen[str], what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        if process.poll() is not None:
            out, err = process.communicate()
            raise AssertionError(f"exited {process.returncode} before {what}:\n{out}\n{err}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def lease_holder(engine: Engine) -> str | None:
    with session_scope(engine) as session:
        lease = session.get(SchedulerLease, "scheduler")
        return None if lease is None else lease.holder


def beats(engine: Engine) -> dict[str, str]:
    """role → detail of every heartbeat row."""
    with session_scope(engine) as session:
        return {b.role: b.detail for b in session.exec(select(ProcessHeartbeat)).all()}


def health(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), "health", *args], capture_output=True, text=True, env=env, cwd=cwd,
        timeout=60,
    )  # fmt: skip


def terminate(process: subprocess.Popen[str]) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    return process.returncode, out + err


def test_worker_answers_health_and_stops_on_sigterm(
    database_url: str, shared_engine: Engine, slack: FakeSlack, tmp_path: Path
) -> None:
    env = environment(database_url, slack)
    assert health(env, tmp_path, "--role", "worker").returncode == 1  # nothing runs yet
    process = start(["worker"], env, tmp_path)
    try:
        wait_until(lambda: beats(shared_engine).get("worker") == "leader", process, "a beat")
        holder = lease_holder(shared_engine)
        assert holder is not None and holder.endswith(f":{process.pid}")
        probe = health(env, tmp_path, "--role", "worker")
        assert probe.returncode == 0, probe.stderr
        assert f":{process.pid} leader" in probe.stdout
        assert health(env, tmp_path, "--role", "serve").returncode == 1
    finally:
        code, output = terminate(process)
    assert code == 0, output
    assert "failed" not in output  # no tick ran before the queue was up
    assert lease_holder(shared_engine) is None
    assert beats(shared_engine) == {}
    gone = health(env, tmp_path, "--role", "worker")
    assert gone.returncode == 1 and "no worker process" in gone.stderr


def test_a_stale_heartbeat_fails_the_probe(
    sqlite_url: str, slack: FakeSlack, tmp_path: Path
) -> None:
    """A process that stopped beating (killed, stuck) is reported stale: exit 1."""
    env = environment(sqlite_url, slack)
    engine = migrated(sqlite_url)
    process = start(["worker"], env, tmp_path)
    try:
        wait_until(lambda: "worker" in beats(engine), process, "a beat")
        process.kill()  # no clean-up: the row stays
        process.communicate(timeout=30)
        wait_until_stale = time.monotonic() + 30
        while health(env, tmp_path, "--max-age", "1").returncode == 0:
            assert time.monotonic() < wait_until_stale
            time.sleep(0.2)
        probe = health(env, tmp_path, "--max-age", "1")
        assert probe.returncode == 1 and probe.stdout.startswith("stale worker")
    finally:
        engine.dispose()


def test_serve_http_stops_on_sigterm_and_releases_the_lease(
    sqlite_url: str, slack: FakeSlack, tmp_path: Path
) -> None:
    env = environment(sqlite_url, slack, SLACK_SIGNING_SECRET=SECRET)
    engine = migrated(sqlite_url)
    process = start(["serve", "--http", "--host", "127.0.0.1", "--port", "0"], env, tmp_path)
    try:
        assert process.stdout is not None
        assert "listening on http://127.0.0.1:" in process.stdout.readline()
        wait_until(lambda: set(beats(engine)) == {"serve", "worker"}, process, "two beats")
        assert beats(engine)["serve"] == "http"
        # The worker beats first, starts the queue, then takes the lease.
        wait_until(lambda: lease_holder(engine) is not None, process, "the lease")
        assert health(env, tmp_path, "--role", "serve").returncode == 0
    finally:
        code, output = terminate(process)
    assert code == 0, output
    assert "Stopped." in output
    assert lease_holder(engine) is None and beats(engine) == {}
    engine.dispose()


def test_socket_mode_beats_while_connected_and_stops_on_sigterm(
    sqlite_url: str, slack: FakeSlack, tmp_path: Path
) -> None:
    with FakeSocketMode(slack) as socket_mode:
        env = environment(sqlite_url, slack, SLACK_APP_TOKEN="xapp-test")
        engine = migrated(sqlite_url)
        process = start(["serve", "--no-worker"], env, tmp_path)
        try:
            wait_until(lambda: beats(engine).get("serve") == "socket-mode", process, "a beat")
            assert socket_mode.connected == 1
            probe = health(env, tmp_path, "--role", "serve")
            assert probe.returncode == 0 and "socket-mode" in probe.stdout
        finally:
            code, output = terminate(process)
        assert code == 0, output
        assert beats(engine) == {} and socket_mode.connected == 0
        assert lease_holder(engine) is None  # --no-worker: never held
        engine.dispose()


def large_inventory(rows: int) -> str:
    """A CSV inventory of ``rows`` workflows, just under the 2 MB a file shared in Slack may be."""
    header = "name,requests,per,cost_per_request,trigger,reader,freshness,mode"
    lines = (f"wf{i:06d},50000,day,0.01,schedule,report,day,sync" for i in range(rows))
    return "\n".join((header, *lines)) + "\n"


@pytest.mark.slow
def test_sigterm_during_a_long_import_stops_within_the_bound_storing_nothing(
    sqlite_url: str, slack: FakeSlack, tmp_path: Path
) -> None:
    """An import shared in Slack runs in the listener pool; SIGTERM does not wait for it: the
    import stops (one transaction: nothing stored), the person is told, and ``serve`` exits
    cleanly, well inside an orchestrator's grace period (docker's 10 s, Kubernetes' 30 s)."""
    from tests.bot.slack_user import TEAM, SlackUsers
    from tests.bot.test_import import share

    env = environment(sqlite_url, slack, SLACK_SIGNING_SECRET=SECRET)
    engine = migrated(sqlite_url)
    process = start(
        ["serve", "--http", "--no-worker", "--host", "127.0.0.1", "--port", "0"], env, tmp_path
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        url = line.split("listening on ")[1].split("/slack/events")[0]
        users = SlackUsers(url, slack)
        share(users, slack, "inventory.csv", large_inventory(34_000))
        wait_until(lambda: bool(slack.calls("file_download")), process, "the download")
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            out, err = process.communicate(timeout=15)  # the bound
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise
    assert process.returncode == 0, out + err
    assert "Traceback" not in out + err
    with session_scope(engine) as session:
        stored = session.exec(select(Workflow).where(Workflow.team_id == TEAM)).all()
    told = [m.get("text", "") for m in slack.messages("DU0TEST")]
    assert not stored, "the import finished within the bound: make the file larger"
    assert any("nothing from it was stored" in t and "inventory.csv" in t for t in told), told
    engine.dispose()
