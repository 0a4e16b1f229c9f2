"""Opportunity commands: ``opportunities`` (the list) and ``opportunity accept|snooze|dismiss|
done|reopen|claim`` (decisions). A refused decision is one line on stderr, exit 2, and
nothing is changed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

import typer
from rich.table import Table

from batchscout.audit.inventory import SLACK_USER_ID
from batchscout.audit.money import format_monthly, format_usd
from batchscout.audit.opportunities import (
    SYSTEM,
    Decision,
    DismissReason,
    OpportunityAction,
    OpportunityRefused,
    OpportunityStatus,
)
from batchscout.cli.common import (
    JsonOption,
    TeamOption,
    check_team,
    fail,
    one_of,
    open_database,
    out,
    write_json,
)
from batchscout.services.opportunities import (
    Decided,
    OpportunityView,
    decide,
    list_opportunities,
    opportunities_report,
)
from batchscout.storage.db import session_scope
from batchscout.storage.types import utcnow

app = typer.Typer()
decisions = typer.Typer(
    help="Decide about a workflow's opportunity: accept, snooze, dismiss, done, reopen, claim."
)

NameArgument = Annotated[str, typer.Argument(help="Workflow name (case does not matter).")]
ByOption = Annotated[
    str | None,
    typer.Option("--by", help="Slack user id of the person deciding (default: system)."),
]


def check_user(user: str | None, *, option: str) -> str | None:
    """Validate a Slack user id given to ``option``."""
    if user is None:
        return None
    user = user.strip()
    if not SLACK_USER_ID.match(user):
        raise fail(f"{option} “{user}” is not a Slack user id (like U0123ABCD).", 2)
    return user


def _date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise fail(f"{option} “{text}” is not a date: use YYYY-MM-DD.", 2) from None


@app.command("opportunities")
def opportunities(
    team: TeamOption,
    status: Annotated[
        OpportunityStatus | None, typer.Option("--status", help="Only this status.")
    ] = None,
    owner: Annotated[
        str | None, typer.Option("--owner", help="Only this owner's (a Slack user id).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Opportunities: each workflow's cheapest open action, its status and history."""
    team = check_team(team)
    owner = check_user(owner, option="--owner")
    with session_scope(open_database()) as session:
        if as_json:
            document = opportunities_report(
                session=session, team_id=team, status=status, owner=owner
            )
            write_json(document)
            return
        views = list_opportunities(session=session, team_id=team, status=status, owner=owner)
    if not views:
        out.print(
            f"No opportunities in {team}" + (" with those filters." if status or owner else ".")
        )
        return
    out.print(opportunity_table(views))


def _when(view: OpportunityView) -> str:
    if view.status is OpportunityStatus.ACCEPTED and view.due:
        return f"due {view.due.isoformat()}"
    if view.status is OpportunityStatus.SNOOZED and view.snoozed_until:
        return f"until {view.snoozed_until.isoformat()}"
    if view.status is OpportunityStatus.DISMISSED and view.reason:
        return view.reason.value
    return ""


def opportunity_table(views: list[OpportunityView]) -> Table:
    """The opportunities as a table that fits 80 columns, largest savings first."""
    table = Table(title="Opportunities", title_justify="left", expand=False, pad_edge=False)
    table.add_column("Workflow", overflow="fold", max_width=24)
    table.add_column("Owner", overflow="fold", max_width=11)
    table.add_column("Action", max_width=9)
    table.add_column("$/month", justify="right", max_width=10)
    table.add_column("Status", max_width=12)
    table.add_column("When", overflow="fold", max_width=16)
    for view in sorted(views, key=lambda v: (-v.monthly_savings, v.workflow.casefold())):
        table.add_row(
            view.workflow,
            view.owner or "—",
            view.action.value,
            format_usd(view.monthly_savings),
            view.status.value,
            _when(view),
        )
    return table


def _decide(team: str, name: str, decision: Decision, by: str | None, **options: Any) -> None:
    team = check_team(team)
    try:
        with session_scope(open_database()) as session:
            outcome = decide(
                session=session,
                team_id=team,
                workflow_name=name,
                decision=decision,
                by=by or SYSTEM,
                now=utcnow(),
                **options,
            )
    except OpportunityRefused as error:
        raise fail(f"{error} Nothing was changed.", 2) from error
    out.print(said(outcome, decision), highlight=False, soft_wrap=True)


