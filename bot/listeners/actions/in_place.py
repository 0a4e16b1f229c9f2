"""Showing a decision where the button was: the DM (``chat.update``), the ephemeral list
(its response URL, redrawn), or App Home (published again). Shared by the opportunity
buttons and the modals' submissions."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from batchscout.delivery.blocks import Block, Message
from batchscout.delivery.blocks import opportunities as blocks
from batchscout.logs import get_logger
from batchscout.services.context import Services
from batchscout.services.history import PROCESS_GATE
from batchscout.services.home import refresh_home
from batchscout.services.opportunity_clicks import workspace_items

log = get_logger(__name__)


#: Messages whose blocks this process last saw (from a click's payload or its own
#: ``chat.update``), by (channel, ts): a modal's submission does not carry the message, and
#: reading it back costs the workspace's one ``conversations.history`` call a minute.
_KNOWN: OrderedDict[tuple[str, str], list[Block]] = OrderedDict()
_KNOWN_MAX = 512
_known_lock = threading.Lock()


def _remember(channel: str, ts: str, message_blocks: list[Block]) -> None:
    with _known_lock:
        _KNOWN[(channel, ts)] = list(message_blocks)
        _KNOWN.move_to_end((channel, ts))
        while len(_KNOWN) > _KNOWN_MAX:
            _KNOWN.popitem(last=False)


def origin(body: dict[str, Any]) -> dict[str, Any]:
    """Where a button was (kept in a modal's ``private_metadata``): ``where`` is
    ``message``, ``ephemeral`` or ``home``, with the channel, ``ts`` and response URL. The
    message's blocks, when the click carries them, are remembered for the modal's
    submission."""
    container = body.get("container") or {}
    if container.get("type") == "view":
        return {"where": "home"}
    where = {
        "where": "ephemeral" if container.get("is_ephemeral") else "message",
        "channel": container.get("channel_id") or (body.get("channel") or {}).get("id"),
        "ts": container.get("message_ts"),
        "response_url": body.get("response_url"),
    }
    message_blocks = (body.get("message") or {}).get("blocks")
    if where["where"] == "message" and where["channel"] and where["ts"] and message_blocks:
        _remember(str(where["channel"]), str(where["ts"]), message_blocks)
    return where


def read_origin(private_metadata: str) -> dict[str, Any]:
    """:func:`origin` back from a modal's ``private_metadata``."""
    try:
        found = json.loads(private_metadata or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _message_blocks(client: WebClient, team_id: str, channel: str, ts: str) -> list[Block] | None:
    """The message as this process last saw it, else as Slack holds it now (a modal's
    submission does not carry it); ``None`` when the workspace's history read of this minute
    is spent (Slack allows one a minute to apps outside the Marketplace): the decision stands,
    the message is redrawn next time."""
    with _known_lock:
        known = _KNOWN.get((channel, ts))
    if known is not None:
        return list(known)
    if not PROCESS_GATE.try_take(team_id, "conversations.history"):
        log.info("decision_display_deferred", team_id=team_id, reason="history read spent")
        return None
    answer = client.conversations_history(channel=channel, latest=ts, inclusive=True, limit=1)
    for message in answer.get("messages") or []:
        if message.get("ts") == ts:
            return list(message.get("blocks") or [])
    return None


def show(
    *,
    client: WebClient,
    services: Services,
    team_id: str,
    user_id: str,
    where: dict[str, Any],
    now: datetime,
    replace: Any,
    message_blocks: list[Block] | None = None,
) -> None:
    """Redraw the place ``where`` after a decision: ``replace`` maps the message's blocks to
    the new ones (the DM); the ephemeral list and App Home are drawn afresh."""
    kind = where.get("where")
    try:
        if kind == "message" and where.get("channel") and where.get("ts"):
            channel, ts = str(where["channel"]), str(where["ts"])
            current = message_blocks
            if current is None:
                current = _message_blocks(client, team_id, channel, ts)
            if current is not None:
                new = replace(current)
                client.chat_update(channel=channel, ts=ts, blocks=new, text=_text(new))
                _remember(channel, ts, new)
        elif kind == "ephemeral" and where.get("response_url"):
            with services.session() as session:
                states, totals = workspace_items(session=session, team_id=team_id, now=now)
            message = blocks.opportunity_list(states, totals)
            _respond(str(where["response_url"]), message, replace_original=True)
    except SlackApiError as error:
        # The decision is saved; only its display failed. It is right the next time it is drawn.
        log.warning("decision_display_failed", team_id=team_id, where=kind,
                    error=str(error.response.get("error")))  # fmt: skip
    refresh_home(client=client, services=services, team_id=team_id, user_id=user_id)


def _respond(url: str, message: Message, *, replace_original: bool) -> None:
    """Post to a response URL (ephemeral); an expired one (30 minutes, five uses) is logged."""
    answer = WebhookClient(url).send(
        replace_original=replace_original, response_type="ephemeral", **message.as_kwargs()
    )
    if answer.status_code != 200:
        log.warning("response_url_refused", status=answer.status_code, body=answer.body[:100])


def _text(new: list[Block]) -> str:
    for block in new:
        text = block.get("text")
        if isinstance(text, dict) and text.get("text"):
            return str(text["text"])[:300]
    return "Batchscout"


def tell(client: WebClient, body_or_where: dict[str, Any], user_id: str, message: Message) -> None:
    """An ephemeral answer to ``user_id`` where the button was (a refusal, or "already
    decided"); in App Home, in their DM with the bot."""
    where = body_or_where if "where" in body_or_where else origin(body_or_where)
    url = where.get("response_url")
    try:
        if url:
            _respond(str(url), message, replace_original=False)
        elif where.get("channel"):
            client.chat_postEphemeral(
                channel=str(where["channel"]), user=user_id, **message.as_kwargs()
            )
        else:
            opened = client.conversations_open(users=user_id)
            client.chat_postEphemeral(
                channel=opened["channel"]["id"], user=user_id, **message.as_kwargs()
            )
    except SlackApiError as error:
        log.warning("decision_answer_failed", user_id=user_id,
                    error=str(error.response.get("error")))  # fmt: skip
