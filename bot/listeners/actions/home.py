"""The Home tab's "Register a workflow" button."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from batchscout.bot.context import services_of, team_of
from batchscout.services import registration


def register_from_home(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Start a registration in the person's DM with the bot."""
    user_id = str(body["user"]["id"])
    place = registration.open_dm(client, user_id)
    registration.start(
        services=services_of(context), client=client, team_id=team_of(context),
        user_id=user_id, place=place,
    )  # fmt: skip
