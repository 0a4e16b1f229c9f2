"""The ``batchscout`` command line."""

from __future__ import annotations

import json
import sys
import tempfile
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from audit.digest import build_facts, template_prose
from audit.inventory import SLACK_TEAM_ID, InventoryError, parse_inventory, to_csv, to_yaml
from audit.money import format_usd
from audit.pricing import PricingError, Provider, catalog_price, quote
from batchscout import terminal
from batchscout.reports import savings_document
from batchscout.settings import Settings
from storage import queries
from storage.db import make_engine, session_scope, upgrade
from storage.digests import digest_items

app = typer.Typer(
    name="batchscout",
    help="Find the AI spend that does not need to stream.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")

out = Console()
err = Console(stderr=True)

TeamOption = Annotated[str, typer.Option("--team", "-t", help="Slack team id, like T0123ABCD.")]


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print a friendly error and return the exit to raise."""
    err.print(f"[bold red]Error:[/] {message}", highlight=False)
    return typer.Exit(code)


def check_team(team: str) -> str:
    """Validate a Slack team id."""
    team = team.strip()
    if not SLACK_TEAM_ID.match(team):
        raise fail(f"“{team}” is not a Slack team id (like T0123ABCD).", 2)
    return team


def open_database(settings: Settings | None = None) -> Engine:
    """The configured database, upgraded to the current schema."""
    settings = settings or Settings()
    try:
        engine = make_engine(settings.database_url)
        upgrade(engine)
    except (SQLAlchemyError, ValueError) as error:
        raise fail(f"cannot open the database ({type(error).__name__}: {error}).") from error
    return engine


@app.command("import")
def import_inventory(
    file: Annotated[
        Path,
        typer.Argument(help="CSV or YAML inventory.", exists=True, dir_okay=False, readable=True),
    ],
    team: TeamOption,
) -> None:
    """Import workflows from a CSV (or YAML) inventory. Any bad row rejects the whole file."""
    team = check_team(team)
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise fail(f"{file} is not UTF-8 text.") from error
    try:
        specs = parse_inventory(text, file.name)
        with session_scope(open_database()) as session:
            result = queries.import_specs(session=session, team_id=team, specs=specs)
    except InventoryError as error:
        terminal.print_problems(
            err, f"{file.name} was rejected; nothing was stored.", [str(p) for p in error.problems]
        )
        raise typer.Exit(1) from error
    out.print(
        f"Imported {len(specs)} workflow{'s' if len(specs) != 1 else ''} into {team}: "
        f"{len(result.created)} new, {len(result.updated)} updated."
    )


@app.command("export")
def export_inventory(
    team: TeamOption,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="File to write (.csv or .yaml); standard output by default."
        ),
    ] = None,
    format: Annotated[
        str | None, typer.Option("--format", help="csv or yaml (default: from --output, else csv).")
    ] = None,
) -> None:
    """Write the workspace's inventory in the import format."""
    team = check_team(team)
    chosen = (
        format or ("yaml" if output and output.suffix.lower() in (".yaml", ".yml") else "csv")
    ).lower()
    if chosen not in ("csv", "yaml"):
        raise fail(f"unknown format “{chosen}”; use csv or yaml.", 2)
    with session_scope(open_database()) as session:
        specs = [queries.spec_of(w) for w in queries.list_workflows(session=session, team_id=team)]
    text = to_yaml(specs) if chosen == "yaml" else to_csv(specs)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"Wrote {len(specs)} workflows to {output}.")


@app.command("list")
def list_inventory(team: TeamOption) -> None:
    """List the workspace's workflows with class, cost and savings."""
    team = check_team(team)
    with session_scope(open_database()) as session:
        _, rows = queries.workspace_portfolio(session=session, team_id=team)
    if not rows:
        out.print(
            f"No workflows in {team} yet. Add some with `batchscout import FILE --team {team}`."
        )
        return
    out.print(terminal.inventory_table(rows, title=f"Workflows in {team}", width=out.width))


@app.command("show")
def show_workflow(
    name: Annotated[str, typer.Argument(help="Workflow name.")], team: TeamOption
) -> None:
    """Show one workflow: class, rationale, prices, savings and advice."""
    team = check_team(team)
    with session_scope(open_database()) as session:
        workflow = queries.get_workflow(session=session, team_id=team, name=name)
        if workflow is None:
            names = [w.name for w in queries.list_workflows(session=session, team_id=team)]
            hint = f" Known workflows: {', '.join(names[:10])}." if names else ""
            raise fail(f"no workflow named “{name}” in {team}.{hint}")
        out.print(terminal.workflow_panel(workflow, queries.figures_of(workflow)))


@app.command("savings")
def savings(
    team: TeamOption,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object for scripts.")
    ] = False,
) -> None:
    """The portfolio figures and every workflow's savings."""
    team = check_team(team)
    with session_scope(open_database()) as session:
        figures, rows = queries.workspace_portfolio(session=session, team_id=team)
    if as_json:
        sys.stdout.write(json.dumps(savings_document(figures, rows), indent=2) + "\n")
        return
    out.print(terminal.portfolio_panel(figures))
    if rows:
        out.print(terminal.opportunities_table(rows))


