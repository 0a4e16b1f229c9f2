"""``usage``: what the providers' usage and cost reports say the workspace spends."""

from __future__ import annotations

from batchscout.bot.listeners.commands.call import CommandCall
from batchscout.delivery.blocks import usage as blocks
from batchscout.services import usage


def usage_report(call: CommandCall) -> None:
    """Observed spend and batch share, linked workflows against estimates, unregistered
    traffic with a Register button where it looks scheduled."""
    with call.services.session() as session:
        report = usage.usage_report(session=session, team_id=call.team_id)
    call.reply(blocks.usage_report(report, team_id=call.team_id))
