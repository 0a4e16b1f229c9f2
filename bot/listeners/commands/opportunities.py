"""``opportunities`` (the workspace's list with the buttons, ephemeral) and ``followups``
(the settings modal)."""

from __future__ import annotations

from batchscout.bot.listeners.commands.call import CommandCall
from batchscout.delivery.blocks import opportunities as blocks
from batchscout.services.followups import followup_settings as current_settings
from batchscout.services.opportunity_clicks import workspace_items
from batchscout.storage.types import utcnow


def list_opportunities(call: CommandCall) -> None:
    """The workspace's opportunities, those to decide first, largest first."""
    with call.services.session() as session:
        states, totals = workspace_items(session=session, team_id=call.team_id, now=utcnow())
    call.reply(blocks.opportunity_list(states, totals))


def followup_settings(call: CommandCall) -> None:
    """A modal: the follow-up day and the on/off switch, as they are now."""
    with call.services.session() as session:
        day, enabled = current_settings(session=session, team_id=call.team_id)
    call.client.views_open(trigger_id=call.trigger_id, view=blocks.followups_modal(day, enabled))
