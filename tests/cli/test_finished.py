"""The command line looks finished: help in words (no Typer type names), a description on
every option, wraps between words, errors with a hanging indent, a sample to start from,
`remove`, hints for a mistyped team, and an 80-column inventory that keeps its names."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from batchscout.cli import COMMANDS, app
from batchscout.cli.common import error_text

INTERNALS = re.compile(r"<(bool|str|int|float|Decimal|path|file)[^>]*>|\{[a-z_]+\}|x>=|<=x")


def runner_for(tmp_path: Path, columns: int = 80) -> tuple[CliRunner, dict[str, str]]:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "COLUMNS": str(columns)}
    return CliRunner(), env


def every_command() -> Iterator[list[str]]:
    for name, lazy in COMMANDS.items():
        if not lazy.group:
            yield [name]
            continue
        command = lazy.load(name)
        for sub in command.commands:
            yield [name, sub]


@pytest.mark.parametrize("words", list(every_command()), ids=" ".join)
def test_help_reads_as_words(words: list[str], tmp_path: Path) -> None:
    runner, env = runner_for(tmp_path)
    result = runner.invoke(app, [*words, "--help"], env=env, terminal_width=80)

    assert result.exit_code == 0, result.output
    assert not INTERNALS.search(result.output), result.output
    assert "`" not in result.output
    # Never a word cut at a hyphen or mid-word at the end of a line ("--flex-", "googl").
    assert not re.search(r"\w-$", result.output, re.MULTILINE), result.output
    options = result.output.split("Options:", 1)[-1]
    for line in options.splitlines():
        if re.match(r"^  (-\w, )?--[\w-]+( [A-Z_|a-z]+)?$", line):
            # An option alone on its line must have its description on the next one.
            following = options.splitlines()[options.splitlines().index(line) + 1]
            assert following.startswith(" " * 20), f"no description for {line!r}"
            assert not following.strip().startswith("["), f"no description for {line!r}"
        elif re.match(r"^  (-\w, )?--[\w-]+", line):
            parts = re.split(r"\s{2,}", line.strip(), maxsplit=1)
            assert len(parts) == 2 and not parts[1].startswith("["), f"no description: {line!r}"


def test_errors_wrap_with_a_hanging_indent() -> None:
    message = "no workflow named “A rather long workflow name that nobody has” in T0FINISH1."

    lines = error_text(message, 50).splitlines()
    piped = error_text("use `batchscout usage key set`\nto store one", None)

    assert lines[0].startswith("Error: no workflow named") and len(lines) > 1
    assert all(line.startswith("       ") and len(line) <= 50 for line in lines[1:]), lines
    assert piped == "Error: use 'batchscout usage key set' to store one"  # one line, no backticks


def test_init_writes_a_commented_sample_that_imports(tmp_path: Path) -> None:
    runner, env = runner_for(tmp_path)
    target = tmp_path / "inventory.yaml"

    written = runner.invoke(app, ["init", str(target)], env=env)
    again = runner.invoke(app, ["init", str(target)], env=env)
    imported = runner.invoke(app, ["import", str(target), "--team", "T0FINISH1"], env=env)

    assert written.exit_code == 0 and target.read_text().startswith("# A Batchscout inventory")
    assert again.exit_code == 1 and "nothing was written" in again.output
    assert imported.exit_code == 0 and "Imported 12 workflows" in imported.output
    entries = yaml.safe_load(target.read_text())["workflows"]
    assert isinstance(entries[0]["requests"], int)  # numbers as numbers


def test_the_demo_points_to_a_template(tmp_path: Path) -> None:
    runner, env = runner_for(tmp_path, columns=120)
    result = runner.invoke(app, ["demo"], env=env, terminal_width=120)

    assert result.exit_code == 0
    assert "batchscout init" in result.output
    # One headline, one named figure; the next sentence says what it is a share of.
    shown = " ".join(result.output.split())
    assert "$56,563/month can be saved by moving scheduled work to a batch API." in shown
    assert "That is 34% of the $164,790/month spent on AI" in shown


def test_remove_on_the_command_line(tmp_path: Path) -> None:
    runner, env = runner_for(tmp_path)
    sample = tmp_path / "inventory.csv"
    runner.invoke(app, ["init", str(sample)], env=env)
    runner.invoke(app, ["import", str(sample), "--team", "T0FINISH1"], env=env)

    removed = runner.invoke(app, ["remove", "nightly TICKET summaries", "--team", "T0FINISH1"],
                            env=env)  # fmt: skip
    listed = runner.invoke(app, ["list", "--team", "T0FINISH1"], env=env, terminal_width=160)

    assert removed.exit_code == 0 and "Removed “Nightly ticket summaries”" in removed.output
    assert "Nightly ticket summaries" not in listed.output and "Ticket triage" in listed.output


def test_savings_for_a_team_without_workflows_hints_like_list(tmp_path: Path) -> None:
    runner, env = runner_for(tmp_path)

    savings = runner.invoke(app, ["savings", "--team", "T0TYPO001"], env=env)
    listed = runner.invoke(app, ["list", "--team", "T0TYPO001"], env=env)

    assert "No workflows in T0TYPO001 yet (is the team id right?)" in savings.output
    assert "No workflows in T0TYPO001 yet" in listed.output
    assert "Monthly spend" not in savings.output


def test_an_80_column_list_keeps_names_readable_with_huge_figures(tmp_path: Path) -> None:
    runner, env = runner_for(tmp_path)
    huge = tmp_path / "huge.csv"
    huge.write_text(
        "name,requests,per,cost_per_request,trigger,reader,freshness\n"
        "Nightly enrichment of every record,999999999999,month,999,schedule,report,day\n"
    )
    runner.invoke(app, ["import", str(huge), "--team", "T0FINISH1"], env=env)

    result = runner.invoke(app, ["list", "--team", "T0FINISH1"], env=env, terminal_width=80)

    assert "$999T" in result.output
    assert "Nightly enrichment of" in result.output  # not "Nigh" / "tly" down a thin column
    table = [line for line in result.output.splitlines() if line[:1] in "┏┃┡│└"]
    assert table and max(len(line) for line in table) <= 80


def test_prices_are_titled_with_the_model_id(tmp_path: Path) -> None:
    runner, env = runner_for(tmp_path)
    result = runner.invoke(app, ["prices", "gpt-4o-mini"], env=env, terminal_width=100)

    assert result.exit_code == 0, result.output
    assert result.output.lstrip().startswith("gpt-4o-mini (openai)")


#: What no command's ``--help`` may load: the provider SDKs, the chart, the scheduler, Bolt.
HEAVY = ("openai", "anthropic", "matplotlib", "apscheduler", "slack_bolt", "dbos")
#: The command groups whose --help stays light (``slack``, which serves the app, is not one).
LIGHT_HELP = ("followups", "digest", "usage", "worker", "history", "opportunity", "rates")


@pytest.mark.slow  # a fresh interpreter, so that nothing is loaded already
def test_help_loads_no_provider_sdk_or_chart() -> None:
    script = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from batchscout.cli import app\n"
        f"for words in {[[c, '--help'] for c in LIGHT_HELP]!r}:\n"
        "    assert CliRunner().invoke(app, words).exit_code == 0, words\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )

    assert result.stdout.strip() == "[]", result.stdout + result.stderr
