"""``batchscout register`` in a subprocess: answers piped to standard input, a real database."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_cli

TEAM = "T0REGISTER"
NIGHTLY = [
    "Nightly ticket summaries",  # name
    "skip",  # description
    "",  # owner: keeps --user
    "5",  # provider: other, so a cost per request
    "50k/day",  # volume, with its period
    "$0.01",  # cost per request
    "schedule",  # trigger
    "report",  # reader
    "within the day",  # freshness
    "1",  # mode: sync
    "skip",  # usage link
    "save",
]
ALERTS = [
    "Nightly ticket summaries",  # taken: asked again
    "Escalation alerts",
    "Pings the on-call channel about angry customers.",
    "<@U0ONCALL1>",
    "openai",
    "?4o-mini",  # a catalog search, answered by the terminal itself
    "gpt4o-mini",  # unknown: close matches are offered, never taken silently
    "cost",
    "300 an hour",
    "0.002",
    "2",  # trigger: event
    "2",  # reader: later
    "2",  # freshness: minutes
    "",  # mode: keeps sync
    "proj_oncall01 key_oncall001",  # usage link
    "1",  # save
]


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 't.db'}"


def register(db: str, answers: list[str], *extra: str) -> Any:
    stdin = "".join(f"{answer}\n" for answer in answers)
    return run_cli("register", "--team", TEAM, *extra, database_url=db, stdin=stdin)


def savings(db: str) -> dict[str, Any]:
    result = run_cli("savings", "--team", TEAM, "--json", database_url=db, check=True)
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_registered_workflows_show_in_the_savings_report(db: str) -> None:
    first = register(db, NIGHTLY, "--user", "U0ME0001")
    assert first.returncode == 0, first.stderr
    assert re.search(r"Saves +\$7,500/month", first.stdout)  # the summary card, before saving
    assert "Saved “Nightly ticket summaries” in T0REGISTER." in first.stdout

    second = register(db, ALERTS)
    assert second.returncode == 0, second.stderr
    assert "“Nightly ticket summaries” already exists in this workspace" in second.stdout
    assert "Catalog models: ft:gpt-4o-mini, gpt-4o-mini," in second.stdout
    assert "The price catalog has no OpenAI model “gpt4o-mini”." in second.stdout

    report = savings(db)
    workflows = {w["name"]: w for w in report["workflows"]}
    assert workflows["Nightly ticket summaries"] == {
        "name": "Nightly ticket summaries",
        "latency_class": "scheduled",
        "batch_disguised_as_stream": False,
        "mode": "sync",
        "monthly_cost": "15000.00",
        "monthly_savings": "7500.00",
        "advice_tier": "batch",
        "flex_monthly_savings": "0.00",
        "lanes": {"standard": "15000.00", "batch": "7500.00", "flex": None, "priority": None},
        "priority_waste": "0.00",
        "cache_monthly_savings": None,
        "rationale": workflows["Nightly ticket summaries"]["rationale"],
    }
    alerts = workflows["Escalation alerts"]
    assert alerts["latency_class"] == "near-real-time"
    assert alerts["batch_disguised_as_stream"] is True
    assert alerts["monthly_cost"] == "432.00"  # 300 × 720 hours × $0.002
    assert alerts["monthly_savings"] == "216.00"
    assert (alerts["advice_tier"], alerts["flex_monthly_savings"]) == ("standard", "0.00")
    assert report["migrate_now"] == "7500.00" and report["to_challenge"] == "216.00"
    exported = run_cli("export", "--team", TEAM, database_url=db, check=True).stdout
    assert ",proj_oncall01,key_oncall001" in exported  # the usage link, as typed


@pytest.mark.parametrize(
    ("answers", "code"),
    [
        pytest.param([*NIGHTLY[:5], "cancel"], 0, id="cancel"),
        pytest.param([*NIGHTLY[:-1], "3"], 0, id="cancel at the summary"),
        pytest.param(NIGHTLY[:4], 1, id="input ends"),
    ],
)
def test_a_cancelled_registration_stores_nothing(db: str, answers: list[str], code: int) -> None:
    result = register(db, answers)

    assert result.returncode == code, result.stderr
    assert "Cancelled. Nothing was saved." in result.stdout
    assert savings(db)["workflows"] == []


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--team", "nope"], "is not a Slack team id"),
        (["--team", TEAM, "--user", "bob"], "is not a Slack user id"),
    ],
)
def test_bad_ids_are_refused(db: str, args: list[str], says: str) -> None:
    result = run_cli("register", *args, database_url=db, stdin="")
    assert result.returncode == 2
    assert says in result.stderr


TRIAGE = [
    "Ticket triage",
    "skip",
    "",
    "openai",
    "gpt-5-mini",  # the catalog prices flex for it
    "200k/day",
    "1500",
    "400",
    "event",
    "later",
    "within minutes",
    "1",  # mode: sync
    "skip",  # cached share
    "skip",  # usage link
    "save",
]


def test_the_summary_card_offers_flex_beside_batch_if_relaxed(db: str) -> None:
    result = register(db, TRIAGE)
    assert result.returncode == 0, result.stderr

    report = savings(db)
    [triage] = report["workflows"]
    flex_now = f"${int(float(report['flex_now'])):,}"
    batch = f"${int(float(report['to_challenge'])):,}"
    assert triage["advice_tier"] == "flex" and report["flex_now"] != "0.00"
    card = result.stdout.split("Save this workflow?")[0]
    if flex_now == batch:  # both save the same: one line says so, and which to prefer
        assert re.search(rf"Flex now or batch +{re.escape(flex_now)}/month either way", card)
    else:
        assert re.search(rf"Flex now +{re.escape(flex_now)}/month, answers in seconds", card)
        assert re.search(rf"Batch if the requirement is relaxed +{re.escape(batch)}/month", card)
    assert 'service_tier="flex"' in card


def test_the_terminal_takes_natural_words_and_explains_me(db: str) -> None:
    """`cron`, `a report`, `weekly` are the words people type; `me` without --user says what
    to do; no hint suggests an @mention (a terminal cannot make one); no backtick leaks."""
    answers = [
        "Weekly digest", "skip",
        "me",  # no --user: explained
        "U0OWNER01", "other", "70k weekly", "$0.01",
        "cron", "a report", "weekly", "synchronous", "skip", "save",
    ]  # fmt: skip
    result = register(db, answers)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "batchscout register --team T0REGISTER --user U0123ABCD" in result.stdout
    assert "@name" not in result.stdout and "mention" not in result.stdout
    assert "`" not in result.stdout
    assert "not one of the choices" not in result.stdout
    assert savings(db)["workflows"][0]["latency_class"] == "scheduled"
