"""Import both providers' reports from the fakes and build the report: figures by hand."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from batchscout.audit.inventory import parse_csv
from batchscout.jobs.usage import read_anthropic, read_openai
from batchscout.services import usage as service
from batchscout.storage import queries
from batchscout.storage.db import session_scope
from tests.fakes.usage_api import (
    ANTHROPIC_ADMIN_KEY,
    OPENAI_ADMIN_KEY,
    FakeAnthropicUsage,
    FakeOpenAIUsage,
    UsageRow,
)
from tests.services import usage_scenario as scenario

TEAM = "T0USAGE"
OTHER = "T0OTHER"


@pytest.fixture
def fakes() -> Iterator[tuple[FakeOpenAIUsage, FakeAnthropicUsage]]:
    with FakeOpenAIUsage() as openai_fake, FakeAnthropicUsage() as anthropic_fake:
        scenario.load_openai(openai_fake)
        scenario.load_anthropic(anthropic_fake)
        yield openai_fake, anthropic_fake


def import_both(engine: Engine, fakes: tuple[FakeOpenAIUsage, FakeAnthropicUsage]) -> None:
    openai_fake, anthropic_fake = fakes
    window = dict(start=scenario.START, end=scenario.END)
    service.import_window(
        engine=engine,
        team_id=TEAM,
        window=read_openai(admin_key=OPENAI_ADMIN_KEY, base_url=openai_fake.sdk_base_url, **window),
    )
    service.import_window(
        engine=engine,
        team_id=TEAM,
        window=read_anthropic(
            admin_key=ANTHROPIC_ADMIN_KEY, base_url=anthropic_fake.base_url, **window
        ),
    )


def report_json(engine: Engine, team: str = TEAM) -> dict:  # type: ignore[type-arg]
    with session_scope(engine) as session:
        return service.usage_document(
            service.usage_report(session=session, team_id=team, today=scenario.END.date())
        )


@pytest.fixture
def team_engine(engine: Engine) -> Engine:
    with session_scope(engine) as session:
        queries.import_specs(session=session, team_id=TEAM, specs=parse_csv(scenario.INVENTORY))
    return engine


def test_report_from_the_fakes_matches_the_hand_computed_figures(
    team_engine: Engine, fakes: tuple[FakeOpenAIUsage, FakeAnthropicUsage]
) -> None:
    import_both(team_engine, fakes)
    document = report_json(team_engine)

    assert {k: document[k] for k in ("days", "providers", "workflows")} == {
        k: scenario.EXPECTED[k] for k in ("days", "providers", "workflows")
    }
    unregistered = {(u["provider"], u["usage_api_key"]): u for u in document["unregistered"]}
    assert set(unregistered) == {
        ("anthropic", "apikey_ops00001"),
        ("openai", "key_chat00001"),
        ("openai", "key_cron000001"),
    }
    nightly = unregistered[("anthropic", "apikey_ops00001")]
    # The default workspace (workspace_id null); priced: 28 × $4.50 → $135.00 a month.
    assert nightly["usage_project"] is None
    assert (nightly["monthly_spend"], nightly["batch_share"]) == ("135.00", "0.0000")
    assert nightly["looks_scheduled"] is True and "01:00 UTC" in nightly["reason"]
    cron = unregistered[("openai", "key_cron000001")]
    assert (cron["usage_project"], cron["monthly_spend"]) == ("proj_growth01", "23.14")
    assert cron["looks_scheduled"] is True and "Mondays at 06:00 UTC" in cron["reason"]
    chat = unregistered[("openai", "key_chat00001")]
    assert chat["monthly_spend"] == "42.86"
    assert chat["looks_scheduled"] is False and "09:00–17:00 UTC" in chat["reason"]
    assert set(document) == {"days", "providers", "workflows", "unregistered"}


def test_importing_again_changes_nothing_and_revised_buckets_replace(
    team_engine: Engine, fakes: tuple[FakeOpenAIUsage, FakeAnthropicUsage]
) -> None:
    import_both(team_engine, fakes)
    first = report_json(team_engine)
    import_both(team_engine, fakes)
    assert report_json(team_engine) == first

    # A recent bucket grew after it closed: the re-import replaces it, never adds it twice.
    openai_fake, _ = fakes
    last_night = scenario.END.replace(hour=2) - scenario.timedelta(days=1)
    openai_fake.add_usage(UsageRow(last_night, "proj_support01", "key_nightly0001",
                                   "gpt-4o-mini", "batch", requests=2800))  # fmt: skip
    import_both(team_engine, fakes)
    after = report_json(team_engine)
    nightly = next(w for w in after["workflows"] if w["name"] == "nightly-summaries")
    # 2,800 batch of 30,800 requests.
    assert nightly["observed_batch_share"] == "0.0909"
    assert after["providers"][0]["monthly_requests"] == 145286  # (132,800 + 2,800) × 30/28


def test_another_workspace_sees_none_of_it(
    team_engine: Engine, fakes: tuple[FakeOpenAIUsage, FakeAnthropicUsage]
) -> None:
    import_both(team_engine, fakes)
    assert report_json(team_engine, OTHER) == {
        "days": 0,
        "providers": [],
        "workflows": [],
        "unregistered": [],
    }
