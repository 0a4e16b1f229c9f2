"""Inventory commands: import, export, list, show, savings, prices, demo."""

from __future__ import annotations

import sys
import tempfile
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text
from sqlalchemy.exc import IntegrityError, OperationalError

from batchscout.audit.digest import build_facts, percent, savings_share, template_prose
from batchscout.audit.inventory import (
    InventoryError,
    file_kind_problem,
    parse_inventory,
    read_inventory,
    to_csv,
    to_yaml,
)
from batchscout.audit.money import format_usd
from batchscout.audit.numbers import MAX_TOKENS
from batchscout.audit.pricing import PricingError, Provider, find_catalog_price, quote
from batchscout.audit.text import plural
from batchscout.cli import terminal
from batchscout.cli.common import (
    JsonOption,
    TeamOption,
    check_team,
    err,
    fail,
    no_workflows,
    open_database,
    out,
    write_json,
)
from batchscout.services.reports import savings_document
from batchscout.storage import queries
from batchscout.storage.db import make_engine, session_scope, upgrade
from batchscout.storage.digests import digest_items

app = typer.Typer()


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
    with file.open("rb") as raw:
        kind = file_kind_problem(raw.read(4096))
    if kind is not None:
        raise fail(f"{file.name} {kind}; nothing was stored.")
    try:
        # Read as it is stored: the file streams through validation into one transaction.
        with file.open(encoding="utf-8-sig", newline="") as stream:
            specs = read_inventory(stream, file.name)
            with session_scope(open_database()) as session:
                result = queries.import_specs(session=session, team_id=team, specs=specs)
    except UnicodeDecodeError as error:
        raise fail(f"{file} is not UTF-8 text.") from error
    except (IntegrityError, OperationalError) as error:
        raise fail(
            f"another import into {team} was being stored at the same moment; nothing from "
            f"{file.name} was stored. Run the command again in a minute."
        ) from error
    except InventoryError as error:
        terminal.print_problems(
            err, f"{file.name} was rejected; nothing was stored.", [str(p) for p in error.problems]
        )
        raise typer.Exit(1) from error
    count = result.created + result.updated
    out.print(
        f"Imported {plural(count, 'workflow')} into {team}: "
        f"{result.created:,} new, {result.updated:,} updated."
    )


#: The file endings each export format is written to (``--output`` must end in one of them).
EXPORT_SUFFIXES = {"csv": (".csv",), "yaml": (".yaml", ".yml"), "focus": (".csv",)}


def export_format(format: str | None, output: Path | None) -> str:
    """The export format: ``--format``, else the one ``--output``'s ending names, else csv.
    One rule: ``--output`` ends in the format's ending (.csv for csv and focus, .yaml or .yml
    for yaml); anything else is a one-line error, exit 2, and nothing is written."""
    suffix = output.suffix.lower() if output is not None else None
    if format is None:
        inferred = [name for name in ("csv", "yaml") if suffix in EXPORT_SUFFIXES[name]]
        chosen = inferred[0] if inferred else "csv" if output is None else None
    else:
        chosen = format.strip().lower()
        if chosen not in EXPORT_SUFFIXES:
            raise fail(f"unknown format “{format}”; use csv, yaml or focus.", 2)
    if output is not None and chosen is None:
        raise fail(
            f"--output {output.name} must end in .csv (csv, focus) or .yaml/.yml (yaml); "
            "nothing was written.",
            2,
        )
    if output is not None and chosen is not None and suffix not in EXPORT_SUFFIXES[chosen]:
        endings = " or ".join(EXPORT_SUFFIXES[chosen])
        raise fail(
            f"--output {output.name} must end in {endings} for --format {chosen}; "
            "nothing was written.",
            2,
        )
    assert chosen is not None
    return chosen


@app.command("export")
def export_inventory(
    team: TeamOption,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="File to write, ending in .csv (csv, focus) or .yaml/.yml (yaml); standard "
            "output by default.",
        ),
    ] = None,
    format: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="csv or yaml (default: from the --output ending, else csv), or focus (FOCUS "
            "cost rows, CSV). An --output ending that does not match is refused.",
        ),
    ] = None,
) -> None:
    """Write the workspace's inventory in the import format."""
    team = check_team(team)
    chosen = export_format(format, output)
    if chosen == "focus":
        _export_focus(team, output)
        return
    with session_scope(open_database()) as session:
        specs = [queries.spec_of(w) for w in queries.list_workflows(session=session, team_id=team)]
    text = to_yaml(specs) if chosen == "yaml" else to_csv(specs)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"Wrote {plural(len(specs), 'workflow')} to {output}.")