@app.command("prices")
def prices(
    model: Annotated[str, typer.Argument(help="Model name, as the provider spells it.")],
    provider: Annotated[
        Provider, typer.Option("--provider", "-p", help="Provider.")
    ] = Provider.OPENAI,
    input_tokens: Annotated[
        int, typer.Option("--input-tokens", min=0, help="Average input tokens per request.")
    ] = 1000,
    output_tokens: Annotated[
        int, typer.Option("--output-tokens", min=0, help="Average output tokens per request.")
    ] = 500,
) -> None:
    """Synchronous against batch prices for a model, per 1M tokens and per request."""
    try:
        price = catalog_price(provider, model)
        per_request = quote(
            provider=provider,
            model=model,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cost_per_request=None,
        )
    except PricingError as error:
        raise fail(str(error)) from error
    out.print(terminal.prices_table(price, input_tokens, output_tokens, per_request))


rates_app = typer.Typer(help="Workspace price overrides (negotiated rates).", no_args_is_help=True)
app.add_typer(rates_app, name="rates")


@rates_app.command("discount")
def rates_discount(
    team: TeamOption,
    share: Annotated[
        str, typer.Argument(help="Share saved by batch, 0–1 (0.5 = half price), or 'default'.")
    ],
) -> None:
    """Set the workspace's batch discount and re-price its workflows."""
    team = check_team(team)
    try:
        value = None if share == "default" else Decimal(share)
        with session_scope(open_database()) as session:
            queries.set_batch_discount(session=session, team_id=team, discount=value)
    except (ArithmeticError, ValueError) as error:
        raise fail(f"“{share}” is not a share between 0 and 1 ({error}).", 2) from error
    out.print(f"Batch discount for {team}: {'catalog / 50% default' if value is None else share}.")


@rates_app.command("set")
def rates_set(
    team: TeamOption,
    provider: Annotated[Provider, typer.Option("--provider", "-p")],
    model: Annotated[str, typer.Option("--model", "-m")],
    input_price: Annotated[
        Decimal, typer.Option("--input", help="$ per 1M input tokens.", parser=Decimal)
    ],
    output_price: Annotated[
        Decimal, typer.Option("--output", help="$ per 1M output tokens.", parser=Decimal)
    ],
    batch_input: Annotated[Decimal | None, typer.Option("--batch-input", parser=Decimal)] = None,
    batch_output: Annotated[Decimal | None, typer.Option("--batch-output", parser=Decimal)] = None,
) -> None:
    """Store a negotiated per-model price and re-price the workspace's workflows."""
    from audit.pricing import ModelRate

    team = check_team(team)
    if any(v is not None and v < 0 for v in (input_price, output_price, batch_input, batch_output)):
        raise fail("prices must be 0 or more.", 2)
    with session_scope(open_database()) as session:
        queries.set_model_rate(
            session=session,
            team_id=team,
            provider=provider,
            model=model,
            rate=ModelRate(input_price, output_price, batch_input, batch_output),
        )
    out.print(f"Stored the {provider} {model} rate for {team}; workflows re-priced.")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Upgrade the database schema to the latest revision (Alembic)."""
    settings = Settings()
    open_database(settings)
    out.print("Database is up to date.")


@app.command("demo")
def demo() -> None:
    """Load a sample inventory into a temporary database and show the savings report."""
    sample = (
        resources.files("batchscout").joinpath("sample_inventory.csv").read_text(encoding="utf-8")
    )
    team = "T0DEMO0001"
    with tempfile.TemporaryDirectory(prefix="batchscout-demo-") as folder:
        engine = make_engine(f"sqlite:///{folder}/demo.db")
        upgrade(engine)
        with session_scope(engine) as session:
            queries.import_specs(
                session=session, team_id=team, specs=parse_inventory(sample, "sample.csv")
            )
        with session_scope(engine) as session:
            figures, rows = queries.workspace_portfolio(session=session, team_id=team)
            digest_facts = build_facts(digest_items(session=session, team_id=team), since=None)
        engine.dispose()
    out.rule("[bold]Batchscout demo[/] — a sample inventory of a dozen AI workflows")
    out.print(terminal.inventory_table(rows, width=out.width))
    out.print(terminal.portfolio_panel(figures))
    out.print(terminal.opportunities_table(rows))
    out.print(
        f"Moving the scheduled workflows to a batch API saves [bold green]{format_usd(figures.migrate_now)}[/] "
        f"a month; challenging the near-real-time ones could save up to {format_usd(figures.to_challenge)} more."
    )
    out.rule("Digest preview — what a subscribed channel gets each week")
    out.print(Text(terminal.digest_text(digest_facts, template_prose(digest_facts))))
    out.rule()
    out.print(
        "Try your own: [bold]batchscout import inventory.csv --team T0123ABCD[/], then [bold]batchscout savings --team T0123ABCD[/]."
    )


def main() -> None:
    """Console-script entry point."""
    app()


# Command groups that live in their own modules register themselves on ``app`` when imported.

from batchscout import cli_jobs as _cli_jobs  # noqa: E402, F401
from batchscout import cli_register as _cli_register  # noqa: E402, F401
from batchscout import cli_slack as _cli_slack  # noqa: E402, F401
