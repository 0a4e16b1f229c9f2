"""Listeners, grouped by the kind of request they answer; each group registers itself."""

from __future__ import annotations

from slack_bolt import App

from batchscout.bot.listeners import actions, commands, events, views


def register(app: App) -> None:
    """Wire every listener group into ``app``."""
    commands.register(app)
    actions.register(app)
    views.register(app)
    events.register(app)
