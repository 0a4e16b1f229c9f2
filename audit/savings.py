"""Savings: per workflow and per portfolio, in ``Decimal``, on a 30-day month.

Two discounted tiers (SPEC.md, "Money" and "Service tiers"): the batch API, and flex (the batch
price on the synchronous endpoint, only where the price catalog has a flex price). Every lane
(SPEC.md, "Every lane"): the monthly cost on standard, batch, flex and priority; the premium
paid for priority on work nobody waits for (``priority_waste``); and what a warm prompt cache
saves (``cache_monthly_savings``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple, TypeVar

from batchscout.audit.latency import LatencyClass, Mode


class Per(StrEnum):
    """The unit a request volume is counted in."""

    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


#: Periods per month as a fraction (numerator, denominator): a month is 30 days (SPEC.md,
#: "Money"). Kept exact: 30/7 as a Decimal is already rounded, so a week's figures divide last.
PER_MONTH: dict[Per, tuple[int, int]] = {
    Per.HOUR: (720, 1),
    Per.DAY: (30, 1),
    Per.WEEK: (30, 7),
    Per.MONTH: (1, 1),
}

DEFAULT_BATCH_RATIO = Decimal("0.5")

#: The lanes a request can run on, cheapest-first apart from standard (SPEC.md, "Every lane"):
#: the catalog's service tiers by name.
LANES = ("standard", "batch", "flex", "priority")
#: The lane each mode runs on.
LANE_OF_MODE: dict[Mode, str] = {
    Mode.SYNC: "standard",
    Mode.BATCH: "batch",
    Mode.FLEX: "flex",
    Mode.PRIORITY: "priority",
}

T = TypeVar("T")
ZERO = Decimal(0)
"""The zero every workflow's figures share (Decimals are immutable): a figure that ``is``
this one is zero, without a comparison."""
E = TypeVar("E", bound=StrEnum)


class AdviceTier(StrEnum):
    """The cheapest service tier a workflow's latency class allows (SPEC.md, "Service tiers")."""

    BATCH = "batch"
    FLEX = "flex"
    STANDARD = "standard"


class Bucket(StrEnum):
    """Which portfolio figure a workflow's savings count towards."""

    MIGRATE_NOW = "migrate_now"
    TO_CHALLENGE = "to_challenge"
    REALISED = "realised"
    NONE = "none"


def _monthly(price: Decimal, volume: Decimal, denominator: int) -> Decimal:
    """A price per request times ``volume`` (requests × the period's numerator), over the
    period's denominator: :func:`per_month` of ``price × requests``, multiplying first."""
    scaled = price * volume
    return scaled if denominator == 1 else scaled / denominator


def per_month(amount: Decimal, per: Per) -> Decimal:
    """Convert an amount counted per hour, day, week or month into one per month.

    Multiplies before it divides, so the only rounding is the division's last digit
    (54 requests a week × $0.02625 is exactly $6.075 a month, never $6.0749…).
    """
    numerator, denominator = PER_MONTH[_member(Per, per)]
    return _monthly(Decimal(amount), Decimal(numerator), denominator)


def _member(enum: type[E], value: E | str) -> E:
    """``value`` as a member of ``enum`` (ValueError for a value it does not have); a member
    is returned as is, without the enum call (these run once per workflow per read)."""
    return value if type(value) is enum else enum(value)


def monthly_requests(requests: Decimal, per: Per) -> Decimal:
    """Convert a volume counted per hour, day, week or month into requests per month."""
    return per_month(requests, per)


