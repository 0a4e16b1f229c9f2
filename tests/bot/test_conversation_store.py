"""storage.conversations on SQLite and PostgreSQL: places, versions, expiry, processed events."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from batchscout.storage.conversations import (
    ConversationConflict,
    expired_conversations,
    find_active_conversation,
    get_conversation,
    is_expired,
    record_event,
    save_conversation,
    set_question_message,
    start_conversation,
    state_of,
    teams_with_expired_conversations,
)
from batchscout.storage.db import session_scope
from batchscout.storage.slack_tables import ConversationStatus
from batchscout.storage.types import utcnow

PLACE: dict[str, Any] = {"channel_id": "DU1", "thread_ts": "", "user_id": "U1"}


def test_one_active_conversation_per_place(engine: Engine) -> None:
    with session_scope(engine) as session:
        first, replaced = start_conversation(session=session, team_id="T1", state={"n": 1}, **PLACE)
        assert replaced is None
    with session_scope(engine) as session:
        second, replaced = start_conversation(
            session=session, team_id="T1", state={"n": 2}, **PLACE
        )
        assert replaced is not None and replaced.id == first.id
        start_conversation(
            session=session,
            team_id="T1",
            state={"n": 3},
            channel_id="C1",
            thread_ts="1.1",
            user_id="U1",
        )
        start_conversation(session=session, team_id="T2", state={"n": 4}, **PLACE)
    with session_scope(engine) as session:
        found = find_active_conversation(session=session, team_id="T1", **PLACE)
        assert found is not None and found.id == second.id and state_of(found) == {"n": 2}
        old = get_conversation(session=session, team_id="T1", conversation_id=first.id or 0)
        assert old is not None and old.status == ConversationStatus.REPLACED
        assert (
            get_conversation(session=session, team_id="T2", conversation_id=second.id or 0) is None
        )


def test_saving_checks_the_version(engine: Engine) -> None:
    with session_scope(engine) as session:
        row, _ = start_conversation(session=session, team_id="T1", state={"step": 0}, **PLACE)
    with session_scope(engine) as session:
        stale = get_conversation(session=session, team_id="T1", conversation_id=row.id or 0)
    with session_scope(engine) as session:
        fresh = get_conversation(session=session, team_id="T1", conversation_id=row.id or 0)
        assert fresh is not None
        save_conversation(session=session, team_id="T1", conversation=fresh, state={"step": 1})
        set_question_message(
            session=session, team_id="T1", conversation_id=fresh.id or 0, message_ts="9.9"
        )
    assert stale is not None
    with pytest.raises(ConversationConflict), session_scope(engine) as session:
        save_conversation(session=session, team_id="T1", conversation=stale, state={"step": 99})
    with session_scope(engine) as session:
        stored = get_conversation(session=session, team_id="T1", conversation_id=row.id or 0)
        assert stored is not None and state_of(stored) == {"step": 1}
        assert (stored.version, stored.message_ts) == (1, "9.9")
    with pytest.raises(ValueError), session_scope(engine) as session:
        save_conversation(session=session, team_id="T2", conversation=stored, state={})


def test_idle_conversations_expire_after_24_hours(engine: Engine) -> None:
    now = utcnow()
    with session_scope(engine) as session:
        row, _ = start_conversation(session=session, team_id="T1", state={}, now=now, **PLACE)
    later = now + timedelta(hours=24, seconds=1)
    assert not is_expired(row, now=now + timedelta(hours=23))
    assert is_expired(row, now=later)
    with session_scope(engine) as session:
        assert teams_with_expired_conversations(session=session, now=later) == ["T1"]
        assert [r.id for r in expired_conversations(session=session, team_id="T1", now=later)] == [
            row.id
        ]
        assert expired_conversations(session=session, team_id="T2", now=later) == []


def test_an_event_is_recorded_once(engine: Engine) -> None:
    with session_scope(engine) as session:
        assert record_event(session=session, team_id="T1", event_id="Ev1")
        assert not record_event(session=session, team_id="T1", event_id="Ev1")
        assert record_event(session=session, team_id="T2", event_id="Ev1")
    with session_scope(engine) as session:
        assert not record_event(session=session, team_id="T1", event_id="Ev1")
        # Old ids are forgotten.
        assert record_event(
            session=session, team_id="T1", event_id="Ev1", now=utcnow() + timedelta(days=1)
        )
