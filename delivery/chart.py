"""The digest's chart: monthly spend by latency class, and the three kinds of savings (PNG).

matplotlib (with numpy, pillow and fonttools, about 170 MB) is the optional ``chart`` extra
(``pip install 'batchscout[chart]'``; the container image has it). Without it the digest is
posted whole, only without the picture.
"""

from __future__ import annotations

import io
from types import ModuleType

from batchscout.audit.digest import DigestFacts
from batchscout.audit.latency import LatencyClass

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