def advice_tier(latency_class: LatencyClass, mode: Mode, *, has_flex_price: bool) -> AdviceTier:
    """The tier to be on: scheduled → batch; near-real-time → flex where it is priced, else
    standard (challenge the requirement); real-time → standard, never flex or batch.

    A workflow already on a discounted tier keeps it: ``batch`` → batch, ``flex`` → flex; a
    ``priority`` one is advised like ``sync``.
    """
    mode, latency_class = _member(Mode, mode), _member(LatencyClass, latency_class)
    if latency_class is LatencyClass.REAL_TIME:
        return AdviceTier.STANDARD
    if mode is Mode.BATCH:
        return AdviceTier.BATCH
    if mode is Mode.FLEX:
        return AdviceTier.FLEX
    if latency_class is LatencyClass.SCHEDULED:
        return AdviceTier.BATCH
    return AdviceTier.FLEX if has_flex_price else AdviceTier.STANDARD


def batch_savings(
    stream_cost_per_request: Decimal, batch_cost_per_request: Decimal, eligible_requests: Decimal
) -> Decimal:
    """SPEC.md's formula: (stream cost − batch cost) per request × batch-eligible requests."""
    return (stream_cost_per_request - batch_cost_per_request) * eligible_requests


class WorkflowFigures(NamedTuple):
    """A workflow's monthly money, in US dollars a month.

    ``flex_monthly`` is ``None`` where there is no flex price; ``flex_monthly_savings`` is what
    flex saves against the standard price each month (0 without a flex price, and for
    real-time work, which must stay on the standard tier).

    Immutable, and a named tuple rather than a frozen dataclass: the reads that touch every
    workflow make one per workflow, and a frozen dataclass's ``__init__`` (one
    ``object.__setattr__`` per field) took a third of the figures' time at 100,000 workflows
    (bench/figures_bench.py).
    """

    monthly_requests: Decimal
    sync_monthly: Decimal
    batch_monthly: Decimal
    monthly_cost: Decimal
    monthly_savings: Decimal
    bucket: Bucket
    advice_tier: AdviceTier = AdviceTier.STANDARD
    flex_monthly: Decimal | None = None
    flex_monthly_savings: Decimal = Decimal(0)
    priority_monthly: Decimal | None = None
    priority_waste: Decimal = Decimal(0)
    """What a non-real-time ``priority`` workflow pays above the cheapest lane its class allows
    (scheduled: batch; near-real-time: flex where priced, else standard); 0 otherwise."""
    cache_monthly_savings: Decimal | None = None
    """What a warm prompt cache saves a month at the lane the workflow runs on; ``None`` with
    no cached share or no cache-read price. Cache writes are not counted."""
    caching: bool = False
    """Prompt caching is already on: the cache saving is realised, not an opportunity."""
    mode: Mode = Mode.SYNC
    """The lane the workflow runs on (its realised savings are on ``batch`` or ``flex``)."""

    @property
    def lanes(self) -> dict[str, Decimal | None]:
        """The monthly cost on each lane (``standard``, ``batch``, ``flex``, ``priority``),
        ``None`` where the lane has no price."""
        costs = (self.sync_monthly, self.batch_monthly, self.flex_monthly, self.priority_monthly)
        return dict(zip(LANES, costs, strict=True))

    @property
    def cache_now(self) -> Decimal:
        """The cache saving still to be had in the real-time bucket: a real-time workflow's
        cache saving while caching is not on yet (the portfolio's ``cache_now``)."""
        if self.caching or self.cache_monthly_savings is None or self.bucket is not Bucket.NONE:
            return ZERO
        return self.cache_monthly_savings

    @property
    def cache_realised(self) -> Decimal:
        """The cache saving of a workflow whose caching is already on (counted as realised)."""
        if not self.caching or self.cache_monthly_savings is None:
            return ZERO
        return self.cache_monthly_savings

    @property
    def flex_now(self) -> Decimal:
        """What flex saves this workflow now with no change to its UX: its flex savings when it
        is near-real-time and still on ``sync`` (counted in the portfolio's ``flex_now``)."""
        return self.flex_monthly_savings if self.bucket is Bucket.TO_CHALLENGE else ZERO


