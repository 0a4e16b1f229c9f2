"""Tables for provider usage: hourly usage buckets, daily cost lines, the days imported, and
the organisation admin keys stored per workspace (encrypted)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Date, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from batchscout.audit.usage import UsageProvider
from batchscout.storage.types import DecimalText, EnumText, UTCDateTime, utcnow


class UsageHour(SQLModel, table=True):
    """One hourly usage bucket of a scope × model × tier, as the provider last reported it.

    ``project`` and ``api_key`` are ``""`` (never NULL, so the unique key holds) where the
    provider names none: Anthropic's default workspace, traffic without a key.
    """

    __tablename__ = "usage_hour"
    __table_args__ = (
        UniqueConstraint("team_id", "provider", "start", "project", "api_key", "model", "tier"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, max_length=32)
    provider: UsageProvider = Field(sa_type=EnumText(UsageProvider))
    start: datetime = Field(sa_type=UTCDateTime)
    project: str = Field(default="", max_length=100)
    api_key: str = Field(default="", max_length=100)
    model: str = Field(default="", max_length=200)
    tier: str = Field(default="standard", max_length=24)
    requests: int | None = Field(default=None, sa_type=BigInteger)
    input_tokens: int = Field(default=0, sa_type=BigInteger)
    cache_read_tokens: int = Field(default=0, sa_type=BigInteger)
    cache_write_tokens: int = Field(default=0, sa_type=BigInteger)
    output_tokens: int = Field(default=0, sa_type=BigInteger)
    imported_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class UsageCostDay(SQLModel, table=True):
    """One daily cost line in US dollars (``amount``), as the provider last reported it."""

    __tablename__ = "usage_cost_day"
    __table_args__ = (
        UniqueConstraint("team_id", "provider", "day", "project", "api_key", "description"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, max_length=32)
    provider: UsageProvider = Field(sa_type=EnumText(UsageProvider))
    day: date = Field(sa_type=Date)
    project: str = Field(default="", max_length=100)
    api_key: str = Field(default="", max_length=100)
    description: str = Field(default="", max_length=300)
    amount: Decimal = Field(sa_type=DecimalText)
    imported_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class UsageImportDay(SQLModel, table=True):
    """A UTC day whose usage and costs were imported for a provider (the report's window)."""

    __tablename__ = "usage_import_day"
    __table_args__ = (UniqueConstraint("team_id", "provider", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, max_length=32)
    provider: UsageProvider = Field(sa_type=EnumText(UsageProvider))
    day: date = Field(sa_type=Date)
    imported_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class UsageCredential(SQLModel, table=True):
    """A workspace's organisation admin key for a provider, Fernet-encrypted (never plain)."""

    __tablename__ = "usage_credential"
    __table_args__ = (UniqueConstraint("team_id", "provider"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, max_length=32)
    provider: UsageProvider = Field(sa_type=EnumText(UsageProvider))
    ciphertext: str = Field(sa_type=Text)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
