"""Channels that come back: a digest paused because Slack refused its channel for good resumes
when the bot is added back (``member_joined_channel``) or the channel is unarchived."""

from __future__ import annotations

from sqlalchemy import Engine

from batchscout.logs import get_logger
from batchscout.storage import boundaries
from batchscout.storage import digests as store
from batchscout.storage.db import session_scope

log = get_logger(__name__)

#: Pauses that the bot's return to the channel ends (the channel's own refusals).
BOT_BACK = frozenset({"not_in_channel", "channel_not_found", "is_archived"})
#: Pauses that unarchiving the channel ends.
UNARCHIVED = frozenset({"is_archived", "not_in_channel"})


def channel_back(engine: Engine, *, team_id: str, channel_id: str, why: str) -> bool:
    """Resume the channel's paused digest if ``why`` (``member_joined_channel`` or
    ``channel_unarchive``) ends its pause; what was told about the channel is forgotten, so a
    new refusal is told again. Returns whether a digest resumed."""
    reasons = BOT_BACK if why == "member_joined_channel" else UNARCHIVED
    with session_scope(engine) as session:
        resumed = store.resume_channel(
            session=session, team_id=team_id, channel_id=channel_id, reasons=reasons
        )
        if resumed:
            boundaries.clear_notices(session=session, team_id=team_id, channel_id=channel_id)
    if resumed:
        log.info("digest resumed", team_id=team_id, channel_id=channel_id, why=why)
    return bool(resumed)
