"""``register`` and ``edit NAME``: the conversation starts in a DM with the person."""

from __future__ import annotations

from batchscout.bot.listeners.commands.call import CommandCall
from batchscout.bot.listeners.commands.inventory import not_found
from batchscout.delivery import messages
from batchscout.delivery.blocks import note
from batchscout.delivery.blocks import workflows as blocks
from batchscout.services import registration
from batchscout.storage import queries


def register(call: CommandCall) -> None:
    """Open a DM and ask the first question there."""
    place = registration.open_dm(call.client, call.user_id)
    registration.start(
        services=call.services, client=call.client, team_id=call.team_id,
        user_id=call.user_id, place=place,
    )  # fmt: skip
    if place.channel_id != call.channel_id:  # typed in the DM itself: the question is right there
        call.reply(note(messages.DM_STARTED))


def edit(call: CommandCall) -> None:
    """The same conversation, with the workflow's current answers as defaults."""
    with call.services.session() as session:
        workflow = queries.get_workflow(session=session, team_id=call.team_id, name=call.argument)
        if workflow is None:
            call.reply(not_found(session, call.team_id, call.argument))
            return
    place = registration.open_dm(call.client, call.user_id)
    started = registration.start(
        services=call.services, client=call.client, team_id=call.team_id,
        user_id=call.user_id, place=place, editing=workflow.name,
    )  # fmt: skip
    if not started:  # removed between the lookup and now
        call.reply(blocks.not_found(call.argument, []))
        return
    if place.channel_id != call.channel_id:
        call.reply(note(messages.DM_STARTED))
