"""``message`` events: inventory files sent to the DM, typed registration answers (and
``register`` typed to the bot), knowledge-check answers in question threads, and questions
asked in the DM.

Bolt runs only the first listener that matches an event, so this is the one ``message``
listener: each feature that reads messages adds its handler to ``MESSAGE_HANDLERS`` (in
order; the first to return ``True`` took the message). A DM or a message addressed to the bot
that no handler took gets a pointer to the commands.
"""

from __future__ import annotations

from typing import Any, Protocol

from slack_bolt import BoltContext
from slack_sdk import WebClient

from batchscout.bot.context import services_of, team_of
from batchscout.services import importing, questions, quiz, registration
from batchscout.services.context import Services

#: Message subtypes a person produces by writing; edits, joins and bot posts are not answers.
_WRITTEN = frozenset({None, "thread_broadcast", "file_share"})


class MessageHandler(Protocol):
    """Takes a person's message if it is its business (returns ``True``), else leaves it."""

    def __call__(
        self,
        *,
        services: Services,
        client: WebClient,
        team_id: str,
        event: dict[str, object],
        bot_user_id: str | None,
    ) -> bool: ...


#: A registration conversation held in a thread comes before a knowledge check's answers.
#: An inventory file shared in the DM is an import, never a registration answer.
MESSAGE_HANDLERS: tuple[MessageHandler, ...] = (
    importing.handle_message,
    registration.handle_message,
    quiz.handle_thread_reply,
    questions.handle_message,  # a DM that asks something, after everything above declined it
)


def on_message(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Hand a person's message to the first handler that wants it (bots are ignored)."""
    if event.get("subtype") not in _WRITTEN or event.get("bot_id") or not event.get("user"):
        return
    services, team_id = services_of(context), team_of(context)
    for handler in MESSAGE_HANDLERS:
        if handler(
            services=services,
            client=client,
            team_id=team_id,
            event=event,
            bot_user_id=context.bot_user_id,
        ):
            return
    registration.point_to_commands(client=client, event=event, bot_user_id=context.bot_user_id)
