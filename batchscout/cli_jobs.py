"""``batchscout worker`` and ``batchscout digest …``: the scheduler and digests on demand.

The jobs pull in both provider SDKs and matplotlib, so they are imported inside the commands:
``batchscout --help`` and the other commands stay quick.
"""

from __future__ import annotations

import signal
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text
from slack_sdk import WebClient

from audit.inventory import SLACK_CHANNEL_ID
from batchscout.cli import app, check_team, err, fail, open_database, out
from batchscout.logs import configure_logging
from batchscout.settings import Settings
from batchscout.terminal import digest_text
from storage.types import utcnow

if TYPE_CHECKING:
    from jobs.runtime import Runtime

digest_app = typer.Typer(help="Weekly digests.", no_args_is_help=True)
app.add_typer(digest_app, name="digest")


def _runtime(settings: Settings) -> Runtime:
    from jobs.wiring import NotInstalledError, runtime_from_settings

    try:
        return runtime_from_settings(settings, open_database(settings))
    except (NotInstalledError, ValueError) as error:
        raise fail(f"{error}.") from error


def check_channel(channel: str) -> str:
    """Validate a Slack channel id."""
    channel = channel.strip()
    if not SLACK_CHANNEL_ID.match(channel):
        raise fail(f"“{channel}” is not a Slack channel id (like C0123ABCD).", 2)
    return channel


@app.command("worker")
def worker() -> None:
    """Run the scheduler: digests, batch polling. A second worker waits as a standby."""
    from jobs.scheduler import Worker

    settings = Settings()
    configure_logging(settings.batchscout_log_level)
    runtime = _runtime(settings)
    running = Worker(runtime)
    signal.signal(signal.SIGTERM, lambda *_: running.stop())
    err.print(f"Batchscout worker {runtime.worker_id} started; Ctrl-C stops it.")
    try:
        running.run()
    except KeyboardInterrupt:
        running.stop()


@digest_app.command("now")
def digest_now(
    team: Annotated[str, typer.Option("--team", "-t", help="Slack team id.")],
    channel: Annotated[str, typer.Option("--channel", "-c", help="Slack channel id.")],
    wait: Annotated[
        float, typer.Option("--wait", min=0, help="Seconds to wait for LLM prose.")
    ] = 0,
) -> None:
    """Post a digest now (LLM prose through the batch API when a provider is set and --wait allows)."""
    from jobs import digests

    team, channel = check_team(team), check_channel(channel)
    settings = Settings()
    runtime = _runtime(settings)
    if runtime.provider is None and wait:
        err.print(
            "No LLM provider is configured (BATCHSCOUT_LLM_PROVIDER and its API key): using the template."
        )
    run = digests.digest_now(runtime, team_id=team, channel_id=channel, wait=wait)
    if run is None:
        raise fail(f"the digest could not be posted to {channel}; the log says why.")
    out.print(
        f"Posted the digest to {channel} ({run.prose_source} prose), message {run.message_ts}."
    )


@digest_app.command("preview")
def digest_preview(
    team: Annotated[str, typer.Option("--team", "-t", help="Slack team id.")],
    channel: Annotated[
        str | None, typer.Option("--channel", "-c", help="Use this channel's settings.")
    ] = None,
) -> None:
    """Print the digest as it would be posted now (template prose); posts nothing."""
    from jobs import digests
    from jobs.runtime import Runtime

    team = check_team(team)
    runtime = Runtime(engine=open_database(), slack=_no_slack)
    content = digests.preview_content(
        runtime, team_id=team, channel_id=check_channel(channel) if channel else None, now=utcnow()
    )
    out.print(Text(digest_text(content.facts, content.prose)))


def _no_slack(team_id: str) -> WebClient:
    raise AssertionError("a preview never talks to Slack")
