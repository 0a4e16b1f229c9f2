"""Every lane on the surfaces (SPEC.md, "Every lane"): the digest and App Home say the priority
waste and the cache saving in one line each, the card shows the lanes and names the cache
saving in the real-time advice, through the delivery builders."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from batchscout.audit.assessment import assess
from batchscout.audit.digest import DigestFacts, DigestItem, build_facts, template_prose
from batchscout.audit.inventory import WorkflowSpec
from batchscout.audit.latency import Freshness, Mode, Reader, Trigger
from batchscout.audit.money import format_usd
from batchscout.audit.pricing import Provider
from batchscout.audit.savings import Per, portfolio
from batchscout.delivery.blocks import digest as digest_blocks
from batchscout.delivery.blocks.home import home_view
from batchscout.storage.queries import WorkflowRow
from tests.bot.limits import assert_within_limits

T0 = datetime(2026, 12, 1, tzinfo=UTC)
NIGHTLY = WorkflowSpec(
    name="Nightly enrichment",
    requests=Decimal(20_000),
    per=Per.DAY,
    trigger=Trigger.SCHEDULE,
    reader=Reader.REPORT,
    freshness=Freshness.DAY,
    provider=Provider.OPENAI,
    model="gpt-4.1",
    input_tokens=3000,
    output_tokens=400,
    mode=Mode.PRIORITY,
)
CHAT = replace(
    NIGHTLY,
    name="Support chat",
    provider=Provider.ANTHROPIC,
    model="claude-sonnet-4-5",
    mode=Mode.SYNC,
    trigger=Trigger.USER,
    reader=Reader.ON_SCREEN,
    freshness=Freshness.SECONDS,
    cached_share=Decimal("0.8"),
)


def assessed() -> list[tuple[WorkflowRow, object]]:
    rows = []
    for spec in (NIGHTLY, CHAT):
        a = assess(spec)
        row = WorkflowRow(
            spec.name, "U0OWNER", a.classification.latency_class, False, spec.mode, "why"
        )
        rows.append((row, a.figures))
    return rows


def facts() -> DigestFacts:
    items = [
        DigestItem(row.name, row.owner, row.latency_class, False, row.mode, figures, T0, T0)  # type: ignore[arg-type]
        for row, figures in assessed()
    ]
    return build_facts(items, since=None)


def test_the_digest_says_the_waste_and_the_cache_saving_in_one_line_each() -> None:
    digest = facts()
    waste = assess(NIGHTLY).figures.priority_waste
    cache = assess(CHAT).figures.cache_monthly_savings
    assert cache is not None and waste > 0
    top = digest_blocks.top_message(
        digest, prose=template_prose(digest), source="template", schedule=None, cost=None
    )
    assert_within_limits(top.blocks)
    # The lanes' lines are one part of the thread: the top message stays one phone screen.
    [lanes] = [m for m in digest_blocks.thread_messages(digest) if m.text == "Lanes"]
    assert_within_limits(lanes.blocks)
    text = "\n".join(str(block) for block in lanes.blocks)
    assert f"Paying for priority on work nobody waits for: {format_usd(waste)}/month" in text
    assert f"Prompt caching in the real-time bucket: {format_usd(cache)}/month" in text
    assert "warm cache assumed" in text
    assert "Spend by lane:" in text and "priority" in text
    # Stored and read back, the facts keep the new figures.
    again = DigestFacts.from_dict(digest.to_dict())
    assert (again.priority_waste, again.cache_now) == (digest.priority_waste, digest.cache_now)
    assert again.spend_by_lane == digest.spend_by_lane


def test_app_home_shows_the_waste_the_cache_saving_and_each_workflows_lanes() -> None:
    rows = assessed()
    totals = portfolio(f for _, f in rows)  # type: ignore[misc]
    view = home_view(totals, rows)
    assert_within_limits(view["blocks"])
    text = str(view)
    assert "Priority waste" in text and format_usd(totals.priority_waste) in text
    assert "Prompt caching" in text and format_usd(totals.cache_now) in text
    assert "Per month by lane: standard" in text and "priority" in text and "(now)" in text
