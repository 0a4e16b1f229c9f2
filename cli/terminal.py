"""Rendering the audit for a terminal with rich: one function per view."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from batchscout.audit.advice import (
    BATCH_IF_RELAXED,
    FLEX_NOW,
    advice_for,
    options_sentence,
    tier_advice,
    tier_options,
)
from batchscout.audit.digest import DigestFacts, change_sentence, headline, realised_where
from batchscout.audit.latency import BATCH_TIMING_NOTE, Freshness, LatencyClass
from batchscout.audit.ledger import Trend, benchmarks
from batchscout.audit.money import (
    format_count,
    format_monthly,
    format_unit_price,
    format_usd,
    format_usd_short,
)
from batchscout.audit.pricing import MILLION, CatalogPrice, PriceQuote, ServiceTier
from batchscout.audit.savings import (
    Bucket,
    Portfolio,
    WorkflowFigures,
    opportunities,
    realised_wording,
)
from batchscout.audit.usage import link_text
from batchscout.cli.common import plain
from batchscout.delivery.blocks.digest import FLEX_NOW_HEADING, flex_summary
from batchscout.delivery.blocks.ledger import benchmark_sentences, ledger_line, trend_words
from batchscout.delivery.lanes import (
    advice_steps,
    digest_lane_lines,
    portfolio_lines,
    workflow_lane_rows,
)
from batchscout.delivery.messages import PRICES_NO_FLEX
from batchscout.storage.models import Workflow
from batchscout.storage.queries import Row, WorkflowRow

CLASS_STYLE = {
    LatencyClass.REAL_TIME: "red",
    LatencyClass.NEAR_REAL_TIME: "yellow",
    LatencyClass.SCHEDULED: "green",
}


def class_label(workflow: Workflow | WorkflowRow, *, compact: bool = False) -> Text:
    """The class, coloured, with the disguised-as-stream flag (``*`` when ``compact``)."""
    label = Text(str(workflow.latency_class), style=CLASS_STYLE[workflow.latency_class])
    if workflow.batch_disguised_as_stream:
        label.append("*" if compact else " (disguised)", style="bold yellow")
    return label


#: Below this many columns the inventory drops its request counts and shortens its flags.
WIDE = 110
#: The inventory's name column never gets narrower than this.
NAME_WIDTH = 16


def inventory_table(rows: list[Row], title: str = "Inventory", *, width: int = WIDE) -> Table:
    """Every workflow with its class, mode, monthly cost and savings; ``width`` is the
    terminal's, so a narrow terminal gets a compact table instead of names wrapped thrice."""
    wide = width >= WIDE
    table = Table(title=title, title_justify="left", expand=False)
    # A name stays readable: at least NAME_WIDTH columns, wrapped between words.
    table.add_column("Workflow", overflow="fold", ratio=None if wide else 1, min_width=NAME_WIDTH)
    table.add_column("Class", no_wrap=True)
    table.add_column("Mode", no_wrap=True)
    if wide:
        table.add_column("Requests/mo", justify="right", no_wrap=True)
    table.add_column("Cost/mo", justify="right", no_wrap=True)
    table.add_column("Savings/mo", justify="right", no_wrap=True)
    # Narrow terminals show huge figures with a scale ($1.24M) so the names keep their room.
    money = format_usd if wide else format_usd_short
    for workflow, item in rows:
        saved = money(item.monthly_savings)
        if item.bucket is Bucket.REALISED:
            saved += " (realised)" if wide else " ✓"
        counts = [format_count(item.monthly_requests.to_integral_value())] if wide else []
        table.add_row(
            Text(workflow.name),
            class_label(workflow, compact=not wide),
            str(workflow.mode),
            *counts,
            money(item.monthly_cost),
            saved,
        )
    if not wide:
        table.caption = "* batch disguised as stream   ✓ realised on a batch API"
    return table


