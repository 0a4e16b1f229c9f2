"""The digest's charts (PNG): monthly spend by latency class with the three kinds of savings,
and the weekly ledger's trend.

matplotlib (with numpy, pillow and fonttools, about 170 MB) is the optional ``chart`` extra
(``pip install 'batchscout[chart]'``; the container image has it). Without it the digest is
posted whole, only without the picture.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from types import ModuleType
from typing import Any

from batchscout.audit.digest import DigestFacts
from batchscout.audit.latency import LatencyClass
from batchscout.audit.ledger import LedgerWeek, week_start
from batchscout.audit.money import format_usd_short

#: How to get the chart, named in the info log line of a digest posted without it.
CHART_EXTRA_HINT = "pip install 'batchscout[chart]'"


def _matplotlib() -> tuple[ModuleType, ModuleType] | None:
    """matplotlib's figure and ticker modules, or None when the extra is not installed."""
    try:
        # A bare Figure renders with the Agg canvas: no pyplot, no display, no global state.
        import matplotlib.figure
        import matplotlib.ticker
    except ImportError:
        return None
    return matplotlib.figure, matplotlib.ticker


#: Imported with this module (when the app starts), not at the first digest: importing
#: matplotlib takes seconds, which would delay that digest.
_MATPLOTLIB = _matplotlib()

#: Colours that mean something: red is money still paid for nothing (scheduled work on a
#: synchronous API, savings not taken), amber is worth a question, green is money saved, grey
#: is spend that has to stay (someone is waiting).
WASTED, QUESTION, SAVED, NEEDED = "#c0392b", "#e69f00", "#2e8b57", "#7f8c8d"
COLOURS = {"real-time": NEEDED, "near-real-time": QUESTION, "scheduled": WASTED}
SAVINGS = (("Move now", WASTED), ("To challenge", QUESTION), ("Already saved", SAVED))

#: Drawn for a phone held upright (the charts stacked) at 2.5× pixel density: 1,000 × 1,000
#: pixels, labels and values at least 11 points.
FIGURE_INCHES = (4.0, 4.0)
DPI = 250
FONT_SIZE = 11


def _bars(axes: Any, title: str, bars: Sequence[tuple[str, Decimal, str]]) -> None:
    """Horizontal bars (labels never overlap on a narrow screen), top to bottom, each with its
    value at its end as money people read (``$48,000``, ``$1.24M``); no axis to decode."""
    labels = [label for label, _, _ in bars][::-1]
    values = [value for _, value, _ in bars][::-1]
    drawn = axes.barh(labels, [float(v) for v in values], color=[c for _, _, c in bars][::-1])
    axes.bar_label(drawn, labels=[format_usd_short(v) for v in values], padding=4,
                   fontsize=FONT_SIZE)  # fmt: skip
    # The title from the figure's left edge (above the labels), never cut off on the right.
    axes.annotate(title, xy=(0.03, 1.06), xycoords=("figure fraction", "axes fraction"),
                  fontsize=FONT_SIZE + 1, fontweight="bold", va="bottom")  # fmt: skip
    axes.tick_params(axis="y", labelsize=FONT_SIZE, length=0)
    axes.set_xticks([])
    axes.set_xlim(0, max((float(v) for v in values), default=0) * 1.35 or 1)
    axes.spines[["top", "right", "bottom"]].set_visible(False)


def digest_chart(facts: DigestFacts) -> bytes | None:
    """Render the chart as PNG bytes (safe in threads); ``None`` when matplotlib (the optional
    ``chart`` extra) is not installed. Two bar charts, stacked: monthly spend by latency class,
    then what moving would save, is worth challenging and is already saved (US dollars a
    month), each bar with its value."""
    if _MATPLOTLIB is None:
        return None
    figure_module, _ticker = _MATPLOTLIB
    figure = figure_module.Figure(figsize=FIGURE_INCHES, dpi=DPI)
    spend_axes, savings_axes = figure.subplots(2, 1)
    _bars(
        spend_axes,
        "Spend per month, by latency class",
        [
            (str(c), facts.spend_by_class.get(str(c), Decimal(0)), COLOURS[str(c)])
            for c in LatencyClass
        ],
    )
    amounts = (facts.migrate_now, facts.to_challenge, facts.realised)
    _bars(
        savings_axes,
        "Savings per month",
        [(label, amount, colour) for (label, colour), amount in zip(SAVINGS, amounts, strict=True)],
    )
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


