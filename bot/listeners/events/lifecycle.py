"""``member_joined_channel`` (the bot invited back) and ``channel_unarchive`` /
``group_unarchive``: a digest paused because of that channel resumes."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from batchscout.bot.context import services_of, team_of
from batchscout.bot.listeners.acking import ack_first
from batchscout.services.lifecycle import channel_back


def bot_joined(event: dict[str, Any], context: BoltContext) -> None:
    """Only the bot's own arrival matters: a person joining changes nothing for the digest."""
    if event.get("user") and event.get("user") == context.bot_user_id:
        channel_back(
            services_of(context).engine, team_id=team_of(context),
            channel_id=str(event.get("channel") or ""), why="member_joined_channel",
        )  # fmt: skip


def unarchived(event: dict[str, Any], context: BoltContext) -> None:
    channel_back(
        services_of(context).engine, team_id=team_of(context),
        channel_id=str(event.get("channel") or ""), why="channel_unarchive",
    )  # fmt: skip


def register(app: App) -> None:
    """Wire the events."""
    app.event("member_joined_channel")(**ack_first(bot_joined))
    app.event("channel_unarchive")(**ack_first(unarchived))
    app.event("group_unarchive")(**ack_first(unarchived))
