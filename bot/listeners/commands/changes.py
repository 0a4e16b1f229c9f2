"""``remove NAME`` (after a confirmation) and ``migrated NAME``."""

from __future__ import annotations

from batchscout.audit.latency import LatencyClass, Mode
from batchscout.audit.money import format_monthly
from batchscout.bot.listeners.commands.call import CommandCall
from batchscout.bot.listeners.commands.inventory import not_found
from batchscout.delivery import messages
from batchscout.delivery.blocks import note
from batchscout.delivery.blocks import workflows as blocks
from batchscout.delivery.mrkdwn import escape
from batchscout.services.context import Services
from batchscout.services.home import refresh_home
from batchscout.storage import queries


def remove(call: CommandCall) -> None:
    """Ask before removing: Remove / Keep buttons (see ``listeners.actions.workflows``)."""
    with call.services.session() as session:
        workflow = queries.get_workflow(session=session, team_id=call.team_id, name=call.argument)
        if workflow is None:
            call.reply(not_found(session, call.team_id, call.argument))
            return
    call.reply(blocks.remove_confirmation(workflow))


def mark_migrated(services: Services, team_id: str, name: str, mode: Mode = Mode.BATCH) -> str:
    """Mark a workflow as on a batch API (or on flex, ``mode=Mode.FLEX``); returns what to
    tell the person (mrkdwn)."""
    already = messages.ALREADY_ON_FLEX if mode is Mode.FLEX else messages.ALREADY_MIGRATED
    with services.session() as session:
        workflow = queries.get_workflow(session=session, team_id=team_id, name=name)
        if workflow is None:
            return not_found(session, team_id, name).text
        if workflow.mode is mode:
            return already.format(name=escape(workflow.name))
        updated = queries.mark_migrated(session=session, team_id=team_id, name=name, mode=mode)
        assert updated is not None
        figures = queries.figures_of(updated)
    if mode is Mode.FLEX:
        return messages.MOVED_TO_FLEX.format(
            name=escape(updated.name), savings=format_monthly(figures.monthly_savings)
        )
    if updated.latency_class is LatencyClass.REAL_TIME:
        return messages.MIGRATED_REAL_TIME.format(name=escape(updated.name))
    return messages.MIGRATED.format(
        name=escape(updated.name), savings=format_monthly(figures.monthly_savings)
    )


def migrated(call: CommandCall) -> None:
    """Mark a workflow as moved to a batch API, so its savings count as realised."""
    text = mark_migrated(call.services, call.team_id, call.argument)
    call.reply(note(text))
    refresh_home(
        client=call.client, services=call.services, team_id=call.team_id, user_id=call.user_id
    )
