"""The one writer of the follow-through tables: opportunities and their history, follow-up
settings, owners' follow-up bookkeeping and audits. Team-scoped throughout.

Every change of an opportunity is a conditional UPDATE over the version it was decided on
(``WHERE id = … AND version = …``): a button clicked twice, a retried interaction or two
people deciding at once make one change; the others find nothing to update and read the
current state. An opportunity is created with ``INSERT … ON CONFLICT DO NOTHING``, so two
processes deriving at once create it once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from batchscout.audit.opportunities import (
    DEFAULT_FOLLOWUP_DAY,
    FollowupDay,
    OpportunityAction,
    OpportunityStatus,
)
from batchscout.storage.models import Workflow, WorkflowStatus
from batchscout.storage.opportunity_tables import (
    FollowupOwner,
    FollowupSettings,
    Opportunity,
    OpportunityEvent,
    WorkflowAudit,
)

__all__ = [
    "FollowupOwner",
    "FollowupSettings",
    "Opportunity",
    "OpportunityEvent",
    "WorkflowAudit",
]

_T = Opportunity.__table__  # type: ignore[attr-defined]


def _insert(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    return postgresql_insert if dialect == "postgresql" else sqlite_insert


@dataclass(frozen=True, slots=True)
class Transition:
    """A history entry to write with a change: who, when, from, to and a note."""

    by: str
    at: datetime
    from_status: OpportunityStatus | None
    to_status: OpportunityStatus
    note: str | None = None


def opportunities_of(
    *,
    session: Session,
    team_id: str,
    active_only: bool = True,
    owner: str | None = None,
    workflow_id: int | None = None,
) -> list[Opportunity]:
    """The workspace's opportunities (active ones by default), by id; with ``owner``, those
    of that person's workflows (removed ones included); with ``workflow_id``, that one's."""
    query = select(Opportunity).where(Opportunity.team_id == team_id)
    if active_only:
        query = query.where(col(Opportunity.active).is_(True))
    if owner is not None:
        query = query.join(Workflow, col(Workflow.id) == col(Opportunity.workflow_id)).where(
            Workflow.owner == owner
        )
    if workflow_id is not None:
        query = query.where(Opportunity.workflow_id == workflow_id)
    return list(session.exec(query.order_by(col(Opportunity.id))).all())


def get_opportunity(*, session: Session, team_id: str, workflow_id: int) -> Opportunity | None:
    """A workflow's opportunity row (active or not) as it is now in the database."""
    row = session.exec(
        select(Opportunity).where(
            Opportunity.team_id == team_id, Opportunity.workflow_id == workflow_id
        )
    ).first()
    if row is not None:
        session.refresh(row)
    return row


def get_opportunity_by_id(
    *, session: Session, team_id: str, opportunity_id: int
) -> Opportunity | None:
    """An opportunity by id, only in ``team_id``."""
    row = session.get(Opportunity, opportunity_id)
    if row is None or row.team_id != team_id:
        return None
    session.refresh(row)
    return row


def create_opportunity(
    *,
    session: Session,
    team_id: str,
    workflow_id: int,
    action: OpportunityAction,
    monthly_savings: Decimal,
    event: Transition,
) -> Opportunity | None:
    """Create a workflow's opportunity with its first history entry; ``None`` when another
    process created it first (nothing written)."""
    values = {
        "team_id": team_id,
        "workflow_id": workflow_id,
        "action": action,
        "monthly_savings": monthly_savings,
        "status": event.to_status,
        "active": True,
        "version": 1,
        "created_at": event.at,
        "updated_at": event.at,
    }
    statement = (
        _insert(session)(Opportunity)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["team_id", "workflow_id"])
        .returning(_T.c.id)
    )
    created = session.execute(statement).scalar_one_or_none()
    if created is None:
        return None
    _record(session, team_id, created, event)
    return get_opportunity_by_id(session=session, team_id=team_id, opportunity_id=created)


