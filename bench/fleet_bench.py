"""The worker fleet on PostgreSQL: 1, 2 and 3 ``batchscout worker`` processes post the digests
of many workspaces and channels due in the same minute, through the fake Slack with its rate
limits and a per-call latency; with 2 and 3 workers one is SIGKILLed halfway.

    python bench/fleet_bench.py [--postgres URL] [--workspaces 40] [--channels 5]
        [--workers 1,2,3] [--latency 0.05] [--per-minute 3000]

URL names any database on the server (default ``TEST_POSTGRES_URL``); each run creates and
drops its own database. The fake Slack limits ``chat.postMessage`` to one message a second
per channel and --per-minute for the whole fake (429 with Retry-After beyond, waited out by
slack_sdk), and answers every call after --latency seconds.

Printed per run: the seconds from the workers' start to the last digest message, against the
rate-limit floor of the same messages (the busiest channel's messages one second apart, and
the total at --per-minute) and against the busiest workspace's messages in a row (one worker
at a time posts for a workspace, each channel's messages a second apart); duplicates (top-level digests or thread parts posted twice: must
be 0), lost posts (channels without their digest: must be 0) and unfinished threads (runs
whose thread stopped part-way and was never finished: must be 0).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import inspect, text
from workspace import ROOT, drop_database, fresh_database

from batchscout.audit.inventory import parse_csv
from batchscout.storage import digests as store
from batchscout.storage.db import make_engine, session_scope, upgrade
from batchscout.storage.queries import import_specs
from batchscout.storage.types import utcnow
from tests.fakes.slack_api import FakeSlack

SAMPLE = ROOT / "cli" / "sample_inventory.csv"
SCRIPT = Path(sys.executable).with_name("batchscout")


def seed(url: str, workspaces: int, channels: int) -> list[str]:
    """Every workspace with the sample inventory; every channel due this very minute."""
    engine = make_engine(url)
    upgrade(engine)
    now = utcnow()
    specs = parse_csv(SAMPLE.read_text())
    made = []
    with session_scope(engine) as session:
        for w in range(workspaces):
            team = f"T{w:04d}FLEET"
            import_specs(session=session, team_id=team, specs=specs)
            for c in range(channels):
                channel = f"C{w:04d}X{c:02d}"
                subscription = store.subscribe(
                    session=session, team_id=team, channel_id=channel, subscriber_id="U0X",
                    weekday=now.weekday(), hour=now.hour, minute=now.minute, timezone="UTC",
                )  # fmt: skip
                subscription.created_at = datetime(2026, 1, 1, tzinfo=UTC)
                made.append(channel)
    engine.dispose()
    return made


def running(engine: object) -> Counter[str]:
    """Digest jobs waiting (``ENQUEUED``) or running, by worker."""
    if not inspect(engine).has_table("workflow_status", schema="dbos"):  # type: ignore[arg-type]
        return Counter({"not started": 1})
    with engine.connect() as connection:  # type: ignore[attr-defined]
        rows = connection.execute(text("SELECT status, executor_id FROM dbos.workflow_status "
            "WHERE workflow_uuid LIKE 'digest:%' AND status IN ('ENQUEUED', 'PENDING')"))  # fmt: skip
        return Counter(f"{r[0]} {r[1]}" for r in rows)


def posts(slack: FakeSlack) -> tuple[Counter[str], Counter[tuple[str, object]], float]:
    """Top-level digests per channel, thread parts per (channel, part), the last post's time."""
    tops: Counter[str] = Counter()
    parts: Counter[tuple[str, object]] = Counter()
    for call in slack.calls("chat.postMessage"):
        if not call.ok:
            continue
        channel = str(call.params.get("channel"))
        metadata = call.params.get("metadata") or {}
        payload = metadata.get("event_payload") or {} if isinstance(metadata, dict) else {}
        if "thread_ts" not in call.params:
            tops[channel] += 1
        elif "part" in payload:
            parts[(channel, payload["part"])] += 1
    return tops, parts, time.monotonic()