def portfolio_panel(figures: Portfolio) -> Panel:
    """The five portfolio figures."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(justify="left")
    grid.add_column(justify="right")
    grid.add_row("Monthly spend", format_usd(figures.monthly_spend))
    grid.add_row(
        "Migrate now (scheduled, on sync)",
        Text(format_usd(figures.migrate_now), style="bold green"),
    )
    grid.add_row("To challenge (near-real-time, on sync)", format_usd(figures.to_challenge))
    if figures.flex_now > 0:
        # Two options for the same near-real-time workflows, never a sum (SPEC.md).
        grid.add_row(
            f"  {FLEX_NOW[0].lower()} (same call, answers in seconds to minutes)",
            Text(format_usd(figures.flex_now), style="bold green"),
        )
        grid.add_row(f"  or {BATCH_IF_RELAXED[0].lower()}", format_usd(figures.to_challenge))
    grid.add_row(
        f"Realised (already {realised_wording(figures.realised_from)})",
        format_usd(figures.realised),
    )
    grid.add_row("Spend after migrating", format_usd(figures.spend_after))
    for line in portfolio_lines(figures):
        label, value = line.split(": ", 1)
        grid.add_row(label, value)
    return Panel(grid, title="Portfolio, per 30-day month", expand=False)


def benchmark_text(rows: list[Row]) -> Text:
    """ "Is your number good?": the workspace's shares beside the typical ranges (a comparison,
    never a grade), in the sentences Slack shows."""
    found = benchmarks(item for _, item in rows)
    lines = [f"  • {sentence}" for sentence in benchmark_sentences(found)]
    return Text("\n".join(["Is your number good?", *lines]))


def ledger_text(trend: Trend) -> str:
    """The digest's week-over-week line, the trend in words and the comparison, for a terminal."""
    moved = ledger_line(trend.weeks, trend.movement)
    lines = [
        *([moved, ""] if moved else []),
        trend_words(trend.weeks),
        "",
        "Is your number good?",
        *(f"  • {sentence}" for sentence in benchmark_sentences(trend.benchmarks)),
    ]
    return "\n".join(plain(line) for line in lines)