def change_opportunity(
    *,
    session: Session,
    opportunity: Opportunity,
    values: dict[str, Any],
    event: Transition | None,
) -> bool:
    """Write ``values`` over the version ``opportunity`` was read at, with ``event`` in its
    history. False (nothing written) when someone changed it since: ``opportunity`` is then
    refreshed to the current state. Column names are the table's (``status``, ``due``, …)."""
    at = event.at if event is not None else values.get("updated_at")
    statement = (
        update(_T)
        .where(_T.c.id == opportunity.id, _T.c.version == opportunity.version)
        .values(**values, version=_T.c.version + 1, **({"updated_at": at} if at else {}))
    )
    changed: bool = session.execute(statement).rowcount == 1  # type: ignore[attr-defined]
    if changed and event is not None:
        assert opportunity.id is not None
        _record(session, opportunity.team_id, opportunity.id, event)
    session.refresh(opportunity)
    return changed


def _record(session: Session, team_id: str, opportunity_id: int, event: Transition) -> None:
    session.add(
        OpportunityEvent(
            team_id=team_id,
            opportunity_id=opportunity_id,
            at=event.at,
            by=event.by,
            from_status=event.from_status,
            to_status=event.to_status,
            note=(event.note or None) and event.note[:1000],
        )
    )
    session.flush()


def history_of(
    *, session: Session, team_id: str, opportunity_ids: Iterable[int]
) -> dict[int, list[OpportunityEvent]]:
    """Each opportunity's history, oldest first."""
    ids = list(opportunity_ids)
    found: dict[int, list[OpportunityEvent]] = defaultdict(list)
    if not ids:
        return found
    rows = session.exec(
        select(OpportunityEvent)
        .where(
            OpportunityEvent.team_id == team_id,
            col(OpportunityEvent.opportunity_id).in_(ids),
        )
        .order_by(col(OpportunityEvent.at), col(OpportunityEvent.id))
    ).all()
    for event in rows:
        found[event.opportunity_id].append(event)
    return found


def events_since(
    *, session: Session, team_id: str, since: datetime | None
) -> list[OpportunityEvent]:
    """The workspace's history entries after ``since`` (all when ``None``), oldest first."""
    query = select(OpportunityEvent).where(OpportunityEvent.team_id == team_id)
    if since is not None:
        query = query.where(col(OpportunityEvent.at) > since)
    return list(session.exec(query.order_by(col(OpportunityEvent.at), col(OpportunityEvent.id))))


def listed(
    *, session: Session, team_id: str, owner: str | None = None
) -> list[tuple[Opportunity, Workflow]]:
    """Active opportunities with their (active) workflows, by workflow name; only those of
    ``owner``'s workflows when given."""
    query = (
        select(Opportunity, Workflow)
        .join(Workflow, col(Workflow.id) == col(Opportunity.workflow_id))
        .where(
            Opportunity.team_id == team_id,
            col(Opportunity.active).is_(True),
            Workflow.status == WorkflowStatus.ACTIVE,
        )
    )
    if owner is not None:
        query = query.where(Workflow.owner == owner)
    rows = session.exec(query.order_by(col(Workflow.name_key))).all()
    return [(o, w) for o, w in rows]


# --- Follow-up settings and bookkeeping -----------------------------------------------------


def followup_settings(*, session: Session, team_id: str) -> tuple[FollowupDay, bool]:
    """The workspace's follow-up day and whether follow-ups are on (Tuesday, on by default)."""
    row = session.get(FollowupSettings, team_id)
    if row is None:
        return DEFAULT_FOLLOWUP_DAY, True
    return FollowupDay(row.day), row.enabled


def set_followup_settings(
    *,
    session: Session,
    team_id: str,
    day: FollowupDay | None = None,
    enabled: bool | None = None,
    now: datetime,
) -> tuple[FollowupDay, bool]:
    """Change the follow-up day and/or the on/off switch; returns the settings as stored."""
    current_day, current_on = followup_settings(session=session, team_id=team_id)
    values = {
        "day": int(current_day if day is None else day),
        "enabled": current_on if enabled is None else enabled,
        "updated_at": now,
    }
    _upsert(session, FollowupSettings, {"team_id": team_id}, values)
    return followup_settings(session=session, team_id=team_id)


def followup_owners(*, session: Session, team_id: str) -> dict[str, FollowupOwner]:
    """Each owner's follow-up bookkeeping, by Slack user id."""
    rows = session.exec(select(FollowupOwner).where(FollowupOwner.team_id == team_id)).all()
    return {row.owner: row for row in rows}


def _upsert(session: Session, table: Any, keys: dict[str, Any], values: dict[str, Any]) -> None:
    """Insert a row with ``keys`` and ``values``, or update the ``values`` of the one there."""
    statement = (
        _insert(session)(table)
        .values(**keys, **values)
        .on_conflict_do_update(index_elements=list(keys), set_=values)
    )
    session.execute(statement)
    session.expire_all()


