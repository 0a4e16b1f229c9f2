"""Posting to Slack: the one helper every message goes through, with one error policy.

The policy: Slack refusing a call (``SlackApiError`` once slack_sdk's own retry handlers are
done: the channel is gone, the bot is not in it, a rate limit that outlasted the retries...)
is one ``slack_call_failed`` log line (method, channel, Slack's error code, and the caller's
ids) and a falsy answer, never an exception. The caller decides what the person is told,
because only the caller knows what was already saved. Anything else (a bug, a network
failure slack_sdk could not retry) is not caught here and reaches the caller's own handler.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from batchscout.delivery.blocks import Message
from batchscout.logs import get_logger

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Place:
    """Where a message goes: a channel (or DM), and a thread in it (``""``: the top level)."""

    channel_id: str
    thread_ts: str = ""


@dataclass(frozen=True, slots=True)
class Sent:
    """What became of a post: its ``ts``, or Slack's ``error`` code; true when it was posted."""

    ts: str | None
    error: str | None = None

    def __bool__(self) -> bool:
        return self.ts is not None


def slack_error(error: SlackApiError) -> str:
    """Slack's error code (``channel_not_found``...) from a refused call."""
    return str(error.response.get("error") or "unknown")


def _refused(method: str, place: Place, error: SlackApiError, fields: dict[str, Any]) -> None:
    log.warning(
        "slack_call_failed", method=method, channel_id=place.channel_id,
        error=slack_error(error), **fields,
    )  # fmt: skip


def post(
    client: WebClient,
    place: Place,
    message: Message,
    *,
    metadata: dict[str, Any] | None = None,
    **fields: Any,
) -> Sent:
    """``chat.postMessage`` without link previews: the message's ``ts``, or Slack's error
    code when it refused (logged with ``fields``)."""
    try:
        response = client.chat_postMessage(
            channel=place.channel_id,
            thread_ts=place.thread_ts or None,
            unfurl_links=False,
            unfurl_media=False,
            metadata=metadata,
            **message.as_kwargs(),
        )
    except SlackApiError as error:
        _refused("chat.postMessage", place, error, fields)
        return Sent(None, slack_error(error))
    return Sent(str(response["ts"]))


def post_ephemeral(
    client: WebClient, place: Place, user_id: str, message: Message, **fields: Any
) -> bool:
    """``chat.postEphemeral``: a message only ``user_id`` sees; ``False`` when refused."""
    try:
        client.chat_postEphemeral(
            channel=place.channel_id,
            user=user_id,
            thread_ts=place.thread_ts or None,
            **message.as_kwargs(),
        )
    except SlackApiError as error:
        _refused("chat.postEphemeral", place, error, fields)
        return False
    return True


def update(client: WebClient, place: Place, ts: str, message: Message, **fields: Any) -> bool:
    """``chat.update`` of the message at ``ts``; ``False`` when refused (it may be gone)."""
    try:
        client.chat_update(channel=place.channel_id, ts=ts, **message.as_kwargs())
    except SlackApiError as error:
        _refused("chat.update", place, error, fields)
        return False
    return True


def react(client: WebClient, place: Place, ts: str, name: str, **fields: Any) -> bool:
    """``reactions.add`` on the message at ``ts``; already there counts as done."""
    try:
        client.reactions_add(channel=place.channel_id, timestamp=ts, name=name)
    except SlackApiError as error:
        if slack_error(error) == "already_reacted":
            return True
        _refused("reactions.add", place, error, fields)
        return False
    return True


#: Slack errors that may go away by themselves: trying again later can succeed. Every other
#: refusal (``not_in_channel``, ``channel_not_found``, ``is_archived``, a read-only channel's
#: ``restricted_action…``, ``msg_too_long``, ``invalid_blocks``...) is permanent: retrying the
#: same message cannot change the answer, so the caller stops and tells a person.
TRANSIENT_ERRORS = frozenset(
    {
        "ratelimited",
        "rate_limited",
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
        "timeout",
        "unknown",
    }
)


def is_permanent(error: str) -> bool:
    """Whether a Slack error code (from :func:`slack_error`) is a refusal retrying cannot change."""
    return error not in TRANSIENT_ERRORS


def open_dm(client: WebClient, user_id: str, **fields: Any) -> Sent:
    """``conversations.open`` with one person: the DM's channel id (in ``Sent.ts``: truthy),
    or Slack's error code (``cannot_dm_bot``, ``user_not_found``, ``user_disabled``…),
    logged once."""
    try:
        response = client.conversations_open(users=user_id)
    except SlackApiError as error:
        _refused("conversations.open", Place(user_id), error, fields)
        return Sent(None, slack_error(error))
    return Sent(str(response["channel"]["id"]))


def user_info(client: WebClient, user_id: str, **fields: Any) -> dict[str, Any] | str:
    """``users.info``: the user object (``tz``, ``deleted``…), or Slack's error code when it
    refused (``user_not_found``…), logged once."""
    try:
        response = client.users_info(user=user_id)
    except SlackApiError as error:
        _refused("users.info", Place(user_id), error, fields)
        return slack_error(error)
    return dict(response.get("user") or {})
