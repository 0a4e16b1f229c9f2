"""The real ``batchscout scan`` console script: formats, ``--output``, exit codes, and the
inventory it writes imported with the real ``batchscout import`` and priced by ``savings``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli

FIXTURES = Path(__file__).parent / "fixtures"
NIGHTLY = str(FIXTURES / "nightly_openai")

pytestmark = pytest.mark.slow  # real processes


def test_the_done_when_repository_prints_the_finding_its_schedule_and_the_advice() -> None:
    result = run_cli("scan", NIGHTLY, database_url="", check=True)

    assert result.stdout.splitlines()[:5] == [
        "1 AI call in 1 file (4 files read): 1 scheduled, 0 in request handlers, 0 unknown.",
        "",
        "Move to the batch API (batch): 1",
        "  scripts/summarize_tickets.py:15  openai chat.completions.create (gpt-4o-mini)",
        "      scheduled by .github/workflows/nightly.yml:5 (summarize-tickets): 0 2 * * *, "
        "30 runs a month",
    ]
    assert result.stderr == ""


def test_the_scans_yaml_imports_unchanged_and_savings_prices_it(tmp_path: Path) -> None:
    found = tmp_path / "found.yaml"
    database = f"sqlite:///{tmp_path / 'scan.db'}"
    run_cli(
        "scan", NIGHTLY, "--format", "yaml", "--output", str(found), database_url="", check=True
    )

    imported = run_cli("import", str(found), "--team", "T0SCAN", database_url=database, check=True)
    savings = json.loads(
        run_cli("savings", "--team", "T0SCAN", "--json", database_url=database, check=True).stdout
    )

    assert "Imported 1 workflow into T0SCAN: 1 new, 0 updated." in imported.stdout
    (workflow,) = savings["workflows"]
    assert (workflow["name"], workflow["latency_class"], workflow["advice_tier"]) == (
        "summarize-tickets",
        "scheduled",
        "batch",
    )
    # One call per run, 30 runs of a short prompt: priced, under a cent. A repository with
    # more traffic (every 15 minutes, placeholder token counts) shows the figures.
    busy = tmp_path / "busy.yaml"
    run_cli(
        "scan",
        str(FIXTURES / "crontab_flex"),
        "--format",
        "yaml",
        "--output",
        str(busy),
        database_url="",
        check=True,
    )
    run_cli("import", str(busy), "--team", "T0BUSY", database_url=database, check=True)
    figures = json.loads(
        run_cli("savings", "--team", "T0BUSY", "--json", database_url=database, check=True).stdout
    )
    assert len(figures["workflows"]) == 4
    assert float(figures["monthly_spend"]) > 0
    assert float(figures["migrate_now"]) > 0


def test_fail_on_scheduled_is_a_ci_gate() -> None:
    gated = run_cli("scan", NIGHTLY, "--fail-on", "scheduled", database_url="")
    batch = run_cli(
        "scan", str(FIXTURES / "already_batch"), "--fail-on", "scheduled", database_url=""
    )
    handlers_only = run_cli(
        "scan",
        str(FIXTURES / "vercel" / "app" / "api" / "chat"),
        "--fail-on",
        "scheduled",
        database_url="",
    )

    assert gated.returncode == 1 and "Move to the batch API" in gated.stdout
    assert batch.returncode == 0  # already on the batch API: not synchronous
    assert handlers_only.returncode == 0


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        (["/no/such/repository"], "Error: /no/such/repository does not exist."),
        ([str(FIXTURES / "nightly_openai" / "requirements.txt")], "is not a folder"),
        ([NIGHTLY, "--format", "xml"], "Invalid value for '--format'"),
        ([NIGHTLY, "--fail-on", "anything"], "Invalid value for '--fail-on'"),
    ],
)
def test_a_bad_argument_or_path_is_exit_2(arguments: list[str], error: str) -> None:
    result = run_cli("scan", *arguments, database_url="")

    assert result.returncode == 2
    assert error in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr


def test_a_bad_path_is_one_line() -> None:
    result = run_cli("scan", "/no/such/repository", database_url="")

    assert result.stderr.strip().count("\n") == 0


def test_every_format_on_the_command_line(tmp_path: Path) -> None:
    outputs = {
        fmt: run_cli("scan", NIGHTLY, "--format", fmt, database_url="", check=True).stdout
        for fmt in ("json", "sarif", "github")
    }

    assert json.loads(outputs["json"])["findings"][0]["advice"] == "batch"
    assert json.loads(outputs["sarif"])["version"] == "2.1.0"
    assert outputs["github"].startswith(
        "::warning file=scripts/summarize_tickets.py,line=15,title=batchscout%3A batch::"
    )
