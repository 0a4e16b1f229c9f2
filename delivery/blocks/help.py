"""The usage message: one line per subcommand, generated from the dispatch table."""

from __future__ import annotations

from collections.abc import Sequence

from batchscout.delivery import messages
from batchscout.delivery.blocks import Block, Message, context, section
from batchscout.delivery.mrkdwn import escape


def usage(lines: Sequence[tuple[str, str]], *, intro: str) -> Message:
    """``intro`` (already escaped), then ``/batchscout USAGE`` — summary for each subcommand."""
    listing = "\n".join(f"`/batchscout {escape(u)}` — {escape(s)}" for u, s in lines)
    blocks: list[Block] = [section(intro), section(listing), context(messages.USAGE_FOOTER)]
    return Message(text=intro, blocks=blocks)
