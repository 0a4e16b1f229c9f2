"""Opportunities follow the inventory, decisions change them once, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from batchscout.audit.latency import Freshness, LatencyClass, Mode, Reader, Trigger
from batchscout.audit.opportunities import Decision, OpportunityRefused
from batchscout.services.opportunities import (
    decide,
    decide_by_id,
    list_opportunities,
    opportunities_report,
    status_totals,
    sync_opportunities,
)
from batchscout.storage import queries
from batchscout.storage.db import make_engine, session_scope
from batchscout.storage.models import Workflow
from batchscout.storage.opportunities import Opportunity, OpportunityEvent
from tests.bot.seed import seed, spec

TEAM = "T0OPPS"
NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


def report(engine: Engine, now: datetime = NOW) -> dict[str, dict]:  # type: ignore[type-arg]
    with session_scope(engine) as session:
        document = opportunities_report(session=session, team_id=TEAM, now=now)
    return {o["workflow"]: o for o in document["opportunities"]} | {"": document["totals"]}


def act(engine: Engine, name: str, decision: Decision, now: datetime = NOW, **options: object):  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        return decide(
            session=session,
            team_id=TEAM,
            workflow_name=name,
            decision=decision,
            by="U0OWNER",
            now=now,
            **options,
        )  # type: ignore[arg-type]


def test_opportunities_are_derived_from_the_figures(engine: Engine) -> None:
    seed(
        engine,
        spec("Nightly"),  # the reference case: $7,500/month on batch
        spec("Triage", trigger=Trigger.EVENT, reader=Reader.LATER, freshness=Freshness.MINUTES),
        spec("Assist", trigger=Trigger.USER, reader=Reader.ON_SCREEN, freshness=Freshness.SECONDS),
        spec("Already", mode=Mode.BATCH),
        team=TEAM,
    )
    found = report(engine)
    assert set(found) == {"Nightly", "Triage", ""}
    assert (found["Nightly"]["action"], found["Nightly"]["monthly_savings"]) == ("batch", "7500.00")
    assert found["Triage"]["action"] == "challenge"
    assert found["Nightly"]["history"] == [
        {
            "at": "2026-12-08T09:00:00Z",
            "by": "system",
            "from": None,
            "to": "open",
            "note": "batch: saves $7,500/month",
        },
    ]
    assert found[""] == {
        "open": "15000.00",
        "accepted": "0.00",
        "snoozed": "0.00",
        "dismissed": "0.00",
        "done": "0.00",
        "verified": "0.00",
        "not_migrated": "0.00",
    }
    # Reading again changes nothing.
    assert report(engine, NOW + timedelta(hours=1)) == report(engine)


def test_moving_to_batch_closes_it_as_done_and_removal_hides_it(engine: Engine) -> None:
    seed(engine, spec("Nightly"), spec("Weekly"), team=TEAM)
    report(engine)
    with session_scope(engine) as session:
        queries.mark_migrated(session=session, team_id=TEAM, name="Nightly")
        queries.remove_workflow(session=session, team_id=TEAM, name="Weekly")
    found = report(engine)
    assert found["Nightly"]["status"] == "done"
    assert found["Nightly"]["history"][-1]["note"] == "moved to batch: saves $7,500/month"
    assert "Weekly" not in found
    with session_scope(engine) as session:
        totals = status_totals(session=session, team_id=TEAM, now=NOW)
    assert totals["done"] == Decimal("7500") and totals["open"] == 0


def test_one_owners_list_is_brought_up_to_date_by_the_same_rules(engine: Engine) -> None:
    # App Home reads one person's opportunities: only theirs are synced (a workspace of
    # 100,000 workflows took 17 s), with the same outcome a whole-workspace sync gives.
    seed(engine, spec("Mine", owner="U0ME"), spec("Gone", owner="U0ME"),
        spec("Theirs", owner="U0THEM"), team=TEAM)  # fmt: skip
    report(engine)
    with session_scope(engine) as session:
        queries.mark_migrated(session=session, team_id=TEAM, name="Mine")
        queries.remove_workflow(session=session, team_id=TEAM, name="Gone")
        queries.mark_migrated(session=session, team_id=TEAM, name="Theirs")
    with session_scope(engine) as session:
        mine = list_opportunities(session=session, team_id=TEAM, owner="U0ME", now=NOW)
        stored = {
            w.name: (o.status.value, o.active)
            for o, w in session.exec(
                select(Opportunity, Workflow).join(Workflow, Workflow.id == Opportunity.workflow_id)  # type: ignore[arg-type]
            ).all()
        }
    assert [(v.workflow, v.status.value) for v in mine] == [("Mine", "done")]
    # U0THEM's moved workflow waits for a sync that covers it; the removed one is withdrawn.
    assert stored == {"Mine": ("done", True), "Gone": ("open", False), "Theirs": ("open", True)}
    everyone = report(engine)
    assert everyone["Theirs"]["status"] == "done" and "Gone" not in everyone


def test_a_snooze_runs_out_and_the_item_is_open_again(engine: Engine) -> None:
    seed(engine, spec("Nightly"), team=TEAM)
    act(engine, "Nightly", Decision.SNOOZE, days=14)
    assert report(engine, NOW + timedelta(days=13))["Nightly"]["status"] == "snoozed"
    later = report(engine, NOW + timedelta(days=14))["Nightly"]
    assert later["status"] == "open" and later["snoozed_until"] is None
    assert later["history"][-1]["by"] == "system" and "ran out" in later["history"][-1]["note"]


def test_a_dismissal_comes_back_only_when_savings_double_or_answers_change(engine: Engine) -> None:
    seed(engine, spec("Nightly"), spec("Weekly"), team=TEAM)
    act(engine, "Nightly", Decision.DISMISS, reason="not_worth_it", note="tiny")
    act(engine, "Weekly", Decision.DISMISS, reason="blocked")
    seed(engine, spec("Nightly", requests="99999"), team=TEAM)  # not quite double
    assert report(engine)["Nightly"]["status"] == "dismissed"
    seed(engine, spec("Nightly", requests="100000"), team=TEAM)  # doubled
    back = report(engine)["Nightly"]
    assert back["status"] == "open" and back["reason"] is None
    assert "doubled ($7,500 → $15,000)" in back["history"][-1]["note"]
    seed(engine, spec("Weekly", freshness=Freshness.WEEK), team=TEAM)  # answers changed
    assert report(engine)["Weekly"]["status"] == "open"


def test_dismissing_because_someone_waits_reclassifies_the_workflow(engine: Engine) -> None:
    seed(engine, spec("Nightly"), team=TEAM)
    outcome = act(engine, "Nightly", Decision.DISMISS, reason="needs_realtime")
    assert outcome.changed and outcome.opportunity is None
    assert "Nightly" not in report(engine)
    with session_scope(engine) as session:
        workflow = queries.get_workflow(session=session, team_id=TEAM, name="Nightly")
        assert workflow is not None
        assert (workflow.trigger, workflow.reader, workflow.freshness) == (
            Trigger.USER,
            Reader.ON_SCREEN,
            Freshness.SECONDS,
        )
        assert workflow.latency_class is LatencyClass.REAL_TIME
        notes = [e.note or "" for e in session.exec(select(OpportunityEvent))]
    assert any("schedule/report/day → user/on-screen/seconds" in n for n in notes)


def test_done_moves_the_workflow_and_reopen_moves_it_back(engine: Engine) -> None:
    seed(engine, spec("Nightly"), team=TEAM)
    act(engine, "Nightly", Decision.DONE, mode="batch")
    with session_scope(engine) as session:
        assert (
            queries.get_workflow(session=session, team_id=TEAM, name="Nightly").mode is Mode.BATCH
        )  # type: ignore[union-attr]
    assert report(engine)["Nightly"]["status"] == "done"
    act(engine, "Nightly", Decision.REOPEN)
    assert report(engine)["Nightly"]["status"] == "open"
    with session_scope(engine) as session:
        assert queries.get_workflow(session=session, team_id=TEAM, name="Nightly").mode is Mode.SYNC  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("name", "decision", "options", "words"),
    [
        ("Nope", Decision.ACCEPT, {}, "no workflow named"),
        ("Assist", Decision.ACCEPT, {}, "has no opportunity"),
        ("Nightly", Decision.DISMISS, {"reason": "bored"}, "not a reason"),
        ("Nightly", Decision.ACCEPT, {"due": NOW.date() - timedelta(days=1)}, "in the past"),
        ("Nightly", Decision.SNOOZE, {"days": 0}, "1 to 365"),
        ("Nightly", Decision.SNOOZE, {"days": 366}, "1 to 365"),
        ("Nightly", Decision.DONE, {"mode": "sync"}, "batch or flex"),
        ("Nightly", Decision.DONE, {"mode": "priority"}, "batch or flex"),
        ("Nightly", Decision.DONE, {"mode": "flex"}, "cost per request has no flex price"),
        ("Nightly", Decision.CLAIM, {}, "owned by"),
    ],
)
def test_refusals_change_nothing(
    engine: Engine, name: str, decision: Decision, options: dict[str, object], words: str
) -> None:
    seed(
        engine,
        spec("Nightly"),
        spec("Assist", trigger=Trigger.USER, reader=Reader.ON_SCREEN, freshness=Freshness.SECONDS),
        team=TEAM,
    )
    before = report(engine)
    with pytest.raises(OpportunityRefused, match=words):
        act(engine, name, decision, **options)
    assert report(engine) == before


def test_claiming_unowned_work(engine: Engine) -> None:
    seed(engine, spec("Nightly", owner=None), team=TEAM)
    outcome = act(engine, "Nightly", Decision.CLAIM)
    assert outcome.changed and report(engine)["Nightly"]["owner"] == "U0OWNER"
    assert report(engine)["Nightly"]["history"][-1]["note"] == "claimed by U0OWNER"
    assert not act(engine, "Nightly", Decision.CLAIM).changed


def _race(url: str, decisions: list[tuple[Decision, dict[str, object]]]) -> list[bool]:
    """Each decision from its own engine (its own process, as far as the database knows), all
    released at once."""
    start = threading.Barrier(len(decisions))
    results: list[bool] = [False] * len(decisions)
    errors: list[BaseException] = []

    def run(index: int, decision: Decision, options: dict[str, object]) -> None:
        engine = make_engine(url)
        try:
            start.wait()
            with session_scope(engine) as session:
                outcome = decide(
                    session=session,
                    team_id=TEAM,
                    workflow_name="Nightly",
                    decision=decision,
                    by=f"U0PERSON{index}",
                    now=NOW,
                    **options,
                )  # type: ignore[arg-type]
            results[index] = outcome.changed
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=run, args=(i, d, o)) for i, (d, o) in enumerate(decisions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


@pytest.mark.parametrize(
    "decisions",
    [
        [(Decision.ACCEPT, {})] * 4,  # a button clicked four times
        # Two people, each deciding about the item as they saw it (open).
        [
            (Decision.ACCEPT, {"seen": "open"}),
            (Decision.DISMISS, {"reason": "blocked", "seen": "open"}),
        ],
        [(Decision.DONE, {"mode": "batch"})] * 3,
    ],
    ids=["same-button", "two-people", "done-thrice"],
)
def test_concurrent_decisions_make_one_transition(
    engine: Engine, database_url: str, decisions: list[tuple[Decision, dict[str, object]]]
) -> None:
    seed(engine, spec("Nightly"), team=TEAM)
    report(engine)  # the opportunity exists before the race
    results = _race(database_url, decisions)
    assert results.count(True) == 1
    history = report(engine)["Nightly"]["history"]
    decided = [h for h in history if h["by"] != "system"]
    assert len(decided) == 1 and decided[0]["from"] == "open"
    if decisions[0][0] is Decision.DONE:
        with session_scope(engine) as session:
            workflow = queries.get_workflow(session=session, team_id=TEAM, name="Nightly")
            assert workflow is not None and workflow.mode is Mode.BATCH


def test_racing_derivations_create_each_opportunity_once(engine: Engine, database_url: str) -> None:
    seed(engine, *[spec(f"Job {n}") for n in range(10)], team=TEAM)
    start = threading.Barrier(3)
    errors: list[BaseException] = []

    def run() -> None:
        own = make_engine(database_url)
        try:
            start.wait()
            with session_scope(own) as session:
                sync_opportunities(session=session, team_id=TEAM, now=NOW)
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            own.dispose()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    found = report(engine)
    assert all(len(found[f"Job {n}"]["history"]) == 1 for n in range(10))


def test_other_workspaces_never_see_them(engine: Engine) -> None:
    seed(engine, spec("Nightly"), team=TEAM)
    seed(engine, replace(spec("Nightly"), owner="U0ELSE"), team="T0OTHER")
    report(engine)
    with session_scope(engine) as session:
        other = opportunities_report(session=session, team_id="T0OTHER", now=NOW)
    assert [o["owner"] for o in other["opportunities"]] == ["U0ELSE"]
    with pytest.raises(OpportunityRefused), session_scope(engine) as session:
        decide(
            session=session,
            team_id="T0NONE",
            workflow_name="Nightly",
            decision=Decision.ACCEPT,
            by="U0X",
            now=NOW,
        )


def test_a_buttons_id_decides_only_in_its_own_workspace(engine: Engine) -> None:
    seed(engine, spec("Nightly"), team=TEAM)
    seed(engine, spec("Nightly"), team="T0OTHER")
    with session_scope(engine) as session:
        mine = opportunities_report(session=session, team_id=TEAM, now=NOW)
        other = opportunities_report(session=session, team_id="T0OTHER", now=NOW)
        assert mine and other
        (view,) = list_opportunities(session=session, team_id="T0OTHER", now=NOW)
        with pytest.raises(OpportunityRefused, match="no longer open"):
            decide_by_id(session=session, team_id=TEAM, opportunity_id=view.id,
                         decision=Decision.ACCEPT, by="U0X", now=NOW)  # fmt: skip
        outcome = decide_by_id(session=session, team_id="T0OTHER", opportunity_id=view.id,
                               decision=Decision.ACCEPT, by="U0X", now=NOW)  # fmt: skip
    assert outcome.changed and outcome.opportunity is not None
    assert outcome.opportunity.status.value == "accepted"
    assert report(engine)["Nightly"]["status"] == "open"


def test_a_move_made_before_anyone_looked_is_still_done(engine: Engine) -> None:
    seed(engine, spec("Nightly"), spec("Born on batch", mode=Mode.BATCH), team=TEAM)
    with session_scope(engine) as session:  # moved a little later, before any read
        workflow = queries.get_workflow(session=session, team_id=TEAM, name="Nightly")
        assert workflow is not None
        workflow.created_at -= timedelta(days=2)  # registered two days ago
    seed(engine, spec("Nightly", mode=Mode.BATCH), team=TEAM)
    found = report(engine)
    assert found["Nightly"]["status"] == "done" and found["Nightly"]["monthly_savings"] == "7500.00"
    assert "Born on batch" not in found


def test_a_click_after_someone_else_decided_gets_the_current_state(engine: Engine) -> None:
    seed(engine, spec("Nightly"), team=TEAM)
    assert act(engine, "Nightly", Decision.DISMISS, reason="blocked", seen="open").changed
    late = act(engine, "Nightly", Decision.ACCEPT, seen="open")  # an old DM's button
    assert not late.changed and late.opportunity is not None
    assert late.opportunity.status.value == "dismissed"
    assert [h["to"] for h in report(engine)["Nightly"]["history"]] == ["open", "dismissed"]
