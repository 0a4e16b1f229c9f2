"""Modal submissions (``view_submission``): the opportunity modals (Accept, Dismiss) and the
follow-up settings. Input is checked at ack time (errors shown in the modal); the work runs
after the ack."""

from __future__ import annotations

from slack_bolt import App

from batchscout.bot.listeners.acking import guarded
from batchscout.bot.listeners.views import opportunities
from batchscout.delivery.blocks.opportunities import ACCEPT_VIEW, DISMISS_VIEW, FOLLOWUPS_VIEW


def register(app: App) -> None:
    """Wire each modal's submission by its callback id."""
    app.view(ACCEPT_VIEW)(
        ack=opportunities.check_accept, lazy=[guarded(opportunities.submit_accept)]
    )
    app.view(DISMISS_VIEW)(
        ack=opportunities.check_dismiss, lazy=[guarded(opportunities.submit_dismiss)]
    )
    app.view(FOLLOWUPS_VIEW)(
        ack=opportunities.check_followups, lazy=[guarded(opportunities.submit_followups)]
    )
