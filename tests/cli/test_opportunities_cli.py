"""``batchscout opportunities`` and ``batchscout opportunity …`` as an operator runs them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import run_cli

TEAM = "T0CLIOPPS"
INVENTORY = """name,owner,requests,per,cost_per_request,trigger,reader,freshness,mode
Nightly ticket summaries,U0ALICE,50000,day,0.01,schedule,report,day,sync
Ticket triage queue,U0ALICE,20000,day,0.01,event,later,minutes,sync
Weekly digest,U0BOB,10000,week,0.01,schedule,later,week,sync
Agent assist,U0BOB,40000,day,0.01,user,on-screen,seconds,sync
Orphan reports,,3000,day,0.01,schedule,report,day,sync
"""

pytestmark = pytest.mark.slow  # real subprocesses


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'opps.db'}"
    inventory = tmp_path / "inventory.csv"
    inventory.write_text(INVENTORY, encoding="utf-8")
    run_cli("import", str(inventory), "--team", TEAM, database_url=url, check=True)
    return url


def listed(db: str, *extra: str) -> dict:  # type: ignore[type-arg]
    result = run_cli("opportunities", "--team", TEAM, "--json", *extra, database_url=db, check=True)
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def by_name(document: dict) -> dict[str, dict]:  # type: ignore[type-arg]
    return {o["workflow"]: o for o in document["opportunities"]}


def test_the_json_object_and_the_decisions(db: str) -> None:
    before = listed(db)
    assert set(before) == {"opportunities", "totals"}
    assert list(before["totals"]) == [
        "open",
        "accepted",
        "snoozed",
        "dismissed",
        "done",
        "verified",
        "not_migrated",
    ]
    nightly = by_name(before)["Nightly ticket summaries"]
    assert set(nightly) == {
        "workflow",
        "owner",
        "action",
        "monthly_savings",
        "status",
        "due",
        "snoozed_until",
        "reason",
        "note",
        "history",
    }
    assert (nightly["owner"], nightly["action"], nightly["monthly_savings"]) == (
        "U0ALICE",
        "batch",
        "7500.00",
    )
    assert "Agent assist" not in by_name(before)

    today = datetime.now(UTC).date()
    due = (today + timedelta(days=10)).isoformat()
    steps = [
        ("accept", "Nightly ticket summaries", "--due", due, "--by", "U0ALICE"),
        ("snooze", "Ticket triage queue", "--days", "30", "--by", "U0ALICE"),
        (
            "dismiss",
            "Weekly digest",
            "--reason",
            "blocked",
            "--note",
            "vendor <b>",
            "--by",
            "U0BOB",
        ),
        ("claim", "Orphan reports", "--by", "U0CAROL"),
    ]
    for step in steps:
        result = run_cli("opportunity", *step[:2], "--team", TEAM, *step[2:], database_url=db)
        assert result.returncode == 0, result.stderr
    after = by_name(listed(db))
    assert (
        after["Nightly ticket summaries"]["status"],
        after["Nightly ticket summaries"]["due"],
    ) == ("accepted", due)
    assert after["Ticket triage queue"]["snoozed_until"] == (today + timedelta(days=30)).isoformat()
    weekly = after["Weekly digest"]
    assert (weekly["status"], weekly["reason"], weekly["note"]) == (
        "dismissed",
        "blocked",
        "vendor <b>",
    )
    assert weekly["history"][-1] | {"at": None} == {
        "at": None,
        "by": "U0BOB",
        "from": "open",
        "to": "dismissed",
        "note": "blocked: vendor <b>",
    }
    assert after["Orphan reports"]["owner"] == "U0CAROL"
    assert listed(db, "--owner", "U0BOB")["opportunities"][0]["workflow"] == "Weekly digest"
    assert [o["workflow"] for o in listed(db, "--status", "accepted")["opportunities"]] == [
        "Nightly ticket summaries"
    ]

    # Done, by the CLI: the workflow moves to batch and its savings count as realised.
    result = run_cli(
        "opportunity",
        "done",
        "Nightly ticket summaries",
        "--team",
        TEAM,
        "--mode",
        "batch",
        database_url=db,
    )
    assert result.returncode == 0 and "done" in result.stdout
    savings = json.loads(run_cli("savings", "--team", TEAM, "--json", database_url=db).stdout)
    assert savings["realised"] == "7500.00"
    again = run_cli(
        "opportunity",
        "done",
        "Nightly ticket summaries",
        "--team",
        TEAM,
        "--mode",
        "batch",
        database_url=db,
    )
    assert again.returncode == 0 and "already done" in again.stdout


REFUSALS = [
    (("accept", "No such thing"), "no workflow named"),
    (("accept", "Agent assist"), "has no opportunity"),
    (("dismiss", "Weekly digest", "--reason", "meh"), "not a reason"),
    (("accept", "Weekly digest", "--due", "2020-01-01"), "in the past"),
    (("accept", "Weekly digest", "--due", "tomorrow"), "not a date"),
    (("snooze", "Weekly digest", "--days", "0"), "1 to 365"),
    (("snooze", "Weekly digest", "--days", "366"), "1 to 365"),
    (("snooze", "Weekly digest", "--until", "2020-01-01"), "1 to 365"),
    (("snooze", "Weekly digest"), "give --days or --until"),
    (("done", "Weekly digest", "--mode", "sync"), "batch or flex"),
    (("claim", "Weekly digest", "--by", "U0CAROL"), "owned by U0BOB"),
    (("claim", "Orphan reports", "--by", "carol"), "not a Slack user id"),
    (("accept", "Weekly digest", "--by", "bob"), "not a Slack user id"),
]


def test_refusals_are_one_line_exit_2_and_change_nothing(db: str) -> None:
    before = listed(db)
    for words, message in REFUSALS:
        result = run_cli(
            "opportunity", words[0], words[1], "--team", TEAM, *words[2:], database_url=db
        )
        assert result.returncode == 2, (words, result.stdout, result.stderr)
        assert message in result.stderr, (words, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1 and result.stdout == ""
    assert listed(db) == before


def test_the_table_fits_80_columns(db: str) -> None:
    result = run_cli("opportunities", "--team", TEAM, database_url=db, check=True)
    lines = result.stdout.splitlines()
    assert "$7,500" in result.stdout and "Nightly ticket" in result.stdout
    assert max(len(line) for line in lines) <= 80
