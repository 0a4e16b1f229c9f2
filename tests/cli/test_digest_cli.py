"""``batchscout digest now`` and ``digest preview`` as a user runs them (a real subprocess)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.fakes.openai_batch import FakeOpenAI
from tests.fakes.slack_api import FakeSlack

SAMPLE = Path(__file__).parents[2] / "cli" / "sample_inventory.csv"


def test_digest_preview_prints_and_posts_nothing(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    run_cli("import", str(SAMPLE), "--team", "T0TEST", database_url=db, check=True)

    shown = run_cli("digest", "preview", "--team", "T0TEST", database_url=db, check=True).stdout

    assert "$56,563/month can be saved" in shown and "Ticket triage queue" in shown


def test_the_noise_floor_setting_reaches_a_preview_without_a_subscription(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    run_cli("import", str(SAMPLE), "--team", "T0TEST", database_url=db, check=True)
    preview = ("digest", "preview", "--team", "T0TEST", "--channel", "C0DIGEST")

    default = run_cli(*preview, database_url=db, check=True).stdout
    monkeypatch.setenv("BATCHSCOUT_NOISE_FLOOR", "5000")
    floored = run_cli(*preview, database_url=db, check=True).stdout

    assert "Weekly account digest emails" in default  # $429 a month: over $25
    assert "Weekly account digest emails" not in floored  # under $5,000
    assert "Platform enrichment" in floored  # $48,000 a month


def test_digest_now_posts_prose_written_through_the_batch_api(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    run_cli("import", str(SAMPLE), "--team", "T0TEST", database_url=db, check=True)
    prose = "Batch APIs would save $56,563 a month here."
    with (
        FakeSlack(team_id="T0TEST") as slack,
        FakeOpenAI(polls_to_complete=1, reply=lambda body: prose) as llm,
    ):
        for name, value in {
            "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": slack.api_url,
            "BATCHSCOUT_LLM_PROVIDER": "openai", "OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": llm.sdk_base_url,
        }.items():  # fmt: skip
            monkeypatch.setenv(name, value)

        result = run_cli(
            "digest",
            "now",
            "--team",
            "T0TEST",
            "--channel",
            "C0DIGEST",
            "--wait",
            "30",
            database_url=db,
        )

        assert result.returncode == 0, result.stderr
        assert "(llm prose)" in result.stdout
        top = slack.last("chat.postMessage")
        assert any(prose in str(c.params.get("blocks")) for c in slack.calls("chat.postMessage"))
        assert top.token == "xoxb-test"
        assert len(llm.calls("batches.create")) == 1
        assert "sk-test" not in result.stderr and "xoxb-test" not in result.stderr


def test_digest_now_without_slack_says_what_is_missing(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    assert "SLACK_BOT_TOKEN" not in os.environ

    result = run_cli(
        "digest",
        "now",
        "--team",
        "T0TEST",
        "--channel",
        "C0DIGEST",
        database_url=f"sqlite:///{tmp_path / 'x.db'}",
    )

    assert result.returncode == 2 and "SLACK_BOT_TOKEN is required" in result.stderr
    assert "Traceback" not in result.stderr
