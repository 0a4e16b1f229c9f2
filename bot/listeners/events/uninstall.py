"""``app_uninstalled`` and ``tokens_revoked``: stop the workspace's jobs, keep its data.

With the install flow, Bolt's own token-revocation listeners also delete the stored tokens
(``App.default_app_uninstalled_event_listener`` and ``default_tokens_revoked_event_listener``);
the workflows, digests and scores stay until an operator removes them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext

from batchscout.bot.context import services_of, team_of
from batchscout.bot.listeners.acking import ack_first
from batchscout.services.uninstall import stop_workspace

Listener = Callable[..., Any]


def on_uninstalled(bolt_default: Listener | None) -> Listener:
    """The ``app_uninstalled`` listener: Bolt's (when it has an installation store), then ours."""

    def app_uninstalled(context: BoltContext) -> None:
        if bolt_default is not None:
            bolt_default(context=context)
        stop_workspace(
            services_of(context).engine, team_id=team_of(context), reason="app uninstalled"
        )

    return app_uninstalled


def on_tokens_revoked(bolt_default: Listener | None) -> Listener:
    """The ``tokens_revoked`` listener: the workspace stops only when its bot token went."""

    def tokens_revoked(event: dict[str, Any], context: BoltContext) -> None:
        if bolt_default is not None:
            bolt_default(event=event, context=context)
        if event.get("tokens", {}).get("bot"):
            stop_workspace(
                services_of(context).engine, team_id=team_of(context), reason="bot token revoked"
            )

    return tokens_revoked


def register(app: App) -> None:
    """Wire both events, with Bolt's built-in listeners where the app stores installations."""
    stored = app.installation_store is not None
    app.event("app_uninstalled")(
        **ack_first(
            on_uninstalled(app.default_app_uninstalled_event_listener() if stored else None)
        )
    )
    app.event("tokens_revoked")(
        **ack_first(
            on_tokens_revoked(app.default_tokens_revoked_event_listener() if stored else None)
        )
    )
