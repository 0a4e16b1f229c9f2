"""``batchscout history``: the weekly ledger, and taking this week's snapshot by hand."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import typer
from rich.table import Table

from batchscout.audit.ledger import DEFAULT_WEEKS, MAX_WEEKS, LedgerWeek, week_over_week
from batchscout.audit.money import format_monthly, format_usd, format_usd_short
from batchscout.cli.common import (
    JsonOption,
    check_team,
    err,
    fail,
    open_database,
    out,
    parse_as_of,
    write_json,
)
from batchscout.services import ledger
from batchscout.storage.db import session_scope

app = typer.Typer(
    help="The weekly ledger: each week's figures, oldest first.", invoke_without_command=True
)

#: What every reader of an empty ledger says, never a table of zeros.
NO_HISTORY = "No history yet for {team}: the worker takes a snapshot each Monday, or run batchscout history snapshot --team {team}."


def history_table(weeks: list[LedgerWeek]) -> Table:
    """The ledger at 80 columns: a row per week, with the week-over-week change of realised."""
    table = Table(title="Weekly ledger, per 30-day month", title_justify="left")
    table.add_column("Week")
    table.add_column("Spend", justify="right")
    table.add_column("Available", justify="right")
    table.add_column("Realised", justify="right")
    table.add_column("Change", justify="right")
    table.add_column("Verified", justify="right")
    previous: LedgerWeek | None = None
    for week in weeks:
        f = week.figures
        change = ""
        if previous is not None:
            moved = week_over_week([previous, week])
            assert moved is not None
            sign = "+" if moved.realised_change >= 0 else "-"
            change = f"{sign}{format_usd_short(abs(moved.realised_change))}"
        table.add_row(
            week.week,
            format_usd_short(f.monthly_spend),
            format_usd_short(f.available),
            format_usd_short(f.realised),
            change,
            format_usd_short(f.verified_savings),
        )
        previous = week
    return table


@app.callback()
def history(
    ctx: typer.Context,
    team: Annotated[
        str | None, typer.Option("--team", "-t", help="Slack team id, like T0123ABCD.")
    ] = None,
    weeks: Annotated[
        int, typer.Option("--weeks", help=f"How many weeks, the latest last (1 to {MAX_WEEKS}).")
    ] = DEFAULT_WEEKS,
    as_json: JsonOption = False,
) -> None:
    """The weekly ledger: each week's figures, oldest first."""
    if ctx.invoked_subcommand is not None:
        return
    if team is None:
        raise fail("--team is required (a Slack team id, like T0123ABCD).", 2)
    team = check_team(team)
    if not 1 <= weeks <= MAX_WEEKS:
        raise fail(f"--weeks must be between 1 and {MAX_WEEKS} (got {weeks}).", 2)
    with session_scope(open_database()) as session:
        found = ledger.history(session=session, team_id=team, weeks=weeks)
    if as_json:
        if not found:
            err.print(NO_HISTORY.format(team=team), highlight=False)
        write_json(ledger.history_document(found))
        return
    if not found:
        out.print(NO_HISTORY.format(team=team), highlight=False)
        return
    out.print(history_table(found))
    moved = week_over_week(found)
    if moved is not None:
        out.print(movement_sentence(moved.realised_change, moved.realised), highlight=False)


def movement_sentence(change: Decimal, now: Decimal) -> str:
    """``Realised +$7,500 since the week before, now $10,560/month.``"""
    sign = "+" if change >= 0 else "-"
    return f"Realised {sign}{format_usd(abs(change))} since the week before, now {format_monthly(now)}."


@app.command("snapshot")
def snapshot(
    team: Annotated[str, typer.Option("--team", "-t", help="Slack team id, like T0123ABCD.")],
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="ISO 8601 moment, not in the future: the week containing it (default: now, UTC).",
        ),
    ] = None,
) -> None:
    """Take the snapshot of the week containing --as-of (default now; never a future week)
    from the figures as they are now."""
    team = check_team(team)
    moment = parse_as_of(as_of)
    with session_scope(open_database()) as session:
        week = ledger.take_snapshot(session=session, team_id=team, as_of=moment)
    f = week.figures
    out.print(
        f"Snapshot {week.week} for {team}: realised {format_monthly(f.realised)}, "
        f"{format_monthly(f.available)} still available, verified "
        f"{format_monthly(f.verified_savings)}.",
        highlight=False,
    )
