"""``batchscout digest now|preview|subscribe|unsubscribe``: a channel's digest on demand, and
its weekly slot set in bulk (the slash command's rules: :mod:`batchscout.services.subscriptions`)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text
from slack_sdk import WebClient

from batchscout.cli.common import (
    ChannelOption,
    TeamOption,
    check_channel,
    check_team,
    err,
    exit_on_problems,
    fail,
    load_settings,
    open_database,
    out,
)
from batchscout.cli.terminal import digest_text, ledger_text
from batchscout.cli.worker import runtime_or_exit
from batchscout.services import sharing
from batchscout.services.runtime import Runtime
from batchscout.settings import Mode, Settings
from batchscout.storage.types import utcnow

app = typer.Typer(help="Weekly digests.", no_args_is_help=True)


def no_prose_reason(settings: Settings) -> str:
    """Why ``--wait`` has no LLM prose to wait for: chosen on purpose, or a key missing."""
    provider = settings.batchscout_llm_provider
    if provider == "none":
        return (
            "BATCHSCOUT_LLM_PROVIDER is none, so the digest uses its template; "
            "--wait has nothing to wait for."
        )
    key = "OPENAI_API_KEY" if provider == "openai" else "ANTHROPIC_API_KEY"
    return f"BATCHSCOUT_LLM_PROVIDER is {provider} but {key} is not set: using the template."


@app.command("now")
def digest_now(
    team: TeamOption,
    channel: ChannelOption,
    wait: Annotated[
        float, typer.Option("--wait", min=0, help="Seconds to wait for LLM prose.")
    ] = 0,
) -> None:
    """Post a digest now (LLM prose through the batch API when a provider is set and --wait allows)."""
    team, channel = check_team(team), check_channel(channel)
    settings = load_settings()
    exit_on_problems(settings, Mode.WORKER)
    runtime = runtime_or_exit(settings)
    from batchscout.services import digests  # the chart (matplotlib): only when posting

    if runtime.provider is None and wait:
        err.print(no_prose_reason(settings), highlight=False)
    run = digests.digest_now(runtime, team_id=team, channel_id=channel, wait=wait)
    if run is None:
        raise fail(f"the digest could not be posted to {channel}; the log says why.")
    out.print(
        f"Posted the digest to {channel} ({run.prose_source} prose), message {run.message_ts}."
    )


@app.command("preview")
def digest_preview(
    team: TeamOption,
    channel: Annotated[
        str | None, typer.Option("--channel", "-c", help="Use this channel's settings.")
    ] = None,
) -> None:
    """Print the digest as it would be posted now (template prose); posts nothing."""
    team = check_team(team)
    settings = load_settings()
    runtime = Runtime.from_settings(settings, open_database(settings), _no_slack, provider=None)
    from batchscout.services import digests  # the chart (matplotlib): only when previewing

    content = digests.preview_content(
        runtime, team_id=team, channel_id=check_channel(channel) if channel else None, now=utcnow()
    )
    out.print(Text(digest_text(content.facts, content.prose)))
    if content.trend is not None:
        out.print(Text(ledger_text(content.trend)))


def _no_slack(team_id: str) -> WebClient:
    raise AssertionError("a preview never talks to Slack")


@app.command("allow-shared")
def digest_allow_shared(
    team: TeamOption,
    channel: ChannelOption,
    revoke: Annotated[
        bool, typer.Option("--revoke", help="Withdraw the allowance: the channel is refused again.")
    ] = False,
) -> None:
    """Allow Batchscout to post in one channel shared with another organisation (Slack
    Connect), on purpose; every other shared channel stays refused."""
    team, channel = check_team(team), check_channel(channel)
    engine = open_database(load_settings())
    changed = sharing.set_allowed(engine, team_id=team, channel_id=channel, allowed=not revoke)
    if revoke:
        out.print(
            f"{channel} is refused again while it is shared externally."
            if changed
            else f"{channel} had no allowance; nothing was changed."
        )
        return
    out.print(
        f"Allowed: Batchscout may post its digest, knowledge checks and figures in {channel} "
        "although it is shared with another organisation."
        if changed
        else f"{channel} was already allowed; nothing was changed."
    )


@app.command("subscribe")
def digest_subscribe(
    team: TeamOption,
    channel: ChannelOption,
    day: Annotated[
        str | None, typer.Option("--day", help="Weekday: Monday … Sunday or mon … sun.")
    ] = None,
    time: Annotated[str | None, typer.Option("--time", help="Local time, HH:MM.")] = None,
    tz: Annotated[str, typer.Option("--tz", help="IANA time zone, like Europe/Paris.")] = "UTC",
) -> None:
    """Subscribe a channel to the weekly digest (default Monday 09:00 UTC)."""
    from batchscout.services import subscriptions  # the scheduler: only when subscribing

    team, channel = check_team(team), check_channel(channel)
    try:
        schedule = subscriptions.slot(day, time, tz)
    except ValueError as error:
        raise fail(f"{str(error).rstrip('.')}.", 2) from error
    settings = load_settings()
    subscriptions.subscribe(
        open_database(settings), team_id=team, channel_id=channel, subscriber_id="",
        schedule=schedule, noise_floor=settings.batchscout_noise_floor,
    )  # fmt: skip
    out.print(f"Subscribed {channel}: the digest comes {schedule.describe()}.", highlight=False)


@app.command("unsubscribe")
def digest_unsubscribe(team: TeamOption, channel: ChannelOption) -> None:
    """Stop a channel's weekly digest."""
    from batchscout.services import subscriptions  # the scheduler: only when unsubscribing

    team, channel = check_team(team), check_channel(channel)
    settings = load_settings()
    if not subscriptions.unsubscribe(open_database(settings), team_id=team, channel_id=channel):
        raise fail(f"{channel} has no digest subscription.")
    out.print(f"Unsubscribed {channel}: no more weekly digests there.", highlight=False)
