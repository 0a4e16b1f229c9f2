"""A subscribed channel gets exactly one digest per week, on time, whatever happens.

The clock is controlled: each job is called with an explicit ``now``; nothing waits.
"""

from __future__ import annotations

import importlib
import sys
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from batchscout.delivery import chart
from batchscout.services import digests
from batchscout.services.runtime import Runtime
from batchscout.services.schedule import Schedule
from batchscout.storage.db import session_scope
from batchscout.storage.digest_tables import (
    DigestRun,
    DigestSubscription,
    RunStatus,
    SubscriptionStatus,
)
from tests.conftest import LogLines
from tests.fakes.slack_api import FakeSlack
from tests.jobs.conftest import CHANNEL, DUE, SUBSCRIBER, slack_client, subscribe, top_posts


def test_a_digest_is_posted_at_its_time_with_its_thread(runtime: Runtime, slack: FakeSlack) -> None:
    subscription_id = subscribe(runtime.engine)

    assert digests.prepare_due_digests(runtime, now=DUE - timedelta(hours=2)) == 0  # no provider
    run = digests.post_digest(runtime, subscription_id, now=DUE)

    assert run is not None and run.status == RunStatus.POSTED and run.prose_source == "template"
    [top] = top_posts(slack)
    text = str(top.params["blocks"])
    # One headline with one named figure; the summary below it does not say it again.
    assert "*$56,563/month can be saved by moving scheduled work to a batch API.*" in text
    assert text.count("$56,563") == 1 and "34% of the $164,790/month spent on AI" in text
    # The top opportunity's owner is named (Slack's name for them), not pinged every week.
    assert "<@U0DEMO0002>" not in text and "user.u0demo0002" in text
    assert "Show the top workflow" in text and "I moved it" in text
    assert "first digest" in text
    assert "Mondays at 09:00 (Europe/Paris)" in text
    thread = [
        c
        for c in slack.calls("chat.postMessage")
        if c.params.get("thread_ts") == top.response["ts"]
    ]
    assert any("Ticket triage queue" in str(c.params["blocks"]) for c in thread)  # to challenge
    assert any("Realised savings" in c.params["text"] for c in thread)
    upload = slack.last("files.completeUploadExternal")
    assert (
        upload.params["thread_ts"] == top.response["ts"] and upload.params["channel_id"] == CHANNEL
    )
    # The digest's chart, then the ledger's trend chart (this week's snapshot was just taken).
    pngs = list(slack.uploads.values())
    assert len(pngs) == 2 and all(png.startswith(b"\x89PNG") for png in pngs)


def test_posting_is_idempotent_for_a_period(runtime: Runtime, slack: FakeSlack) -> None:
    subscription_id = subscribe(runtime.engine)

    first = digests.post_digest(runtime, subscription_id, now=DUE)
    again = digests.post_digest(runtime, subscription_id, now=DUE + timedelta(minutes=3))
    digests.catch_up(runtime, now=DUE + timedelta(hours=1))

    assert first is not None and again is None
    assert len(top_posts(slack)) == 1
    next_week = digests.post_digest(runtime, subscription_id, now=DUE + timedelta(days=7))
    assert next_week is not None and next_week.period == "2026-12-07"
    assert len(top_posts(slack)) == 2
    assert "unchanged since the last digest" in str(top_posts(slack)[1].params["blocks"])