def workflow_figures(
    *,
    sync_per_request: Decimal,
    batch_per_request: Decimal,
    requests: Decimal,
    per: Per,
    latency_class: LatencyClass,
    mode: Mode,
    flex_per_request: Decimal | None = None,
    priority_per_request: Decimal | None = None,
    cache_saving_per_request: Decimal | None = None,
    caching: bool = False,
) -> WorkflowFigures:
    """Price a workflow for a month.

    A ``sync`` workflow costs its synchronous price; its savings are an opportunity
    (``migrate_now`` when scheduled, ``to_challenge`` when near-real-time: what batch would
    save). A ``batch`` workflow costs the batch price and its savings are ``realised``; so does
    a ``flex`` one at the flex price (at the synchronous price, saving nothing, when there is
    no flex price to know it by). Flex savings = (standard − flex cost per request) × monthly
    requests. Real-time workflows save nothing: batching them would break the product.

    A ``priority`` workflow costs the priority price and is synchronous for the portfolio: its
    batch (and flex) savings are measured from that cost, and ``priority_waste`` is the premium
    part (cost − the cheapest lane its class allows), none for real-time work. The cache saving
    is monthly requests × ``cache_saving_per_request`` (priced at the lane it runs on).
    """
    # per_month's arithmetic with the period looked up once: the price times the requests
    # times the period's numerator (exact), then the one division.
    numerator, denominator = PER_MONTH[_member(Per, per)]
    volume = Decimal(requests) * numerator
    sync_monthly = _monthly(sync_per_request, volume, denominator)
    batch_monthly = _monthly(batch_per_request, volume, denominator)
    flex_monthly = (
        None if flex_per_request is None else _monthly(flex_per_request, volume, denominator)
    )
    priority_monthly = (
        None
        if priority_per_request is None
        else _monthly(priority_per_request, volume, denominator)
    )
    mode = _member(Mode, mode)
    latency_class = _member(LatencyClass, latency_class)
    if mode is Mode.BATCH:
        cost = batch_monthly
    elif mode is Mode.FLEX and flex_monthly is not None:
        cost = flex_monthly
    elif mode is Mode.PRIORITY and priority_monthly is not None:
        cost = priority_monthly
    else:
        cost = sync_monthly
    # What the workflow pays on a synchronous lane today: the flex and batch savings start there.
    synchronous = cost if mode is Mode.PRIORITY else sync_monthly
    flex_saved = ZERO
    if flex_monthly is not None and latency_class is not LatencyClass.REAL_TIME:
        flex_saved = max(synchronous - flex_monthly, ZERO)
    if latency_class is LatencyClass.REAL_TIME:
        bucket = Bucket.NONE
    elif mode in (Mode.BATCH, Mode.FLEX):
        bucket = Bucket.REALISED
    elif latency_class is LatencyClass.SCHEDULED:
        bucket = Bucket.MIGRATE_NOW
    else:
        bucket = Bucket.TO_CHALLENGE
    saved = ZERO
    if mode is Mode.FLEX:
        saved = flex_saved
    elif bucket is not Bucket.NONE:
        # The formula, (sync − batch) × requests, taken on the monthly totals so that rounding
        # in a week's 30/7 can never make savings exceed the cost they come out of.
        saved = max(synchronous - batch_monthly, ZERO)
    waste = ZERO
    if (
        mode is Mode.PRIORITY
        and priority_monthly is not None
        and latency_class is not LatencyClass.REAL_TIME
    ):
        cheapest = batch_monthly if latency_class is LatencyClass.SCHEDULED else sync_monthly
        if latency_class is LatencyClass.NEAR_REAL_TIME and flex_monthly is not None:
            cheapest = flex_monthly
        waste = max(cost - cheapest, ZERO)
    cache_saved = None
    if cache_saving_per_request is not None:
        cache_saved = _monthly(cache_saving_per_request, volume, denominator)
    tier = advice_tier(latency_class, mode, has_flex_price=flex_monthly is not None)
    return WorkflowFigures(
        volume if denominator == 1 else volume / denominator,
        sync_monthly,
        batch_monthly,
        cost,
        saved,
        bucket,
        tier,
        flex_monthly,
        flex_saved,
        priority_monthly,
        waste,
        cache_saved,
        caching,
        mode,
    )