def _upsert_owner(session: Session, team_id: str, owner: str, values: dict[str, Any]) -> None:
    _upsert(session, FollowupOwner, {"team_id": team_id, "owner": owner}, values)


def record_followup_sent(*, session: Session, team_id: str, owner: str, at: datetime) -> None:
    """Remember that ``owner`` was sent a follow-up ``at`` (UTC)."""
    _upsert_owner(session, team_id, owner, {"last_sent_at": at})


def record_owner_zone(*, session: Session, team_id: str, owner: str, tz: str) -> None:
    """Remember the owner's time zone (Slack's ``tz``), so the worker's tick need not ask."""
    _upsert_owner(session, team_id, owner, {"tz": tz[:64]})


def record_dm_refused(
    *, session: Session, team_id: str, owner: str, error: str, at: datetime
) -> None:
    """Remember that Slack refused to DM ``owner`` (or reports them deleted): their items are
    unowned from now on and never retried."""
    _upsert_owner(session, team_id, owner, {"refused_error": error[:64], "refused_at": at})


def audited(*, session: Session, team_id: str) -> dict[int, datetime]:
    """When each workflow was last audited (UTC), by workflow id."""
    rows = session.exec(select(WorkflowAudit).where(WorkflowAudit.team_id == team_id)).all()
    return {row.workflow_id: row.audited_at for row in rows}


def record_audit(
    *, session: Session, team_id: str, workflow_id: int, by: str, at: datetime
) -> None:
    """Record that a near-real-time workflow's owner answered the monthly audit ``at``."""
    keys = {"team_id": team_id, "workflow_id": workflow_id}
    _upsert(session, WorkflowAudit, keys, {"audited_at": at, "audited_by": by})


def claim_followup(
    *, session: Session, team_id: str, owner: str, previous: datetime | None, at: datetime
) -> bool:
    """Take the right to send ``owner``'s follow-up ``at``: recorded as sent if the last one
    is still ``previous`` (a worker and an operator's ``followups send`` racing send once).
    False (nothing written) when someone else sent one since."""
    table = FollowupOwner.__table__  # type: ignore[attr-defined]
    if previous is None:
        statement = (
            _insert(session)(FollowupOwner)
            .values(team_id=team_id, owner=owner, last_sent_at=at)
            .on_conflict_do_nothing(index_elements=["team_id", "owner"])
            .returning(table.c.id)
        )
        if session.execute(statement).scalar_one_or_none() is not None:
            return True
        current = table.c.last_sent_at.is_(None)
    else:
        current = table.c.last_sent_at == previous
    statement = (
        update(table)
        .where(table.c.team_id == team_id, table.c.owner == owner, current)
        .values(last_sent_at=at)
    )
    claimed: bool = session.execute(statement).rowcount == 1  # type: ignore[attr-defined]
    session.expire_all()
    return claimed


def release_followup(
    *, session: Session, team_id: str, owner: str, at: datetime, previous: datetime | None
) -> None:
    """Give back a claim taken ``at`` when the follow-up could not be sent for a reason that
    may pass (Slack briefly away): the owner is tried again on the next tick."""
    table = FollowupOwner.__table__  # type: ignore[attr-defined]
    session.execute(
        update(table)
        .where(table.c.team_id == team_id, table.c.owner == owner, table.c.last_sent_at == at)
        .values(last_sent_at=previous)
    )
    session.expire_all()


def workflow_by_id(*, session: Session, team_id: str, workflow_id: int) -> Workflow | None:
    """An active workflow of ``team_id`` by id (a button's value), or ``None``."""
    workflow = session.get(Workflow, workflow_id)
    if workflow is None or workflow.team_id != team_id or workflow.status != WorkflowStatus.ACTIVE:
        return None
    return workflow


def teams_with_workflows(*, session: Session) -> list[str]:
    """Every workspace with an active workflow (the follow-up tick's loop)."""
    table = Workflow.__table__  # type: ignore[attr-defined]
    query = (
        select(table.c.team_id)
        .where(table.c.status == WorkflowStatus.ACTIVE)
        .distinct()
        .order_by(table.c.team_id)
    )
    return [str(team) for team in session.exec(query)]
