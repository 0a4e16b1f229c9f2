"""``batchscout worker status`` and ``digest subscribe/unsubscribe`` as an operator runs them
(a real subprocess), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta

from dbos import DBOS
from sqlalchemy import Engine

from batchscout.jobs.engine import DbosQueue
from batchscout.jobs.queue import JobKey
from batchscout.storage import digests as store
from batchscout.storage import heartbeats
from batchscout.storage.db import session_scope
from batchscout.storage.digest_tables import SubscriptionStatus
from batchscout.storage.types import utcnow
from tests.conftest import run_cli


def test_worker_status_lists_live_workers_and_what_waits(database_url: str, engine: Engine) -> None:
    now = utcnow()
    with session_scope(engine) as session:
        for host, pid, age in (("host-a", 11, 0), ("host-b", 12, 2), ("host-c", 13, 90)):
            heartbeats.beat(
                session=session, role="worker", host=host, pid=pid, detail="standby",
                started_at=now - timedelta(hours=1), now=now - timedelta(seconds=age),
            )  # fmt: skip
    empty = json.loads(run_cli("worker", "status", "--json", database_url=database_url,
        check=True).stdout)  # fmt: skip
    assert [(w["host"], w["pid"], w["jobs_last_hour"]) for w in empty["workers"]] == [
        ("host-a", 11, 0),
        ("host-b", 12, 0),
    ]  # host-c last beat 90 s ago: not live
    assert set(empty["workers"][0]) == {"host", "pid", "last_heartbeat", "jobs_last_hour"}
    assert empty["queue"] == {"waiting": {}, "oldest_waiting_seconds": None}

    clock = DbosQueue(engine, executor_id="clock-only", worker_concurrency=0).start()
    try:
        clock.enqueue(JobKey("digest", "T0ONE", "20261207T0900"))
        clock.enqueue(JobKey("digest", "T0TWO", "20261207T0900"))
        clock.enqueue(JobKey("usage", "T0ONE", "2026-12-07"))
    finally:
        DBOS.destroy()
    status = json.loads(run_cli("worker", "status", "--json", database_url=database_url,
        check=True).stdout)  # fmt: skip
    assert status["queue"]["waiting"] == {"digest": 2, "usage": 1}
    assert isinstance(status["queue"]["oldest_waiting_seconds"], int)
    text = run_cli("worker", "status", database_url=database_url, check=True).stdout
    assert "3 job(s) waiting (digest 2, usage 1)" in text


def test_digest_subscribe_and_unsubscribe_from_the_command_line(
    database_url: str, engine: Engine
) -> None:
    base = ("--team", "T0BULK", "--channel")
    run_cli("digest", "subscribe", *base, "C0ONE", database_url=database_url, check=True)
    moved = run_cli("digest", "subscribe", *base, "C0TWO", "--day", "fri", "--time", "16:30",
        "--tz", "Europe/Paris", database_url=database_url, check=True)  # fmt: skip
    assert "Fridays at 16:30" in moved.stdout or "16:30" in moved.stdout
    with session_scope(engine) as session:
        one = store.get_subscription(session=session, team_id="T0BULK", channel_id="C0ONE")
        two = store.get_subscription(session=session, team_id="T0BULK", channel_id="C0TWO")
        assert one is not None and (one.weekday, one.hour, one.minute, one.timezone) == (
            0, 9, 0, "UTC",
        )  # fmt: skip
        assert two is not None and (two.weekday, two.hour, two.minute, two.timezone) == (
            4, 16, 30, "Europe/Paris",
        )  # fmt: skip

    bad_day = run_cli("digest", "subscribe", *base, "C0ONE", "--day", "someday",
        database_url=database_url)  # fmt: skip
    bad_zone = run_cli("digest", "subscribe", *base, "C0ONE", "--tz", "Mars/Olympus",
        database_url=database_url)  # fmt: skip
    assert bad_day.returncode == 2 and "is not a day" in bad_day.stderr
    assert bad_zone.returncode == 2 and "is not a time zone" in bad_zone.stderr

    run_cli("digest", "unsubscribe", *base, "C0ONE", database_url=database_url, check=True)
    again = run_cli("digest", "unsubscribe", *base, "C0ONE", database_url=database_url)
    assert again.returncode == 1 and "has no digest subscription" in again.stderr
    with session_scope(engine) as session:
        one = store.get_subscription(session=session, team_id="T0BULK", channel_id="C0ONE")
        assert one is not None and one.status == SubscriptionStatus.CANCELLED
