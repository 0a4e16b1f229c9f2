"""The weekly ledger: ISO weeks, a week's figures, what moved week over week, and how a
workspace's shares compare with the typical ranges (SPEC.md, "Progress over time").

Pure: no Slack, no database. The sentences that state these figures live in ``delivery/``
(Slack) and ``cli/`` (the terminal).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from batchscout.audit.savings import AdviceTier, Bucket, WorkflowFigures

#: The opportunity statuses a snapshot totals, in the order of ``opportunities --json``.
OPPORTUNITY_STATUSES: tuple[str, ...] = (
    "open",
    "accepted",
    "snoozed",
    "dismissed",
    "done",
    "verified",
    "not_migrated",
)
#: How many weeks ``history`` and the digest's trend chart show by default.
DEFAULT_WEEKS = 12
#: The most weeks ``history --weeks`` reads (ten years of Mondays).
MAX_WEEKS = 520

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_ZERO = Decimal(0)


def iso_week(moment: datetime) -> str:
    """The ISO week containing ``moment`` (in UTC): ``2026-W50``; weeks start Monday 00:00 UTC.

    Raises ``ValueError`` for a naive datetime (a moment needs its zone)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given; a moment needs its time zone")
    year, week, _ = moment.astimezone(UTC).isocalendar()
    return f"{year:04d}-W{week:02d}"


def week_start(week: str) -> datetime:
    """Monday 00:00 UTC of an ISO week such as ``2026-W50``; ``ValueError`` when malformed."""
    match = _WEEK.match(week)
    if not match:
        raise ValueError(f"“{week}” is not an ISO week like 2026-W50")
    return datetime.fromisocalendar(int(match[1]), int(match[2]), 1).replace(tzinfo=UTC)


def previous_week(week: str) -> str:
    """The ISO week before ``week``."""
    return iso_week(week_start(week) - timedelta(days=7))


@dataclass(frozen=True, slots=True)
class LedgerFigures:
    """A workspace's figures at one moment, in US dollars a month (30-day months).

    The six portfolio figures (SPEC.md, "Money" and "Service tiers"), ``verified_savings``
    (the realised savings of workflows whose provider usage is ``verified``) and
    ``opportunities``: monthly savings per opportunity status (keys :data:`OPPORTUNITY_STATUSES`).
    """

    monthly_spend: Decimal
    migrate_now: Decimal
    to_challenge: Decimal
    flex_now: Decimal
    realised: Decimal
    spend_after: Decimal
    verified_savings: Decimal
    opportunities: Mapping[str, Decimal] = field(default_factory=dict)

    @property
    def available(self) -> Decimal:
        """Savings still to be had: scheduled work to move plus near-real-time work to
        challenge (flex is an alternative for the latter, never added)."""
        return self.migrate_now + self.to_challenge


@dataclass(frozen=True, slots=True)
class LedgerWeek:
    """One snapshot: its ISO ``week``, when it was taken (UTC) and its figures."""

    week: str
    taken_at: datetime
    figures: LedgerFigures


@dataclass(frozen=True, slots=True)
class Movement:
    """What moved between two snapshots (US dollars a month; a change is now − before)."""

    week: str
    since: str
    realised: Decimal
    realised_change: Decimal
    available: Decimal
    available_change: Decimal
    verified: Decimal
    verified_change: Decimal


def week_over_week(weeks: Sequence[LedgerWeek]) -> Movement | None:
    """The latest snapshot against the one before it (``weeks`` oldest first); ``None`` with
    fewer than two."""
    if len(weeks) < 2:
        return None
    before, now = weeks[-2], weeks[-1]
    b, n = before.figures, now.figures
    return Movement(
        week=now.week,
        since=before.week,
        realised=n.realised,
        realised_change=n.realised - b.realised,
        available=n.available,
        available_change=n.available - b.available,
        verified=n.verified_savings,
        verified_change=n.verified_savings - b.verified_savings,
    )


# -- "Is your number good?" ---------------------------------------------------------------------


class Position(StrEnum):
    """Where a share sits against a typical range: a comparison, never a grade."""

    BELOW = "below"
    WITHIN = "within"
    ABOVE = "above"


#: The seed's industry ranges: 30–60% of requests are batch-eligible; once the eligible work
#: has moved, realised savings are typically 20–30% of total inference spend.
TYPICAL_ELIGIBLE = (Decimal("0.30"), Decimal("0.60"))
TYPICAL_REALISED = (Decimal("0.20"), Decimal("0.30"))


@dataclass(frozen=True, slots=True)
class Comparison:
    """A workspace's share (0 to 1) beside a typical range (``low``–``high``, 0 to 1)."""

    share: Decimal
    low: Decimal
    high: Decimal

    @property
    def position(self) -> Position:
        if self.share < self.low:
            return Position.BELOW
        return Position.ABOVE if self.share > self.high else Position.WITHIN


@dataclass(frozen=True, slots=True)
class Benchmarks:
    """The two comparisons, on list (standard-tier) prices so that moving work does not change
    what counts as eligible.

    ``eligible``: spend of the work batch can take (scheduled work still on ``sync``, and
    work already on a batch API) as a share of all spend, both at standard prices. ``realised``: realised savings as a share of
    the same total (what the inference would cost at standard prices).
    """

    eligible: Comparison
    realised: Comparison
    list_spend: Decimal


def benchmarks(figures: Iterable[WorkflowFigures]) -> Benchmarks | None:
    """Compare a workspace's workflows with the typical ranges; ``None`` when it spends
    nothing (no share to compare)."""
    total = eligible = realised = _ZERO
    for item in figures:
        total += item.sync_monthly
        if item.bucket is Bucket.MIGRATE_NOW or (
            item.bucket is Bucket.REALISED and item.advice_tier is AdviceTier.BATCH
        ):
            eligible += item.sync_monthly
        if item.bucket is Bucket.REALISED:
            realised += item.monthly_savings
    if total <= 0:
        return None
    return Benchmarks(
        eligible=Comparison(eligible / total, *TYPICAL_ELIGIBLE),
        realised=Comparison(realised / total, *TYPICAL_REALISED),
        list_spend=total,
    )


@dataclass(frozen=True, slots=True)
class Trend:
    """What the digest and App Home show of the ledger: the last weeks (oldest first), the
    latest week's movement (``None`` with fewer than two weeks) and the comparison with the
    typical ranges (``None`` for a workspace that spends nothing)."""

    weeks: list[LedgerWeek]
    movement: Movement | None
    benchmarks: Benchmarks | None
