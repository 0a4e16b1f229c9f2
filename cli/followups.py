"""``batchscout followups send|settings``: owners' follow-up DMs on demand, and the workspace's
follow-up day and switch."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import typer

from batchscout.audit.money import format_monthly
from batchscout.audit.opportunities import FollowupDay, OpportunityRefused
from batchscout.audit.text import plural
from batchscout.cli.common import (
    TeamOption,
    check_team,
    exit_on_problems,
    fail,
    load_settings,
    one_of,
    open_database,
    out,
    parse_as_of,
)
from batchscout.cli.worker import runtime_or_exit
from batchscout.services.followups import change_followup_settings, send_followups
from batchscout.services.followups import followup_settings as read_settings
from batchscout.settings import Mode
from batchscout.storage.db import session_scope
from batchscout.storage.types import utcnow

app = typer.Typer(help="Follow-ups: each owner's DM of savings to decide.", no_args_is_help=True)


@app.command("send")
def send(
    team: TeamOption,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help=(
                "Send what is due at this ISO 8601 time (default: now); a later one rehearses "
                "the days ahead, opportunities still brought up to date as of now."
            ),
        ),
    ] = None,
) -> None:
    """Send every follow-up due now (not waiting for the day or 10:00); one line per owner."""
    team = check_team(team)
    now = parse_as_of(as_of, future=True)
    settings = load_settings()
    exit_on_problems(settings, Mode.WORKER)
    runtime = runtime_or_exit(settings)
    run = send_followups(
        engine=runtime.engine,
        client=runtime.slack(team),
        team_id=team,
        now=now,
        noise_floor=runtime.noise_floor,
        scheduled=False,
        synced_at=min(now, utcnow()),
    )
    if not run.enabled:
        out.print(f"Follow-ups are off in {team}: nothing was sent.", highlight=False)
        return
    for sent in run.sent or []:
        followup = sent.followup
        parts = []
        if followup.items:
            count = len(followup.items) + followup.more
            total = sum((i.monthly_savings for i in followup.items), Decimal(0))
            parts.append(f"{plural(count, 'saving')} to decide ({format_monthly(total)} shown)")
        if followup.audits:
            parts.append(f"{plural(len(followup.audits), 'workflow')} to audit")
        out.print(f"{sent.owner}: {' and '.join(parts)}.", highlight=False, soft_wrap=True)
    for owner, error in run.unreachable or []:
        out.print(
            f"{owner}: not messaged (Slack: {error}); their work is unowned now.",
            highlight=False,
            soft_wrap=True,
        )
    if not run.sent and not run.unreachable:
        out.print(f"No follow-ups due in {team}.", highlight=False)


@app.command("settings")
def settings_command(
    team: TeamOption,
    day: Annotated[
        str | None,
        typer.Option("--day", help="Follow-up day, Monday to Friday (default Tuesday)."),
    ] = None,
    turn_on: Annotated[
        bool, typer.Option("--on", help="Send follow-ups in this workspace (not with --off).")
    ] = False,
    turn_off: Annotated[
        bool, typer.Option("--off", help="Send none in this workspace (not with --on).")
    ] = False,
) -> None:
    """Show or change the workspace's follow-up day and on/off switch."""
    one_of({"--on": turn_on, "--off": turn_off}, required=False)
    on = True if turn_on else False if turn_off else None
    team = check_team(team)
    try:
        chosen = FollowupDay.parse(day) if day is not None else None
    except OpportunityRefused as error:
        raise fail(f"{error} Nothing was changed.", 2) from error
    with session_scope(open_database()) as session:
        if chosen is None and on is None:
            current_day, enabled = read_settings(session=session, team_id=team)
        else:
            current_day, enabled = change_followup_settings(
                session=session, team_id=team, day=chosen, enabled=on, now=utcnow()
            )
    state = "on" if enabled else "off"
    out.print(
        f"Follow-ups in {team}: {state}, on {current_day.label}s at 10:00 in each owner's time zone.",
        highlight=False,
        soft_wrap=True,
    )
