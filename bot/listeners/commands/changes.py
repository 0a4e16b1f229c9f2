"""``remove NAME`` (after a confirmation) and ``migrated NAME``."""

from __future__ import annotations

from batchscout.audit.assessment import NoLanePriceError
from batchscout.audit.latency import LatencyClass, Mode
from batchscout.audit.money import format_monthly
from batchscout.bot.listeners.commands.call import CommandCall
from batchscout.bot.listeners.commands.inventory import not_found
from batchscout.delivery import messages
from batchscout.delivery.blocks import Message, note
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


def mark_migrated(services: Services, team_id: str, name: str, mode: Mode = Mode.BATCH) -> Message:
    """Mark a workflow as on a batch API (or on flex, ``mode=Mode.FLEX``; or back on
    ``sync``, an Undo); returns what to tell the person, with an Undo when it changed."""
    already = messages.ALREADY_ON_FLEX if mode is Mode.FLEX else messages.ALREADY_MIGRATED
    with services.session() as session:
        workflow = queries.get_workflow(session=session, team_id=team_id, name=name)
        if workflow is None:
            return not_found(session, team_id, name)
        if workflow.mode is mode:
            return note(already.format(name=escape(workflow.name)))
        previous = workflow.mode
        try:
            updated = queries.mark_migrated(session=session, team_id=team_id, name=name, mode=mode)
        except NoLanePriceError as error:  # flex without a flex price: nothing was written
            return note(f"{escape(str(error))} Nothing was changed.")
        assert updated is not None
        figures = queries.figures_of(updated)
    name_shown, savings = escape(updated.name), format_monthly(figures.monthly_savings)
    if mode is Mode.SYNC:
        text = messages.MOVE_UNDONE.format(name=name_shown)
        return note(text)
    if mode is Mode.FLEX:
        text = messages.MOVED_TO_FLEX.format(name=name_shown, savings=savings)
    elif updated.latency_class is LatencyClass.REAL_TIME:
        text = messages.MIGRATED_REAL_TIME.format(name=name_shown)
    else:
        text = messages.MIGRATED.format(name=name_shown, savings=savings)
    return blocks.moved_note(text, name=updated.name, previous=previous)


def migrated(call: CommandCall) -> None:
    """Mark a workflow as moved to a batch API, so its savings count as realised."""
    call.reply(mark_migrated(call.services, call.team_id, call.argument))
    refresh_home(
        client=call.client, services=call.services, team_id=call.team_id, user_id=call.user_id
    )
