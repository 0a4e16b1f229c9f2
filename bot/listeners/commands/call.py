"""What a subcommand gets to work with."""

from __future__ import annotations

from dataclasses import dataclass

from slack_bolt import Respond
from slack_sdk import WebClient

from batchscout.delivery.blocks import Message
from batchscout.services.context import Services


@dataclass(frozen=True)
class CommandCall:
    """One ``/batchscout`` invocation, parsed: who, where, and what followed the subcommand."""

    team_id: str
    user_id: str
    channel_id: str
    argument: str
    respond: Respond
    client: WebClient
    services: Services
    trigger_id: str = ""  # opens a modal (``followups``)

    def reply(self, message: Message) -> None:
        """Answer the person who typed the command, and only them."""
        self.respond(response_type="ephemeral", replace_original=False, **message.as_kwargs())
