"""A new user's refusals on the command line: one line on stderr, exit 2, nothing changed
(in-process through Typer's runner: no subprocess)."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from batchscout.cli import app
from tests.conftest import cli_runner

TEAM = "T0NEWCLI"
INVENTORY = """name,owner,provider,model,requests,per,input_tokens,output_tokens,cost_per_request,trigger,reader,freshness,mode,cached_share
Nightly ticket summaries,U0ALICE,,,50000,day,,,0.01,schedule,report,day,sync,
Product search embeddings,U0ALICE,openai,text-embedding-3-small,100000,day,1000,0,,schedule,system,day,sync,
Support chat,U0ALICE,anthropic,claude-sonnet-4-5,20000,day,3000,400,,user,on-screen,seconds,sync,0.8
"""


@pytest.fixture
def cli(tmp_path: Path) -> tuple[CliRunner, dict[str, str]]:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "COLUMNS": "200"}
    inventory = tmp_path / "inventory.csv"
    inventory.write_text(INVENTORY, encoding="utf-8")
    runner = cli_runner()
    imported = runner.invoke(app, ["import", str(inventory), "--team", TEAM], env=env)
    assert imported.exit_code == 0, imported.output
    return runner, env


def _opportunities(cli: tuple[CliRunner, dict[str, str]]) -> dict[str, dict]:  # type: ignore[type-arg]
    runner, env = cli
    shown = runner.invoke(app, ["opportunities", "--team", TEAM, "--json"], env=env)
    return {o["workflow"]: o for o in json.loads(shown.stdout)["opportunities"]}


def _refused(cli: tuple[CliRunner, dict[str, str]], *args: str) -> str:
    runner, env = cli
    before = _opportunities(cli)
    result = runner.invoke(app, list(args), env=env)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    # Standard error may also carry the refusal's JSON log line (a logger an earlier test
    # configured writes to the current stderr): the person's message is the "Error: " line.
    lines = result.stderr.splitlines()
    assert "--- Logging error ---" not in lines
    [line] = [text for text in lines if text.startswith("Error: ")]
    assert _opportunities(cli) == before
    return line


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("history", "snapshot", "--as-of", "2999-01-01"), "is in the future"),
        (("opportunity", "done", "Nightly ticket summaries", "--mode", "priority"),
         "not where a workflow moves: use batch or flex"),
        (("opportunity", "done", "Product search embeddings", "--mode", "priority"),
         "not where a workflow moves: use batch or flex"),
        (("opportunity", "done", "Product search embeddings", "--mode", "flex"),
         "no flex price for openai text-embedding-3-small"),
        (("opportunity", "done", "Nightly ticket summaries", "--mode", "flex"),
         "cost per request has no flex price"),
        (("opportunity", "done", "Support chat", "--mode", "batch"),
         "prompt caching opportunity"),
        (("opportunity", "snooze", "Nightly ticket summaries"), "give --days or --until;"),
        (("opportunity", "snooze", "Nightly ticket summaries", "--days", "3", "--until",
          "2999-01-01"), "give --days or --until, not both"),
        (("followups", "settings", "--on", "--off"), "give --on or --off, not both"),
    ],
)  # fmt: skip
def test_refused_in_one_line_with_exit_2_and_nothing_changed(
    cli: tuple[CliRunner, dict[str, str]], args: tuple[str, ...], says: str
) -> None:
    assert says in _refused(cli, *args, "--team", TEAM)


def test_done_on_a_cache_opportunity_says_caching_is_on(
    cli: tuple[CliRunner, dict[str, str]],
) -> None:
    runner, env = cli

    result = runner.invoke(app, ["opportunity", "done", "Support chat", "--team", TEAM], env=env)

    assert result.exit_code == 0, result.output
    assert "“Support chat” done: prompt caching on, saving $" in result.stdout
    assert _opportunities(cli)["Support chat"]["status"] == "done"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--output", "x.json"), "--output x.json must end in .csv (csv, focus) or .yaml/.yml"),
        (("--output", "x"), "--output x must end in .csv"),
        (("--output", "x.json", "--format", "csv"), "must end in .csv for --format csv"),
        (("--output", "x.csv", "--format", "yaml"), "must end in .yaml or .yml for --format yaml"),
        (("--output", "x.yaml", "--format", "focus"), "must end in .csv for --format focus"),
    ],
)
def test_an_export_whose_output_ending_does_not_match_its_format_is_refused(
    cli: tuple[CliRunner, dict[str, str]], tmp_path: Path, args: tuple[str, ...], says: str
) -> None:
    runner, env = cli
    result = runner.invoke(app, ["export", "--team", TEAM, *args], env=env, catch_exceptions=False)

    assert result.exit_code == 2 and says in result.stderr
    assert result.stderr.count("Error: ") == 1
    assert not (Path.cwd() / args[1]).exists()


@pytest.mark.parametrize(("name", "starts"), [("x.yml", "workflows:"), ("x.CSV", "name,")])
def test_an_export_takes_its_format_from_the_output_ending(
    cli: tuple[CliRunner, dict[str, str]], tmp_path: Path, name: str, starts: str
) -> None:
    runner, env = cli
    target = tmp_path / name

    result = runner.invoke(app, ["export", "--team", TEAM, "--output", str(target)], env=env)

    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8").lstrip().startswith(starts)


def test_json_is_one_compact_line_when_piped(cli: tuple[CliRunner, dict[str, str]]) -> None:
    # Piped (to jq, to a file), a document of 100,000 workflows is written ~3x faster compact.
    runner, env = cli
    shown = runner.invoke(app, ["savings", "--team", TEAM, "--json"], env=env)
    assert shown.exit_code == 0 and shown.stdout.count("\n") == 1
    assert len(json.loads(shown.stdout)["workflows"]) == 3


def test_json_is_indented_at_a_terminal(tmp_path: Path) -> None:
    master, terminal = pty.openpty()
    script = Path(sys.executable).with_name("batchscout")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'tty.db'}"}
    done = subprocess.run(
        [str(script), "savings", "--team", TEAM, "--json"], stdout=terminal,
        stderr=subprocess.DEVNULL, env=env, timeout=120, check=False,
    )  # fmt: skip
    os.close(terminal)
    out = b""
    while chunk := _read(master):
        out += chunk
    os.close(master)
    assert done.returncode == 0
    assert b'\n  "monthly_spend"' in out.replace(b"\r\n", b"\n")


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, 65536)
    except OSError:  # the terminal's other end closed: all read
        return b""
