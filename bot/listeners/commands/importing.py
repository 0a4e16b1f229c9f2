"""``import``: how to import workflows from a file (the import itself is a file shared in the
bot's DM; see ``bot.importing``)."""

from __future__ import annotations

from batchscout.bot.listeners.commands.call import CommandCall
from batchscout.delivery.blocks import importing as blocks
from batchscout.services.importing import MAX_FILE_BYTES


def how_to_import(call: CommandCall) -> None:
    """Where to upload the file, its columns, and where the exact format comes from."""
    call.reply(blocks.how_to_import(team_id=call.team_id, max_bytes=MAX_FILE_BYTES))
