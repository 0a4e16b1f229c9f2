"""Where Batchscout may speak, and whom it has told: the tables of "Slack that stays inside the
company" (see SPEC.md), and their only writer.

- ``shared_channel_allowance``: a channel shared with another organisation (Slack Connect) that
  an operator allowed on purpose (``batchscout digest allow-shared``); every other externally
  shared channel gets no post and no channel-visible answer;
- ``slack_notice``: a person told once about a channel (``kind``: ``shared`` — a subscribed
  channel became shared externally; ``paused`` — Slack refused the channel for good), so the
  scheduler never tells them again while nothing changed;
- ``slack_workspace_enterprise``: the Enterprise Grid organisation a workspace belongs to, as
  seen in requests from an org-wide install, so the worker finds that installation's token.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

from batchscout.storage.slack_tables import BOTS_TABLE
from batchscout.storage.types import UTCDateTime, utcnow


class SharedChannelAllowance(SQLModel, table=True):
    """An externally shared channel an operator allowed Batchscout to post in."""

    __tablename__ = "shared_channel_allowance"

    team_id: str = Field(primary_key=True, max_length=32)
    channel_id: str = Field(primary_key=True, max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SlackNotice(SQLModel, table=True):
    """A person told once about a channel (``kind``: ``shared`` or ``paused``)."""

    __tablename__ = "slack_notice"

    team_id: str = Field(primary_key=True, max_length=32)
    channel_id: str = Field(primary_key=True, max_length=32)
    kind: str = Field(primary_key=True, max_length=16)
    user_id: str = Field(default="", max_length=32)
    sent_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WorkspaceEnterprise(SQLModel, table=True):
    """The Enterprise Grid organisation (``E…``) of a workspace (``T…``)."""

    __tablename__ = "slack_workspace_enterprise"

    team_id: str = Field(primary_key=True, max_length=32)
    enterprise_id: str = Field(max_length=32)
    seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def allow_shared(*, session: Session, team_id: str, channel_id: str) -> bool:
    """Allow posts in an externally shared channel; ``False`` when it was allowed already."""
    if session.get(SharedChannelAllowance, (team_id, channel_id)) is not None:
        return False
    session.add(SharedChannelAllowance(team_id=team_id, channel_id=channel_id))
    session.flush()
    return True


def revoke_shared(*, session: Session, team_id: str, channel_id: str) -> bool:
    """Withdraw an allowance; ``False`` when there was none."""
    row = session.get(SharedChannelAllowance, (team_id, channel_id))
    if row is None:
        return False
    session.delete(row)
    return True


def shared_allowed(*, session: Session, team_id: str, channel_id: str) -> bool:
    """Whether an operator allowed this externally shared channel."""
    return session.get(SharedChannelAllowance, (team_id, channel_id)) is not None


def record_notice(
    *, session: Session, team_id: str, channel_id: str, kind: str, user_id: str
) -> bool:
    """Record that ``user_id`` is told about the channel; ``False`` when someone already was
    (then nobody is told again). Safe under concurrent callers: the key decides."""
    if session.get(SlackNotice, (team_id, channel_id, kind)) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(
                SlackNotice(team_id=team_id, channel_id=channel_id, kind=kind, user_id=user_id)
            )
    except IntegrityError:
        return False
    return True


def clear_notices(*, session: Session, team_id: str, channel_id: str) -> None:
    """Forget what was told about a channel (it is back: a new problem is told again)."""
    session.execute(
        delete(SlackNotice).where(
            col(SlackNotice.team_id) == team_id, col(SlackNotice.channel_id) == channel_id
        )
    )


def remember_enterprise(*, session: Session, team_id: str, enterprise_id: str) -> None:
    """Record (or correct) the organisation a workspace belongs to."""
    row = session.get(WorkspaceEnterprise, team_id)
    if row is None:
        try:
            with session.begin_nested():
                session.add(WorkspaceEnterprise(team_id=team_id, enterprise_id=enterprise_id))
        except IntegrityError:
            pass
        return
    if row.enterprise_id != enterprise_id:
        row.enterprise_id, row.seen_at = enterprise_id, utcnow()
        session.add(row)


def enterprise_of(*, session: Session, team_id: str) -> str | None:
    """The organisation a workspace was seen in, or ``None``."""
    row = session.exec(
        select(WorkspaceEnterprise).where(col(WorkspaceEnterprise.team_id) == team_id)
    ).first()
    return row.enterprise_id if row else None


def installed_enterprises(*, session: Session, client_id: str, team_id: str) -> list[str | None]:
    """The organisations (``None``: none) under which a bot is installed in ``team_id`` by a
    workspace-level install, newest first: a workspace of an Enterprise Grid organisation
    stores its ``enterprise_id`` with its bot."""
    c = BOTS_TABLE.c
    rows = session.execute(
        select(c.enterprise_id)
        .where(c.client_id == client_id, c.team_id == team_id)
        .order_by(c.installed_at.desc())
    ).all()
    seen: list[str | None] = []
    for (enterprise_id,) in rows:
        if enterprise_id not in seen:
            seen.append(enterprise_id)
    return seen
