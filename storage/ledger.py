"""The weekly ledger's one writer and its reads (table :class:`LedgerSnapshot`).

Snapshots are written only here, by :func:`store_snapshot` (an upsert on team and week), and
never deleted: an import changes workflows, never the ledger.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from batchscout.audit.ledger import LedgerFigures, LedgerWeek
from batchscout.storage.ledger_tables import LedgerSnapshot
from batchscout.storage.models import Workflow, WorkflowStatus

_MONEY = (
    "monthly_spend",
    "migrate_now",
    "to_challenge",
    "flex_now",
    "realised",
    "spend_after",
    "verified_savings",
)


def store_snapshot(
    *, session: Session, team_id: str, week: str, taken_at: datetime, figures: LedgerFigures
) -> None:
    """Store ``figures`` as the team's snapshot of ``week`` (``2026-W50``), replacing the one
    taken earlier that week: one statement (``INSERT … ON CONFLICT (team_id, week) DO UPDATE``)
    on SQLite and PostgreSQL, so two writers at once leave one row, the last one's."""
    values: dict[str, object] = {name: getattr(figures, name) for name in _MONEY}
    values["opportunities"] = json.dumps(
        {status: f"{amount:f}" for status, amount in figures.opportunities.items()}
    )
    values["taken_at"] = taken_at
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    table = LedgerSnapshot.__table__  # type: ignore[attr-defined]
    statement = insert(table).values(team_id=team_id, week=week, **values)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["team_id", "week"],
            set_={
                name: statement.excluded[name] for name in (*_MONEY, "opportunities", "taken_at")
            },
        )
    )


def week_of(row: LedgerSnapshot) -> LedgerWeek:
    """A stored snapshot as the ledger's week."""
    opportunities = {k: Decimal(v) for k, v in json.loads(row.opportunities or "{}").items()}
    return LedgerWeek(
        week=row.week,
        taken_at=row.taken_at,
        figures=LedgerFigures(
            **{name: getattr(row, name) for name in _MONEY}, opportunities=opportunities
        ),
    )


def recent_weeks(
    *, session: Session, team_id: str, weeks: int, through: str | None = None
) -> list[LedgerWeek]:
    """The team's last ``weeks`` snapshots (up to and including week ``through`` when
    given), oldest first. ISO week labels sort as their weeks do."""
    query = select(LedgerSnapshot).where(LedgerSnapshot.team_id == team_id)
    if through is not None:
        query = query.where(col(LedgerSnapshot.week) <= through)
    rows = session.exec(query.order_by(col(LedgerSnapshot.week).desc()).limit(weeks)).all()
    return [week_of(row) for row in reversed(rows)]


def snapshot_teams(*, session: Session) -> list[str]:
    """Every team the Monday snapshot covers: those with an active workflow, and those with a
    ledger already (a workspace whose workflows were all removed keeps its weeks going)."""
    active = select(Workflow.team_id).where(Workflow.status == WorkflowStatus.ACTIVE).distinct()
    found = set(session.exec(active).all())
    found |= set(session.exec(select(LedgerSnapshot.team_id).distinct()).all())
    return sorted(found)
