"""The weekly ledger's table: one snapshot of a workspace's figures per ISO week."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from batchscout.storage.types import DecimalText, UTCDateTime, utcnow


class LedgerSnapshot(SQLModel, table=True):
    """A workspace's figures for one ISO week (``2026-W50``), in US dollars a month.

    One row per (team, week): taking the week again replaces it. ``opportunities`` holds the
    monthly savings per opportunity status as a JSON object of two-decimal-exact strings
    (``{"open": "7500", ...}``). No import ever deletes a row.
    """

    __tablename__ = "ledger_snapshot"
    __table_args__ = (UniqueConstraint("team_id", "week"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, max_length=32)
    week: str = Field(max_length=8)
    taken_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    monthly_spend: Decimal = Field(sa_type=DecimalText)
    migrate_now: Decimal = Field(sa_type=DecimalText)
    to_challenge: Decimal = Field(sa_type=DecimalText)
    flex_now: Decimal = Field(sa_type=DecimalText)
    realised: Decimal = Field(sa_type=DecimalText)
    spend_after: Decimal = Field(sa_type=DecimalText)
    verified_savings: Decimal = Field(sa_type=DecimalText)
    opportunities: str = Field(default="{}", sa_type=Text)
