"""Savings: per workflow and per portfolio, in ``Decimal``, on a 30-day month."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from batchscout.audit.latency import LatencyClass, Mode


class Per(StrEnum):
    """The unit a request volume is counted in."""

    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


#: Periods per month: a month is 30 days (SPEC.md, "Money").
PER_MONTH: dict[Per, Decimal] = {
    Per.HOUR: Decimal(720),
    Per.DAY: Decimal(30),
    Per.WEEK: Decimal(30) / Decimal(7),
    Per.MONTH: Decimal(1),
}

DEFAULT_BATCH_RATIO = Decimal("0.5")

T = TypeVar("T")


class Bucket(StrEnum):
    """Which portfolio figure a workflow's savings count towards."""

    MIGRATE_NOW = "migrate_now"
    TO_CHALLENGE = "to_challenge"
    REALISED = "realised"
    NONE = "none"


def monthly_requests(requests: Decimal, per: Per) -> Decimal:
    """Convert a volume counted per hour, day, week or month into requests per month."""
    return Decimal(requests) * PER_MONTH[Per(per)]


def batch_savings(
    stream_cost_per_request: Decimal, batch_cost_per_request: Decimal, eligible_requests: Decimal
) -> Decimal:
    """SPEC.md's formula: (stream cost − batch cost) per request × batch-eligible requests."""
    return (stream_cost_per_request - batch_cost_per_request) * eligible_requests


@dataclass(frozen=True, slots=True)
class WorkflowFigures:
    """A workflow's monthly money."""

    monthly_requests: Decimal
    sync_monthly: Decimal
    batch_monthly: Decimal
    monthly_cost: Decimal
    monthly_savings: Decimal
    bucket: Bucket


def workflow_figures(
    *,
    sync_per_request: Decimal,
    batch_per_request: Decimal,
    requests: Decimal,
    per: Per,
    latency_class: LatencyClass,
    mode: Mode,
) -> WorkflowFigures:
    """Price a workflow for a month.

    A ``sync`` workflow costs its synchronous price; its savings are an opportunity
    (``migrate_now`` when scheduled, ``to_challenge`` when near-real-time). A ``batch``
    workflow costs the batch price and its savings are ``realised``. Real-time workflows
    save nothing: batching them would break the product.
    """
    per_month = monthly_requests(requests, per)
    sync_monthly = sync_per_request * per_month
    batch_monthly = batch_per_request * per_month
    mode = Mode(mode)
    latency_class = LatencyClass(latency_class)
    cost = batch_monthly if mode is Mode.BATCH else sync_monthly
    if latency_class is LatencyClass.REAL_TIME:
        bucket = Bucket.NONE
    elif mode is Mode.BATCH:
        bucket = Bucket.REALISED
    elif latency_class is LatencyClass.SCHEDULED:
        bucket = Bucket.MIGRATE_NOW
    else:
        bucket = Bucket.TO_CHALLENGE
    saved = Decimal(0)
    if bucket is not Bucket.NONE:
        # The formula, (sync − batch) × requests, taken on the monthly totals so that rounding
        # in a week's 30/7 can never make savings exceed the cost they come out of.
        saved = max(sync_monthly - batch_monthly, Decimal(0))
    return WorkflowFigures(per_month, sync_monthly, batch_monthly, cost, saved, bucket)


@dataclass(frozen=True, slots=True)
class Portfolio:
    """A workspace's figures (SPEC.md, "Money")."""

    monthly_spend: Decimal
    migrate_now: Decimal
    to_challenge: Decimal
    realised: Decimal
    eligible_spend: Decimal = Decimal(0)
    """Monthly spend of the scheduled workflows still on ``sync``: what batch could cut now."""

    @property
    def spend_after(self) -> Decimal:
        """What the workspace spends once every scheduled workflow has moved to batch."""
        return self.monthly_spend - self.migrate_now

    @property
    def eligible_share(self) -> Decimal:
        """The share of monthly spend that could move to the batch API now (0 to 1)."""
        if self.monthly_spend == 0:
            return Decimal(0)
        return self.eligible_spend / self.monthly_spend


def portfolio(figures: Iterable[WorkflowFigures]) -> Portfolio:
    """Sum workflows' figures into the portfolio figures."""
    spend = Decimal(0)
    eligible = Decimal(0)
    by_bucket = dict.fromkeys(Bucket, Decimal(0))
    for item in figures:
        spend += item.monthly_cost
        by_bucket[item.bucket] += item.monthly_savings
        if item.bucket is Bucket.MIGRATE_NOW:
            eligible += item.monthly_cost
    return Portfolio(
        monthly_spend=spend,
        migrate_now=by_bucket[Bucket.MIGRATE_NOW],
        to_challenge=by_bucket[Bucket.TO_CHALLENGE],
        realised=by_bucket[Bucket.REALISED],
        eligible_spend=eligible,
    )


def opportunities(
    rows: Iterable[tuple[T, WorkflowFigures]],
    *,
    buckets: tuple[Bucket, ...] = (Bucket.MIGRATE_NOW, Bucket.TO_CHALLENGE),
    floor: Decimal = Decimal(0),
) -> list[tuple[T, WorkflowFigures]]:
    """Rows whose savings are still to be had, largest first, above a noise ``floor``."""
    kept = [r for r in rows if r[1].bucket in buckets and r[1].monthly_savings > floor]
    return sorted(kept, key=lambda r: r[1].monthly_savings, reverse=True)
