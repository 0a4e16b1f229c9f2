"""The ``batchscout`` command line: the top floor, which nothing else imports.

Each command lives in its own module with its own ``typer.Typer`` and imports what it needs;
the root below names them, so ``batchscout --help`` loads none of them (see
:mod:`batchscout.cli.lazy`). Keep each ``help`` equal to the first line of the command's
docstring (a test checks).
"""

from __future__ import annotations

import typer

from batchscout import __version__
from batchscout.cli.lazy import LazyCommand, LazyGroup

COMMANDS: dict[str, LazyCommand] = {
    "import": LazyCommand(
        "batchscout.cli.inventory",
        "Import workflows from a CSV (or YAML) inventory. Any bad row rejects the whole file.",
    ),
    "export": LazyCommand(
        "batchscout.cli.inventory", "Write the workspace's inventory in the import format."
    ),
    "list": LazyCommand(
        "batchscout.cli.inventory", "List the workspace's workflows with class, cost and savings."
    ),
    "show": LazyCommand(
        "batchscout.cli.inventory",
        "Show one workflow: class, rationale, prices, savings and advice.",
    ),
    "savings": LazyCommand(
        "batchscout.cli.inventory",
        "The portfolio figures and the top opportunities (--json: every workflow's savings).",
    ),
    "prices": LazyCommand(
        "batchscout.cli.inventory",
        "Standard, batch, flex and priority prices for a model, per 1M tokens and per request.",
    ),
    "register": LazyCommand(
        "batchscout.cli.register",
        "Register a workflow by answering one question at a time (answers may be piped in).",
    ),
    "rates": LazyCommand(
        "batchscout.cli.rates", "Workspace price overrides (negotiated rates).", group=True
    ),
    "digest": LazyCommand("batchscout.cli.digest", "Weekly digests.", group=True),
    "serve": LazyCommand(
        "batchscout.cli.slack",
        "Run Batchscout in Slack: Socket Mode by default, or HTTP with --http.",
    ),
    "worker": LazyCommand(
        "batchscout.cli.worker",
        "Run a worker: it takes scheduled jobs from the queue; one of them also runs the clock.",
        group=True,
    ),
    "usage": LazyCommand(
        "batchscout.cli.usage",
        "Provider usage: what the usage and cost reports say you spend.",
        group=True,
    ),
    "health": LazyCommand(
        "batchscout.cli.health",
        "Exit 0 when a serve or worker process here beat recently (a probe).",
    ),
    "db": LazyCommand("batchscout.cli.database", "Database maintenance.", group=True),
    "init": LazyCommand(
        "batchscout.cli.init",
        "Write a sample inventory (a dozen workflows, commented) to edit and import.",
    ),
    "remove": LazyCommand(
        "batchscout.cli.inventory",
        "Remove a workflow from the workspace's inventory.",
    ),
    "demo": LazyCommand(
        "batchscout.cli.inventory",
        "Load a sample inventory into a temporary database and show the savings report.",
    ),
    "mcp": LazyCommand(
        "batchscout.cli.assist",
        "Serve the read-only tools over the Model Context Protocol (stdio, or HTTP with --http).",
    ),
    "opportunities": LazyCommand(
        "batchscout.cli.opportunities",
        "Opportunities: each workflow's cheapest open action, its status and history.",
    ),
    "opportunity": LazyCommand(
        "batchscout.cli.opportunities",
        "Decide about a workflow's opportunity: accept, snooze, dismiss, done, reopen, claim.",
    ),
    "history": LazyCommand(
        "batchscout.cli.history",
        "The weekly ledger: each week's figures, oldest first.",
        group=True,
    ),
    "scan": LazyCommand(
        "batchscout.cli.scan",
        "Find the AI calls in code, and which ones a schedule runs (never runs the code).",
    ),
    "followups": LazyCommand(
        "batchscout.cli.followups",
        "Follow-ups: each owner's DM of savings to decide.",
        group=True,
    ),
}


class _Root(LazyGroup):
    lazy_commands = COMMANDS


def _version(value: bool) -> None:
    if value:
        typer.echo(f"batchscout {__version__}")
        raise typer.Exit()


app = typer.Typer(
    name="batchscout",
    cls=_Root,
    help="Find the AI spend that does not need to stream.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Find the AI spend that does not need to stream."""


def main() -> None:
    """Console-script entry point."""
    app()
