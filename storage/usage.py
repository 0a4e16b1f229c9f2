"""Queries for provider usage: store an imported window (replacing what was there), read it
back for the report, and keep the workspaces' encrypted admin keys. Team-scoped throughout."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, delete, select

from batchscout.audit.usage import (
    MAX_DAYS,
    CostRecord,
    UsageProvider,
    UsageRecord,
    UsageWindow,
)
from batchscout.storage.types import utcnow
from batchscout.storage.usage_tables import (
    UsageCostDay,
    UsageCredential,
    UsageHour,
    UsageImportDay,
)


def store_window(*, session: Session, team_id: str, window: UsageWindow) -> None:
    """Replace the workspace's usage and costs of ``window.provider`` over the window's days.

    Everything stored for those days goes and the window's buckets come in, in the caller's
    transaction: importing the same days again changes nothing, a bucket the provider revised
    is replaced (never counted twice), one it dropped is gone. The unique keys of the tables
    refuse a doubled bucket outright.
    """
    provider = window.provider
    days = window.days
    session.exec(
        delete(UsageHour).where(
            col(UsageHour.team_id) == team_id,
            col(UsageHour.provider) == provider,
            col(UsageHour.start) >= window.start,
            col(UsageHour.start) < window.end,
        )
    )
    session.exec(
        delete(UsageCostDay).where(
            col(UsageCostDay.team_id) == team_id,
            col(UsageCostDay.provider) == provider,
            col(UsageCostDay.day).in_(days),
        )
    )
    session.exec(
        delete(UsageImportDay).where(
            col(UsageImportDay.team_id) == team_id,
            col(UsageImportDay.provider) == provider,
            col(UsageImportDay.day).in_(days),
        )
    )
    now = utcnow()
    session.add_all(
        UsageHour(
            team_id=team_id,
            provider=provider,
            start=r.start,
            project=r.project,
            api_key=r.api_key,
            model=r.model,
            tier=r.tier,
            requests=r.requests,
            input_tokens=r.input_tokens,
            cache_read_tokens=r.cache_read_tokens,
            cache_write_tokens=r.cache_write_tokens,
            output_tokens=r.output_tokens,
            imported_at=now,
        )
        for r in window.usage
    )
    session.add_all(
        UsageCostDay(
            team_id=team_id,
            provider=provider,
            day=c.day,
            project=c.project,
            api_key=c.api_key,
            description=c.description,
            amount=c.amount,
            imported_at=now,
        )
        for c in window.costs
    )
    session.add_all(
        UsageImportDay(team_id=team_id, provider=provider, day=day, imported_at=now) for day in days
    )
    session.flush()


def covered_days(
    *, session: Session, team_id: str, today: date, max_days: int = MAX_DAYS
) -> dict[UsageProvider, list[date]]:
    """The days imported for each provider among the last ``max_days`` before ``today``."""
    since = today - timedelta(days=max_days)
    rows = session.exec(
        select(UsageImportDay).where(
            UsageImportDay.team_id == team_id,
            col(UsageImportDay.day) >= since,
            col(UsageImportDay.day) < today,
        )
    ).all()
    found: dict[UsageProvider, list[date]] = defaultdict(list)
    for row in rows:
        found[UsageProvider(row.provider)].append(row.day)
    return {provider: sorted(days) for provider, days in found.items()}


def usage_records(
    *, session: Session, team_id: str, since: datetime, until: datetime
) -> list[UsageRecord]:
    """The workspace's hourly buckets starting in ``[since, until)``."""
    rows = session.exec(
        select(UsageHour).where(
            UsageHour.team_id == team_id,
            col(UsageHour.start) >= since,
            col(UsageHour.start) < until,
        )
    ).all()
    return [
        UsageRecord(
            UsageProvider(r.provider),
            r.start,
            r.project,
            r.api_key,
            r.model,
            r.tier,
            r.requests,
            r.input_tokens,
            r.cache_read_tokens,
            r.cache_write_tokens,
            r.output_tokens,
        )
        for r in rows
    ]


def cost_records(*, session: Session, team_id: str, since: date, until: date) -> list[CostRecord]:
    """The workspace's daily cost lines on days in ``[since, until)``."""
    rows = session.exec(
        select(UsageCostDay).where(
            UsageCostDay.team_id == team_id,
            col(UsageCostDay.day) >= since,
            col(UsageCostDay.day) < until,
        )
    ).all()
    return [
        CostRecord(UsageProvider(r.provider), r.day, r.project, r.api_key, r.description, r.amount)
        for r in rows
    ]


def save_credential(
    *, session: Session, team_id: str, provider: UsageProvider, ciphertext: str
) -> None:
    """Store (or replace) a workspace's encrypted admin key for a provider."""
    row = session.exec(
        select(UsageCredential).where(
            UsageCredential.team_id == team_id, UsageCredential.provider == provider
        )
    ).first()
    if row is None:
        row = UsageCredential(team_id=team_id, provider=provider, ciphertext=ciphertext)
    else:
        row.ciphertext, row.updated_at = ciphertext, utcnow()
    session.add(row)
    session.flush()


def get_credential(*, session: Session, team_id: str, provider: UsageProvider) -> str | None:
    """A workspace's encrypted admin key for a provider, or ``None``."""
    row = session.exec(
        select(UsageCredential).where(
            UsageCredential.team_id == team_id, UsageCredential.provider == provider
        )
    ).first()
    return None if row is None else row.ciphertext


def delete_credential(*, session: Session, team_id: str, provider: UsageProvider) -> bool:
    """Forget a workspace's admin key for a provider; whether there was one."""
    row = session.exec(
        select(UsageCredential).where(
            UsageCredential.team_id == team_id, UsageCredential.provider == provider
        )
    ).first()
    if row is not None:
        session.delete(row)
        session.flush()
    return row is not None


def teams_with_credentials(*, session: Session) -> list[tuple[str, UsageProvider]]:
    """Every (team, provider) with a stored admin key, for the worker's daily re-import."""
    rows = session.exec(select(UsageCredential).order_by(col(UsageCredential.team_id))).all()
    return [(r.team_id, UsageProvider(r.provider)) for r in rows]


def teams_with_usage(*, session: Session) -> list[str]:
    """Every workspace that has imported usage at least once."""
    rows = session.exec(select(UsageImportDay.team_id).distinct()).all()
    return sorted(rows)