def _export_focus(team: str, output: Path | None) -> None:
    """One FOCUS row per workflow for this calendar month (UTC), as ``savings --json``."""
    from datetime import UTC, datetime

    from batchscout.services.focus import focus_csv

    with session_scope(open_database()) as session:
        text, count = focus_csv(session=session, team_id=team, now=datetime.now(UTC))
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"Wrote {count} FOCUS rows to {output}.")


@app.command("list")
def list_inventory(team: TeamOption) -> None:
    """List the workspace's workflows with class, cost and savings."""
    team = check_team(team)
    with session_scope(open_database()) as session:
        _, rows = queries.workspace_portfolio(session=session, team_id=team)
    if not rows:
        out.print(no_workflows(team), highlight=False)
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


@app.command("remove")
def remove_workflow(
    name: Annotated[str, typer.Argument(help="Workflow name (case does not matter).")],
    team: TeamOption,
) -> None:
    """Remove a workflow from the workspace's inventory."""
    team = check_team(team)
    with session_scope(open_database()) as session:
        removed = queries.remove_workflow(session=session, team_id=team, name=name)
        if removed is None:
            names = [w.name for w in queries.list_workflows(session=session, team_id=team)]
            hint = f" Known workflows: {', '.join(names[:10])}." if names else ""
            raise fail(f"no workflow named “{name}” in {team}; nothing was removed.{hint}")
        shown = removed.name
    out.print(f"Removed “{shown}” from {team}.", highlight=False)


@app.command("savings")
def savings(
    team: TeamOption,
    as_json: JsonOption = False,
) -> None:
    """The portfolio figures and the top opportunities (--json: every workflow's savings)."""
    team = check_team(team)
    with session_scope(open_database()) as session:
        figures, rows = queries.workspace_portfolio(session=session, team_id=team)
    if not rows:
        # A mistyped team has no workflows: say so rather than show a portfolio of $0.
        err.print(no_workflows(team), highlight=False)
    if as_json:
        write_json(savings_document(figures, rows))
        return
    if rows:
        out.print(terminal.portfolio_panel(figures))
        out.print(terminal.opportunities_table(rows))
        out.print(terminal.benchmark_text(rows))


@app.command("prices")
def prices(
    model: Annotated[str, typer.Argument(help="Model name, as the provider spells it.")],
    provider: Annotated[
        Provider | None,
        typer.Option("--provider", "-p", help="Provider (default: inferred from the model)."),
    ] = None,
    input_tokens: Annotated[
        int,
        typer.Option(
            "--input-tokens", min=0, max=MAX_TOKENS, help="Average input tokens per request."
        ),
    ] = 1000,
    output_tokens: Annotated[
        int,
        typer.Option(
            "--output-tokens", min=0, max=MAX_TOKENS, help="Average output tokens per request."
        ),
    ] = 500,
) -> None:
    """Standard, batch, flex and priority prices for a model, per 1M tokens and per request."""
    try:
        price = find_catalog_price(provider, model)
        per_request = quote(
            provider=price.provider,
            model=price.model,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cost_per_request=None,
        )
    except PricingError as error:
        raise fail(str(error)) from error
    out.print(terminal.prices_table(price, input_tokens, output_tokens, per_request))


@app.command("demo")
def demo() -> None:
    """Load a sample inventory into a temporary database and show the savings report."""
    sample = (
        resources.files("batchscout.cli")
        .joinpath("sample_inventory.csv")
        .read_text(encoding="utf-8")
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
        f"a month, {percent(savings_share(digest_facts))} of all spend; challenging the "
        f"near-real-time ones could save up to {format_usd(figures.to_challenge)} more."
    )
    out.rule("Digest preview — what a subscribed channel gets each week")
    out.print(Text(terminal.digest_text(digest_facts, template_prose(digest_facts))))
    out.rule()
    out.print(
        "Try your own: [bold]batchscout init[/] writes this sample as inventory.yaml, commented, "
        "to edit; then [bold]batchscout import inventory.yaml --team T0123ABCD[/] and "
        "[bold]batchscout savings --team T0123ABCD[/]."
    )
