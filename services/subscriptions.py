"""Digest subscriptions: the one rule for the slash command and the command line.

A subscription is a channel's weekly slot: a day (Monday by default), a time (09:00 by
default) and an IANA time zone (the subscriber's in Slack; UTC from the command line).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Engine

from batchscout.services.schedule import Schedule, check_timezone, parse_time, parse_weekday
from batchscout.storage import boundaries
from batchscout.storage import digests as store
from batchscout.storage.db import session_scope

DEFAULT_WEEKDAY = 0
DEFAULT_TIME = (9, 0)


def slot(day: str | None, time: str | None, timezone: str) -> Schedule:
    """The weekly slot from a day's name (``Monday`` or ``mon``), a time (``HH:MM``) and a
    zone, each optional but the zone; ``ValueError`` says which part is wrong."""
    weekday = parse_weekday(day) if day else DEFAULT_WEEKDAY
    hour, minute = parse_time(time) if time else DEFAULT_TIME
    return Schedule(weekday, hour, minute, check_timezone(timezone))


def subscribe(
    engine: Engine,
    *,
    team_id: str,
    channel_id: str,
    subscriber_id: str,
    schedule: Schedule,
    noise_floor: Decimal | None = None,
) -> Schedule:
    """Subscribe a channel (or move its slot, resuming a paused or cancelled one).

    ``noise_floor`` applies to a new subscription only: a channel subscribed before keeps its
    floor. An empty ``subscriber_id`` (the command line) keeps the subscriber there is. What
    Batchscout told about the channel is forgotten (a new problem is told again)."""
    with session_scope(engine) as session:
        existing = store.get_subscription(session=session, team_id=team_id, channel_id=channel_id)
        store.subscribe(
            session=session, team_id=team_id, channel_id=channel_id,
            subscriber_id=subscriber_id or (existing.subscriber_id if existing else ""),
            weekday=schedule.weekday, hour=schedule.hour, minute=schedule.minute,
            timezone=schedule.timezone, noise_floor=None if existing else noise_floor,
        )  # fmt: skip
        boundaries.clear_notices(session=session, team_id=team_id, channel_id=channel_id)
    return schedule


def unsubscribe(engine: Engine, *, team_id: str, channel_id: str) -> bool:
    """Stop a channel's digest; False when it had no active subscription."""
    with session_scope(engine) as session:
        return store.unsubscribe(session=session, team_id=team_id, channel_id=channel_id)
