"""The weekly ledger in Slack: the digest's week-over-week line, its thread's progress message,
App Home's trend in words, and "Is your number good?" (a comparison, never a grade).

Every figure comes from ``audit.ledger``; these are only the sentences.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from batchscout.audit.digest import percent
from batchscout.audit.ledger import (
    Benchmarks,
    Comparison,
    LedgerWeek,
    Movement,
    Position,
    previous_week,
)
from batchscout.audit.money import format_monthly, format_usd
from batchscout.delivery.blocks import Block, Message, context, section

#: Said wherever the ledger is shown and there is no snapshot yet: never a row of zeros.
NO_HISTORY = "No history yet: the first weekly snapshot is taken on Monday (00:00 UTC) or with the next digest."
TREND_CHART_TITLE = "Savings per month, week by week"
TREND_CHART_FILENAME = "batchscout-trend.png"


def signed_usd(amount: Decimal) -> str:
    """A change in money with its sign: ``+$7,500``, ``-$1,200``, ``+$0``."""
    return ("-" if amount < 0 else "+") + format_usd(abs(amount))


def _when(movement: Movement) -> str:
    return (
        "this week" if previous_week(movement.week) == movement.since else f"since {movement.since}"
    )


def movement_line(movement: Movement) -> str:
    """The digest's one line on what moved: ``Realised +$7,500/month this week, now
    $10,560/month.`` (what is still available is the headline's)."""
    return (
        f"Realised {signed_usd(movement.realised_change)}/month {_when(movement)}, now "
        f"{format_monthly(movement.realised)}."
    )


def first_week_line(week: LedgerWeek) -> str:
    """The line before there is a week to compare with."""
    return (
        f"First week in the ledger ({week.week}): realised {format_monthly(week.figures.realised)}, "
        f"{format_monthly(week.figures.available)} still available. Next week's digest shows what moved."
    )


def ledger_line(weeks: Sequence[LedgerWeek], movement: Movement | None) -> str | None:
    """The week-over-week line for the digest's top message; ``None`` until there is a week to
    compare with (the thread's progress message says so: the top message repeats no figure)."""
    return movement_line(movement) if movement is not None else None


def with_ledger_line(top: Message, line: str | None) -> Message:
    """The digest's top message with the week-over-week line after its headline (unchanged
    without one)."""
    if line is None:
        return top
    blocks = list(top.blocks)
    blocks.insert(min(2, len(blocks)), section(line))
    return Message(text=top.text, blocks=blocks)


_POSITION = {
    Position.BELOW: "below the typical {low}–{high}",
    Position.WITHIN: "within the typical {low}–{high}",
    Position.ABOVE: "above the typical {low}–{high}",
}


def _against(comparison: Comparison) -> str:
    return _POSITION[comparison.position].format(
        low=percent(comparison.low).rstrip("%"), high=percent(comparison.high)
    )


def benchmark_sentences(found: Benchmarks | None) -> list[str]:
    """ "Is your number good?": each share beside the seed's typical range, stated as a
    comparison (plain text: Slack and the terminal both use these)."""
    if found is None:
        return ["Nothing to compare yet: no spend is registered."]
    return [
        f"Batch-eligible work is {percent(found.eligible.share)} of your spend at standard "
        f"prices, {_against(found.eligible)} for AI workloads.",
        f"Realised savings are {percent(found.realised.share)} of your inference spend at "
        f"standard prices, {_against(found.realised)} once eligible work has moved.",
    ]


def trend_words(weeks: Sequence[LedgerWeek]) -> str:
    """The trend in words, first week against last: ``Over 12 weeks (2026-W39 to 2026-W50),
    realised savings went from $3,060 to $10,560/month (+$7,500) …``."""
    if not weeks:
        return NO_HISTORY
    first, last = weeks[0].figures, weeks[-1].figures
    if len(weeks) == 1:
        return first_week_line(weeks[0])
    return (
        f"Over {len(weeks)} weeks ({weeks[0].week} to {weeks[-1].week}), realised savings went "
        f"from {format_usd(first.realised)} to {format_monthly(last.realised)} "
        f"({signed_usd(last.realised - first.realised)}); verified on the bill "
        f"{format_monthly(last.verified_savings)}; still available went from "
        f"{format_usd(first.available)} to {format_monthly(last.available)} "
        f"({signed_usd(last.available - first.available)})."
    )


def progress_message(weeks: Sequence[LedgerWeek], found: Benchmarks | None) -> Message:
    """The digest thread's progress: the trend in words and how the numbers compare (the
    trend chart is uploaded after it)."""
    blocks: list[Block] = [
        section(f"*Progress over time* — {trend_words(weeks)}"),
        section(
            "*Is your number good?*\n" + "\n".join(f"• {s}" for s in benchmark_sentences(found))
        ),
    ]
    return Message(text="Progress over time", blocks=blocks)


def home_blocks(weeks: Sequence[LedgerWeek], found: Benchmarks | None) -> list[Block]:
    """App Home's trend in words and the comparison with the typical ranges."""
    return [
        section(f"*Progress over time*\n{trend_words(weeks)}"),
        context(*benchmark_sentences(found)),
    ]
