"""``batchscout rates``: a workspace's negotiated prices."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import typer

from batchscout.audit.pricing import ModelRate, Provider
from batchscout.cli.common import TeamOption, check_team, fail, open_database, out
from batchscout.storage import queries
from batchscout.storage.db import session_scope

app = typer.Typer(help="Workspace price overrides (negotiated rates).", no_args_is_help=True)


@app.command("discount")
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


@app.command("set")
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
    flex_input: Annotated[
        Decimal | None,
        typer.Option("--flex-input", parser=Decimal, help="$ per 1M input tokens on flex."),
    ] = None,
    flex_output: Annotated[
        Decimal | None,
        typer.Option("--flex-output", parser=Decimal, help="$ per 1M output tokens on flex."),
    ] = None,
) -> None:
    """Store a negotiated per-model price and re-price the workspace's workflows.

    The rate replaces the catalog for that model, flex included: give --flex-input and
    --flex-output for flex advice on it (the catalog's flex price is list price, not yours).
    """
    team = check_team(team)
    prices = (input_price, output_price, batch_input, batch_output, flex_input, flex_output)
    if any(v is not None and v < 0 for v in prices):
        raise fail("prices must be 0 or more.", 2)
    if (flex_input is None) != (flex_output is None):
        raise fail("give both --flex-input and --flex-output, or neither.", 2)
    with session_scope(open_database()) as session:
        queries.set_model_rate(
            session=session,
            team_id=team,
            provider=provider,
            model=model,
            rate=ModelRate(*prices),
        )
    out.print(f"Stored the {provider} {model} rate for {team}; workflows re-priced.")
