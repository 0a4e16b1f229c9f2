"""``/batchscout`` subcommands: given a workspace's workflows, when a command arrives, then
the person who typed it (and only them) sees this."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Engine

from batchscout.audit.latency import Freshness, Mode, Reader, Trigger
from batchscout.storage import queries
from batchscout.storage.db import session_scope
from tests.bot.limits import assert_within_limits
from tests.bot.seed import seed, spec
from tests.bot.slack_user import Posted, SlackUsers
from tests.fakes.slack_api import FakeSlack


def as_slack_sends(typed: str) -> str:
    """Slack escapes ``&``, ``<`` and ``>`` typed in a command or a message."""
    return typed.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def reply_of(users: SlackUsers, text: str, **who: str) -> Posted:
    reply = users.command(text, **who)
    call = users.slack.last("response_url")
    assert call.params["response_type"] == "ephemeral"
    assert "link_names" not in call.params
    assert_within_limits(reply.blocks)
    return reply


@pytest.mark.parametrize(
    "text", ["", "help", "HELP", "  help  ", "frobnicate", "shwo x", "list everything"]
)
def test_help_and_anything_unknown_get_the_usage(users: SlackUsers, text: str) -> None:
    reply = reply_of(users, text)
    for usage in (
        "register",
        "list",
        "show NAME",
        "edit NAME",
        "remove NAME",
        "migrated NAME",
        "savings",
        "prices MODEL",
    ):
        assert f"/batchscout {usage}`" in reply.mrkdwn
    if text.strip().lower() not in ("", "help"):
        assert "I don't know" in reply.mrkdwn or "takes nothing" in reply.mrkdwn


def test_a_missing_name_says_what_is_needed(users: SlackUsers) -> None:
    reply = reply_of(users, "show")
    assert "needs a workflow name" in reply.mrkdwn


def test_unknown_words_are_escaped_in_the_usage(users: SlackUsers) -> None:
    reply = reply_of(users, as_slack_sends("<!channel>"))
    assert "<!channel>" not in reply.mrkdwn and "&lt;!channel&gt;" in reply.mrkdwn


def test_list_pages_500_workflows_within_block_kit_limits(
    users: SlackUsers, bot_engine: Engine
) -> None:
    seed(bot_engine, *(spec(f"Workflow {i:03d} " + "x" * 60) for i in range(500)))
    first = reply_of(users, "list")
    assert "Workflows (500)" in first.mrkdwn and "1–20 of 500" in first.mrkdwn
    seen = 1
    page = first
    while True:
        labels = [e["text"]["text"] for _, e in page.buttons()]
        if "Next ▶" not in labels:
            break
        name = users.click(page, "Next ▶")
        page = users.reply(name)
        assert users.slack.last("response_url").params["replace_original"] is True
        assert_within_limits(page.blocks)
        seen += 1
    assert seen == 25 and "481–500 of 500" in page.mrkdwn
    back = users.reply(users.click(page, "◀ Previous"))
    assert "461–480 of 500" in back.mrkdwn


def test_show_finds_a_name_however_it_is_typed(users: SlackUsers, bot_engine: Engine) -> None:
    seed(bot_engine, spec("Nightly ticket summaries", description="Summarises the day's tickets"))
    for typed in (
        'show "Nightly ticket summaries"',
        "show   nightly TICKET summaries ",
        "SHOW “Nightly ticket summaries”",
    ):
        card = reply_of(users, typed)
        assert "Nightly ticket summaries" in card.mrkdwn
        assert "scheduled" in card.mrkdwn and "$7,500" in card.mrkdwn
        assert "Migrate to the provider batch API now" in card.mrkdwn


def test_show_an_unknown_name_suggests_close_ones(users: SlackUsers, bot_engine: Engine) -> None:
    seed(bot_engine, spec("Nightly ticket summaries"))
    reply = reply_of(users, "show nightly tickets summaries")
    assert (
        "no workflow named" in reply.mrkdwn
        and "Did you mean *Nightly ticket summaries*" in reply.mrkdwn
    )


def test_remove_asks_first(users: SlackUsers, bot_engine: Engine, slack: FakeSlack) -> None:
    seed(bot_engine, spec("Weekly digest"), spec("Nightly ticket summaries"))
    question = reply_of(users, "remove weekly digest")
    assert "Remove *Weekly digest*" in question.mrkdwn
    kept = users.reply(users.click(question, "Keep Weekly digest"))
    assert "Kept *Weekly digest*" in kept.mrkdwn
    with session_scope(bot_engine) as session:
        assert queries.get_workflow(session=session, team_id="T0TEST", name="Weekly digest")

    question = reply_of(users, "remove weekly digest")
    done = users.reply(users.click(question, "Remove"))
    assert "Removed *Weekly digest*" in done.mrkdwn
    with session_scope(bot_engine) as session:
        assert queries.get_workflow(session=session, team_id="T0TEST", name="Weekly digest") is None
    assert "Weekly digest" not in str(slack.last("views.publish").params["view"])
    again = users.reply(users.click(question, "Remove"))
    assert "no longer in the inventory" in again.mrkdwn


def test_migrated_moves_savings_to_realised(users: SlackUsers, bot_engine: Engine) -> None:
    seed(bot_engine, spec("Nightly ticket summaries"))
    reply = reply_of(users, "migrated nightly ticket summaries")
    assert "its $7,500/month now count as realised" in reply.mrkdwn
    assert reply.button("Undo")
    with session_scope(bot_engine) as session:
        figures, _ = queries.workspace_portfolio(session=session, team_id="T0TEST")
    assert (figures.realised, figures.migrate_now) == (Decimal(7500), Decimal(0))
    assert "already marked" in reply_of(users, "migrated nightly ticket summaries").mrkdwn
    assert "no workflow named" in reply_of(users, "migrated nothing like it").mrkdwn


def test_card_buttons_mark_migrated_and_remove(users: SlackUsers, bot_engine: Engine) -> None:
    seed(bot_engine, spec("Nightly ticket summaries"))
    card = reply_of(users, "show Nightly ticket summaries")
    moved = users.reply(users.click(card, "Mark as moved to batch"))
    assert "realised" in moved.mrkdwn
    card = reply_of(users, "show Nightly ticket summaries")
    assert "Mark as moved to batch" not in [e["text"]["text"] for _, e in card.buttons()]
    confirm = users.reply(users.click(card, "Remove"))
    assert "Remove *Nightly ticket summaries* from the inventory?" in confirm.mrkdwn


def test_savings_report(users: SlackUsers, bot_engine: Engine) -> None:
    seed(
        bot_engine,
        spec("Nightly ticket summaries"),
        spec(
            "Ticket triage",
            trigger=Trigger.EVENT,
            reader=Reader.LATER,
            freshness=Freshness.MINUTES,
            cost="0.002",
        ),
        spec(
            "Agent assist",
            trigger=Trigger.USER,
            reader=Reader.ON_SCREEN,
            freshness=Freshness.SECONDS,
        ),
        spec("Embeddings", mode=Mode.BATCH, cost="0.001"),
    )
    report = reply_of(users, "savings")
    assert "Migrate now*\n$7,500/month" in report.mrkdwn
    assert "1. *Nightly ticket summaries* saves *$7,500/month*" in report.mrkdwn
    assert "Ticket triage" in report.mrkdwn and "Agent assist" not in report.mrkdwn


def test_empty_workspace(users: SlackUsers) -> None:
    for text in ("list", "savings"):
        assert "No workflows are registered" in reply_of(users, text).mrkdwn


def test_prices(users: SlackUsers) -> None:
    card = reply_of(users, "prices gpt-4o-mini")
    assert "gpt-4o-mini" in card.mrkdwn and "Per request" in card.mrkdwn
    # The lanes as a table, then what each cheaper lane saves.
    assert "batch     $0.075  $0.30   $0.000225" in card.mrkdwn
    assert "*batch* saves 50%: $0.23 per 1,000 requests" in card.mrkdwn
    card = reply_of(users, "prices anthropic/claude-3-5-haiku-latest")
    assert "(Anthropic · claude-3-5-haiku-latest)" in card.mrkdwn
    unknown = reply_of(users, "prices gpt-4o-mimi")
    assert "no model “gpt-4o-mimi”" in unknown.mrkdwn and "`gpt-4o-mini`" in unknown.mrkdwn


def test_a_workflow_named_channel_pings_no_one(
    users: SlackUsers, bot_engine: Engine, slack: FakeSlack
) -> None:
    name = "<!channel> & <@U0BOSS>"
    seed(bot_engine, spec(name, description="<https://evil.example|click>"))
    for text in ("list", f"show {name}", "savings", f"remove {name}"):
        reply = reply_of(users, as_slack_sends(text))
        shown = reply.formatted
        assert "<!channel>" not in shown and "<@U0BOSS>" not in shown, text
        assert "&lt;!channel&gt; &amp; &lt;@U0BOSS&gt;" in reply.formatted, text
    card = reply_of(users, as_slack_sends(f"show {name}"))
    assert "&lt;https://evil.example|click&gt;" in card.mrkdwn
    users.event({"type": "app_home_opened", "user": "U0TEST", "channel": "DU0TEST", "tab": "home"})
    home = Posted("D", "1", slack.wait_for("views.publish").params["view"]["blocks"], "")
    assert "<!channel>" not in home.formatted and "&lt;!channel&gt;" in home.formatted


def test_workspace_b_never_sees_workspace_a(users: SlackUsers, bot_engine: Engine) -> None:
    seed(bot_engine, spec("Secret A workflow"), team="T0TEST")
    seed(bot_engine, spec("B's own"), team="T0BBBB")
    as_b = {"team": "T0BBBB", "user": "U0BUSER"}
    assert "Secret A" not in reply_of(users, "list", **as_b).mrkdwn
    assert "no workflow named" in reply_of(users, "show Secret A workflow", **as_b).mrkdwn
    assert "Did you mean" not in reply_of(users, "show Secret A workflow", **as_b).mrkdwn
    assert "no workflow named" in reply_of(users, "remove Secret A workflow", **as_b).mrkdwn
    assert "no workflow named" in reply_of(users, "migrated Secret A workflow", **as_b).mrkdwn
    assert "no workflow named" in reply_of(users, "edit Secret A workflow", **as_b).mrkdwn
    assert "$7,500" in reply_of(users, "savings", **as_b).mrkdwn  # B's own only
    assert "B's own" in reply_of(users, "list", **as_b).mrkdwn
    # A button from A's message pressed from B changes nothing in A.
    card = reply_of(users, "show Secret A workflow")
    users.reply(users.click(card, "Mark as moved to batch", team="T0BBBB", user="U0BUSER"))
    with session_scope(bot_engine) as session:
        workflow = queries.get_workflow(session=session, team_id="T0TEST", name="Secret A workflow")
        assert workflow is not None and workflow.mode is Mode.SYNC
