"""Service tiers in Slack (SPEC.md, "Service tiers"): given near-real-time work on a model the
catalog prices on flex, when people ask, then flex shows as its own line beside batch if the
requirement is relaxed, with the catalog's figures; never for real-time work or a model with
no flex price."""

from __future__ import annotations

from decimal import Decimal

import genai_prices
import pytest
from sqlalchemy import Engine

from batchscout.audit.inventory import WorkflowSpec
from batchscout.audit.latency import Freshness, Reader, Trigger
from batchscout.audit.money import format_usd
from batchscout.audit.pricing import Provider
from batchscout.audit.savings import Per
from batchscout.storage import queries
from batchscout.storage.db import session_scope
from tests.bot.seed import seed
from tests.bot.slack_user import SlackUsers
from tests.bot.test_commands import reply_of
from tests.bot.test_home import open_home
from tests.fakes.slack_api import FakeSlack

MONTHLY = 6_000_000  # 200,000 a day


def on(model: str, name: str, **answers: object) -> WorkflowSpec:
    values: dict[str, object] = {
        "trigger": Trigger.EVENT,
        "reader": Reader.LATER,
        "freshness": Freshness.MINUTES,
        **answers,
    }
    return WorkflowSpec(
        name=name,
        provider=Provider.OPENAI,
        model=model,
        requests=Decimal(200_000),
        per=Per.DAY,
        input_tokens=1500,
        output_tokens=400,
        owner="U0TEST",
        **values,  # type: ignore[arg-type]
    )


def monthly(model: str, context: dict[str, str] | None = None) -> Decimal:
    usage = genai_prices.Usage(input_tokens=1500, output_tokens=400)
    price = genai_prices.calc_price(usage, model, provider_id="openai", price_context=context)
    return price.total_price * MONTHLY


FLEX_NOW = format_usd(monthly("gpt-5-mini") - monthly("gpt-5-mini", {"service_tier": "flex"}))
BATCH_IF_RELAXED = format_usd(
    monthly("gpt-5-mini") - monthly("gpt-5-mini", {"processing": "batch"})
)
#: gpt-5-mini's flex and batch prices are both half: one line says so, and which to prefer.
EITHER_WAY = f"{FLEX_NOW}/month either way; prefer flex, which keeps the synchronous call"


@pytest.fixture
def inventory(bot_engine: Engine) -> None:
    seed(
        bot_engine,
        on("gpt-5-mini", "Ticket triage"),
        on("gpt-4o-mini", "Alert summaries"),
        on(
            "gpt-5-mini",
            "Agent assist",
            trigger=Trigger.USER,
            reader=Reader.ON_SCREEN,
            freshness=Freshness.SECONDS,
        ),
    )


@pytest.mark.usefixtures("inventory")
def test_show_offers_flex_now_beside_batch_if_relaxed(users: SlackUsers) -> None:
    card = reply_of(users, "show Ticket triage")

    assert FLEX_NOW == BATCH_IF_RELAXED
    assert f"*Flex now or batch*\n{EITHER_WAY}" in card.mrkdwn
    assert "Batch if the requirement is relaxed" not in card.mrkdwn
    assert 'service_tier="flex"' in card.mrkdwn and "429" in card.mrkdwn
    assert "timeout" in card.mrkdwn and "waits on screen" in card.mrkdwn


@pytest.mark.usefixtures("inventory")
@pytest.mark.parametrize("name", ["Alert summaries", "Agent assist"])
def test_no_flex_without_a_flex_price_or_for_real_time(users: SlackUsers, name: str) -> None:
    card = reply_of(users, f"show {name}")

    assert name in card.mrkdwn
    assert "Flex now" not in card.mrkdwn and 'service_tier="flex"' not in card.mrkdwn