def one_run(args: argparse.Namespace, workers: int) -> dict[str, float]:
    name = f"fleet_bench_{workers}"
    url = fresh_database(args.postgres, name)
    channels = seed(url, args.workspaces, args.channels)
    slack = FakeSlack().start()
    # Slack's ts is its clock: a worker killed between posting and recording looks for its
    # message in the history since its claim, which a ts from 2023 would never be in.
    slack.first_ts_seconds = int(time.time())
    slack.latency = args.latency
    slack.rate_limit("chat.postMessage", per_channel_seconds=1.0, per_minute=args.per_minute)
    env = {**os.environ, "DATABASE_URL": url, "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_API_URL": slack.api_url, "BATCHSCOUT_LOG_LEVEL": "WARNING"}  # fmt: skip
    for variable in ("SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"):
        env.pop(variable, None)
    engine = make_engine(url)
    started = time.monotonic()
    procs = [
        subprocess.Popen(
            [str(SCRIPT), "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(workers)
    ]
    killed = ""
    last_change, seen = time.monotonic(), -1
    try:
        while time.monotonic() - started < args.deadline:
            tops, parts, _ = posts(slack)
            if not killed and workers > 1 and len(tops) >= len(channels) // 2:
                pending = Counter({k.split(" ", 1)[1]: n for k, n in running(engine).items()
                    if k.startswith("PENDING")})  # fmt: skip
                if pending:
                    victim_id = pending.most_common(1)[0][0]
                    victim = next((p for p in procs if victim_id.endswith(f":{p.pid}")), None)
                    if victim is not None:
                        victim.send_signal(signal.SIGKILL)
                        killed = f"{victim_id} at {len(tops)} channels"
            total = len(slack.calls("chat.postMessage"))
            if total != seen:
                seen, last_change = total, time.monotonic()
            if len(tops) == len(channels) and not running(engine):
                break
            time.sleep(0.5)
        time.sleep(2)  # the last threads' tails
        tops, parts, _ = posts(slack)
        calls = [c for c in slack.calls("chat.postMessage") if c.ok]
        finished = last_change - started
        with engine.connect() as connection:  # threads stopped part-way and never finished
            unfinished = connection.execute(
                text("SELECT count(*) FROM digest_run WHERE thread_next IS NOT NULL")
            ).scalar_one()
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
        engine.dispose()
        slack.stop()
        drop_database(args.postgres, name)
    per_channel = Counter(str(c.params.get("channel")) for c in calls)
    floor = max(max(per_channel.values()) - 1.0, 60.0 * ((len(calls) - 1) // args.per_minute))
    # One workspace's posts are made by one worker at a time (its queue partition), so its
    # channels' messages follow one another: at least (messages - 1) s per channel, summed.
    per_workspace: Counter[str] = Counter()
    for channel, n in per_channel.items():
        per_workspace[channel[:5]] += n - 1
    serial_floor = max(per_workspace.values())
    duplicates = sum(n - 1 for n in tops.values() if n > 1) + sum(
        n - 1 for n in parts.values() if n > 1
    )
    lost = sum(1 for c in channels if tops[c] == 0)
    doubled = [c for c, n in tops.items() if n > 1] + [p for p, n in parts.items() if n > 1]
    if doubled:  # which messages: a channel (its top-level posts) or a (channel, part)
        print(f"  doubled: {doubled[:10]}", flush=True)
    refused = sum(1 for c in slack.calls("chat.postMessage") if not c.ok)
    print(f"  {workers} worker(s): last message after {finished:6.1f} s, "
        f"{finished / floor:5.2f}x the rate-limit floor ({floor:.0f} s), "
        f"{finished / serial_floor:5.2f}x one workspace's posts in a row ({serial_floor:.0f} s); "
        f"{len(calls)} messages, "
        f"{refused} 429s waited out; duplicates {duplicates}, lost {lost}, "
        f"unfinished threads {unfinished}"
        + (f"; killed {killed}" if killed else ""), flush=True)  # fmt: skip
    return {"seconds": finished, "duplicates": duplicates, "lost": lost + unfinished}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--postgres", default=os.environ.get("TEST_POSTGRES_URL",
        "postgresql://postgres@127.0.0.1:5432/postgres"))  # fmt: skip
    parser.add_argument("--workspaces", type=int, default=40)
    parser.add_argument("--channels", type=int, default=5)
    parser.add_argument("--workers", default="1,2,3")
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--per-minute", type=int, default=3000)
    parser.add_argument("--deadline", type=float, default=240.0)
    args = parser.parse_args()
    print(f"Fleet: {args.workspaces} workspaces x {args.channels} channels due the same minute, "
        f"Slack latency {args.latency * 1000:.0f} ms a call, chat.postMessage 1/s per channel "
        f"and {args.per_minute}/min in all; PostgreSQL", flush=True)  # fmt: skip
    results = {n: one_run(args, n) for n in (int(w) for w in args.workers.split(","))}
    base = results[min(results)]["seconds"]
    for n, result in results.items():
        print(f"  {n} worker(s) vs {min(results)}: {result['seconds'] / base:.2f}x the time")
    ok = all(r["duplicates"] == 0 and r["lost"] == 0 for r in results.values())
    print(f"  {'MET' if ok else 'NOT MET'}: no duplicates, no lost posts")


if __name__ == "__main__":
    main()
