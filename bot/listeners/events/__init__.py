"""Events API: the Home tab opening, and messages (typed answers in DMs and threads).

Subscribed events that need nothing (edits, joins, bots talking) are acknowledged by the
global error handler's unhandled-request branch, never answered with a 404.
"""

from __future__ import annotations

from slack_bolt import App

from batchscout.bot.listeners.acking import ack_first
from batchscout.bot.listeners.events import home, lifecycle, messages, uninstall

#: The bot events subscribed in manifest.yml, and who handles them.
SUBSCRIBED_EVENTS = (
    "app_home_opened",
    "message.im",
    "message.channels",
    "message.groups",
    "app_uninstalled",
    "tokens_revoked",
    "member_joined_channel",
    "channel_unarchive",
    "group_unarchive",
)


def register(app: App) -> None:
    """Wire event listeners."""
    app.event("app_home_opened")(**ack_first(home.publish_on_open))
    app.event("message")(**ack_first(messages.on_message))
    uninstall.register(app)
    lifecycle.register(app)
