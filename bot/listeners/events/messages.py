"""``message`` events: typed registration answers, and ``register`` typed to the bot."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot import registration
from bot.services import services_of, team_of

#: Message subtypes a person produces by writing; edits, joins and bot posts are not answers.
_WRITTEN = frozenset({None, "thread_broadcast", "file_share"})


def on_message(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Hand a person's message to the registration (bots, including this one, are ignored)."""
    if event.get("subtype") not in _WRITTEN or event.get("bot_id") or not event.get("user"):
        return
    registration.handle_message(
        services=services_of(context),
        client=client,
        team_id=team_of(context),
        event=event,
        bot_user_id=context.bot_user_id,
    )