@pytest.mark.usefixtures("inventory")
def test_savings_and_home_show_flex_as_its_own_line(users: SlackUsers, slack: FakeSlack) -> None:
    report = reply_of(users, "savings")
    home = open_home(users, slack)

    for surface in (report, home):
        assert f"*Flex now*\n{FLEX_NOW}/month, answers in seconds to minutes" in surface.mrkdwn
        assert f"flex now or batch: {EITHER_WAY}" in surface.mrkdwn  # Ticket triage
        top = surface.mrkdwn.split("Top opportunities")[-1].split("*Workflows*")[0]
        assert "Agent assist" not in top


@pytest.mark.usefixtures("inventory")
def test_the_digest_shows_flex_now(users: SlackUsers) -> None:
    preview = users.command("digest preview", channel="C0DIGEST")

    assert f"flex now: {FLEX_NOW}/month, answers in seconds to minutes" in preview.mrkdwn
    assert f"flex now or batch: {EITHER_WAY}" in preview.mrkdwn  # Ticket triage
    assert 'service_tier="flex"' in preview.mrkdwn


def test_prices_lists_every_tier_the_catalog_prices(users: SlackUsers) -> None:
    flex_model = reply_of(users, "prices gpt-5-mini")
    table = flex_model.mrkdwn.split("```")[1]
    assert [line.split()[:2] for line in table.strip().splitlines()] == [
        ["Lane", "In/1M"], ["standard", "$0.25"], ["batch", "$0.125"], ["flex", "$0.125"],
        ["priority", "$0.45"],
    ]  # fmt: skip
    assert "*flex* saves 50%" in flex_model.mrkdwn and "*priority* costs" in flex_model.mrkdwn
    assert "No flex price" not in flex_model.mrkdwn

    haiku = reply_of(users, "prices claude-haiku-4-5")  # the provider inferred: Anthropic
    assert "Anthropic · claude-haiku-4-5" in haiku.mrkdwn
    assert "flex" not in haiku.mrkdwn.split("No flex price")[0]
    assert "No flex price in the catalog" in haiku.mrkdwn


@pytest.mark.usefixtures("inventory")
def test_the_card_marks_a_workflow_as_moved_to_flex(users: SlackUsers, bot_engine: Engine) -> None:
    for name in ("Alert summaries", "Agent assist"):  # no flex price; real-time
        card = reply_of(users, f"show {name}")
        assert "Mark as moved to flex" not in [e["text"]["text"] for _, e in card.buttons()]

    card = reply_of(users, "show Ticket triage")
    moved = users.reply(users.click(card, "Mark as moved to flex"))

    assert f"its {FLEX_NOW}/month now count as realised savings" in moved.mrkdwn
    with session_scope(bot_engine) as session:
        figures, _ = queries.workspace_portfolio(session=session, team_id="T0TEST")
    assert format_usd(figures.realised) == FLEX_NOW and figures.flex_now == 0
    card = reply_of(users, "show Ticket triage")
    assert "flex" in card.mrkdwn and "Flex now" not in card.mrkdwn
    assert "Mark as moved to flex" not in [e["text"]["text"] for _, e in card.buttons()]


def test_the_registration_summary_in_slack_offers_flex(users: SlackUsers) -> None:
    from tests.bot.test_registration import asks, type_answers

    users.say("register")
    type_answers(
        users,
        [
            ("What is the workflow called?", "Ticket triage"),
            ("What does it do?", "skip"),
            ("Who owns it?", "keep"),
            ("Which provider", "openai"),
            ("Which OpenAI model", "gpt-5-mini"),
            ("How many requests", "200,000 a day"),
            ("input tokens", "1500"),
            ("output tokens", "400"),
            ("What starts a request?", "event"),
            ("Who reads the result?", "later"),
            ("How soon must the result exist?", "within minutes"),
            ("Which API does it call today?", "keep"),
            ("What share of each request's input is a repeated prefix?", "skip"),
            ("Which project (or workspace) and API key", "skip"),
        ],
    )
    card = asks(users, "Save this workflow?")

    assert f"*Flex now or batch*\n{EITHER_WAY}" in card.mrkdwn
    assert 'service_tier="flex"' in card.mrkdwn
