"""``app_home_opened``: draw the Home tab, or greet a first visit to the Messages tab with
suggested questions."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from batchscout.bot.context import services_of, team_of
from batchscout.services import questions
from batchscout.services.home import publish_home


def publish_on_open(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Publish the Home tab when its person opens it; the Messages tab's first opening gets
    the suggested questions."""
    if event.get("tab") == "messages" and event.get("channel"):
        questions.greet(
            client=client,
            team_id=team_of(context),
            user_id=str(event["user"]),
            channel_id=str(event["channel"]),
        )
        return
    if event.get("tab", "home") != "home":
        return
    publish_home(
        client=client,
        services=services_of(context),
        team_id=team_of(context),
        user_id=str(event["user"]),
    )
