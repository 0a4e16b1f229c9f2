"""``batchscout scan``: find the AI calls in a repository, and the ones a schedule runs."""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from batchscout.cli.common import err, fail
from batchscout.scan import scan
from batchscout.scan.report import FORMATS

app = typer.Typer()


class Format(StrEnum):
    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    GITHUB = "github"
    YAML = "yaml"


class FailOn(StrEnum):
    SCHEDULED = "scheduled"


@app.command("scan")
def scan_command(
    path: Annotated[Path, typer.Argument(help="The repository (a folder) to read.")] = Path("."),
    output_format: Annotated[
        Format,
        typer.Option(
            "--format",
            help="text for people, json, sarif (code scanning), github (annotations), or "
            "yaml (an inventory for batchscout import).",
        ),
    ] = Format.TEXT,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to FILE instead of the terminal.")
    ] = None,
    fail_on: Annotated[
        FailOn | None,
        typer.Option(
            "--fail-on",
            help="scheduled: exit 1 when a synchronous call runs on a schedule (a CI gate).",
        ),
    ] = None,
) -> None:
    """Find the AI calls in code, and which ones a schedule runs (never runs the code).

    Exit codes: 0 found or not; 1 with --fail-on scheduled when a synchronous call in a
    scheduled context is found; 2 a bad argument or an unreadable PATH.
    """
    if not path.exists():
        raise fail(f"{path} does not exist.", 2)
    if not path.is_dir():
        raise fail(f"{path} is not a folder: give the repository's folder.", 2)
    if not os.access(path, os.R_OK | os.X_OK):
        raise fail(f"{path} cannot be read (permission denied).", 2)
    result = scan(path)
    text = FORMATS[output_format.value](result)
    if output is None:
        sys.stdout.write(text)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as error:
            raise fail(f"cannot write {output} ({error.strerror or error}).", 2) from error
        count = len(result.findings)
        err.print(f"Wrote {count} finding{'s' if count != 1 else ''} to {output}.", highlight=False)
    if output_format is not Format.TEXT and result.skipped:
        err.print(f"Skipped {len(result.skipped)} unreadable files:", highlight=False)
        for skipped in result.skipped:
            err.print(f"  {skipped.path}: {skipped.reason}", highlight=False, soft_wrap=True)
    if fail_on is FailOn.SCHEDULED and any(f.synchronous_scheduled for f in result.findings):
        raise typer.Exit(1)
