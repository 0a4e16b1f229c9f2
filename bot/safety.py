"""Safety nets around every request: retried event deliveries handled once, and errors that
reach the user as a friendly sentence (and the log as one structured line), never a trace."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext, BoltResponse
from slack_bolt.error import BoltUnhandledRequestError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from batchscout.bot.context import services_of
from batchscout.delivery import messages
from batchscout.logs import get_logger
from batchscout.storage.conversations import record_event

log = get_logger(__name__)


def skip_retried_events(
    body: dict[str, Any], context: BoltContext, next: Callable[[], None]
) -> BoltResponse | None:
    """Handle each Events API delivery once.

    Slack redelivers an event (same ``event_id``, with ``X-Slack-Retry-Num``) when it thinks
    the first delivery failed or was slow; the id is recorded before the event is handled, so
    a redelivery is acknowledged and dropped. At most once is right here: a registration
    answer applied twice would skip a question.
    """
    event_id = body.get("event_id")
    if body.get("type") == "event_callback" and isinstance(event_id, str) and event_id:
        with services_of(context).session() as session:
            first = record_event(session=session, team_id=context.team_id or "", event_id=event_id)
        if not first:
            log.info("duplicate_event_skipped", event_id=event_id, team_id=context.team_id)
            return BoltResponse(status=200, body="")
    next()
    return None


def _request_summary(body: dict[str, Any], context: BoltContext) -> dict[str, Any]:
    """What a log line may say about a request: ids and kinds, never tokens or typed text."""
    summary: dict[str, Any] = {
        "team_id": context.team_id,
        "user_id": context.user_id,
        "channel_id": context.channel_id,
        "type": body.get("type") or ("slash_command" if "command" in body else None),
    }
    if "command" in body:
        summary["command"] = body.get("command")
    if body.get("actions"):
        summary["action_id"] = body["actions"][0].get("action_id")
    event = body.get("event")
    if isinstance(event, dict):
        summary["event_type"] = event.get("type")
        summary["event_id"] = body.get("event_id")
    return summary


def handle_error(error: Exception, body: dict[str, Any], context: BoltContext) -> BoltResponse:
    """Bolt's global error handler.

    Requests no listener wanted (events we are subscribed to but do not act on, buttons that
    only open links) are acknowledged with 200, not 404. Anything else that went wrong is
    logged as one JSON line and told to the user in one friendly ephemeral sentence.
    """
    if isinstance(error, BoltUnhandledRequestError):
        log.debug("unhandled_request_acknowledged", **_request_summary(body, context))
        return BoltResponse(status=200, body="")
    log.error(
        "listener_failed",
        error=type(error).__name__,
        exc_info=error,
        **_request_summary(body, context),
    )
    _tell_user(body, context)
    return BoltResponse(status=200, body="")


def _tell_user(body: dict[str, Any], context: BoltContext) -> None:
    try:
        if context.response_url and context.respond is not None:
            context.respond(
                text=messages.SOMETHING_WENT_WRONG,
                response_type="ephemeral",
                replace_original=False,
            )
            return
        event = body.get("event") if isinstance(body.get("event"), dict) else None
        channel = (event or {}).get("channel") or context.channel_id
        user = (event or {}).get("user") or context.user_id
        client: WebClient | None = context.client
        if client is None or not channel or not user:
            return
        thread_ts = (event or {}).get("thread_ts")
        client.chat_postEphemeral(
            channel=channel, user=user, text=messages.SOMETHING_WENT_WRONG, thread_ts=thread_ts
        )
    except (SlackApiError, SlackClientError, OSError) as failure:
        log.warning("error_notice_failed", error=type(failure).__name__)
