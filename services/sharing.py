"""Slack Connect: Batchscout speaks in a channel only if no other organisation can read it.

A channel is shared externally when ``conversations.info`` says ``is_ext_shared`` or
``is_pending_ext_shared`` (an invitation is out). In such a channel every channel-visible
answer is refused with the reason and nothing is posted, unless an operator allowed that one
channel on purpose (``batchscout digest allow-shared``). The check is made again right before
every scheduled post, because a channel can become shared at any time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine

from batchscout.delivery import messages, posting
from batchscout.delivery.blocks import note
from batchscout.delivery.posting import Place
from batchscout.logs import get_logger
from batchscout.storage import boundaries
from batchscout.storage.db import session_scope

log = get_logger(__name__)

#: The structured log event of a post skipped because its channel is shared externally.
SHARED_EVENT = "channel_shared_externally"
#: ``slack_notice.kind`` values.
NOTICE_SHARED = "shared"
NOTICE_PAUSED = "paused"


def is_shared_externally(channel: Mapping[str, Any]) -> bool:
    """Whether a ``conversations.info`` channel object is (or is being) shared with another
    organisation."""
    return bool(channel.get("is_ext_shared") or channel.get("is_pending_ext_shared"))


def may_speak_in(engine: Engine, *, team_id: str, channel: Mapping[str, Any]) -> bool:
    """Whether Batchscout may post in this channel: not shared externally, or allowed."""
    if not is_shared_externally(channel):
        return True
    with session_scope(engine) as session:
        return boundaries.shared_allowed(
            session=session, team_id=team_id, channel_id=str(channel.get("id") or "")
        )


def channel_info(client: WebClient, channel_id: str) -> dict[str, Any]:
    """``conversations.info``'s channel object; raises ``SlackApiError`` when Slack refuses."""
    return dict(client.conversations_info(channel=channel_id).get("channel") or {})


def refused_as_shared(
    engine: Engine, client: WebClient, *, team_id: str, channel_id: str, **fields: Any
) -> bool:
    """Right before a post: ``True`` (and a ``channel_shared_externally`` log line) when the
    channel is shared externally and not allowed. A channel Slack will not describe is left to
    the post itself, whose refusal says what is wrong."""
    try:
        channel = channel_info(client, channel_id)
    except SlackApiError:
        return False
    channel.setdefault("id", channel_id)
    if may_speak_in(engine, team_id=team_id, channel=channel):
        return False
    log.warning(
        SHARED_EVENT, team_id=team_id, channel_id=channel_id,
        pending=bool(channel.get("is_pending_ext_shared")), **fields,
    )  # fmt: skip
    return True


def tell_once(
    engine: Engine,
    client: WebClient,
    *,
    team_id: str,
    channel_id: str,
    kind: str,
    user_id: str | None,
    text: str,
) -> bool:
    """DM ``user_id`` about the channel unless someone was told already (``kind``); ``True``
    when the message went out."""
    if not user_id:
        log.info("nobody to tell", team_id=team_id, channel_id=channel_id, kind=kind)
        return False
    with session_scope(engine) as session:
        first = boundaries.record_notice(
            session=session, team_id=team_id, channel_id=channel_id, kind=kind, user_id=user_id
        )
    if not first:
        return False
    return bool(posting.post(client, Place(user_id), note(text), channel=channel_id, kind=kind))


def tell_shared(
    engine: Engine, client: WebClient, *, team_id: str, channel_id: str, user_id: str | None
) -> bool:
    """Tell the subscriber once that their channel became shared and gets no digest."""
    text = messages.SHARED_CHANNEL_SKIPPED.format(channel=f"<#{channel_id}>")
    return tell_once(
        engine, client, team_id=team_id, channel_id=channel_id, kind=NOTICE_SHARED,
        user_id=user_id, text=text,
    )  # fmt: skip


def set_allowed(engine: Engine, *, team_id: str, channel_id: str, allowed: bool) -> bool:
    """The operator's override (``batchscout digest allow-shared``): allow Batchscout to post in
    one externally shared channel, or withdraw that. Returns whether anything changed; logged,
    so who opened which channel stays on record."""
    with session_scope(engine) as session:
        if allowed:
            changed = boundaries.allow_shared(
                session=session, team_id=team_id, channel_id=channel_id
            )
        else:
            changed = boundaries.revoke_shared(
                session=session, team_id=team_id, channel_id=channel_id
            )
        if changed:
            boundaries.clear_notices(session=session, team_id=team_id, channel_id=channel_id)
    log.warning(
        "shared channel allowed" if allowed else "shared channel allowance revoked",
        team_id=team_id, channel_id=channel_id, changed=changed,
    )  # fmt: skip
    return changed
