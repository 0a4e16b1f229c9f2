"""``batchscout usage``: import from the fake providers, report, and the stored admin keys."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

from tests.conftest import run_cli
from tests.fakes.usage_api import (
    ANTHROPIC_ADMIN_KEY,
    OPENAI_ADMIN_KEY,
    CostRow,
    FakeAnthropicUsage,
    FakeOpenAIUsage,
    UsageRow,
)

TEAM = "T0CLIUSAGE"
TODAY = datetime.combine(datetime.now(UTC).date(), time(0), tzinfo=UTC)
YESTERDAY = TODAY - timedelta(days=1)
ENV = ("OPENAI_ADMIN_KEY", "ANTHROPIC_ADMIN_KEY", "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL",
       "BATCHSCOUT_SECRET_KEY")  # fmt: skip


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'usage.db'}"


@pytest.fixture
def providers(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[FakeOpenAIUsage, FakeAnthropicUsage]]:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    with FakeOpenAIUsage() as openai_fake, FakeAnthropicUsage() as anthropic_fake:
        openai_fake.add_usage(UsageRow(YESTERDAY.replace(hour=2), "proj_night001", "key_night0001",
                                       "gpt-4o-mini", requests=1000, input_tokens=10_000))  # fmt: skip
        openai_fake.add_cost(CostRow(YESTERDAY, "proj_night001", "key_night0001", None,
                                     Decimal("4.20")))  # fmt: skip
        anthropic_fake.add_usage(UsageRow(YESTERDAY.replace(hour=1), None, "apikey_ops00001",
                                          "claude-sonnet-4-20250514", "batch",
                                          input_tokens=1_000_000))  # fmt: skip
        anthropic_fake.add_cost(CostRow(YESTERDAY, None, None, "Claude Sonnet 4 Usage",
                                        Decimal("150")))  # fmt: skip
        monkeypatch.setenv("OPENAI_BASE_URL", openai_fake.sdk_base_url)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", anthropic_fake.base_url)
        yield openai_fake, anthropic_fake


def report(db: str) -> dict:  # type: ignore[type-arg]
    return json.loads(run_cli("usage", "report", "--team", TEAM, "--json", database_url=db,
                              check=True).stdout)  # fmt: skip


def test_missing_key_is_one_line_exit_1_and_nothing_stored(
    db: str, providers: tuple[FakeOpenAIUsage, FakeAnthropicUsage]
) -> None:
    result = run_cli("usage", "import", "--team", TEAM, "--provider", "openai", database_url=db)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "OPENAI_ADMIN_KEY" in result.stderr and "Nothing was stored" in result.stderr
    assert providers[0].calls() == []
    assert report(db)["providers"] == []


def test_refused_key_is_one_line_exit_1_and_never_printed(
    db: str, providers: tuple[FakeOpenAIUsage, FakeAnthropicUsage], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", "sk-ant-api03-a-normal-key-not-admin")
    result = run_cli("usage", "import", "--team", TEAM, "--provider", "anthropic", database_url=db)
    assert result.returncode == 1
    assert "HTTP 403" in result.stderr and "needs an organisation admin key" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "sk-ant-api03" not in result.stdout + result.stderr
    assert report(db)["providers"] == []


def test_import_twice_replaces_and_the_report_is_unchanged(
    db: str, providers: tuple[FakeOpenAIUsage, FakeAnthropicUsage], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_ADMIN_KEY", OPENAI_ADMIN_KEY)
    first = run_cli("usage", "import", "--team", TEAM, "--provider", "openai", "--days", "2",
                    database_url=db, check=True)  # fmt: skip
    assert "2 days of openai usage" in first.stdout and "$4.20 billed" in first.stdout
    once = report(db)
    run_cli("usage", "import", "--team", TEAM, "--provider", "openai", "--days", "2",
            database_url=db, check=True)  # fmt: skip
    assert report(db) == once
    # $4.20 over 2 days → $63.00 a month; 1,000 requests → 15,000.
    assert once["days"] == 2
    assert once["providers"] == [{"provider": "openai", "monthly_spend": "63.00",
                                  "monthly_requests": 15000, "batch_share": "0.0000"}]  # fmt: skip
    (scope,) = once["unregistered"]
    assert (scope["usage_project"], scope["usage_api_key"]) == ("proj_night001", "key_night0001")
    assert OPENAI_ADMIN_KEY not in first.stdout + first.stderr
    text_report = run_cli("usage", "report", "--team", TEAM, database_url=db, check=True).stdout
    assert "$63" in text_report and "key_night0001" in text_report


def test_days_out_of_bounds_is_refused(
    db: str, providers: tuple[FakeOpenAIUsage, FakeAnthropicUsage]
) -> None:
    result = run_cli("usage", "import", "--team", TEAM, "--provider", "openai", "--days", "91",
                     database_url=db)  # fmt: skip
    assert result.returncode == 2
    assert "between 1 and 90" in result.stderr


def test_stored_key_is_encrypted_and_used(
    db: str, providers: tuple[FakeOpenAIUsage, FakeAnthropicUsage], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BATCHSCOUT_SECRET_KEY", Fernet.generate_key().decode())
    stored = run_cli("usage", "key", "set", "--team", TEAM, "--provider", "anthropic",
                     database_url=db, stdin=ANTHROPIC_ADMIN_KEY + "\n", check=True)  # fmt: skip
    assert "encrypted" in stored.stdout
    with create_engine(db).connect() as connection:
        (ciphertext,) = connection.execute(text("SELECT ciphertext FROM usage_credential")).one()
    assert ANTHROPIC_ADMIN_KEY not in ciphertext and "sk-ant" not in ciphertext

    imported = run_cli("usage", "import", "--team", TEAM, "--provider", "anthropic", "--days", "1",
                       database_url=db, check=True)  # fmt: skip
    assert "$1.50 billed" in imported.stdout  # 150 cents
    assert providers[1].calls()[0].header("x-api-key") == ANTHROPIC_ADMIN_KEY
    for output in (stored, imported):
        assert ANTHROPIC_ADMIN_KEY not in output.stdout + output.stderr

    monkeypatch.setenv("BATCHSCOUT_SECRET_KEY", Fernet.generate_key().decode())
    wrong = run_cli("usage", "import", "--team", TEAM, "--provider", "anthropic", "--days", "1",
                    database_url=db)  # fmt: skip
    assert wrong.returncode == 1 and "cannot be decrypted" in wrong.stderr
