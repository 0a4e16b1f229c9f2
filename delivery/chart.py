"""The digest's charts (PNG): monthly spend by latency class with the three kinds of savings,
and the weekly ledger's trend.

matplotlib (with numpy, pillow and fonttools, about 170 MB) is the optional ``chart`` extra
(``pip install 'batchscout[chart]'``; the container image has it). Without it the digest is
posted whole, only without the picture.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from batchscout.audit.digest import DigestFacts
from batchscout.audit.latency import LatencyClass
from batchscout.audit.ledger import LedgerWeek, week_start

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

COLOURS = {"real-time": "#d9534f", "near-real-time": "#f0ad4e", "scheduled": "#5cb85c"}


def digest_chart(facts: DigestFacts) -> bytes | None:
    """Render the chart as PNG bytes (safe in threads); ``None`` when matplotlib (the optional
    ``chart`` extra) is not installed."""
    if _MATPLOTLIB is None:
        return None
    figure_module, ticker = _MATPLOTLIB
    figure = figure_module.Figure(figsize=(8, 3.2), dpi=100)
    spend_axes, savings_axes = figure.subplots(1, 2)
    classes = [str(c) for c in LatencyClass]
    spend = [float(facts.spend_by_class.get(c, 0)) for c in classes]
    spend_axes.bar(classes, spend, color=[COLOURS[c] for c in classes])
    spend_axes.set_title("Monthly spend by latency class ($)")
    savings_labels = ["migrate now", "to challenge", "realised"]
    savings = [float(facts.migrate_now), float(facts.to_challenge), float(facts.realised)]
    savings_axes.bar(savings_labels, savings, color=["#5cb85c", "#f0ad4e", "#337ab7"])
    savings_axes.set_title("Monthly savings ($)")
    for axes in (spend_axes, savings_axes):
        axes.tick_params(axis="x", labelsize=8)
        axes.yaxis.set_major_formatter(ticker.StrMethodFormatter("{x:,.0f}"))
        axes.spines[["top", "right"]].set_visible(False)
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