#: The trend chart's colours: realised, verified, still available.
TREND_COLOURS = {"realised": "#337ab7", "verified": "#5cb85c", "available": "#f0ad4e"}


def _dollars(value: float, _position: object = None) -> str:
    """An axis tick in dollars: ``$0``, ``$750``, ``$10k``, ``$1.2M``."""
    if abs(value) >= 1_000_000:
        return f"${value / 1_000_000:,.1f}M".replace(".0M", "M")
    if abs(value) >= 1_000:
        return f"${value / 1_000:,.1f}k".replace(".0k", "k")
    return f"${value:,.0f}"


def trend_chart(weeks: Sequence[LedgerWeek]) -> bytes | None:
    """The digest thread's trend (PNG bytes): realised and verified savings against what is
    still available, a point per ISO week (oldest left), dollars a month on the y-axis.

    Drawn at 200 dpi (2× a phone's 100-dpi baseline) with large type so it reads on a phone;
    ``None`` when matplotlib (the optional ``chart`` extra) is not installed or there is no week.
    """
    figure = trend_figure(weeks)
    if figure is None:
        return None
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def trend_figure(weeks: Sequence[LedgerWeek]) -> Any:
    """The trend chart as a matplotlib ``Figure`` (its lines hold the weeks' figures), or
    ``None`` without matplotlib or weeks."""
    if _MATPLOTLIB is None or not weeks:
        return None
    figure_module, ticker = _MATPLOTLIB
    figure = figure_module.Figure(figsize=(8, 4.5), dpi=200)
    axes = figure.subplots()
    labels = [week.week.replace("-W", " W") for week in weeks]
    # A point at its week: a week without a snapshot leaves a gap, never a squeezed axis.
    first = week_start(weeks[0].week)
    positions = [(week_start(week.week) - first).days // 7 for week in weeks]
    series = (
        ("Still available", [float(w.figures.available) for w in weeks], "available", "-"),
        ("Realised", [float(w.figures.realised) for w in weeks], "realised", "-"),
        (
            "Verified on the bill",
            [float(w.figures.verified_savings) for w in weeks],
            "verified",
            "--",
        ),
    )
    for label, values, colour, style in series:
        axes.plot(
            positions, values, style, marker="o", linewidth=2.5, markersize=6,
            color=TREND_COLOURS[colour], label=label,
        )  # fmt: skip
    last = weeks[-1].figures
    for value, colour in ((last.available, "available"), (last.realised, "realised")):
        axes.annotate(
            _dollars(float(value)), (positions[-1], float(value)), textcoords="offset points",
            xytext=(6, 4), fontsize=11, color=TREND_COLOURS[colour], fontweight="bold",
        )  # fmt: skip
    axes.set_title("Savings per month, week by week", fontsize=15, loc="left")
    axes.set_ylabel("US dollars a month", fontsize=12)
    axes.set_xlabel("ISO week (weeks start Monday, UTC)", fontsize=12)
    axes.set_xticks(positions, labels)
    step = max(1, (positions[-1] + 1) // 6)  # about six labels at most: readable on a phone
    for position, tick in zip(positions, axes.get_xticklabels(), strict=True):
        tick.set_visible((positions[-1] - position) % step == 0)
    axes.tick_params(labelsize=11)
    axes.yaxis.set_major_formatter(ticker.FuncFormatter(_dollars))
    axes.set_ylim(bottom=0)
    axes.set_xlim(-0.4, positions[-1] + 0.6)
    axes.grid(axis="y", alpha=0.3)
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(fontsize=11, frameon=False, loc="upper left", bbox_to_anchor=(0, -0.22), ncol=3)
    figure.tight_layout()
    return figure
