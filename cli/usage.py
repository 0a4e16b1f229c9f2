"""``batchscout usage``: import the providers' usage and cost reports, report on them, and
keep a workspace's organisation admin keys."""

from __future__ import annotations

import getpass
import sys
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from batchscout.audit.money import format_count, format_usd
from batchscout.audit.usage import (
    DEFAULT_DAYS,
    MAX_DAYS,
    AdminKeyError,
    UsageProvider,
    UsageReadError,
    UsageReport,
    describe_project,
    import_window,
)
from batchscout.cli.common import (
    JsonOption,
    TeamOption,
    check_team,
    err,
    fail,
    open_database,
    out,
    write_json,
)
from batchscout.services import usage as service
from batchscout.settings import Settings
from batchscout.storage.db import session_scope

app = typer.Typer(
    help="Provider usage: what the usage and cost reports say you spend.", no_args_is_help=True
)
key_app = typer.Typer(help="A workspace's organisation admin keys.", no_args_is_help=True)
app.add_typer(key_app, name="key")

ProviderOption = Annotated[
    UsageProvider, typer.Option("--provider", "-p", help="openai or anthropic.")
]


@app.command("import")
def import_usage(
    team: TeamOption,
    provider: ProviderOption,
    days: Annotated[
        int, typer.Option("--days", help=f"The last N whole UTC days (1 to {MAX_DAYS}).")
    ] = DEFAULT_DAYS,
) -> None:
    """Import the last N whole UTC days of a provider's usage and costs (replacing them)."""
    team = check_team(team)
    try:
        start, end = import_window(days, datetime.now(UTC))
    except ValueError as error:
        raise fail(str(error), 2) from error
    settings = Settings()
    engine = open_database(settings)
    try:
        admin_key = service.admin_key_for(
            engine=engine, settings=settings, team_id=team, provider=provider
        )
        from batchscout.jobs.usage import read_anthropic, read_openai  # the provider SDKs

        reader = read_openai if provider is UsageProvider.OPENAI else read_anthropic
        window = reader(
            admin_key=admin_key,
            start=start,
            end=end,
            base_url=service.base_url_for(settings, provider),
        )
    except (AdminKeyError, UsageReadError, service.SecretKeyError) as error:
        raise fail(f"{error}. Nothing was stored.") from error
    summary = service.import_window(engine=engine, team_id=team, window=window)
    out.print(
        f"Imported {summary.days} days of {provider.value} usage into {team} "
        f"({start:%d %b} to {end:%d %b %Y}, UTC): {summary.buckets} hourly buckets, "
        f"{summary.cost_lines} cost lines, {format_usd(summary.billed)} billed. "
        "Those days were replaced, not added to.",
        highlight=False,
    )


@app.command("report")
def report(
    team: TeamOption,
    as_json: JsonOption = False,
) -> None:
    """What the providers say you spend: batch share, linked workflows, unregistered traffic."""
    team = check_team(team)
    with session_scope(open_database()) as session:
        result = service.usage_report(session=session, team_id=team)
    if as_json:
        write_json(service.usage_document(result))
        return
    if not result.providers:
        out.print(
            f"No usage imported for {team} yet. Run `batchscout usage import --team {team} "
            "--provider openai` (or anthropic) with an organisation admin key.",
            highlight=False,
        )
        return
    _print_report(result)


def _print_report(result: UsageReport) -> None:
    providers = Table(title=f"Observed over {result.days} days (monthly = × 30 / days)")
    for column in ("provider", "spend / month", "requests / month", "on batch"):
        providers.add_column(column, justify="left" if column == "provider" else "right")
    for p in result.providers:
        providers.add_row(
            p.provider.value,
            format_usd(p.monthly_spend),
            "not counted"
            if p.monthly_requests is None
            else format_count(p.monthly_requests.to_integral()),
            f"{p.batch_share:.0%}",
        )
    out.print(providers)
    if result.workflows:
        table = Table(title="Linked workflows: estimate against observed")
        for column in ("workflow", "mode", "estimate", "observed", "on batch", "status"):
            table.add_column(column)
        for w in result.workflows:
            note = f" (shared with {', '.join(w.shared_with)})" if w.shared_with else ""
            table.add_row(
                w.link.name + note,
                w.link.mode.value,
                format_usd(w.link.estimated_monthly_cost),
                f"{format_usd(w.observed_monthly_cost)} {w.cost_source.value}",
                f"{w.observed_batch_share:.0%}",
                w.status.value,
            )
        out.print(table)
    if result.unregistered:
        table = Table(title="Traffic no workflow links to")
        for column in ("provider", "project / workspace", "API key", "spend / month",
                       "on batch", "batch would save", "scheduled?"):  # fmt: skip
            table.add_column(column)
        for u in result.unregistered:
            table.add_row(
                u.provider.value,
                describe_project(u.provider, u.usage_project),
                u.usage_api_key or "—",
                format_usd(u.monthly_spend),
                f"{u.batch_share:.0%}",
                format_usd(u.monthly_batch_savings),
                ("yes: " if u.verdict.looks_scheduled else "no: ") + u.verdict.reason,
            )
        out.print(table)
    if result.unpriced_models:
        err.print(
            "Not priced (the catalog does not know them): " + ", ".join(result.unpriced_models),
            highlight=False,
        )


@key_app.command("set")
def key_set(team: TeamOption, provider: ProviderOption) -> None:
    """Store a workspace's admin key, read from standard input (never echoed), encrypted."""
    team = check_team(team)
    settings = Settings()
    if sys.stdin.isatty():
        secret = getpass.getpass(f"{provider.value} organisation admin key (not echoed): ")
    else:
        secret = sys.stdin.readline()
    secret = secret.strip()
    if not secret:
        raise fail("no key was given on standard input; nothing was stored.", 2)
    try:
        service.set_admin_key(
            engine=open_database(settings),
            settings=settings,
            team_id=team,
            provider=provider,
            admin_key=secret,
        )
    except service.SecretKeyError as error:
        raise fail(f"{error}. Nothing was stored.") from error
    out.print(f"Stored the {provider.value} admin key for {team}, encrypted.", highlight=False)


@key_app.command("remove")
def key_remove(team: TeamOption, provider: ProviderOption) -> None:
    """Forget a workspace's stored admin key."""
    team = check_team(team)
    removed = service.remove_admin_key(engine=open_database(), team_id=team, provider=provider)
    out.print(
        f"Removed the {provider.value} admin key of {team}."
        if removed
        else f"{team} had no stored {provider.value} admin key; nothing was changed.",
        highlight=False,
    )


@key_app.command("generate")
def key_generate() -> None:
    """Print a new Fernet key for BATCHSCOUT_SECRET_KEY."""
    typer.echo(service.generate_secret_key())
