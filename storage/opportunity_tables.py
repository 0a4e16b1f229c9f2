"""Tables for follow-through (SPEC.md, "Follow-through"): opportunities, their history, and the
follow-up bookkeeping (per workspace, per owner, per audited workflow). Written only by
:mod:`batchscout.storage.opportunities`."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, UniqueConstraint
from sqlmodel import Field, SQLModel

from batchscout.audit.opportunities import (
    DismissReason,
    OpportunityAction,
    OpportunityStatus,
)
from batchscout.storage.types import DecimalText, EnumText, UTCDateTime, utcnow


class Opportunity(SQLModel, table=True):
    """A workflow's opportunity: one row per workflow, ever (its history stays with it).

    ``active`` is false while the workflow has no opportunity (real-time, removed, first seen
    on batch): the row is kept, hidden, and comes back ``open`` when the workflow has one
    again. ``monthly_savings`` is in US dollars a month. ``dismissed_answers`` and
    ``dismissed_savings`` are the answers key and savings when it was dismissed (the
    come-back rule).
    """

    __table_args__ = (UniqueConstraint("team_id", "workflow_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, max_length=32)
    workflow_id: int = Field(index=True, foreign_key="workflow.id")
    action: OpportunityAction = Field(sa_type=EnumText(OpportunityAction, length=16))
    monthly_savings: Decimal = Field(sa_type=DecimalText)
    status: OpportunityStatus = Field(sa_type=EnumText(OpportunityStatus, length=16))
    active: bool = True
    version: int = 1
    """Bumped by every change: a change is written only over the version it was decided on."""
    due: date | None = Field(default=None, sa_type=Date)
    snoozed_until: date | None = Field(default=None, sa_type=Date)
    reason: DismissReason | None = Field(default=None, sa_type=EnumText(DismissReason, length=16))
    note: str | None = Field(default=None, max_length=500)
    dismissed_answers: str | None = Field(default=None, max_length=64)
    dismissed_savings: Decimal | None = Field(default=None, sa_type=DecimalText)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OpportunityEvent(SQLModel, table=True):
    """One transition of an opportunity: ``at`` (UTC), ``by`` (a Slack user id or
    ``system``), ``from_status`` (``None`` when it was created), ``to_status``, ``note``."""

    __tablename__ = "opportunity_event"

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, max_length=32)
    opportunity_id: int = Field(index=True, foreign_key="opportunity.id")
    at: datetime = Field(sa_type=UTCDateTime)
    by: str = Field(max_length=32)
    from_status: OpportunityStatus | None = Field(
        default=None, sa_type=EnumText(OpportunityStatus, length=16)
    )
    to_status: OpportunityStatus = Field(sa_type=EnumText(OpportunityStatus, length=16))
    note: str | None = Field(default=None, max_length=1000)


class FollowupSettings(SQLModel, table=True):
    """A workspace's follow-ups: the day (0 Monday … 4 Friday) and whether they are sent."""

    __tablename__ = "followup_settings"

    team_id: str = Field(primary_key=True, max_length=32)
    day: int = 1
    enabled: bool = True
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class FollowupOwner(SQLModel, table=True):
    """An owner's follow-up bookkeeping: when the last one was sent, their time zone, and a DM
    Slack refused (``refused_error``, ``refused_at``: the owner's items are unowned until they
    are claimed or the owner changes; never retried)."""

    __tablename__ = "followup_owner"
    __table_args__ = (UniqueConstraint("team_id", "owner"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, max_length=32)
    owner: str = Field(max_length=32)
    last_sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    tz: str | None = Field(default=None, max_length=64)
    """The owner's time zone as Slack last said (``users.info`` ``tz``)."""
    refused_error: str | None = Field(default=None, max_length=64)
    refused_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WorkflowAudit(SQLModel, table=True):
    """When a near-real-time workflow's owner last said a person still needs it within five
    minutes (the monthly audit), UTC."""

    __tablename__ = "workflow_audit"
    __table_args__ = (UniqueConstraint("team_id", "workflow_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, max_length=32)
    workflow_id: int = Field(index=True, foreign_key="workflow.id")
    audited_at: datetime = Field(sa_type=UTCDateTime)
    audited_by: str = Field(max_length=32)
