"""100 channels of one workspace whose digests are due at the same minute, posted by the real
scheduler (APScheduler, its default 10 threads) through Slack's rate limits, against the
rate-limit floor measured from the same run's message count.

    python bench/fanout_bench.py [--channels 100] [--per-minute 300] [--workflows 200]

The fake Slack (tests/fakes/slack_api.py) limits chat.postMessage like Slack: one message a
second per channel and --per-minute for the workspace, answering 429 with Retry-After beyond
(slack_sdk's retry handler waits it out). Real time, not scaled: Retry-After is whole seconds,
as Slack sends it, so the bench takes about as long as the floor (about 100 s by default).

Checked: every channel's digest is posted exactly once, its thread messages in the same order
as an unlimited reference run of one channel, and the last message lands within 1.3x the floor:
max((messages per channel - 1) x 1 s, 60 s x whole minutes the workspace allowance needs).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from workspace import seed

from batchscout.delivery.clients import make_web_client
from batchscout.services import digests
from batchscout.services.runtime import Runtime, current, install
from batchscout.settings import Settings
from batchscout.storage import digests as store
from batchscout.storage.db import make_engine, session_scope
from batchscout.storage.types import utcnow
from tests.fakes.slack_api import Call, FakeSlack

TEAM = "T0FANOUT"


def subscribe_all(engine: object, channels: list[str], now: datetime) -> list[int]:
    """Every channel due this very minute (UTC)."""
    ids = []
    with session_scope(engine) as session:  # type: ignore[arg-type]
        for channel in channels:
            subscription = store.subscribe(
                session=session, team_id=TEAM, channel_id=channel, subscriber_id="U0FANOUT",
                weekday=now.weekday(), hour=now.hour, minute=now.minute, timezone="UTC",
            )  # fmt: skip
            subscription.created_at = datetime(2026, 1, 1, tzinfo=UTC)
            assert subscription.id is not None
            ids.append(subscription.id)
    return ids


def post_digest(subscription_id: int) -> None:
    """One channel's digest, as a thread of the scheduler posts it."""
    digests.post_digest(current(), subscription_id, now=utcnow())


def posted(slack: FakeSlack, channel: str) -> list[Call]:
    return [
        c for c in slack.calls("chat.postMessage") if c.params.get("channel") == channel and c.ok
    ]


def kind(call: Call) -> str:
    """What a message is, whatever channel it went to: top message or thread reply, and its
    text up to the first colon (each channel's knowledge check is drawn at random)."""
    text = str(call.params.get("text")).split(":", 1)[0]
    return ("thread: " if "thread_ts" in call.params else "top: ") + text


def run(url: str, channels: list[str], per_minute: int | None) -> tuple[FakeSlack, float]:
    """Post every channel's digest through the scheduler; the seconds from due to the last
    message."""
    engine = make_engine(url)
    slack = FakeSlack(team_id=TEAM).start()
    if per_minute is not None:
        slack.rate_limit("chat.postMessage", per_channel_seconds=1.0, per_minute=per_minute)
    client = make_web_client(Settings(slack_api_url=slack.api_url), token="xoxb-bench")
    runtime = Runtime(engine=engine, slack=lambda _team: client, worker_id="bench")
    install(runtime)
    now = datetime.now(UTC)
    ids = subscribe_all(engine, channels, now)
    scheduler = BackgroundScheduler(timezone="UTC")  # its default: ten threads
    due = time.monotonic()
    scheduler.start(paused=True)
    for subscription_id in ids:
        scheduler.add_job(post_digest, args=[subscription_id],
                          id=f"digest-{subscription_id}", next_run_time=now)  # fmt: skip
    scheduler.resume()
    while scheduler.get_jobs():  # a job leaves the store when it starts
        time.sleep(0.2)
    scheduler.shutdown(wait=True)  # returns once the last digest's last message is posted
    elapsed = time.monotonic() - due
    engine.dispose()
    return slack, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--channels", type=int, default=100)
    parser.add_argument("--per-minute", type=int, default=300)
    parser.add_argument("--workflows", type=int, default=200)
    args = parser.parse_args()
    channels = [f"C0FAN{n:04d}" for n in range(args.channels)]
    with tempfile.TemporaryDirectory() as folder:
        reference_url = f"sqlite:///{folder}/reference.db"
        seed(reference_url, args.workflows, team_id=TEAM)
        reference, _ = run(reference_url, channels[:1], per_minute=None)
        expected = [kind(c) for c in posted(reference, channels[0])]
        reference.stop()

        url = f"sqlite:///{folder}/bench.db"
        seed(url, args.workflows, team_id=TEAM)
        slack, elapsed = run(url, channels, per_minute=args.per_minute)
        refused = sum(1 for c in slack.calls("chat.postMessage") if c.status == 429)
        wrong = [ch for ch in channels if [kind(c) for c in posted(slack, ch)] != expected]
        tops = [sum(1 for c in posted(slack, ch) if "thread_ts" not in c.params) for ch in channels]
        total = sum(len(posted(slack, ch)) for ch in channels)
        slack.stop()

    per_channel = len(expected)
    # The limiter's floor: a channel's messages one second apart; the workspace's first
    # --per-minute messages at once, each next --per-minute a minute later.
    floor = max(per_channel - 1.0, 60.0 * ((total - 1) // args.per_minute))
    ratio = elapsed / floor
    print(
        f"Fan-out: {args.channels} channels due at the same minute, {per_channel} messages "
        f"each ({total} in all), chat.postMessage limited to 1/s per channel and "
        f"{args.per_minute}/min for the workspace (real time)"
    )
    print(f"  rate-limit floor        {floor:7.1f} s")
    print(f"  last message after      {elapsed:7.1f} s   {ratio:.2f}x (goal <= 1.3x)")
    print(f"  429 answers waited out  {refused}")
    print(f"  digests posted once     {sum(1 for t in tops if t == 1)} of {args.channels}")
    print(f"  threads complete and in order: {args.channels - len(wrong)} of {args.channels}")
    met = ratio <= 1.3 and not wrong and all(t == 1 for t in tops)
    print(f"  {'MET' if met else 'NOT MET'}")


if __name__ == "__main__":
    main()
