"""``/batchscout usage`` and its Register button, through the real Bolt app."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import Engine

from batchscout.audit.latency import Freshness, Trigger
from batchscout.audit.usage import UsageProvider, UsageRecord, UsageWindow
from batchscout.storage import queries
from batchscout.storage import usage as usage_store
from batchscout.storage.db import session_scope
from tests.bot.limits import assert_within_limits
from tests.bot.slack_user import TEAM, SlackUsers
from tests.services import recent_usage


def test_without_imported_usage_it_says_how_to_import(users: SlackUsers) -> None:
    reply = users.command("usage")
    assert "No provider usage imported" in reply.mrkdwn and "usage import" in reply.mrkdwn


def test_usage_shows_spend_migrations_and_unregistered_traffic(
    users: SlackUsers, bot_engine: Engine
) -> None:
    recent_usage.load(bot_engine, TEAM, datetime.now(UTC).date())

    reply = users.command("usage")

    assert_within_limits(reply.blocks)
    text = reply.mrkdwn
    # (14 × $6 + 14 × $2) × 30 / 14 = $240 billed a month; 1,400 of 35,000 requests on batch.
    assert "*OpenAI*: $240/month billed, 4% on batch" in text
    assert "Invoice &lt;extraction&gt;" in text and "marked migrated, still synchronous" in text
    assert "key_nightly001" in text and "03:00 UTC" in text
    assert "Batch would save about" in text
    assert users.slack.last("response_url").params["response_type"] == "ephemeral"


def test_one_click_registers_the_scope_with_observed_figures(
    users: SlackUsers, bot_engine: Engine
) -> None:
    recent_usage.load(bot_engine, TEAM, datetime.now(UTC).date())
    report = users.command("usage")

    users.click(report, "Register")

    answer = users.slack.last("response_url").params
    assert answer["response_type"] == "ephemeral" and answer["replace_original"] is False
    assert "Registered *openai key_nightly001*" in answer["text"]
    with session_scope(bot_engine) as session:
        workflow = queries.get_workflow(session=session, team_id=TEAM, name="openai key_nightly001")
        assert workflow is not None
        assert (workflow.usage_project, workflow.usage_api_key) == (
            "proj_data0001",
            "key_nightly001",
        )
        assert (workflow.trigger, workflow.freshness) == (Trigger.SCHEDULE, Freshness.DAY)
        # 2,000 a night → 60,000 a month at $6 / 2,000 = $0.003 a request: $180 a month.
        assert queries.figures_of(workflow).monthly_cost == 180

    users.click(report, "Register")  # the same button again
    again = users.slack.last("response_url").params
    assert "no longer unregistered" in again["text"] and "nothing was changed" in again["text"]


def test_traffic_with_no_project_and_no_key_is_not_registered_and_says_why(
    users: SlackUsers, bot_engine: Engine
) -> None:
    end = datetime.combine(datetime.now(UTC).date(), time(0), tzinfo=UTC)
    start = end - timedelta(days=14)
    usage = [
        UsageRecord(UsageProvider.OPENAI, start + timedelta(days=n, hours=3), "", "",
                    "gpt-4o-mini", "standard", 2000, 10_000_000, 0, 0, 5_000_000)
        for n in range(14)
    ]  # fmt: skip
    with session_scope(bot_engine) as session:
        usage_store.store_window(
            session=session, team_id=TEAM, window=UsageWindow(UsageProvider.OPENAI, start, end, usage, [])
        )  # fmt: skip
    report = users.command("usage")

    users.click(report, "Register")

    answer = users.slack.last("response_url").params
    assert "no project and no API key" in answer["text"] and "nothing was changed" in answer["text"]
    with session_scope(bot_engine) as session:
        assert queries.list_workflows(session=session, team_id=TEAM) == []
