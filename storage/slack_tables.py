"""SQLModel tables for Slack (see storage/models.py for conventions).

- ``registration_conversation``: a registration conversation in progress or finished, keyed by
  where it happens (team, channel, thread) and who is answering, with the conversation's
  state as JSON text so a restart loses nothing;
- ``slack_processed_event``: Events API deliveries already handled, so a retry is not handled
  twice;
- ``slack_installations``, ``slack_bots``, ``slack_oauth_states``: slack_sdk's SQLAlchemy
  installation and OAuth state stores, defined by slack_sdk itself and registered here on our
  metadata so that Alembic owns them like every other table.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from batchscout.storage.types import EnumText, UTCDateTime, utcnow


class ConversationStatus(StrEnum):
    """Values of ``RegistrationConversation.status``."""

    ACTIVE = "active"
    SAVED = "saved"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    REPLACED = "replaced"


class RegistrationConversation(SQLModel, table=True):
    """One registration conversation: where it happens, who answers, and its stored state.

    ``thread_ts`` is empty for a conversation held at the top level of a direct message;
    ``message_ts`` is the bot's latest question, so its buttons can be retired once answered;
    ``version`` grows with every stored answer, so a stale button or a double click is noticed.
    """

    __tablename__ = "registration_conversation"
    __table_args__ = (
        Index(
            "ix_registration_conversation_place",
            "team_id",
            "channel_id",
            "thread_ts",
            "user_id",
            "status",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, max_length=32)
    channel_id: str = Field(max_length=32)
    thread_ts: str = Field(default="", max_length=32)
    user_id: str = Field(max_length=32)
    state: str = Field(sa_type=Text)
    status: ConversationStatus = Field(
        default=ConversationStatus.ACTIVE, sa_type=EnumText(ConversationStatus, length=16)
    )
    editing: str | None = Field(default=None, max_length=80)
    message_ts: str | None = Field(default=None, max_length=32)
    version: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)


class ProcessedEvent(SQLModel, table=True):
    """An Events API delivery that was handled (Slack retries deliveries it thinks failed)."""

    __tablename__ = "slack_processed_event"
    __table_args__ = (UniqueConstraint("team_id", "event_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    event_id: str = Field(max_length=64)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


#: slack_sdk's own table definitions, on our metadata (see the module docstring).
INSTALLATIONS_TABLE = SQLAlchemyInstallationStore.build_installations_table(
    SQLModel.metadata, SQLAlchemyInstallationStore.default_installations_table_name
)
BOTS_TABLE = SQLAlchemyInstallationStore.build_bots_table(
    SQLModel.metadata, SQLAlchemyInstallationStore.default_bots_table_name
)
OAUTH_STATES_TABLE = SQLAlchemyOAuthStateStore.build_oauth_states_table(
    SQLModel.metadata, SQLAlchemyOAuthStateStore.default_table_name
)
