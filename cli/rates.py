"""``batchscout rates``: a workspace's negotiated prices."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import typer

from batchscout.audit.inventory import InventoryError
from batchscout.audit.numbers import NumberError, read_number
from batchscout.audit.pricing import ModelRate, Provider
from batchscout.cli.common import TeamOption, check_team, fail, open_database, out
from batchscout.storage import queries
from batchscout.storage.db import session_scope

#: A million tokens at $1,000,000 is $1 a token: well past any list price, far below overflow.
MAX_PRICE_PER_MTOK = Decimal(1_000_000)

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
        value = None if share == "default" else read_number(share)
        with session_scope(open_database()) as session:
            queries.set_batch_discount(session=session, team_id=team, discount=value)
    except InventoryError as error:
        reasons = "; ".join(p.message for p in error.problems)
        raise fail(f"Nothing was changed: {reasons}", 2) from error
    except ValueError as error:
        raise fail(f"Nothing was changed: {error}.", 2) from error
    out.print(f"Batch discount for {team}: {'catalog / 50% default' if value is None else share}.")


def _price(text: str) -> Decimal:
    """A price in US dollars per million tokens: 0 or more, a dot for decimals."""
    try:
        value = read_number(text.removeprefix("$"))
    except NumberError as error:
        raise typer.BadParameter(str(error)) from error
    if value > MAX_PRICE_PER_MTOK:
        raise typer.BadParameter(f"at most ${MAX_PRICE_PER_MTOK:,} per million tokens")
    return value


@app.command("set")
def rates_set(
    team: TeamOption,
    provider: Annotated[Provider, typer.Option("--provider", "-p", help="The model's provider.")],
    model: Annotated[
        str, typer.Option("--model", "-m", help="Model id as the provider spells it.")
    ],
    input_price: Annotated[
        Decimal, typer.Option("--input", help="$ per 1M input tokens.", parser=_price)
    ],
    output_price: Annotated[
        Decimal, typer.Option("--output", help="$ per 1M output tokens.", parser=_price)
    ],
    batch_input: Annotated[
        Decimal | None,
        typer.Option(
            "--batch-input",
            parser=_price,
            help="$ per 1M input tokens on the batch API (default: half of --input).",
        ),
    ] = None,
    batch_output: Annotated[
        Decimal | None,
        typer.Option(
            "--batch-output",
            parser=_price,
            help="$ per 1M output tokens on the batch API (default: half of --output).",
        ),
    ] = None,
    flex_input: Annotated[
        Decimal | None,
        typer.Option("--flex-input", parser=_price, help="$ per 1M input tokens on flex."),
    ] = None,
    flex_output: Annotated[
        Decimal | None,
        typer.Option("--flex-output", parser=_price, help="$ per 1M output tokens on flex."),
    ] = None,
) -> None:
    """Store a negotiated per-model price and re-price the workspace's workflows.

    The rate replaces the catalog for that model, flex included: give --flex-input and
    --flex-output for flex advice on it (the catalog's flex price is list price, not yours).
    """
    team = check_team(team)
    prices = (input_price, output_price, batch_input, batch_output, flex_input, flex_output)
    if (flex_input is None) != (flex_output is None):
        raise fail("give both --flex-input and --flex-output, or neither.", 2)
    if not model.strip() or len(model) > 200:
        raise fail("give a model id of 1 to 200 characters.", 2)
    try:
        with session_scope(open_database()) as session:
            queries.set_model_rate(
                session=session,
                team_id=team,
                provider=provider,
                model=model,
                rate=ModelRate(*prices),
            )
    except InventoryError as error:
        reasons = "; ".join(p.message for p in error.problems)
        raise fail(f"Nothing was changed: {reasons}", 2) from error
    out.print(f"Stored the {provider} {model} rate for {team}; workflows re-priced.")
