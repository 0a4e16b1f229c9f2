"""Query functions for Slack's own rows: registration conversations and processed events.

Keyword-only, with an explicit ``session`` and the request's ``team_id``; none crosses
workspaces. The conversation's state is whatever JSON-serialisable dict the conversation engine
hands over: storage keeps it as text and never looks inside.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from batchscout.storage.slack_tables import (
    ConversationStatus,
    ProcessedEvent,
    RegistrationConversation,
)
from batchscout.storage.types import utcnow

#: A conversation nobody answered for this long expires (SPEC: "idle conversations expire").
IDLE_LIFETIME = timedelta(hours=24)
#: Slack retries a delivery for about an hour; processed event ids are kept a little longer.
EVENT_MEMORY = timedelta(hours=6)


class ConversationConflict(RuntimeError):
    """The conversation changed since it was read (two answers at once, or a stale button)."""


def find_active_conversation(
    *, session: Session, team_id: str, channel_id: str, thread_ts: str, user_id: str
) -> RegistrationConversation | None:
    """The user's active conversation at this place (channel and thread), or ``None``."""
    return session.exec(
        select(RegistrationConversation)
        .where(
            RegistrationConversation.team_id == team_id,
            RegistrationConversation.channel_id == channel_id,
            RegistrationConversation.thread_ts == thread_ts,
            RegistrationConversation.user_id == user_id,
            RegistrationConversation.status == ConversationStatus.ACTIVE,
        )
        .order_by(col(RegistrationConversation.id).desc())
    ).first()


def get_conversation(
    *, session: Session, team_id: str, conversation_id: int
) -> RegistrationConversation | None:
    """A conversation of the workspace by id, whatever its status; ``None`` if not there."""
    conversation = session.get(RegistrationConversation, conversation_id)
    if conversation is None or conversation.team_id != team_id:
        return None
    return conversation


def start_conversation(
    *,
    session: Session,
    team_id: str,
    channel_id: str,
    thread_ts: str,
    user_id: str,
    state: dict[str, Any],
    editing: str | None = None,
    now: datetime | None = None,
) -> tuple[RegistrationConversation, RegistrationConversation | None]:
    """Store a new active conversation; returns it and the one it replaced at the same place.

    One place (team, channel, thread, user) holds at most one active conversation: starting a
    new one there sets the previous one aside with status ``replaced``.
    """
    now = now or utcnow()
    replaced = find_active_conversation(
        session=session,
        team_id=team_id,
        channel_id=channel_id,
        thread_ts=thread_ts,
        user_id=user_id,
    )
    if replaced is not None:
        replaced.status = ConversationStatus.REPLACED
        replaced.updated_at = now
        replaced.version += 1
        session.add(replaced)
    conversation = RegistrationConversation(
        team_id=team_id,
        channel_id=channel_id,
        thread_ts=thread_ts,
        user_id=user_id,
        state=json.dumps(state),
        editing=editing,
        created_at=now,
        updated_at=now,
        expires_at=now + IDLE_LIFETIME,
    )
    session.add(conversation)
    session.flush()
    return conversation, replaced


def state_of(conversation: RegistrationConversation) -> dict[str, Any]:
    """The stored state dict of a conversation."""
    state = json.loads(conversation.state)
    if not isinstance(state, dict):
        raise ValueError(f"conversation {conversation.id} has a corrupt state")
    return state


def save_conversation(
    *,
    session: Session,
    team_id: str,
    conversation: RegistrationConversation,
    state: dict[str, Any] | None = None,
    status: str | None = None,
    now: datetime | None = None,
) -> RegistrationConversation:
    """Store an answer's outcome: a new state or status, and a new version.

    The update only applies if nobody stored anything since ``conversation`` was read; if
    somebody did, :class:`ConversationConflict` is raised and nothing changes. Every save
    pushes the expiry 24 hours past ``now``.
    """
    if conversation.team_id != team_id or conversation.id is None:
        raise ValueError("the conversation does not belong to this workspace")
    now = now or utcnow()
    values: dict[str, Any] = {
        "version": conversation.version + 1,
        "updated_at": now,
        "expires_at": now + IDLE_LIFETIME,
    }
    if state is not None:
        values["state"] = json.dumps(state)
    if status is not None:
        values["status"] = status
    result = session.execute(
        update(RegistrationConversation)
        .where(
            col(RegistrationConversation.id) == conversation.id,
            col(RegistrationConversation.team_id) == team_id,
            col(RegistrationConversation.version) == conversation.version,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise ConversationConflict(f"conversation {conversation.id} changed meanwhile")
    for name, value in values.items():
        setattr(conversation, name, value)
    return conversation


def set_question_message(
    *, session: Session, team_id: str, conversation_id: int, message_ts: str
) -> None:
    """Remember the bot's latest question message (not an answer: the version stays)."""
    session.execute(
        update(RegistrationConversation)
        .where(
            col(RegistrationConversation.id) == conversation_id,
            col(RegistrationConversation.team_id) == team_id,
        )
        .values(message_ts=message_ts)
        .execution_options(synchronize_session=False)
    )


def is_expired(conversation: RegistrationConversation, *, now: datetime | None = None) -> bool:
    """Whether an active conversation has been idle past its expiry."""
    return conversation.status == ConversationStatus.ACTIVE and conversation.expires_at <= (
        now or utcnow()
    )


def expired_conversations(
    *, session: Session, team_id: str, now: datetime | None = None
) -> list[RegistrationConversation]:
    """The workspace's active conversations that have been idle past their expiry."""
    return list(
        session.exec(
            select(RegistrationConversation)
            .where(
                RegistrationConversation.team_id == team_id,
                RegistrationConversation.status == ConversationStatus.ACTIVE,
                col(RegistrationConversation.expires_at) <= (now or utcnow()),
            )
            .order_by(col(RegistrationConversation.id))
        ).all()
    )


def teams_with_expired_conversations(*, session: Session, now: datetime | None = None) -> list[str]:
    """Workspaces that have idle conversations to expire (for a periodic sweep)."""
    rows = session.exec(
        select(RegistrationConversation.team_id)
        .where(
            RegistrationConversation.status == ConversationStatus.ACTIVE,
            col(RegistrationConversation.expires_at) <= (now or utcnow()),
        )
        .distinct()
    ).all()
    return sorted(rows)


def record_event(
    *, session: Session, team_id: str, event_id: str, now: datetime | None = None
) -> bool:
    """Remember an Events API delivery; ``False`` when it was already recorded (a retry).

    Old ids are forgotten as new ones arrive, so the table stays small.
    """
    now = now or utcnow()
    session.execute(
        delete(ProcessedEvent).where(col(ProcessedEvent.received_at) < now - EVENT_MEMORY)
    )
    try:
        with session.begin_nested():
            session.add(ProcessedEvent(team_id=team_id, event_id=event_id, received_at=now))
            session.flush()
    except IntegrityError:
        return False
    return True
