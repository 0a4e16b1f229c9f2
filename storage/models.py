"""SQLModel tables. Every row belongs to a Slack workspace (``team_id``)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from batchscout.audit.latency import Freshness, LatencyClass, Mode, Reader, Trigger
from batchscout.audit.pricing import BatchBasis, Provider
from batchscout.audit.savings import Per
from batchscout.storage.types import DecimalText, EnumText, UTCDateTime, utcnow


class Workspace(SQLModel, table=True):
    """A Slack workspace and its settings."""

    team_id: str = Field(primary_key=True, max_length=32)
    name: str | None = Field(default=None, max_length=200)
    batch_discount: Decimal | None = Field(default=None, sa_type=DecimalText)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PriceOverride(SQLModel, table=True):
    """A workspace's negotiated per-model prices (US dollars per million tokens)."""

    __tablename__ = "price_override"
    __table_args__ = (UniqueConstraint("team_id", "provider", "model"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, max_length=32)
    provider: Provider = Field(sa_type=EnumText(Provider))
    model: str = Field(max_length=200)
    input_per_mtok: Decimal = Field(sa_type=DecimalText)
    output_per_mtok: Decimal = Field(sa_type=DecimalText)
    batch_input_per_mtok: Decimal | None = Field(default=None, sa_type=DecimalText)
    batch_output_per_mtok: Decimal | None = Field(default=None, sa_type=DecimalText)
    flex_input_per_mtok: Decimal | None = Field(default=None, sa_type=DecimalText)
    flex_output_per_mtok: Decimal | None = Field(default=None, sa_type=DecimalText)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WorkflowStatus(StrEnum):
    """Values of ``Workflow.status``."""

    ACTIVE = "active"
    REMOVED = "removed"


class WorkflowBase(SQLModel):
    """The answers a user gives about a workflow (the inventory row)."""

    name: str = Field(max_length=80)
    description: str = Field(default="", max_length=500)
    owner: str | None = Field(default=None, max_length=32)
    provider: Provider | None = Field(default=None, sa_type=EnumText(Provider))
    model: str | None = Field(default=None, max_length=200)
    requests: Decimal = Field(sa_type=DecimalText)
    per: Per = Field(sa_type=EnumText(Per))
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_per_request: Decimal | None = Field(default=None, sa_type=DecimalText)
    trigger: Trigger = Field(sa_type=EnumText(Trigger))
    reader: Reader = Field(sa_type=EnumText(Reader))
    freshness: Freshness = Field(sa_type=EnumText(Freshness))
    mode: Mode = Field(default=Mode.SYNC, sa_type=EnumText(Mode))
    usage_project: str | None = Field(default=None, max_length=100)
    usage_api_key: str | None = Field(default=None, max_length=100)
    cached_share: Decimal | None = Field(default=None, sa_type=DecimalText)
    """The share (0 to 1) of each request's input that is a repeated prefix (SPEC.md, "Every
    lane"); ``None`` when not given."""


class Workflow(WorkflowBase, table=True):
    """A registered workflow with its classification and prices as assessed when saved."""

    __table_args__ = (UniqueConstraint("team_id", "name_key"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, max_length=32)
    name_key: str = Field(max_length=80)
    priced_model: str | None = Field(default=None, max_length=200)
    sync_per_request: Decimal = Field(sa_type=DecimalText)
    batch_per_request: Decimal = Field(sa_type=DecimalText)
    batch_basis: BatchBasis = Field(sa_type=EnumText(BatchBasis))
    flex_per_request: Decimal | None = Field(default=None, sa_type=DecimalText)
    """The flex price per request (SPEC.md, "Service tiers"); ``None`` where there is none."""
    priority_per_request: Decimal | None = Field(default=None, sa_type=DecimalText)
    """The priority price per request (SPEC.md, "Every lane"); ``None`` where there is none."""
    cache_saving_per_request: Decimal | None = Field(default=None, sa_type=DecimalText)
    """What a warm prompt cache saves per request at the lane the workflow runs on (US
    dollars); ``None`` without a cached share or a catalog cache-read price."""
    caching: bool = False
    """Prompt caching is on (recorded by "Already moved" on a ``cache`` opportunity): the cache
    saving counts as realised. Kept when the workflow is edited or imported again."""
    latency_class: LatencyClass = Field(sa_type=EnumText(LatencyClass))
    rationale: str = Field(max_length=1000)
    batch_disguised_as_stream: bool = False
    status: WorkflowStatus = Field(
        default=WorkflowStatus.ACTIVE, sa_type=EnumText(WorkflowStatus, length=16), index=True
    )
    created_by: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    migrated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
