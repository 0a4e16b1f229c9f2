"""Importing a 100,000-row inventory CSV: throughput and peak memory, against reading and
parsing the same file with the csv module alone, in the same run.

    python bench/import_bench.py [--rows 100000]

Each measurement runs in a fresh process (so that its peak resident memory, VmHWM, is its
own): the baseline reads the file with csv.DictReader and does nothing else; the import is
`batchscout import FILE --team T` (validation as the file streams, pricing, bulk writes in
one transaction, into a fresh SQLite database). A third run imports a file whose last row is
invalid and checks that nothing was stored.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from workspace import ROOT, specs

from batchscout.audit.inventory import to_csv

BASELINE = """
import csv, sys
from pathlib import Path
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    rows = sum(1 for _ in csv.DictReader(f))
status = Path("/proc/self/status").read_text()
print(rows, next(l.split()[1] for l in status.splitlines() if l.startswith("VmHWM:")))
"""

IMPORT = """
import sys, time
from pathlib import Path
from batchscout.cli import app
import batchscout.cli.inventory, batchscout.storage.queries  # start-up, not import time
start = time.perf_counter()
code = app(["import", sys.argv[1], "--team", "T0IMPORT"], standalone_mode=False) or 0
took = time.perf_counter() - start
status = Path("/proc/self/status").read_text()
peak = next(l.split()[1] for l in status.splitlines() if l.startswith("VmHWM:"))
print("RESULT", code, peak, took)
"""


def timed_run(code: str, path: Path, env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, env=env, cwd=ROOT
    )
    took = time.perf_counter() - start
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    if result.returncode != 0 and not lines:
        raise RuntimeError(result.stderr[-2000:])
    return took, lines[-1]


def count_rows(url: str) -> int:
    import sqlite3

    connection = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        return int(connection.execute("SELECT count(*) FROM workflow").fetchone()[0])
    finally:
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        good = Path(folder) / "inventory.csv"
        good.write_text(to_csv(specs(args.rows)), encoding="utf-8")
        bad = Path(folder) / "bad.csv"
        bad.write_text(
            good.read_text(encoding="utf-8")
            + "Broken,-1,day,,,,,,,0.01,schedule,report,day,sync\n",
            encoding="utf-8",
        )
        size_mb = good.stat().st_size / 1e6
        with good.open(newline="", encoding="utf-8") as stream:
            header = next(csv.reader(stream))
        del header
        env = {**os.environ, "COLUMNS": "200", "BATCHSCOUT_LOG_LEVEL": "WARNING"}

        base_seconds, base_line = timed_run(BASELINE, good, env)
        base_peak = int(base_line.split()[1]) / 1024

        url = f"sqlite:///{folder}/import.db"
        took, line = timed_run(IMPORT, good, {**env, "DATABASE_URL": url})
        _, code, peak, inside = line.split()
        stored = count_rows(url)

        bad_url = f"sqlite:///{folder}/bad.db"
        _, bad_line = timed_run(IMPORT, bad, {**env, "DATABASE_URL": bad_url})
        bad_code = bad_line.split()[1]
        bad_stored = count_rows(bad_url)

    print(f"Import of a {args.rows:,}-row CSV ({size_mb:.1f} MB), each in a fresh process:")
    print(
        f"  baseline: csv.DictReader only   {base_seconds:6.1f} s  {args.rows / base_seconds:9,.0f} rows/s"
        f"   peak {base_peak:6.0f} MiB"
    )
    print(
        f"  batchscout import               {took:6.1f} s  {args.rows / took:9,.0f} rows/s"
        f"   peak {int(peak) / 1024:6.0f} MiB   ({took / base_seconds:.1f}x the baseline's time;"
        f" exit {code}, {stored:,} stored)"
    )
    print(
        f"  the import alone (no start-up)  {float(inside):6.1f} s  "
        f"{args.rows / float(inside):9,.0f} rows/s"
    )
    print(
        f"  same file + one bad last row    exit {bad_code}, {bad_stored} stored"
        f"   {'(nothing stored: OK)' if bad_stored == 0 else '(STORED ROWS: WRONG)'}"
    )
    print("  Times include each process's start-up (imports, database upgrade).")


if __name__ == "__main__":
    main()
