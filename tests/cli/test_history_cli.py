"""``batchscout history``, ``history snapshot`` and ``export --format focus``: the real console
script in a subprocess against a temporary database."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest

from batchscout.audit.focus import COLUMNS
from tests.conftest import run_cli

SAMPLE = Path(__file__).parents[2] / "cli" / "sample_inventory.csv"
TEAM = "T0TEST"

pytestmark = pytest.mark.slow  # a dozen real subprocesses


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    run_cli("import", str(SAMPLE), "--team", TEAM, database_url=url, check=True)
    return url


def _migrate(tmp_path: Path, db: str, name: str) -> None:
    """Re-import the workspace's own export with ``name`` moved to ``batch``."""
    exported = run_cli("export", "--team", TEAM, database_url=db, check=True).stdout
    rows = list(csv.DictReader(io.StringIO(exported)))
    for row in rows:
        if row["name"] == name:
            row["mode"] = "batch"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path / "moved.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    run_cli("import", str(path), "--team", TEAM, database_url=db, check=True)


def test_two_snapshots_a_week_apart_show_the_migration(tmp_path: Path, db: str) -> None:
    empty = run_cli("history", "--team", TEAM, database_url=db, check=True)
    assert "No history yet" in empty.stdout and "$0" not in empty.stdout

    taken = run_cli(
        "history", "snapshot", "--team", TEAM, "--as-of", "2026-11-30T00:05:00Z",
        database_url=db, check=True,
    )  # fmt: skip
    assert "2026-W49" in taken.stdout
    _migrate(tmp_path, db, "Nightly ticket summaries")
    run_cli(
        "history", "snapshot", "--team", TEAM, "--as-of", "2026-12-07T09:30:00+01:00",
        database_url=db, check=True,
    )  # fmt: skip

    document = json.loads(
        run_cli("history", "--team", TEAM, "--json", database_url=db, check=True).stdout
    )
    w49, w50 = document["weeks"]
    assert (w49["week"], w50["week"]) == ("2026-W49", "2026-W50")
    assert w50["taken_at"] == "2026-12-07T08:30:00Z"
    assert (w49["realised"], w50["realised"]) == ("3060.00", "10560.00")
    assert Decimal(w49["migrate_now"]) - Decimal(w50["migrate_now"]) == Decimal(7500)
    assert set(w50) == {
        "week", "taken_at", "monthly_spend", "migrate_now", "to_challenge", "flex_now",
        "realised", "spend_after", "verified_savings", "opportunities",
    }  # fmt: skip
    assert list(w50["opportunities"]) == [
        "open", "accepted", "snoozed", "dismissed", "done", "verified", "not_migrated",
    ]  # fmt: skip
    assert w50["verified_savings"] == "0.00"
    # The opportunity lifecycle's totals: the moved workflow's $7,500 went from open to done.
    assert (w49["opportunities"]["done"], w50["opportunities"]["done"]) == ("0.00", "7500.00")
    assert Decimal(w49["opportunities"]["open"]) - Decimal(w50["opportunities"]["open"]) == 7500
    totals = json.loads(
        run_cli("opportunities", "--team", TEAM, "--json", database_url=db, check=True).stdout
    )["totals"]
    assert w50["opportunities"] == totals  # the snapshot holds opportunities --json's totals

    table = run_cli("history", "--team", TEAM, "--weeks", "1", database_url=db, check=True)
    assert "2026-W50" in table.stdout and "2026-W49" not in table.stdout
    wide = run_cli("history", "--team", TEAM, database_url=db, check=True).stdout
    assert "+$7,500" in wide and max(len(line) for line in wide.splitlines()) <= 80


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("history", "snapshot", "--team", TEAM, "--as-of", "last monday"), "--as-of"),
        (("history", "snapshot", "--team", TEAM, "--as-of", "2026-13-01"), "--as-of"),
        (("history", "snapshot", "--team", TEAM, "--as-of", "2999-01-01"), "in the future"),
        (("history", "--team", TEAM, "--weeks", "-1"), "--weeks"),
        (("export", "--team", TEAM, "--format", "xlsx"), "unknown format"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(db: str, args: tuple[str, ...], says: str) -> None:
    result = run_cli(*args, database_url=db)

    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and says in result.stderr
    assert "Traceback" not in result.stderr


def test_the_focus_export_sums_to_monthly_spend(tmp_path: Path, db: str) -> None:
    path = tmp_path / "focus.csv"
    run_cli(
        "export", "--team", TEAM, "--format", "focus", "--output", str(path),
        database_url=db, check=True,
    )  # fmt: skip
    savings = json.loads(
        run_cli("savings", "--team", TEAM, "--json", database_url=db, check=True).stdout
    )

    with path.open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        rows = list(reader)
    assert tuple(reader.fieldnames or ()) == COLUMNS
    assert len(rows) == len(savings["workflows"])
    assert sum(Decimal(r["BilledCost"]) for r in rows) == Decimal(savings["monthly_spend"])
    by_name = {w["name"]: w for w in savings["workflows"]}
    listed = json.loads(
        run_cli("opportunities", "--team", TEAM, "--json", database_url=db, check=True).stdout
    )["opportunities"]
    opportunity = {o["workflow"]: o for o in listed}
    assert {o["action"] for o in listed} >= {"batch", "cache"}
    for row in rows:
        workflow = by_name[row["ResourceName"]]
        assert row["BilledCost"] == row["EffectiveCost"] == workflow["monthly_cost"]
        # The opportunity's savings as opportunities --json gives them, else the workflow's.
        saves = opportunity.get(row["ResourceName"], workflow)["monthly_savings"]
        assert row["x_MonthlySavings"] == saves
        assert row["x_LatencyClass"] == workflow["latency_class"]
        assert row["x_CostSource"] == "estimate"  # no usage imported
        assert Decimal(row["ListCost"]) >= Decimal(row["BilledCost"])
        assert row["BillingPeriodStart"].endswith("-01T00:00:00Z")
    nightly = by_name["Nightly ticket summaries"]
    [row] = [r for r in rows if r["ResourceName"] == nightly["name"]]
    assert (row["x_Opportunity"], row["x_OpportunityStatus"]) == ("batch", "open")
    assert row["x_ProcessingTier"] == "standard"


def test_savings_compares_the_shares_with_the_typical_ranges(db: str) -> None:
    result = run_cli("savings", "--team", TEAM, database_url=db, check=True)

    assert "Is your number good?" in result.stdout
    assert "typical 30–60%" in result.stdout and "typical 20–30%" in result.stdout
