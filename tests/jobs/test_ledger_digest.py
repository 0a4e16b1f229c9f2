"""The ledger through the real digest: two snapshots a week apart with a migration between
them show the move in the digest's top line, its thread and the trend chart; App Home shows
the trend in words; the Monday job takes every workspace's week.

The clock is controlled: each job is called with an explicit ``now``; nothing waits.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from slack_sdk import WebClient

from batchscout.delivery import chart
from batchscout.jobs import kinds
from batchscout.jobs.llm_batch import OpenAIBatchProvider
from batchscout.services import digests, ledger
from batchscout.services.context import Services
from batchscout.services.home import publish_home
from batchscout.services.runtime import Runtime
from batchscout.settings import Settings
from batchscout.storage.db import session_scope
from batchscout.storage.queries import mark_migrated
from tests.fakes.openai_batch import FakeOpenAI
from tests.fakes.slack_api import FakeSlack
from tests.jobs.conftest import DUE, TEAM, slack_client, subscribe, top_posts

#: Monday 30 November 2026, 00:05 UTC: the worker's snapshot of 2026-W49.
W49 = datetime(2026, 11, 30, 0, 5, tzinfo=UTC)


def _migrate_nightly_summaries(runtime: Runtime) -> None:
    with session_scope(runtime.engine) as session:
        assert mark_migrated(session=session, team_id=TEAM, name="Nightly ticket summaries")


def test_a_migration_between_two_weeks_shows_in_the_digest_and_its_trend_chart(
    runtime: Runtime, slack: FakeSlack
) -> None:
    ledger.snapshot_team(runtime.engine, TEAM, now=W49)
    _migrate_nightly_summaries(runtime)  # $7,500/month moves from available to realised
    subscription_id = subscribe(runtime.engine)

    run = digests.post_digest(runtime, subscription_id, now=DUE + timedelta(days=7))

    assert run is not None
    [top] = top_posts(slack)
    assert "Realised +$7,500/month this week, now $10,560/month." in str(top.params["blocks"])
    thread = [
        str(c.params["blocks"])
        for c in slack.calls("chat.postMessage")
        if c.params.get("thread_ts") == top.response["ts"]
    ]
    [progress] = [t for t in thread if "Progress over time" in t]
    assert "realised savings went from $3,060 to $10,560/month (+$7,500)" in progress
    assert "Is your number good?" in progress and "typical 30–60%" in progress
    with session_scope(runtime.engine) as session:  # posting took this week's snapshot
        weeks = ledger.history(session=session, team_id=TEAM)
    assert [w.week for w in weeks] == ["2026-W49", "2026-W50"]
    assert [w.figures.realised for w in weeks] == [Decimal(3060), Decimal(10560)]
    assert [w.figures.opportunities["done"] for w in weeks] == [Decimal(0), Decimal(7500)]
    # The trend chart is in the thread, drawn from exactly those weeks.
    uploads = [c for c in slack.calls("files.getUploadURLExternal") if c.ok]
    assert [c.params["filename"] for c in uploads] == [
        "batchscout-digest.png",
        "batchscout-trend.png",
    ]
    trend_png = list(slack.uploads.values())[1]
    assert trend_png.startswith(b"\x89PNG") and trend_png == chart.trend_chart(weeks)
    figure = chart.trend_figure(weeks)
    lines = {line.get_label(): list(line.get_ydata()) for line in figure.axes[0].get_lines()}
    assert lines["Realised"] == [3060.0, 10560.0]
    assert (
        lines["Still available"] == [float(w.figures.available) for w in weeks]
        and lines["Still available"][0] - lines["Still available"][1] == 7500
    )
    assert lines["Verified on the bill"] == [0.0, 0.0]
    assert figure.axes[0].get_ylabel() == "US dollars a month"
    assert figure.dpi >= 200  # 2× pixel density


def test_a_workspace_without_snapshots_says_no_history_yet(
    runtime: Runtime, slack: FakeSlack
) -> None:
    content = digests.preview_content(runtime, team_id=TEAM, channel_id=None, now=DUE)

    assert content.trend is not None and content.trend.weeks == []
    assert "No history yet" in str([m.blocks for m in content.thread])
    assert "ledger" not in str(content.top.blocks)  # no line of zeros in the top message
    assert chart.trend_chart([]) is None  # no chart of zeros either
    with session_scope(runtime.engine) as session:  # a preview stores nothing
        assert ledger.history(session=session, team_id=TEAM) == []


def test_app_home_shows_the_trend_in_words(runtime: Runtime, slack: FakeSlack) -> None:
    services = Services(engine=runtime.engine, settings=Settings(slack_api_url=slack.api_url))
    client: WebClient = slack_client(slack)
    publish_home(client=client, services=services, team_id=TEAM, user_id="U0DEMO0001")
    assert "No history yet" in str(slack.last("views.publish").params["view"])

    ledger.snapshot_team(runtime.engine, TEAM, now=W49)
    _migrate_nightly_summaries(runtime)
    ledger.snapshot_team(runtime.engine, TEAM, now=W49 + timedelta(days=7))
    publish_home(client=client, services=services, team_id=TEAM, user_id="U0DEMO0001")

    view = str(slack.last("views.publish").params["view"])
    assert (
        "Over 2 weeks (2026-W49 to 2026-W50), realised savings went from $3,060 to $10,560/month (+$7,500)"
        in view
    )
    assert "Batch-eligible work is" in view and "typical 20–30%" in view


def test_the_monday_job_takes_every_workspace_s_week(runtime: Runtime) -> None:
    monday = datetime(2026, 12, 7, 0, 5, tzinfo=UTC)
    ledger_kind = kinds.kind_named("ledger")
    assert list(ledger_kind.due(runtime, monday + timedelta(days=1))) == []  # Tuesday: nothing
    due = list(ledger_kind.due(runtime, monday))
    assert due == [(TEAM, "2026-W50")]
    for team_id, _ in due:
        kinds.run_job(runtime, "ledger", team_id, monday)

    with session_scope(runtime.engine) as session:
        [week] = ledger.history(session=session, team_id=TEAM)
    assert week.week == "2026-W50"


def test_preparing_a_digest_takes_the_week_s_snapshot(runtime: Runtime) -> None:
    with FakeOpenAI(polls_to_complete=1, reply=lambda body: "Prose.") as fake:
        runtime.provider = OpenAIBatchProvider(fake.client(max_retries=0), "gpt-4.1-mini")
        subscribe(runtime.engine)
        # Sunday 12:00 UTC, 20 hours before Monday's digest: still 2026-W48.
        assert digests.prepare_due_digests(runtime, now=DUE - timedelta(hours=20)) == 1

    with session_scope(runtime.engine) as session:
        [week] = ledger.history(session=session, team_id=TEAM)
    assert week.week == "2026-W48" and week.taken_at == DUE - timedelta(hours=20)
