"""Slash commands: ``/batchscout`` and its subcommands (see ``dispatch.SUBCOMMANDS``)."""

from __future__ import annotations

from slack_bolt import App

from batchscout.bot.listeners.acking import ack_first
from batchscout.bot.listeners.commands.dispatch import SLASH_COMMAND, handle_batchscout


def register(app: App) -> None:
    """Wire ``/batchscout``."""
    app.command(SLASH_COMMAND)(**ack_first(handle_batchscout))
