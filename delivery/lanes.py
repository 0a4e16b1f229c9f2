"""Every lane's wording (SPEC.md, "Every lane"): a workflow's lanes in one line, the premium paid
for priority on work nobody waits for, and what prompt caching saves. Plain text (figures and
fixed words only, no user text), so Slack blocks and the terminal share each sentence."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from batchscout.audit.advice import Advice
from batchscout.audit.digest import DigestFacts
from batchscout.audit.latency import Mode
from batchscout.audit.money import format_monthly, format_usd
from batchscout.audit.savings import LANE_OF_MODE, Portfolio, WorkflowFigures

LANES_LABEL = "Per month by lane"
WASTE_LABEL = "Priority waste"
CACHE_LABEL = "Prompt caching"
#: Said wherever a cache saving is shown: how it was priced.
WARM_CACHE_NOTE = "warm cache assumed, cache writes not counted"


def lanes_text(lanes: Mapping[str, Decimal | None], mode: Mode | str | None = None) -> str:
    """``standard $5,520 · batch $2,760 · priority $9,660 (now)`` (per month, under the label
    :data:`LANES_LABEL`): each lane the workflow has a price on, the one it runs on marked."""
    current = None if mode is None else LANE_OF_MODE[Mode(mode)]
    return " · ".join(
        f"{lane} {format_usd(cost)}" + (" (now)" if lane == current else "")
        for lane, cost in lanes.items()
        if cost is not None
    )


def waste_text(amount: Decimal) -> str:
    """``$6,900/month paying for priority on work nobody waits for``."""
    return f"{format_monthly(amount)} paying for priority on work nobody waits for"


def cache_text(figures: WorkflowFigures) -> str | None:
    """``saves $25,920/month (warm cache assumed, …)``, or that caching is on and its saving
    realised; ``None`` where there is no cache saving to show."""
    amount = figures.cache_monthly_savings
    if amount is None:
        return None
    if figures.caching:
        return f"on: {format_monthly(amount)} realised ({WARM_CACHE_NOTE})"
    return f"saves {format_monthly(amount)} ({WARM_CACHE_NOTE})"


def workflow_lane_rows(mode: Mode | str, figures: WorkflowFigures) -> list[tuple[str, str]]:
    """The (label, value) rows a workflow's card and panel show: its lanes, its priority waste
    and its cache saving, each where there is one."""
    rows = [(LANES_LABEL, lanes_text(figures.lanes, mode))]
    if figures.priority_waste > 0:
        rows.append((WASTE_LABEL, waste_text(figures.priority_waste)))
    cache = cache_text(figures)
    if cache is not None:
        rows.append((CACHE_LABEL, cache))
    return rows


def waste_line(amount: Decimal) -> str:
    """The portfolio's priority waste in one line: ``Paying for priority on work nobody waits
    for: $6,900/month``."""
    return f"Paying for priority on work nobody waits for: {format_monthly(amount)}"


def cache_line(amount: Decimal) -> str:
    """The real-time bucket's cache saving in one line."""
    return f"Prompt caching in the real-time bucket: {format_monthly(amount)} ({WARM_CACHE_NOTE})"


def portfolio_lines(figures: Portfolio | DigestFacts) -> list[str]:
    """The waste and the cache saving, one line each, where there is any."""
    lines = []
    if figures.priority_waste > 0:
        lines.append(waste_line(figures.priority_waste))
    if figures.cache_now > 0:
        lines.append(cache_line(figures.cache_now))
    return lines


def digest_lane_lines(facts: DigestFacts) -> list[str]:
    """The digest's lanes, waste and cache saving: one line each, where there is any."""
    by_lane = spend_by_lane_line(facts.spend_by_lane)
    return ([by_lane] if by_lane else []) + portfolio_lines(facts)


def spend_by_lane_line(spend: Mapping[str, Decimal]) -> str | None:
    """``Spend by lane: standard $49,500 · priority $9,660 · flex $83`` (where workflows run
    today); ``None`` when everything runs on standard."""
    shown = {lane: amount for lane, amount in spend.items() if amount > 0}
    if set(shown) <= {"standard"}:
        return None
    return "Spend by lane: " + lanes_text(shown)


def advice_steps(advice: Advice, figures: WorkflowFigures) -> Sequence[str]:
    """The advice's steps, the caching step naming the cache saving where there is one (the
    real-time bucket's advice: "optimise streaming: prefix caching…")."""
    amount = figures.cache_monthly_savings
    if amount is None or figures.caching or amount <= 0:
        return advice.steps
    return tuple(
        f"{step.rstrip('.')}: about {format_monthly(amount)} here ({WARM_CACHE_NOTE})."
        if "caching" in step
        else step
        for step in advice.steps
    )
