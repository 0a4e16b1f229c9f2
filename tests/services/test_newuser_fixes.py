"""What a new user's trial found, kept as tests: a snapshot or a rehearsed follow-up never
moves opportunities to a later moment than now."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from batchscout.audit.inventory import InventoryError, WorkflowSpec, parse_csv
from batchscout.audit.latency import Freshness, Mode, Reader, Trigger
from batchscout.audit.opportunities import Decision, OpportunityRefused, OpportunityStatus
from batchscout.audit.pricing import Provider
from batchscout.audit.savings import Per
from batchscout.delivery.clients import make_web_client
from batchscout.services import focus, ledger
from batchscout.services.followups import send_followups
from batchscout.services.opportunities import decide, list_opportunities, opportunities_report
from batchscout.settings import Settings
from batchscout.storage import queries
from batchscout.storage.db import session_scope
from tests.bot.seed import seed, spec
from tests.fakes.slack_api import FakeSlack

TEAM = "T0NEWUSER"
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=400)  # long after the 14-day snooze runs out


def _snoozed(engine: Engine) -> None:
    seed(engine, spec("Nightly", owner="U0ALICE"), team=TEAM)
    with session_scope(engine) as session:
        decide(session=session, team_id=TEAM, workflow_name="Nightly",
               decision=Decision.SNOOZE, by="U0ALICE", now=NOW, days=14)  # fmt: skip


def _nightly(engine: Engine, now: datetime) -> tuple[OpportunityStatus, list[datetime]]:
    with session_scope(engine) as session:
        [view] = list_opportunities(session=session, team_id=TEAM, now=now)
    return view.status, [h.at for h in view.history]


def test_a_snapshot_as_of_a_future_week_is_refused_and_changes_nothing(engine: Engine) -> None:
    _snoozed(engine)

    with session_scope(engine) as session, pytest.raises(ledger.SnapshotRefused) as refused:
        ledger.take_snapshot(session=session, team_id=TEAM, as_of=LATER, now=NOW)

    assert "in the future" in str(refused.value)
    status, dates = _nightly(engine, NOW)
    assert status is OpportunityStatus.SNOOZED and max(dates) <= NOW
    with session_scope(engine) as session:
        assert ledger.history(session=session, team_id=TEAM) == []


def test_a_snapshot_of_an_earlier_week_takes_todays_figures_at_now(engine: Engine) -> None:
    seed(engine, spec("Nightly", owner="U0ALICE"), team=TEAM)  # no opportunity stored yet

    with session_scope(engine) as session:
        week = ledger.take_snapshot(
            session=session, team_id=TEAM, as_of=NOW - timedelta(days=30), now=NOW
        )

    assert week.week == "2026-W45" and week.figures.opportunities["open"] == Decimal(7500)
    _, dates = _nightly(engine, NOW)
    assert dates == [NOW]  # created as of now, not as of the earlier week


def test_rehearsing_a_later_follow_up_never_ends_a_snooze_early(
    engine: Engine, slack: FakeSlack
) -> None:
    _snoozed(engine)
    client = make_web_client(Settings(slack_api_url=slack.api_url), token="xoxb-test")

    send_followups(engine=engine, client=client, team_id=TEAM, now=LATER,
                   noise_floor=Decimal(25), scheduled=False, synced_at=NOW)  # fmt: skip

    status, dates = _nightly(engine, NOW)
    assert status is OpportunityStatus.SNOOZED and max(dates) <= NOW


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(team_id=TEAM) as fake:
        yield fake


EMBEDDINGS = WorkflowSpec(
    name="Product search embeddings",
    requests=Decimal(100_000),
    per=Per.DAY,
    trigger=Trigger.SCHEDULE,
    reader=Reader.SYSTEM,
    freshness=Freshness.DAY,
    provider=Provider.OPENAI,
    model="text-embedding-3-small",  # no flex price, no priority price in the catalog
    input_tokens=1000,
    output_tokens=0,
    owner="U0ALICE",
)
CHAT = WorkflowSpec(
    name="Support chat",
    requests=Decimal(20_000),
    per=Per.DAY,
    trigger=Trigger.USER,
    reader=Reader.ON_SCREEN,
    freshness=Freshness.SECONDS,
    provider=Provider.ANTHROPIC,
    model="claude-sonnet-4-5",
    input_tokens=3000,
    output_tokens=400,
    cached_share=Decimal("0.8"),
    owner="U0ALICE",
)


def _done(engine: Engine, name: str, mode: str | None) -> None:
    with session_scope(engine) as session:
        decide(session=session, team_id=TEAM, workflow_name=name, decision=Decision.DONE,
               by="U0ALICE", now=NOW, mode=mode)  # fmt: skip


@pytest.mark.parametrize(
    ("name", "mode", "says"),
    [
        ("Product search embeddings", "priority", "batch or flex"),
        ("Product search embeddings", "PRIORITY", "batch or flex"),
        ("Product search embeddings", "flex", "no flex price for openai text-embedding-3-small"),
        ("Nightly", "flex", "cost per request has no flex price"),
        ("Support chat", "batch", "prompt caching opportunity"),
    ],
)
def test_done_refuses_a_mode_the_workflow_cannot_move_to(
    engine: Engine, name: str, mode: str, says: str
) -> None:
    seed(engine, spec("Nightly", owner="U0ALICE"), EMBEDDINGS, CHAT, team=TEAM)
    with pytest.raises(OpportunityRefused, match=says):
        _done(engine, name, mode)

    with session_scope(engine) as session:
        workflow = queries.get_workflow(session=session, team_id=TEAM, name=name)
        assert workflow is not None and workflow.mode is Mode.SYNC and not workflow.caching
    status, _ = _named(engine, name)
    assert status is OpportunityStatus.OPEN


def test_done_on_a_cache_opportunity_turns_caching_on(engine: Engine) -> None:
    seed(engine, CHAT, team=TEAM)

    _done(engine, "Support chat", None)

    with session_scope(engine) as session:
        workflow = queries.get_workflow(session=session, team_id=TEAM, name="Support chat")
        assert workflow is not None and workflow.caching and workflow.mode is Mode.SYNC


def _named(engine: Engine, name: str) -> tuple[OpportunityStatus, list[datetime]]:
    with session_scope(engine) as session:
        views = list_opportunities(session=session, team_id=TEAM, now=NOW)
    [view] = [v for v in views if v.workflow == name]
    return view.status, [h.at for h in view.history]


FLEX_WITHOUT_A_PRICE = (
    "name,provider,model,requests,per,input_tokens,output_tokens,cost_per_request,"
    "trigger,reader,freshness,mode\n"
    "F1,openai,text-embedding-3-small,1000,day,1000,0,,schedule,system,day,flex\n"
    "F2,,,1000,day,,,0.01,schedule,system,day,flex\n"
    "F3,openai,gpt-5-mini,1000,day,1500,400,,schedule,system,day,flex\n"
)


def test_an_import_refuses_flex_without_a_flex_price_on_its_line_and_column(
    engine: Engine,
) -> None:
    with session_scope(engine) as session, pytest.raises(InventoryError) as refused:
        queries.import_specs(session=session, team_id=TEAM, specs=parse_csv(FLEX_WITHOUT_A_PRICE))

    assert [(p.line, p.column) for p in refused.value.problems] == [(2, "mode"), (3, "mode")]
    assert "no flex price for openai text-embedding-3-small" in refused.value.problems[0].message
    assert "cost per request has no flex price" in refused.value.problems[1].message


def test_focus_monthly_savings_is_each_opportunitys_as_opportunities_json_gives_it(
    engine: Engine,
) -> None:
    on_priority = replace(
        CHAT, name="Nightly on priority", provider=Provider.OPENAI, model="gpt-4.1",
        mode=Mode.PRIORITY, cached_share=None, trigger=Trigger.SCHEDULE, reader=Reader.REPORT,
        freshness=Freshness.DAY,
    )  # fmt: skip
    seed(engine, CHAT, on_priority, spec("Nightly", owner="U0ALICE"), team=TEAM)

    with session_scope(engine) as session:
        text, _ = focus.focus_csv(session=session, team_id=TEAM, now=NOW)
        listed = opportunities_report(session=session, team_id=TEAM, now=NOW)["opportunities"]

    rows = {r["ResourceName"]: r for r in csv.DictReader(io.StringIO(text))}
    expected = {o["workflow"]: (o["action"], o["monthly_savings"]) for o in listed}
    assert {n: (r["x_Opportunity"], r["x_MonthlySavings"]) for n, r in rows.items()} == expected
    assert {a for a, _ in expected.values()} == {"cache", "standard", "batch"}
    assert all(Decimal(s) > 0 for _, s in expected.values())