@dataclass(frozen=True, slots=True)
class Portfolio:
    """A workspace's figures (SPEC.md, "Money")."""

    monthly_spend: Decimal
    migrate_now: Decimal
    to_challenge: Decimal
    realised: Decimal
    eligible_spend: Decimal = Decimal(0)
    """Monthly spend of the scheduled workflows still on ``sync``: what batch could cut now."""
    flex_now: Decimal = Decimal(0)
    """Flex savings of the near-real-time workflows still on ``sync``: an alternative to
    ``to_challenge`` for the same workflows (flex now, or batch if the requirement is relaxed),
    never to be added to it."""
    priority_waste: Decimal = Decimal(0)
    """The premium paid for priority on work nobody waits for: part of ``migrate_now`` and
    ``to_challenge``, a view of them like ``flex_now``, never added to them."""
    cache_now: Decimal = Decimal(0)
    """What a warm prompt cache would save the real-time workflows not caching yet."""
    realised_from: tuple[str, ...] = ()
    """Where ``realised`` comes from, of ``batch``, ``flex`` and ``prompt caching`` (in that
    order; empty when nothing is realised): see :func:`realised_wording`."""

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
    flex_now = waste = cache_now = cache_realised = Decimal(0)
    by_bucket = dict.fromkeys(Bucket, Decimal(0))
    sources: set[str] = set()
    for item in figures:
        if item.bucket is Bucket.REALISED and item.monthly_savings > 0:
            sources.add(item.mode.value)
        if item.cache_realised > 0:
            sources.add(PROMPT_CACHING)
        spend += item.monthly_cost
        flex_now += item.flex_now
        waste += item.priority_waste
        cache_now += item.cache_now
        cache_realised += item.cache_realised
        by_bucket[item.bucket] += item.monthly_savings
        if item.bucket is Bucket.MIGRATE_NOW:
            eligible += item.monthly_cost
    return Portfolio(
        monthly_spend=spend,
        migrate_now=by_bucket[Bucket.MIGRATE_NOW],
        to_challenge=by_bucket[Bucket.TO_CHALLENGE],
        realised=by_bucket[Bucket.REALISED] + cache_realised,
        eligible_spend=eligible,
        flex_now=flex_now,
        priority_waste=waste,
        cache_now=cache_now,
        realised_from=tuple(s for s in REALISED_SOURCES if s in sources),
    )


PROMPT_CACHING = "prompt caching"
#: What realised savings can come from, in the order every surface names them.
REALISED_SOURCES = (Mode.BATCH.value, Mode.FLEX.value, PROMPT_CACHING)


def realised_wording(found: Sequence[str]) -> str:
    """What the realised savings come from (a :attr:`Portfolio.realised_from`), for every
    surface that labels them: ``on batch``, ``on batch and flex``, ``from prompt caching``,
    ``on batch and from prompt caching``…; ``on batch or flex, or from prompt caching`` when
    nothing is realised yet."""
    lanes = [s for s in found if s != PROMPT_CACHING]
    parts = []
    if lanes:
        parts.append("on " + " and ".join(lanes))
    if PROMPT_CACHING in found:
        parts.append("from " + PROMPT_CACHING)
    if not parts:
        return "on batch or flex, or from prompt caching"
    return " and ".join(parts)


def opportunities(
    rows: Iterable[tuple[T, WorkflowFigures]],
    *,
    buckets: tuple[Bucket, ...] = (Bucket.MIGRATE_NOW, Bucket.TO_CHALLENGE),
    floor: Decimal = Decimal(0),
) -> list[tuple[T, WorkflowFigures]]:
    """Rows whose savings are still to be had, largest first, above a noise ``floor``."""
    kept = [r for r in rows if r[1].bucket in buckets and r[1].monthly_savings > floor]
    return sorted(kept, key=lambda r: r[1].monthly_savings, reverse=True)
