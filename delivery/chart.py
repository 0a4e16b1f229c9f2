"""The digest's chart: monthly spend by latency class, and the three kinds of savings (PNG)."""

from __future__ import annotations

import io

# A bare Figure renders with the Agg canvas: no pyplot, no display, no global state.
from matplotlib.figure import Figure
from matplotlib.ticker import StrMethodFormatter

from batchscout.audit.digest import DigestFacts
from batchscout.audit.latency import LatencyClass

COLOURS = {"real-time": "#d9534f", "near-real-time": "#f0ad4e", "scheduled": "#5cb85c"}


def digest_chart(facts: DigestFacts) -> bytes:
    """Render the chart as PNG bytes (safe in threads)."""
    figure = Figure(figsize=(8, 3.2), dpi=100)
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
        axes.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
        axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
