"""The savings report as data for scripts (``savings --json``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from batchscout.audit.money import cents_str
from batchscout.audit.savings import Portfolio
from batchscout.storage.queries import Row, many_objects


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
        "monthly_spend": cents_str(figures.monthly_spend),
        "migrate_now": cents_str(figures.migrate_now),
        "to_challenge": cents_str(figures.to_challenge),
        "realised": cents_str(figures.realised),
        "spend_after": cents_str(figures.spend_after),
        "flex_now": cents_str(figures.flex_now),
        "priority_waste": cents_str(figures.priority_waste),
        "cache_now": cents_str(figures.cache_now),
        "realised_from": list(figures.realised_from),
        "workflows": [
            {
                "name": workflow.name,
                "latency_class": str(workflow.latency_class),
                "batch_disguised_as_stream": workflow.batch_disguised_as_stream,
                "mode": str(workflow.mode),
                "monthly_cost": cents_str(item.monthly_cost),
                "monthly_savings": cents_str(item.monthly_savings),
                "advice_tier": str(item.advice_tier),
                "flex_monthly_savings": cents_str(item.flex_monthly_savings),
                "lanes": {lane: _money(cost) for lane, cost in item.lanes.items()},
                "priority_waste": cents_str(item.priority_waste),
                "cache_monthly_savings": _money(item.cache_monthly_savings),
                "rationale": workflow.rationale,
            }
            for workflow, item in rows
        ],
    }


def _money(amount: Decimal | None) -> str | None:
    return None if amount is None else cents_str(amount)