def opportunities_table(rows: list[Row], limit: int = 5) -> Table:
    """The largest savings still to be had, with what to do."""
    table = Table(title="Top opportunities", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("Workflow", overflow="fold")
    table.add_column("Saves/mo", justify="right")
    table.add_column("Do this", overflow="fold")
    for rank, (workflow, item) in enumerate(opportunities(rows)[:limit], start=1):
        action = advice_for(workflow.latency_class).action
        if item.flex_now > 0:
            action = options_sentence(item.flex_now, item.monthly_savings)
        table.add_row(str(rank), Text(workflow.name), format_usd(item.monthly_savings), action)
    return table


def workflow_panel(workflow: Workflow, item: WorkflowFigures) -> Panel:
    """One workflow in full: answers, class, rationale, prices and advice."""
    advice = advice_for(workflow.latency_class)
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column(overflow="fold")
    grid.add_row("Class", class_label(workflow))
    grid.add_row("Rationale", Text(plain(workflow.rationale)))
    if workflow.freshness in (Freshness.HOUR, Freshness.DAY):
        grid.add_row("Note", BATCH_TIMING_NOTE)
    if workflow.description:
        grid.add_row("Description", Text(workflow.description))
    grid.add_row("Owner", workflow.owner or "—")
    grid.add_row(
        "Answers",
        f"trigger {workflow.trigger} · reader {workflow.reader} · freshness {workflow.freshness}",
    )
    grid.add_row(
        "Volume",
        f"{format_count(workflow.requests)} per {workflow.per} ({format_count(item.monthly_requests.to_integral_value())} a month)",
    )
    priced = workflow.priced_model or "cost per request given"
    if workflow.provider:
        priced = f"{workflow.provider} · {priced}"
    grid.add_row("Priced as", Text(priced))
    basis = PriceQuote(
        workflow.sync_per_request, workflow.batch_per_request, None, workflow.batch_basis
    ).basis_note
    per_request = (
        f"{format_unit_price(workflow.sync_per_request)} sync · "
        f"{format_unit_price(workflow.batch_per_request)} batch ({basis})"
    )
    if workflow.flex_per_request is not None:
        per_request += f" · {format_unit_price(workflow.flex_per_request)} flex"
    if workflow.priority_per_request is not None:
        per_request += f" · {format_unit_price(workflow.priority_per_request)} priority"
    grid.add_row("Per request", per_request)
    grid.add_row("Mode", str(workflow.mode))
    grid.add_row(
        "Usage link",
        link_text(workflow.usage_project, workflow.usage_api_key) or "—",
    )
    grid.add_row("Monthly cost", format_usd(item.monthly_cost))
    label = "Realised savings" if item.bucket is Bucket.REALISED else "Monthly savings"
    for name, value in tier_options(item) or [(label, format_usd(item.monthly_savings))]:
        grid.add_row(name, value)
    for name, value in workflow_lane_rows(workflow.mode, item):
        grid.add_row(name, value)
    flex = tier_advice(item.advice_tier) if item.flex_now > 0 else None
    if flex is not None:
        points = (Text(f"• {plain(point)}") for point in flex.points)
        grid.add_row("Flex", Group(Text(plain(flex.headline)), *points))
    grid.add_row(
        "Advice",
        Group(
            Text(plain(advice.headline)),
            *(Text(f"• {plain(s)}") for s in advice_steps(advice, item)),
        ),
    )
    return Panel(grid, title=Text(workflow.name), expand=False)


def prices_table(
    price: CatalogPrice, input_tokens: int, output_tokens: int, per_request: PriceQuote
) -> Table:
    """Per million tokens on every tier the catalog prices (standard, batch, flex, priority),
    and per request."""
    # Titled with the model id people type, not the catalog's display name ("gpt 4o mini").
    table = Table(title=Text(f"{price.model} ({price.provider})"), title_justify="left")
    tiers = price.by_tier()
    table.add_column("")
    for tier, _input, _output in tiers:
        table.add_column(str(tier).capitalize(), justify="right")
    table.add_row("Input / 1M tokens", *(format_unit_price(row[1]) for row in tiers))
    table.add_row("Output / 1M tokens", *(format_unit_price(row[2]) for row in tiers))
    quoted = {
        ServiceTier.STANDARD: per_request.sync_per_request,
        ServiceTier.BATCH: per_request.batch_per_request,
        ServiceTier.FLEX: per_request.flex_per_request,
    }
    table.add_row(
        f"Per request ({format_count(input_tokens)} in, {format_count(output_tokens)} out)",
        *(
            format_unit_price(
                quoted.get(tier) or (per_in * input_tokens + per_out * output_tokens) / MILLION
            )
            for tier, per_in, per_out in tiers
        ),
    )
    caption = per_request.basis_note
    if per_request.flex_per_request is None:
        caption += ". " + PRICES_NO_FLEX
    table.caption = caption
    return table


def print_problems(console: Console, heading: str, problems: list[str]) -> None:
    """A rejected input: the heading, then every problem."""
    console.print(f"[bold red]{heading}[/]")
    for problem in problems:
        console.print(f"  • {plain(problem)}", markup=False, highlight=False)


def digest_text(facts: DigestFacts, prose: str) -> str:
    """The weekly digest as plain text for a terminal."""
    lines = [
        f"{headline(facts)}.",
        "",
        prose,
    ]
    if facts.top:
        lines += ["", "Top opportunities:"]
        lines += [f"  • {line.name} — {format_monthly(line.monthly_savings)}" for line in facts.top]
    if facts.challenge:
        lines += [
            "",
            f"Near-real-time to challenge (up to {format_monthly(facts.to_challenge)}):",
        ]
        if facts.flex_now > 0 and len(facts.challenge) > 1:
            # The portfolio's options, as the Slack thread says them; with one workflow its own
            # line below says the same.
            lines.append(plain(f"  {FLEX_NOW_HEADING} {flex_summary(facts)}"))
        lines += [
            f"  • {line.name} — "
            + (
                options_sentence(line.flex_now, line.monthly_savings)
                if line.flex_now > 0
                else f"{format_monthly(line.monthly_savings)}"
            )
            + (" (batch disguised as stream)" if line.disguised else "")
            for line in facts.challenge
        ]
    lines += [
        "",
        f"Realised: {format_monthly(facts.realised)} already saved {realised_where(facts)}.",
    ]
    lines += [f"{line}." for line in digest_lane_lines(facts)]
    lines += ["", change_sentence(facts)]
    return "\n".join(lines)
