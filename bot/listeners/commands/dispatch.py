"""``/batchscout``: parse the text, find the subcommand in one table, run it.

Adding a subcommand is one entry in ``SUBCOMMANDS`` (its usage line and help text come from
the same entry). Unknown or malformed input gets the usage, only to the person who typed it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from slack_bolt import BoltContext, Respond
from slack_sdk import WebClient

from batchscout.bot.context import services_of, team_of
from batchscout.bot.listeners.commands import (
    changes,
    digests,
    importing,
    inventory,
    opportunities,
    prices,
    quizzing,
    registering,
)
from batchscout.bot.listeners.commands import usage as usage_command
from batchscout.bot.listeners.commands.call import CommandCall
from batchscout.bot.listeners.commands.command_line import parse_command_text
from batchscout.delivery import messages
from batchscout.delivery.blocks.help import usage
from batchscout.delivery.mrkdwn import escape

SLASH_COMMAND = "/batchscout"


@dataclass(frozen=True)
class Subcommand:
    """A subcommand: what runs, how it is written, what it is for, what it takes."""

    run: Callable[[CommandCall], None]
    usage: str
    summary: str
    argument: Literal["none", "required", "optional"] = "none"
    example: str = ""


def show_help(call: CommandCall) -> None:
    """``help``: every subcommand with what it does."""
    call.reply(usage(usage_lines(), intro=messages.EMPTY_COMMAND))


SUBCOMMANDS: dict[str, Subcommand] = {
    "help": Subcommand(show_help, "help", "this list"),
    "register": Subcommand(
        registering.register, "register", "register a workflow, one question at a time (in a DM)"
    ),
    "list": Subcommand(inventory.list_workflows, "list", "every workflow with class, cost and savings"),
    "show": Subcommand(
        inventory.show_workflow, "show NAME", "one workflow in full: class, rationale, savings, advice",
        argument="required", example="show Nightly ticket summaries",
    ),
    "edit": Subcommand(
        registering.edit, "edit NAME", "change a workflow's answers (same questions, current answers as defaults)",
        argument="required", example="edit Nightly ticket summaries",
    ),
    "remove": Subcommand(
        changes.remove, "remove NAME", "remove a workflow (asks first)",
        argument="required", example="remove Nightly ticket summaries",
    ),
    "migrated": Subcommand(
        changes.migrated, "migrated NAME", "mark a workflow as moved to a batch API: its savings count as realised",
        argument="required", example="migrated Nightly ticket summaries",
    ),
    "savings": Subcommand(inventory.savings, "savings", "the workspace's figures and top opportunities"),
    "import": Subcommand(
        importing.how_to_import, "import", "how to import workflows from a CSV or YAML file (shared in my DM)",
        argument="optional",
    ),
    "prices": Subcommand(
        prices.prices, "prices MODEL", "standard, batch, flex and priority prices for a model",
        argument="required", example="prices gpt-4o-mini",
    ),
    "usage": Subcommand(
        usage_command.usage_report, "usage",
        "what the providers' usage reports say you spend: batch share, verified migrations, unregistered traffic",
    ),
    "digest": Subcommand(
        digests.digest, "digest subscribe [DAY] [HH:MM] | unsubscribe | preview | now | floor AMOUNT",
        "the weekly savings digest in this channel", argument="optional",
        example="digest subscribe monday 09:00",
    ),
    "quiz": Subcommand(quizzing.quiz, "quiz", "post a knowledge check here; answer in its thread"),
    "leaderboard": Subcommand(
        quizzing.leaderboard, "leaderboard", "this quarter's knowledge-check scores"
    ),
    "opportunities": Subcommand(
        opportunities.list_opportunities, "opportunities",
        "every opportunity with its status; decide with the buttons (only you see it)",
    ),
    "followups": Subcommand(
        opportunities.followup_settings, "followups",
        "the workspace's follow-up day and on/off switch (a form)",
    ),
}  # fmt: skip


def usage_lines() -> list[tuple[str, str]]:
    """``(usage, summary)`` for every subcommand, in table order."""
    return [(entry.usage, entry.summary) for entry in SUBCOMMANDS.values()]


def _what(entry: Subcommand) -> str:
    return "a " + entry.usage.split(" ", 1)[1].lower().replace("name", "workflow name")


def handle_batchscout(
    command: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
) -> None:
    """Run the subcommand (acknowledged already: see ``batchscout.bot.listeners.acking``)."""
    line = parse_command_text(str(command.get("text") or ""))
    call = CommandCall(
        team_id=team_of(context),
        user_id=str(command.get("user_id") or context.user_id or ""),
        channel_id=str(command.get("channel_id") or context.channel_id or ""),
        argument=line.argument,
        respond=respond,
        client=client,
        services=services_of(context),
        trigger_id=str(command.get("trigger_id") or ""),
    )
    entry = SUBCOMMANDS.get(line.name)
    if entry is None:
        intro = (
            messages.UNKNOWN_SUBCOMMAND.format(word=escape(line.name[:50]))
            if line.name
            else messages.EMPTY_COMMAND
        )
        call.reply(usage(usage_lines(), intro=intro))
        return
    if entry.argument == "required" and not line.argument:
        text = messages.MISSING_ARGUMENT.format(
            usage=entry.usage, what=_what(entry), example=entry.example
        )
        call.reply(usage(usage_lines(), intro=text))
        return
    if entry.argument == "none" and line.argument:
        text = messages.UNEXPECTED_ARGUMENT.format(
            name=line.name, extra=escape(line.argument[:100])
        )
        call.reply(usage(usage_lines(), intro=text))
        return
    entry.run(call)
