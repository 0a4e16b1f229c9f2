"""The two opportunity actions of SPEC.md's "Every lane": ``standard`` (drop a premium tier
nobody waits for) and ``cache`` (turn on prompt caching for real-time work), derived from the
figures and decided like the others; Already moved on ``cache`` records that caching is on."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import Engine

from batchscout.audit.assessment import assess
from batchscout.audit.inventory import WorkflowSpec
from batchscout.audit.latency import Freshness, Mode, Reader, Trigger
from batchscout.audit.opportunities import Decision, OpportunityAction, derive
from batchscout.audit.pricing import Provider
from batchscout.audit.savings import Per
from batchscout.defaults import NOISE_FLOOR
from batchscout.services.opportunities import decide, opportunities_report
from batchscout.services.reports import savings_document
from batchscout.storage import queries
from batchscout.storage.db import session_scope

TEAM = "T0LANES"
NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
REAL_TIME = {"trigger": Trigger.USER, "reader": Reader.ON_SCREEN, "freshness": Freshness.SECONDS}

NIGHTLY_ON_PRIORITY = WorkflowSpec(
    name="Nightly enrichment",
    requests=Decimal(20_000),
    per=Per.DAY,
    trigger=Trigger.SCHEDULE,
    reader=Reader.REPORT,
    freshness=Freshness.DAY,
    provider=Provider.OPENAI,
    model="gpt-4.1",
    input_tokens=3000,
    output_tokens=400,
    mode=Mode.PRIORITY,
    owner="U0OWNER",
)
CHAT = replace(
    NIGHTLY_ON_PRIORITY,
    name="Support chat",
    provider=Provider.ANTHROPIC,
    model="claude-sonnet-4-5",
    mode=Mode.SYNC,
    cached_share=Decimal("0.8"),
    **REAL_TIME,  # type: ignore[arg-type]
)


def test_a_priority_workflow_nobody_waits_for_gets_the_standard_action() -> None:
    figures = assess(NIGHTLY_ON_PRIORITY).figures
    assert derive(figures) == (OpportunityAction.STANDARD, figures.priority_waste)
    near = assess(
        replace(
            NIGHTLY_ON_PRIORITY,
            trigger=Trigger.EVENT,
            reader=Reader.LATER,
            freshness=Freshness.MINUTES,
        )
    ).figures
    assert derive(near) == (OpportunityAction.STANDARD, near.priority_waste)
    # Real-time priority: a person may need it; no waste, no action.
    assert derive(assess(replace(NIGHTLY_ON_PRIORITY, **REAL_TIME)).figures) is None  # type: ignore[arg-type]


def test_a_real_time_workflow_gets_the_cache_action_at_or_above_the_noise_floor() -> None:
    figures = assess(CHAT).figures
    assert figures.cache_monthly_savings is not None
    assert derive(figures) == (OpportunityAction.CACHE, figures.cache_monthly_savings)
    assert derive(figures._replace(caching=True)) is None  # caching already on
    tiny = assess(replace(CHAT, requests=Decimal(1), per=Per.MONTH)).figures
    assert tiny.cache_monthly_savings is not None and tiny.cache_monthly_savings < NOISE_FLOOR
    assert derive(tiny) is None
    assert derive(assess(replace(CHAT, cached_share=None)).figures) is None


def test_already_moved_on_cache_records_caching_and_realises_the_saving(engine: Engine) -> None:
    with session_scope(engine) as session:
        queries.import_specs(session=session, team_id=TEAM, specs=[NIGHTLY_ON_PRIORITY, CHAT])
    with session_scope(engine) as session:
        document = opportunities_report(session=session, team_id=TEAM, now=NOW)
    found = {o["workflow"]: o for o in document["opportunities"]}
    chat_saving = assess(CHAT).figures.cache_monthly_savings
    waste = assess(NIGHTLY_ON_PRIORITY).figures.priority_waste
    assert chat_saving is not None
    assert found["Support chat"]["action"] == "cache"
    assert found["Nightly enrichment"]["action"] == "standard"
    assert Decimal(found["Nightly enrichment"]["monthly_savings"]) == waste.quantize(
        Decimal("0.01")
    )
    assert found["Nightly enrichment"]["status"] == "open"  # priority is not a move

    with session_scope(engine) as session:
        decided = decide(
            session=session,
            team_id=TEAM,
            workflow_name="Support chat",
            decision=Decision.DONE,
            by="U0OWNER",
            now=NOW,
        )
    assert (
        decided.changed
        and decided.opportunity is not None
        and decided.opportunity.status.value == "done"
    )
    with session_scope(engine) as session:
        workflow = queries.get_workflow(session=session, team_id=TEAM, name="Support chat")
        assert workflow is not None and workflow.caching
        assert workflow.cached_share == Decimal("0.8")
        figures, rows = queries.workspace_portfolio(session=session, team_id=TEAM)
    report = savings_document(figures, rows)
    assert report["cache_now"] == "0.00"
    assert Decimal(report["realised"]) == chat_saving.quantize(Decimal("0.01"))

    # Importing the row again keeps caching on: the inventory has no column for it.
    with session_scope(engine) as session:
        queries.import_specs(session=session, team_id=TEAM, specs=[CHAT])
        workflow = queries.get_workflow(session=session, team_id=TEAM, name="Support chat")
        assert workflow is not None and workflow.caching
