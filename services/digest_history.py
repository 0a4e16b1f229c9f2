"""Finding our own posts again in Slack, and posting so that a lost answer never doubles a
message: a digest's top message (``conversations.history`` since its claim) and its thread
replies (``conversations.replies``), each found by its message metadata.

Slack's limits for apps outside the Marketplace bound every read: 15 messages a page, one
history or replies request a minute per workspace (``runtime.history`` waits for it).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from batchscout.delivery.clients import without_connection_retries
from batchscout.logs import get_logger
from batchscout.services.runtime import Runtime

log = get_logger(__name__)

METADATA_EVENT = "batchscout_digest"
THREAD_EVENT = "batchscout_digest_thread"
#: Messages a page of conversations.history / .replies: Slack's cap for commercially
#: distributed apps outside the Marketplace (since 2025), with one request a minute.
HISTORY_PAGE = 15
#: Pages read at most when looking for our own post (the window is only since the claim).
HISTORY_MAX_PAGES = 20
#: Seconds before the claim that the history window also covers (clocks differ).
CLOCK_SKEW = 60
#: Sends of one message at most when its answer keeps getting lost.
POST_ATTEMPTS = 3


def find_posted(
    runtime: Runtime, team_id: str, channel_id: str, run_id: int, *, since: datetime
) -> str | None:
    """The ts of the run's top message if Slack has it (found by its metadata), else ``None``.

    Reads only the window since the claim, a page of :data:`HISTORY_PAGE` at a time, following
    the cursor: within Slack's limits for apps outside the Marketplace (15 messages a page, one
    ``conversations.history`` request a minute per workspace, waited for by
    ``runtime.history`` rather than answered 429).
    """
    client = runtime.slack(team_id)

    def page(cursor: str | None) -> Any:
        runtime.history.take(team_id, "conversations.history")
        return client.conversations_history(
            channel=channel_id,
            oldest=f"{since.timestamp() - CLOCK_SKEW:.6f}",
            include_all_metadata=True,
            limit=HISTORY_PAGE,
            cursor=cursor,
        )

    try:
        return find_own(
            page,
            METADATA_EVENT,
            {"run_id": run_id},
        )
    except SlackApiError as error:
        log.warning(
            "history unavailable",
            run_id=run_id,
            error=str(error.response.get("error")),
        )
        return None


def find_reply(
    runtime: Runtime,
    client: WebClient,
    team_id: str,
    channel_id: str,
    thread_ts: str,
    payload: dict[str, Any],
) -> str | None:
    """The ts of our thread reply carrying ``payload``, if Slack has it (one page a minute
    per workspace: ``runtime.history``)."""

    def page(cursor: str | None) -> Any:
        runtime.history.take(team_id, "conversations.replies")
        return client.conversations_replies(
            channel=channel_id,
            ts=thread_ts,
            include_all_metadata=True,
            limit=HISTORY_PAGE,
            cursor=cursor,
        )

    return find_own(page, THREAD_EVENT, payload)


def find_own(
    page: Callable[[str | None], Any], event_type: str, payload: dict[str, Any]
) -> str | None:
    """Page through messages (``page(cursor)``) for one of ours carrying ``payload``."""
    cursor: str | None = None
    for _ in range(HISTORY_MAX_PAGES):
        answer = page(cursor)
        for message in answer.get("messages", []):
            metadata = message.get("metadata") or {}
            found = metadata.get("event_payload") or {}
            if metadata.get("event_type") == event_type and all(
                found.get(key) == value for key, value in payload.items()
            ):
                return str(message["ts"])
        cursor = (answer.get("response_metadata") or {}).get("next_cursor") or None
        if not answer.get("has_more") or cursor is None:
            return None
    log.warning("own post not found within the pages read", event_type=event_type, **payload)
    return None


def post_once(
    client: WebClient, *, find: Callable[[], str | None], what: dict[str, Any], **params: Any
) -> str:
    """``chat.postMessage`` that never posts twice; returns the message's ts.

    A dropped connection may hide a post Slack applied, so it is never re-sent blindly (the
    client's connection retries are off for it): ``find()`` looks for the post by its metadata
    first, and only a post not found is sent again. Raises ``SlackApiError`` when Slack refuses,
    or the connection error after :data:`POST_ATTEMPTS` tries.
    """
    poster = without_connection_retries(client)
    for attempt in range(POST_ATTEMPTS):
        if attempt:
            found = find()
            if found is not None:
                log.info("lost reply: the post was applied; not sent again", ts=found, **what)
                return found
        try:
            return str(poster.chat_postMessage(**params)["ts"])
        except OSError as error:  # URLError, a reset or dropped connection, a timeout
            log.warning("post answer lost; looking for it before sending again",
                attempt=attempt + 1, error=type(error).__name__, **what,
            )  # fmt: skip
            if attempt == POST_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover
