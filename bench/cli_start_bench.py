"""How long ``batchscout --help`` takes, as a ratio to a bare one-command Typer app's ``--help``
measured in the same run (the goal: at most 2×).

    .venv/bin/python bench/cli_start_bench.py [--rounds 7]

Each round starts each in a fresh subprocess, rotating which goes first, so a busy machine
slows both alike; the script prints both medians (wall time, seconds) and the ratio. The
baseline is the floor any Typer command line pays: Python, Typer, Click and Rich starting.
Exits 1 when the ratio is over 2.

A third command, the same bare app with Batchscout's root settings (``rich_markup_mode=None``:
plain help, no Rich Markdown), shows what our own package costs on top of Typer; its ratio is
printed too, for information.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL = 2.0

BARE_APP = '''
import typer

app = typer.Typer(SETTINGS)


@app.command()
def hello(name: str = "world") -> None:
    """Say hello."""
    typer.echo(f"hello {name}")


app()
'''


def batchscout_command() -> list[str]:
    """The installed console script beside this Python, else ``python -m batchscout``."""
    script = Path(sys.executable).with_name("batchscout")
    if script.exists():
        return [str(script)]
    found = shutil.which("batchscout")
    return [found] if found else [sys.executable, "-m", "batchscout"]


def run_seconds(command: list[str]) -> float:
    """Wall time of one run; fails loudly when the command does not answer ``--help``."""
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0 or "Usage" not in result.stdout:
        raise SystemExit(f"{' '.join(command)} failed ({result.returncode}):\n{result.stderr}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="runs of each (default 7)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        bare_script, plain_script = Path(folder) / "bare_app.py", Path(folder) / "plain_app.py"
        bare_script.write_text(BARE_APP.replace("SETTINGS", ""), encoding="utf-8")
        plain_script.write_text(
            BARE_APP.replace("SETTINGS", "rich_markup_mode=None"), encoding="utf-8"
        )
        commands = {
            "batchscout --help": [*batchscout_command(), "--help"],
            "bare Typer app --help": [sys.executable, str(bare_script), "--help"],
            "plain-help Typer app --help": [sys.executable, str(plain_script), "--help"],
        }
        for command in commands.values():  # warm the file cache and .pyc files once
            run_seconds(command)
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for round_number in range(args.rounds):
            order = list(commands)[round_number % 3 :] + list(commands)[: round_number % 3]
            for name in order:
                samples[name].append(run_seconds(commands[name]))

    ours = statistics.median(samples["batchscout --help"])
    bare = statistics.median(samples["bare Typer app --help"])
    plain = statistics.median(samples["plain-help Typer app --help"])
    ratio = ours / bare
    print(f"rounds: {args.rounds} (each command in a fresh subprocess, rotating order)")
    print(f"batchscout --help                   median {ours:.3f} s")
    print(f"bare Typer app --help               median {bare:.3f} s")
    print(f"plain-help Typer app --help         median {plain:.3f} s")
    print(f"ratio to the bare Typer app         {ratio:.2f}× (goal ≤ {GOAL:.0f}×)")
    print(f"ratio to the plain-help Typer app   {ours / plain:.2f}× (our package's own cost)")
    return 0 if ratio <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