def test_two_workers_post_once(runtime: Runtime, slack: FakeSlack) -> None:
    subscription_id = subscribe(runtime.engine)
    other = Runtime(engine=runtime.engine, slack=runtime.slack, worker_id="worker-b")
    start = threading.Barrier(2)
    results: list[object] = []

    def work(worker: Runtime) -> None:
        start.wait()
        results.append(digests.post_digest(worker, subscription_id, now=DUE))

    threads = [threading.Thread(target=work, args=(w,)) for w in (runtime, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(results) == 2 and sum(r is not None for r in results) == 1
    assert len(top_posts(slack)) == 1


def test_daylight_saving_keeps_the_local_time(runtime: Runtime, slack: FakeSlack) -> None:
    """Paris leaves summer time on 25 October 2026: 09:00 local moves from 07:00 to 08:00 UTC."""
    schedule = Schedule(0, 9, 0, "Europe/Paris")
    assert schedule.next_due(datetime(2026, 10, 13, tzinfo=UTC)) == datetime(
        2026, 10, 19, 7, tzinfo=UTC
    )
    assert schedule.next_due(datetime(2026, 10, 20, tzinfo=UTC)) == datetime(
        2026, 10, 26, 8, tzinfo=UTC
    )
    subscription_id = subscribe(runtime.engine, created=datetime(2026, 10, 1, tzinfo=UTC))

    summer = digests.post_digest(
        runtime, subscription_id, now=datetime(2026, 10, 19, 7, tzinfo=UTC)
    )
    winter = digests.post_digest(
        runtime, subscription_id, now=datetime(2026, 10, 26, 8, tzinfo=UTC)
    )

    assert summer is not None and summer.period == "2026-10-19"
    assert winter is not None and winter.period == "2026-10-26"
    assert len(top_posts(slack)) == 2


def test_a_missed_digest_is_posted_within_grace_and_skipped_after(
    runtime: Runtime, slack: FakeSlack, log_lines: LogLines
) -> None:
    subscribe(runtime.engine)

    digests.catch_up(runtime, now=DUE + timedelta(hours=3))  # the worker was down at 09:00
    assert len(top_posts(slack)) == 1

    digests.catch_up(runtime, now=DUE + timedelta(days=7, hours=7))  # down all the next Monday
    assert len(top_posts(slack)) == 1
    (skip,) = log_lines.named("digest skipped")
    assert skip["level"] == "warning" and skip["logger"] == "batchscout.services.digests"
    with session_scope(runtime.engine) as session:
        skipped = session.exec(select(DigestRun).where(DigestRun.period == "2026-12-07")).one()
        assert skipped.status == RunStatus.SKIPPED and "grace" in (skipped.error or "")


def test_an_archived_channel_pauses_the_subscription_and_tells_the_subscriber(
    runtime: Runtime, slack: FakeSlack
) -> None:
    subscription_id = subscribe(runtime.engine)
    slack.fail("chat.postMessage", error="is_archived")

    assert digests.post_digest(runtime, subscription_id, now=DUE) is None

    with session_scope(runtime.engine) as session:
        subscription = session.get(DigestSubscription, subscription_id)
        assert subscription is not None and subscription.status == SubscriptionStatus.PAUSED
        run = session.exec(select(DigestRun)).one()
        assert run.status == RunStatus.FAILED and run.error == "is_archived"
    dm = slack.last("chat.postMessage")
    assert dm.params["channel"] == SUBSCRIBER and "paused" in dm.params["text"]
    assert digests.post_digest(runtime, subscription_id, now=DUE + timedelta(days=7)) is None
    assert top_posts(slack) == []


def test_rate_limits_and_server_errors_are_retried(
    runtime: Runtime, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    import slack_sdk.http_retry.builtin_handlers as handlers

    monkeypatch.setattr(
        handlers, "random", type("NoJitter", (), {"random": staticmethod(lambda: 0.0)})
    )
    subscription_id = subscribe(runtime.engine)
    slack.fail_http("chat.postMessage", status=429, retry_after=0)
    slack.fail_http("chat.postMessage", status=503)

    run = digests.post_digest(runtime, subscription_id, now=DUE)

    assert run is not None and run.status == RunStatus.POSTED
    assert len(top_posts(slack)) == 1


def test_a_transient_failure_leaves_the_run_for_catch_up(
    runtime: Runtime, slack: FakeSlack
) -> None:
    subscription_id = subscribe(runtime.engine)
    slack.fail("chat.postMessage", error="internal_error")

    assert digests.post_digest(runtime, subscription_id, now=DUE) is None
    digests.catch_up(runtime, now=DUE + timedelta(minutes=1))

    assert len(top_posts(slack)) == 1


@pytest.mark.parametrize("was_posted", [True, False])
def test_a_crash_between_posting_and_recording_is_settled(
    runtime: Runtime, slack: FakeSlack, digest_engine: Engine, was_posted: bool
) -> None:
    subscription_id = subscribe(runtime.engine)
    with session_scope(digest_engine) as session:
        run = DigestRun(
            subscription_id=subscription_id, team_id="T0TEST", channel_id=CHANNEL, period="2026-11-30",
            due_at=DUE, status=RunStatus.POSTING, claimed_by="crashed", claimed_at=DUE,
        )  # fmt: skip
        session.add(run)
        session.flush()
        run_id = run.id
    history = [
        {"ts": "1700000000.000001", "text": "digest",
         "metadata": {"event_type": digests.METADATA_EVENT, "event_payload": {"run_id": run_id}}}
    ] if was_posted else []  # fmt: skip
    slack.on("conversations.history", {"ok": True, "messages": history, "has_more": False})

    digests.catch_up(runtime, now=DUE + timedelta(minutes=30))

    with session_scope(digest_engine) as session:
        settled = session.get(DigestRun, run_id)
        assert settled is not None and settled.status == RunStatus.POSTED
    assert len(top_posts(slack)) == (0 if was_posted else 1)


def test_subscribing_after_this_weeks_slot_waits_for_next_week(
    runtime: Runtime, slack: FakeSlack
) -> None:
    subscribe(runtime.engine, created=DUE + timedelta(hours=1))

    digests.catch_up(runtime, now=DUE + timedelta(hours=2))

    assert top_posts(slack) == []


def test_a_preview_posts_nothing(runtime: Runtime, slack: FakeSlack) -> None:
    content = digests.preview_content(runtime, team_id="T0TEST", channel_id=None, now=DUE)

    assert content.source == "template" and "$56,563" in content.top.text
    assert slack.calls() == []


def test_another_workspaces_client_is_used_for_its_digest(
    runtime: Runtime, slack: FakeSlack
) -> None:
    teams: list[str] = []
    client = slack_client(slack)

    def clients(team_id: str):  # type: ignore[no-untyped-def]
        teams.append(team_id)
        return client

    runtime.slack = clients
    subscription_id = subscribe(runtime.engine)
    digests.post_digest(runtime, subscription_id, now=DUE)

    assert set(teams) == {"T0TEST"}


def test_without_matplotlib_the_digest_is_posted_whole_without_the_chart(
    runtime: Runtime,
    slack: FakeSlack,
    log_lines: LogLines,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    """The chart is the optional ``chart`` extra: without it nothing is broken or said in Slack;
    the log says what was left out and how to get it."""
    for module in ("matplotlib", "matplotlib.figure", "matplotlib.ticker"):
        monkeypatch.setitem(sys.modules, module, None)  # import fails as if not installed
    importlib.reload(chart)  # as the app starts without the extra
    # Restore the modules first, then reload: later tests get the chart back.
    request.addfinalizer(lambda: (monkeypatch.undo(), importlib.reload(chart)))
    subscription_id = subscribe(runtime.engine)

    run = digests.post_digest(runtime, subscription_id, now=DUE)

    assert run is not None and run.status == RunStatus.POSTED
    [top] = top_posts(slack)
    thread = [
        c
        for c in slack.calls("chat.postMessage")
        if c.params.get("thread_ts") == top.response["ts"]
    ]
    assert any("Realised savings" in c.params["text"] for c in thread)
    assert slack.calls("files.getUploadURLExternal") == [] and slack.uploads == {}
    [line] = log_lines.named("digest chart left out")
    assert line["level"] == "info" and "batchscout[chart]" in str(line["hint"])
    assert not [e for e in log_lines.events() if e["level"] in ("warning", "error")]
