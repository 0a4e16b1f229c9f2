"""The savings report as data for scripts (``savings --json``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from batchscout.audit.money import cents_str
from batchscout.audit.savings import ZERO, Portfolio, WorkflowFigures
from batchscout.storage.queries import Row, WorkflowRow, many_objects


def savings_document(figures: Portfolio, rows: list[Row]) -> dict[str, Any]:
    """SPEC.md's ``savings --json`` object: money as two-decimal strings.

    ``flex_now`` and ``to_challenge`` are two options for the same near-real-time workflows
    (SPEC.md, "Service tiers"), never a sum; ``priority_waste`` is a view of ``migrate_now`` and
    ``to_challenge`` too. Each workflow's ``lanes`` (SPEC.md, "Every lane") maps ``standard``,
    ``batch``, ``flex`` and ``priority`` to its monthly cost there, ``null`` where the lane has
    no price; ``cache_monthly_savings`` is ``null`` without a cached share or a cache-read price.
    ``realised_from`` lists where ``realised`` comes from: ``batch``, ``flex``, ``prompt caching``.
    """
    with many_objects():  # a dict and three strings per workflow
        return _document(figures, rows)


def _document(figures: Portfolio, rows: list[Row]) -> dict[str, Any]:
    return {
        **_figures(figures),
        "workflows": [_workflow(workflow, item) for workflow, item in rows],
    }


def _figures(figures: Portfolio) -> dict[str, Any]:
    return {
        "monthly_spend": cents_str(figures.monthly_spend),
        "migrate_now": cents_str(figures.migrate_now),
        "to_challenge": cents_str(figures.to_challenge),
        "realised": cents_str(figures.realised),
        "spend_after": cents_str(figures.spend_after),
        "flex_now": cents_str(figures.flex_now),
        "priority_waste": cents_str(figures.priority_waste),
        "cache_now": cents_str(figures.cache_now),
        "realised_from": list(figures.realised_from),
    }


def _workflow(workflow: WorkflowRow, item: WorkflowFigures) -> dict[str, Any]:
    # A workflow's cost is one of its lanes' costs, and most of its other figures are the
    # one shared zero: each amount is formatted once (six per workflow at 100,000).
    lanes = item.lanes
    shown = {lane: _money(amount) for lane, amount in lanes.items()}
    cost = item.monthly_cost
    cost_text = next((shown[lane] for lane, amount in lanes.items() if amount is cost), None)
    return {
        "name": workflow.name,
        "latency_class": str(workflow.latency_class),
        "batch_disguised_as_stream": workflow.batch_disguised_as_stream,
        "mode": str(workflow.mode),
        "monthly_cost": cents_str(cost) if cost_text is None else cost_text,
        "monthly_savings": _money(item.monthly_savings),
        "advice_tier": str(item.advice_tier),
        "flex_monthly_savings": _money(item.flex_monthly_savings),
        "lanes": shown,
        "priority_waste": _money(item.priority_waste),
        "cache_monthly_savings": _money(item.cache_monthly_savings),
        "rationale": workflow.rationale,
    }


_ZERO_TEXT = cents_str(ZERO)


def _money(amount: Decimal | None) -> str | None:
    if amount is None:
        return None
    return _ZERO_TEXT if amount is ZERO else cents_str(amount)
