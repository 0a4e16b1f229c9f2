"""The weekly ledger's use cases: take a week's snapshot, read the history, and what the digest
and App Home show of it (SPEC.md, "Progress over time: the ledger").

A snapshot holds the figures as they are when it is taken: the portfolio
(:func:`~batchscout.storage.queries.workspace_portfolio`), the verified savings (the usage
report's ``verified`` workflows) and the opportunity totals per status.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from batchscout.audit.ledger import (
    DEFAULT_WEEKS,
    OPPORTUNITY_STATUSES,
    LedgerFigures,
    LedgerWeek,
    Trend,
    benchmarks,
    iso_week,
    week_over_week,
)
from batchscout.audit.money import cents_str
from batchscout.audit.savings import Bucket
from batchscout.audit.usage import UsageStatus
from batchscout.logs import get_logger
from batchscout.services.opportunities import status_totals
from batchscout.services.usage import usage_report
from batchscout.storage import ledger as store
from batchscout.storage import queries
from batchscout.storage.db import session_scope
from batchscout.storage.queries import Row
from batchscout.storage.types import utcnow

log = get_logger(__name__)


def opportunity_totals(*, session: Session, team_id: str, now: datetime) -> dict[str, Decimal]:
    """Monthly savings per opportunity status (keys ``OPPORTUNITY_STATUSES``, US dollars a
    month), as ``opportunities --json``'s ``totals`` (the opportunity lifecycle's
    :func:`~batchscout.services.opportunities.status_totals`, which first brings the stored
    opportunities up to date with the workflows)."""
    totals = status_totals(session=session, team_id=team_id, now=now)
    return {status: totals.get(status, Decimal(0)) for status in OPPORTUNITY_STATUSES}


def verified_savings(*, rows: Sequence[Row], verified: frozenset[str]) -> Decimal:
    """The realised savings of the workflows named in ``verified`` (US dollars a month)."""
    return sum(
        (i.monthly_savings for w, i in rows if i.bucket is Bucket.REALISED and w.name in verified),
        Decimal(0),
    )


def current_figures(*, session: Session, team_id: str, now: datetime) -> LedgerFigures:
    """The team's ledger figures as they are now."""
    figures, rows = queries.workspace_portfolio(session=session, team_id=team_id)
    report = usage_report(session=session, team_id=team_id, today=now.date())
    verified = frozenset(w.link.name for w in report.workflows if w.status is UsageStatus.VERIFIED)
    return LedgerFigures(
        monthly_spend=figures.monthly_spend,
        migrate_now=figures.migrate_now,
        to_challenge=figures.to_challenge,
        flex_now=figures.flex_now,
        realised=figures.realised,
        spend_after=figures.spend_after,
        verified_savings=verified_savings(rows=rows, verified=verified),
        opportunities=opportunity_totals(session=session, team_id=team_id, now=now),
    )


class SnapshotRefused(ValueError):
    """A snapshot asked for a week that has not begun: ``as_of`` is later than now."""


def take_snapshot(
    *, session: Session, team_id: str, as_of: datetime, now: datetime | None = None
) -> LedgerWeek:
    """Store the snapshot of the ISO week containing ``as_of`` (UTC), from the figures as they
    are ``now`` (default the current time, UTC), replacing that week's earlier one;
    ``taken_at`` is ``as_of``. Opportunities are brought up to date at ``now``, never at
    ``as_of``, so a snapshot never ends a snooze or dates an opportunity's history.
    Raises :class:`SnapshotRefused` when ``as_of`` is later than ``now``."""
    now = now or utcnow()
    if as_of > now:
        raise SnapshotRefused(
            f"{as_of:%Y-%m-%d %H:%M} UTC is in the future: a snapshot holds the figures as "
            "they are now, for this week or an earlier one; nothing was stored."
        )
    figures = current_figures(session=session, team_id=team_id, now=now)
    week = LedgerWeek(iso_week(as_of), as_of, figures)
    store.store_snapshot(
        session=session, team_id=team_id, week=week.week, taken_at=as_of, figures=figures
    )
    log.info("ledger snapshot taken", team_id=team_id, week=week.week,
        realised=f"{figures.realised:.2f}", available=f"{figures.available:.2f}",
    )  # fmt: skip
    return week


def snapshot_team(engine: Engine, team_id: str, *, now: datetime) -> LedgerWeek:
    """Take the team's snapshot for the week containing ``now`` in its own transaction."""
    with session_scope(engine) as session:
        return take_snapshot(session=session, team_id=team_id, as_of=now, now=now)


def snapshot_teams(engine: Engine) -> list[str]:
    """The workspaces the Monday job takes a snapshot of: those with an active workflow or a
    ledger already."""
    with session_scope(engine) as session:
        return store.snapshot_teams(session=session)


def history(*, session: Session, team_id: str, weeks: int = DEFAULT_WEEKS) -> list[LedgerWeek]:
    """The team's last ``weeks`` snapshots, oldest first (empty: no history yet)."""
    return store.recent_weeks(session=session, team_id=team_id, weeks=weeks)


def week_document(week: LedgerWeek) -> dict[str, Any]:
    """One week of ``history --json``: money as two-decimal strings, ``taken_at`` ISO 8601 UTC."""
    f = week.figures
    return {
        "week": week.week,
        "taken_at": week.taken_at.isoformat().replace("+00:00", "Z"),
        "monthly_spend": cents_str(f.monthly_spend),
        "migrate_now": cents_str(f.migrate_now),
        "to_challenge": cents_str(f.to_challenge),
        "flex_now": cents_str(f.flex_now),
        "realised": cents_str(f.realised),
        "spend_after": cents_str(f.spend_after),
        "verified_savings": cents_str(f.verified_savings),
        "opportunities": {
            status: cents_str(f.opportunities.get(status, Decimal(0)))
            for status in OPPORTUNITY_STATUSES
        },
    }


def history_document(weeks: Sequence[LedgerWeek]) -> dict[str, Any]:
    """SPEC.md's ``history --json``: ``{"weeks": [...]}``, oldest first."""
    return {"weeks": [week_document(week) for week in weeks]}


def trend(
    *,
    session: Session,
    team_id: str,
    weeks: int = DEFAULT_WEEKS,
    rows: Sequence[Row] | None = None,
) -> Trend:
    """The team's trend from its stored snapshots and its current workflows (``rows``, when
    the caller has read them already)."""
    recent = history(session=session, team_id=team_id, weeks=weeks)
    if rows is None:
        rows = queries.workflow_rows(session=session, team_id=team_id)
    return Trend(recent, week_over_week(recent), benchmarks(item for _, item in rows))
