"""The loop as an operator runs it: import an inventory with owners, ``followups send`` (the
fake Slack receives the DMs), decisions, ``opportunities --json``; again; eight days later."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.fakes.slack_api import FakeSlack

TEAM = "T0LOOP"
INVENTORY = """name,owner,requests,per,cost_per_request,trigger,reader,freshness,mode
Nightly ticket summaries,U0ALICE,50000,day,0.01,schedule,report,day,sync
Weekly digest,U0ALICE,10000,week,0.01,schedule,later,week,sync
Hourly anomalies,U0ALICE,100,hour,0.01,schedule,system,hour,sync
Ticket triage queue,U0ALICE,20000,day,0.01,event,later,minutes,sync
Bot-owned job,U0BOT,3000,day,0.01,schedule,report,day,sync
Agent assist,U0BOB,40000,day,0.01,user,on-screen,seconds,sync
"""

pytestmark = pytest.mark.slow  # real subprocesses


@pytest.fixture
def loop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, FakeSlack]]:
    url = f"sqlite:///{tmp_path / 'loop.db'}"
    inventory = tmp_path / "inventory.csv"
    inventory.write_text(INVENTORY, encoding="utf-8")
    run_cli("import", str(inventory), "--team", TEAM, database_url=url, check=True)
    with FakeSlack(team_id=TEAM) as slack:
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
        monkeypatch.setenv("SLACK_API_URL", slack.api_url)
        monkeypatch.setenv("BATCHSCOUT_LLM_PROVIDER", "none")
        slack.dm_refusals["U0BOT"] = "cannot_dm_bot"
        yield url, slack


def listed(db: str) -> dict[str, dict]:  # type: ignore[type-arg]
    result = run_cli("opportunities", "--team", TEAM, "--json", database_url=db, check=True)
    return {o["workflow"]: o for o in json.loads(result.stdout)["opportunities"]}


def send(db: str, moment: datetime) -> str:
    return run_cli("followups", "send", "--team", TEAM, "--as-of", moment.isoformat(),
                   database_url=db, check=True).stdout  # fmt: skip


def decide(db: str, *words: str) -> None:
    run_cli("opportunity", words[0], words[1], "--team", TEAM, *words[2:], database_url=db,
            check=True)  # fmt: skip


def test_follow_up_decide_and_eight_days_later(loop: tuple[str, FakeSlack]) -> None:
    db, slack = loop
    now = datetime.now(UTC).replace(microsecond=0)
    today = now.date()

    printed = send(db, now)
    assert "U0ALICE: 3 savings to decide" in printed
    assert "U0BOT: not messaged (Slack: cannot_dm_bot)" in printed
    posts = [c for c in slack.calls("chat.postMessage") if c.ok]
    assert [p.params["channel"] for p in posts] == ["DU0ALICE"]
    assert "Nightly ticket summaries" in json.dumps(posts[0].params["blocks"])

    # Re-running sends nothing new.
    assert "No follow-ups due" in send(db, now + timedelta(minutes=5))
    assert len([c for c in slack.calls("chat.postMessage") if c.ok]) == 1

    before = listed(db)
    assert {n: o["status"] for n, o in before.items()} == {
        "Nightly ticket summaries": "open", "Weekly digest": "open", "Hourly anomalies": "open",
        "Ticket triage queue": "open", "Bot-owned job": "open"}  # fmt: skip

    due = (today + timedelta(days=3)).isoformat()
    decide(db, "accept", "Nightly ticket summaries", "--due", due, "--by", "U0ALICE")
    decide(db, "snooze", "Weekly digest", "--days", "14", "--by", "U0ALICE")
    decide(db, "dismiss", "Ticket triage queue", "--reason", "needs_realtime", "--by", "U0ALICE")
    decide(db, "done", "Hourly anomalies", "--mode", "batch", "--by", "U0ALICE")
    after = listed(db)
    assert (after["Nightly ticket summaries"]["status"], after["Nightly ticket summaries"]["due"]) == (
        "accepted", due)  # fmt: skip
    assert after["Weekly digest"]["snoozed_until"] == (today + timedelta(days=14)).isoformat()
    assert after["Hourly anomalies"]["status"] == "done"
    assert "Ticket triage queue" not in after  # re-classified real-time: no opportunity
    history = after["Nightly ticket summaries"]["history"]
    assert [(h["by"], h["from"], h["to"]) for h in history] == [
        ("system", None, "open"),
        ("U0ALICE", "open", "accepted"),
    ]

    # Eight days later only what is due comes back: the overdue acceptance.
    printed = send(db, now + timedelta(days=8))
    assert printed.startswith("U0ALICE: 1 saving to decide")
    last = [c for c in slack.calls("chat.postMessage") if c.ok][-1]
    shown = json.dumps(last.params["blocks"], ensure_ascii=False)
    assert "Nightly ticket summaries" in shown and "overdue" in shown
    assert "Weekly digest" not in shown and "Hourly anomalies" not in shown


def test_settings(loop: tuple[str, FakeSlack]) -> None:
    db, slack = loop
    shown = run_cli("followups", "settings", "--team", TEAM, database_url=db, check=True).stdout
    assert "on, on Tuesdays at 10:00" in shown
    refused = run_cli("followups", "settings", "--team", TEAM, "--day", "sunday", database_url=db)
    assert refused.returncode == 2 and "weekends" in refused.stderr
    changed = run_cli("followups", "settings", "--team", TEAM, "--day", "thu", "--off",
                      database_url=db, check=True).stdout  # fmt: skip
    assert "off, on Thursdays" in changed
    assert "Follow-ups are off" in send(db, datetime.now(UTC))
    assert not slack.calls("chat.postMessage")
    bad = run_cli("followups", "send", "--team", TEAM, "--as-of", "soon", database_url=db)
    assert bad.returncode == 2 and "ISO 8601" in bad.stderr