_SAID: dict[Decision, Callable[[OpportunityView], str]] = {
    Decision.ACCEPT: lambda v: f"accepted, due {v.due}",
    Decision.SNOOZE: lambda v: f"snoozed until {v.snoozed_until}",
    Decision.DISMISS: lambda v: f"dismissed ({v.reason})",
    Decision.DONE: lambda v: (
        f"done: prompt caching on, saving {format_monthly(v.monthly_savings)}"
        if v.action is OpportunityAction.CACHE
        else f"done: moved ({v.action}), saving {format_monthly(v.monthly_savings)}"
    ),
    Decision.REOPEN: lambda v: "open again",
    Decision.CLAIM: lambda v: f"now owned by {v.owner}",
}


def said(outcome: Decided, decision: Decision) -> str:
    """One line saying what a decision did (or that it was already so)."""
    view = outcome.opportunity
    if view is None:
        if decision is Decision.DISMISS:
            return (
                f"“{outcome.workflow}” needs real time: re-classified real-time; "
                "it has no opportunity any more."
            )
        return f"“{outcome.workflow}”: done."
    state = view.status.value + (f" ({_when(view)})" if _when(view) else "")
    if not outcome.changed:
        return f"“{outcome.workflow}” is already {state}; nothing was changed."
    return f"“{outcome.workflow}” {_SAID[decision](view)}."


@decisions.command("accept")
def accept(
    name: NameArgument,
    team: TeamOption,
    due: Annotated[
        str | None, typer.Option("--due", help="Due date, YYYY-MM-DD (default: in 30 days).")
    ] = None,
    by: ByOption = None,
) -> None:
    """Accept: the owner will make the move by the due date."""
    by = check_user(by, option="--by")
    _decide(team, name, Decision.ACCEPT, by, due=_date(due, "--due"))


@decisions.command("snooze")
def snooze(
    name: NameArgument,
    team: TeamOption,
    days: Annotated[
        int | None, typer.Option("--days", help="Ask again in N days (1 to 365).")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Ask again on this date, YYYY-MM-DD.")
    ] = None,
    by: ByOption = None,
) -> None:
    """Snooze: ask again after N days or on a date (one of --days and --until)."""
    one_of({"--days": days, "--until": until}, required=True)
    by = check_user(by, option="--by")
    _decide(team, name, Decision.SNOOZE, by, days=days, until=_date(until, "--until"))


@decisions.command("dismiss")
def dismiss(
    name: NameArgument,
    team: TeamOption,
    reason: Annotated[
        str,
        typer.Option(
            "--reason",
            help="needs_realtime, not_worth_it, blocked or other.",
            metavar="|".join(r.value for r in DismissReason),
        ),
    ],
    note: Annotated[str | None, typer.Option("--note", help="Why, in a few words.")] = None,
    by: ByOption = None,
) -> None:
    """Dismiss: it will not be done, for a reason (needs_realtime re-classifies it)."""
    by = check_user(by, option="--by")
    _decide(team, name, Decision.DISMISS, by, reason=reason, note=note)


@decisions.command("done")
def done(
    name: NameArgument,
    team: TeamOption,
    mode: Annotated[
        str | None,
        typer.Option(
            "--mode",
            help="Where it moved: batch or flex (not for a cache opportunity: caching is on).",
            metavar="batch|flex",
        ),
    ] = None,
    by: ByOption = None,
) -> None:
    """Done: moved to the batch API or the flex tier, or prompt caching is on."""
    by = check_user(by, option="--by")
    _decide(team, name, Decision.DONE, by, mode=mode)


@decisions.command("reopen")
def reopen(name: NameArgument, team: TeamOption, by: ByOption = None) -> None:
    """Reopen: undecided again (a workflow marked as moved goes back to sync)."""
    by = check_user(by, option="--by")
    _decide(team, name, Decision.REOPEN, by)


@decisions.command("claim")
def claim(
    name: NameArgument,
    team: TeamOption,
    by: Annotated[str, typer.Option("--by", help="Slack user id of the new owner.")],
) -> None:
    """Claim: an unowned workflow becomes yours."""
    _decide(team, name, Decision.CLAIM, check_user(by, option="--by"))


app.add_typer(decisions, name="opportunity")
