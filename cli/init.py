"""``batchscout init``: write a commented sample inventory to start your own from."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from batchscout.audit.inventory import parse_csv, to_yaml
from batchscout.cli.common import err, fail, out

app = typer.Typer()

#: What each field means, written above the YAML sample (SPEC "Contract": inventory columns).
YAML_HEADER = """\
# A Batchscout inventory: one entry per AI workflow. Edit it, then:
#   batchscout import {file} --team T0123ABCD
# Fields (only name and requests are always required):
#   name              unique in the workspace; importing a name again updates that workflow
#   description       what it does (optional)
#   owner             Slack user id, like U0123ABCD (optional)
#   provider          openai, anthropic, google, bedrock or other
#   model             the model id (with provider, prices it from the catalog)
#   requests, per     how many requests per hour, day, week or month
#   input_tokens      average tokens sent per request (with model)
#   output_tokens     average tokens returned per request (with model)
#   cost_per_request  US dollars on the synchronous API (instead of model and tokens)
#   trigger           user (a person asks), event (webhook, message, call), schedule (cron)
#   reader            on-screen, later (notification, email, queue), report, system
#   freshness         how soon the result must exist: seconds, minutes, hour, day, week
#   mode              sync (default), batch (already on a provider batch API) or flex
#                     (already on the flex service tier), or priority (paying the premium
#                     tier, where the catalog prices one for the model)
#   usage_project     provider project or workspace id (proj_… or wrkspc_…), optional
#   usage_api_key     provider API key id (key_… or apikey_…, never the key), optional
#   cached_share      share of each request's input that repeats across requests (a system
#                     prompt, shared context): 0 to 1 or a percentage like 80%, optional
# A comma in a number separates thousands only (50,000); use a dot for decimals (0.01).
"""


def sample_csv() -> str:
    """The sample inventory shipped with Batchscout (the one ``batchscout demo`` shows)."""
    return resources.files("batchscout.cli").joinpath("sample_inventory.csv").read_text("utf-8")


def sample_text(file: Path) -> str:
    """The sample in the format ``file``'s name asks for: commented YAML, or CSV."""
    if file.suffix.lower() in (".yaml", ".yml"):
        return YAML_HEADER.format(file=file.name) + to_yaml(parse_csv(sample_csv()))
    return sample_csv()


@app.command("init")
def init(
    file: Annotated[
        Path,
        typer.Argument(help="Where to write the sample: .yaml (commented) or .csv."),
    ] = Path("inventory.yaml"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a sample inventory (a dozen workflows, commented) to edit and import."""
    if file.exists() and not force:
        raise fail(f"{file} exists already; nothing was written (--force overwrites it).")
    try:
        file.write_text(sample_text(file), encoding="utf-8")
    except OSError as error:
        raise fail(f"cannot write {file} ({error.strerror or error}).") from error
    err.print(f"Wrote a sample inventory of a dozen workflows to {file}.", highlight=False)
    out.print(
        f"Edit it, then: batchscout import {file} --team T0123ABCD", highlight=False, soft_wrap=True
    )
