"""The worker's daily usage re-import: every team with a key, the last three days, each team on
its own, and no admin key in any log line."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import Engine

from batchscout.audit.usage import UsageProvider
from batchscout.jobs.usage import reimport_recent
from batchscout.services import usage as service
from batchscout.settings import Settings
from batchscout.storage import usage as store
from batchscout.storage.db import session_scope
from tests.conftest import LogLines
from tests.fakes.usage_api import (
    ANTHROPIC_ADMIN_KEY,
    OPENAI_ADMIN_KEY,
    CostRow,
    FakeAnthropicUsage,
    FakeOpenAIUsage,
    UsageRow,
)

NOW = datetime(2026, 11, 29, 4, 20, tzinfo=UTC)
GOOD, REFUSED, ENV_ONLY = "T0GOOD", "T0REFUSED", "T0ENVONLY"
WRONG_KEY = "sk-ant-admin01-revoked-long-ago-999"


@pytest.fixture
def fakes() -> Iterator[tuple[FakeOpenAIUsage, FakeAnthropicUsage]]:
    with FakeOpenAIUsage() as openai_fake, FakeAnthropicUsage() as anthropic_fake:
        for days_ago in range(1, 6):
            day = datetime(2026, 11, 29, tzinfo=UTC) - timedelta(days=days_ago)
            anthropic_fake.add_usage(UsageRow(day.replace(hour=1), "wrkspc_ops0001",
                                              "apikey_ops00001", "claude-3-5-haiku",
                                              output_tokens=100))  # fmt: skip
            anthropic_fake.add_cost(CostRow(day, "wrkspc_ops0001", None, "Haiku", Decimal(100)))
            openai_fake.add_usage(UsageRow(day.replace(hour=2), "proj_env00001", "key_env000001",
                                           "gpt-4o-mini", requests=10))  # fmt: skip
        yield openai_fake, anthropic_fake


def test_every_team_with_a_key_is_reimported_on_its_own_without_leaking_keys(
    engine: Engine, fakes: tuple[FakeOpenAIUsage, FakeAnthropicUsage], log_lines: LogLines
) -> None:
    openai_fake, anthropic_fake = fakes
    settings = Settings(
        batchscout_secret_key=SecretStr(Fernet.generate_key().decode()),
        openai_admin_key=SecretStr(OPENAI_ADMIN_KEY),
        openai_base_url=openai_fake.sdk_base_url,
        anthropic_base_url=anthropic_fake.base_url,
    )
    for team, key in ((REFUSED, WRONG_KEY), (GOOD, ANTHROPIC_ADMIN_KEY)):
        service.set_admin_key(engine=engine, settings=settings, team_id=team,
                              provider=UsageProvider.ANTHROPIC, admin_key=key)  # fmt: skip
    with session_scope(engine) as session:  # a team that imported once with the env's key
        store.store_window(
            session=session,
            team_id=ENV_ONLY,
            window=service.UsageWindow(
                UsageProvider.OPENAI, NOW - timedelta(days=30), NOW - timedelta(days=29), [], []
            ),
        )

    done = reimport_recent(engine=engine, settings=settings, now=NOW)

    assert (GOOD, UsageProvider.ANTHROPIC) in done
    assert (ENV_ONLY, UsageProvider.OPENAI) in done
    assert (REFUSED, UsageProvider.ANTHROPIC) not in done
    with session_scope(engine) as session:
        days = store.covered_days(session=session, team_id=GOOD, today=NOW.date())
        report = service.usage_report(session=session, team_id=GOOD, today=NOW.date())
    assert days[UsageProvider.ANTHROPIC] == [
        (NOW - timedelta(days=n)).date() for n in (3, 2, 1)
    ]  # the last three whole days only
    assert report.providers[0].monthly_spend == Decimal(30)  # $1 a day, 3 days → × 30 / 3
    (failure,) = log_lines.named("usage reimport failed")
    assert failure["team_id"] == REFUSED and "HTTP 401" in str(failure["error"])
    queries = anthropic_fake.queries_of("usage_report.messages")
    assert queries[-1]["starting_at"] == ["2026-11-26T00:00:00Z"]
    for secret in (OPENAI_ADMIN_KEY, ANTHROPIC_ADMIN_KEY, WRONG_KEY):
        assert secret not in log_lines.text
