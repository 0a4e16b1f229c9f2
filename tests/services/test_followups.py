"""Follow-ups through the real Slack SDK against the fake Slack: who gets a DM, when, with what;
the monthly audit's answers; unowned work; the usage import's verdict."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from batchscout.audit.latency import Freshness, LatencyClass, Reader, Trigger
from batchscout.audit.opportunities import (
    AuditAnswer,
    Decision,
    FollowupDay,
    OpportunityRefused,
    OpportunityStatus,
)
from batchscout.audit.usage import UsageStatus
from batchscout.delivery.clients import make_web_client
from batchscout.services.followups import (
    FollowupRun,
    answer_audit,
    apply_usage,
    change_followup_settings,
    check_owners,
    each_workspace,
    send_followups,
    unowned_workflows,
)
from batchscout.services.opportunities import decide, opportunities_report
from batchscout.settings import Settings
from batchscout.storage import queries
from batchscout.storage.db import make_engine, session_scope
from tests.bot.seed import seed, spec
from tests.fakes.slack_api import FakeSlack

TEAM = "T0FOLLOW"
TUESDAY = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)  # 10:00 in Paris (the fake's default tz)
NRT = {"trigger": Trigger.EVENT, "reader": Reader.LATER, "freshness": Freshness.MINUTES}


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(team_id=TEAM) as fake:
        yield fake


def send(
    engine: Engine, slack: FakeSlack, now: datetime, *, scheduled: bool = False, team: str = TEAM
) -> FollowupRun:
    client = make_web_client(Settings(slack_api_url=slack.api_url), token="xoxb-test")
    return send_followups(
        engine=engine,
        client=client,
        team_id=team,
        now=now,
        noise_floor=Decimal(25),
        scheduled=scheduled,
    )


def dms(slack: FakeSlack) -> dict[str, list[dict]]:  # type: ignore[type-arg]
    found: dict[str, list[dict]] = {}  # type: ignore[type-arg]
    for call in slack.calls("chat.postMessage"):
        if call.ok:
            found.setdefault(call.params["channel"], []).append(call.params)
    return found


def action_ids(message: dict) -> list[str]:  # type: ignore[type-arg]
    blocks = message["blocks"]
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


def blocks_of(message: dict) -> list[dict]:  # type: ignore[type-arg]
    blocks = message["blocks"]
    return json.loads(blocks) if isinstance(blocks, str) else blocks  # type: ignore[no-any-return]


def test_each_owner_gets_one_dm_with_what_to_decide(engine: Engine, slack: FakeSlack) -> None:
    seed(
        engine,
        spec("Nightly", owner="U0ALICE"),
        *[spec(f"Job {n}", owner="U0ALICE", requests=str(1000 * (n + 1))) for n in range(6)],
        spec("Tiny", owner="U0DAVE", requests="10"),  # $1.50/month: under the noise floor
        spec(
            "Assist",
            owner="U0DAVE",
            trigger=Trigger.USER,
            reader=Reader.ON_SCREEN,
            freshness=Freshness.SECONDS,
        ),
        team=TEAM,
    )
    run = send(engine, slack, TUESDAY)
    assert [s.owner for s in run.sent or []] == ["U0ALICE"]
    alice = dms(slack)["DU0ALICE"]
    assert len(alice) == 1
    blocks = blocks_of(alice[0])
    text = json.dumps(blocks, ensure_ascii=False)
    assert "Nightly" in text and "$7,500/month" in text and "…and 2 more" in text
    assert action_ids(alice[0])[:4] == [
        "opportunity_accept",
        "opportunity_snooze",
        "opportunity_dismiss",
        "opportunity_moved",
    ]
    accept = next(
        e
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "opportunity_accept"
    )
    assert json.loads(accept["value"]).keys() == {"opportunity", "seen"}
    assert json.loads(accept["value"])["seen"] == "open"
    snooze = next(
        e
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "opportunity_snooze"
    )
    assert [json.loads(o["value"])["days"] for o in snooze["options"]] == [14, 30, 90]
    # Largest first: Nightly ($7,500) before Job 5 ($900).
    assert text.index("Nightly") < text.index("Job 5") < text.index("Job 4")

    # Sending again, even an hour later, sends nothing new.
    assert not send(engine, slack, TUESDAY + timedelta(hours=1)).sent
    assert len(dms(slack)["DU0ALICE"]) == 1


def test_the_worker_sends_on_the_day_at_ten_in_the_owners_zone_never_at_weekends(
    engine: Engine, slack: FakeSlack
) -> None:
    seed(engine, spec("Nightly", owner="U0ALICE"), spec("Weekly", owner="U0TOKYO"), team=TEAM)
    slack.users["U0TOKYO"] = {"tz": "Asia/Tokyo"}
    # Monday 09:00 UTC: the wrong day for both. Slack is asked for their zones once; the
    # next ticks answer "not now" from the zones it gave.
    assert not send(engine, slack, TUESDAY - timedelta(days=1), scheduled=True).sent
    assert len(slack.calls("users.info")) == 2
    assert not send(engine, slack, TUESDAY - timedelta(hours=23), scheduled=True).sent
    assert len(slack.calls("users.info")) == 2
    # Tuesday 00:59 UTC is 09:59 in Tokyo: not yet; 01:00 UTC is 10:00 there.
    assert not send(engine, slack, TUESDAY.replace(hour=0, minute=59), scheduled=True).sent
    assert [
        s.owner for s in send(engine, slack, TUESDAY.replace(hour=1), scheduled=True).sent or []
    ] == ["U0TOKYO"]
    # 08:59 UTC is 09:59 in Paris; 09:00 UTC is 10:00.
    assert not send(
        engine, slack, TUESDAY.replace(minute=0) - timedelta(minutes=1), scheduled=True
    ).sent
    assert [s.owner for s in send(engine, slack, TUESDAY, scheduled=True).sent or []] == ["U0ALICE"]
    # A workspace whose day is Saturday cannot be set; its next Saturday sends nothing.
    with session_scope(engine) as session, pytest.raises(OpportunityRefused):
        change_followup_settings(session=session, team_id=TEAM, day="saturday", now=TUESDAY)
    saturday = TUESDAY + timedelta(days=11)
    assert not send(engine, slack, saturday, scheduled=True).sent


def test_eight_days_later_only_what_is_due_comes_back(engine: Engine, slack: FakeSlack) -> None:
    seed(
        engine,
        spec("Nightly", owner="U0ALICE"),
        spec("Weekly", owner="U0ALICE", requests="20000"),
        spec("Hourly", owner="U0ALICE", requests="10000"),
        spec("Daily", owner="U0ALICE", requests="5000"),
        team=TEAM,
    )
    send(engine, slack, TUESDAY)
    with session_scope(engine) as session:
        for name, decision, options in (
            ("Nightly", Decision.ACCEPT, {"due": TUESDAY.date() + timedelta(days=3)}),
            ("Weekly", Decision.SNOOZE, {"days": 14}),
            ("Hourly", Decision.DISMISS, {"reason": "blocked"}),
        ):
            decide(
                session=session,
                team_id=TEAM,
                workflow_name=name,
                decision=decision,
                by="U0ALICE",
                now=TUESDAY + timedelta(minutes=5),
                **options,
            )  # type: ignore[arg-type]
    # Six days later: the 7-day rule holds it back.
    assert not send(engine, slack, TUESDAY + timedelta(days=6)).sent
    run = send(engine, slack, TUESDAY + timedelta(days=8))
    (sent,) = run.sent or []
    assert [(i.workflow, i.status.value) for i in sent.followup.items] == [
        ("Nightly", "accepted"),
        ("Daily", "open"),
    ]
    text = json.dumps(blocks_of(dms(slack)["DU0ALICE"][-1]), ensure_ascii=False)
    assert "overdue" in text and "Weekly" not in text and "Hourly" not in text
    # Fifteen days later the snooze has run out: Weekly is back (and open).
    run = send(engine, slack, TUESDAY + timedelta(days=15))
    (sent,) = run.sent or []
    assert "Weekly" in [i.workflow for i in sent.followup.items]


def test_refused_dms_and_deleted_owners_make_work_unowned_never_retried(
    engine: Engine,
    slack: FakeSlack,
    log_lines,  # type: ignore[no-untyped-def]
) -> None:
    seed(
        engine,
        spec("Nightly", owner="U0ALICE"),
        spec("Weekly", owner="U0BOT"),
        spec("Hourly", owner="U0GONE"),
        spec("Daily", owner=None),
        spec("Lost", owner="U0LOST"),
        team=TEAM,
    )
    slack.dm_refusals["U0BOT"] = "cannot_dm_bot"
    slack.users["U0GONE"] = {"deleted": True}
    slack.missing_users.add("U0LOST")
    run = send(engine, slack, TUESDAY)
    assert [s.owner for s in run.sent or []] == ["U0ALICE"]
    assert sorted(run.unreachable or []) == [
        ("U0BOT", "cannot_dm_bot"),
        ("U0GONE", "deleted"),
        ("U0LOST", "user_not_found"),
    ]
    refusals = log_lines.named("followup_owner_unreachable")
    assert sorted(str(e["owner"]) for e in refusals) == ["U0BOT", "U0GONE", "U0LOST"]
    with session_scope(engine) as session:
        unowned = unowned_workflows(session=session, team_id=TEAM, now=TUESDAY)
    assert [(u.workflow, u.why) for u in unowned] == [
        ("Daily", "no_owner"),
        ("Hourly", "deleted"),
        ("Lost", "user_not_found"),
        ("Weekly", "cannot_dm_bot"),
    ]
    # A week later nobody unreachable is tried again.
    opened = len(slack.calls("conversations.open"))
    send(engine, slack, TUESDAY + timedelta(days=8))
    assert [c.params["users"] for c in slack.calls("conversations.open")[opened:]] == ["U0ALICE"]
    # Claiming makes the clicker the owner; the next follow-up goes to them.
    with session_scope(engine) as session:
        decide(
            session=session,
            team_id=TEAM,
            workflow_name="Weekly",
            decision=Decision.CLAIM,
            by="U0CAROL",
            now=TUESDAY + timedelta(days=9),
        )
    run = send(engine, slack, TUESDAY + timedelta(days=9))
    assert [s.owner for s in run.sent or []] == ["U0CAROL"]


def test_check_owners_marks_deleted_owners(engine: Engine, slack: FakeSlack) -> None:
    seed(engine, spec("Nightly", owner="U0ALICE"), spec("Hourly", owner="U0GONE"), team=TEAM)
    slack.users["U0GONE"] = {"deleted": True}
    client = make_web_client(Settings(slack_api_url=slack.api_url), token="xoxb-test")
    assert check_owners(engine=engine, client=client, team_id=TEAM, now=TUESDAY) == ["U0GONE"]
    with session_scope(engine) as session:
        assert [u.workflow for u in unowned_workflows(session=session, team_id=TEAM)] == ["Hourly"]


def test_follow_ups_off_send_nothing(engine: Engine, slack: FakeSlack) -> None:
    seed(engine, spec("Nightly", owner="U0ALICE"), team=TEAM)
    with session_scope(engine) as session:
        assert change_followup_settings(
            session=session, team_id=TEAM, enabled=False, now=TUESDAY
        ) == (FollowupDay.TUESDAY, False)
    run = send(engine, slack, TUESDAY)
    assert not run.enabled and not slack.calls("chat.postMessage")


def test_one_workspace_failing_never_stops_another(
    engine: Engine, slack: FakeSlack, log_lines
) -> None:  # type: ignore[no-untyped-def]
    seed(engine, spec("Nightly", owner="U0ALICE"), team="T0BROKEN")
    seed(engine, spec("Nightly", owner="U0ALICE"), team=TEAM)

    def job(team_id: str) -> None:
        if team_id == "T0BROKEN":
            raise LookupError("Batchscout is not installed in workspace T0BROKEN")
        send(engine, slack, TUESDAY, team=team_id)

    each_workspace(engine, job)
    assert list(dms(slack)) == ["DU0ALICE"]
    assert [e["team_id"] for e in log_lines.named("followups_failed")] == ["T0BROKEN"]


def test_the_monthly_audit(engine: Engine, slack: FakeSlack) -> None:
    seed(
        engine,
        spec("Triage", owner="U0ERIN", requests="100", **NRT),  # $15/month: under the floor
        spec("Alerts", owner="U0ERIN", requests="200", **NRT),
        team=TEAM,
    )
    run = send(engine, slack, TUESDAY)
    (sent,) = run.sent or []
    assert not sent.followup.items  # only things to audit: that follow-up goes out too
    assert [a.workflow for a in sent.followup.audits] == ["Alerts", "Triage"]
    message = dms(slack)["DU0ERIN"][0]
    assert action_ids(message)[:4] == [
        "audit_still_needed",
        "audit_wait_hour",
        "audit_wait_day",
        "audit_change_answers",
    ]
    alerts, triage = (a.workflow_id for a in sent.followup.audits)
    with session_scope(engine) as session:
        answer_audit(
            session=session,
            team_id=TEAM,
            workflow_id=triage,
            answer=AuditAnswer.STILL_NEEDED,
            by="U0ERIN",
            now=TUESDAY,
        )
        outcome = answer_audit(
            session=session,
            team_id=TEAM,
            workflow_id=alerts,
            answer=AuditAnswer.WAIT_HOUR,
            by="U0ERIN",
            now=TUESDAY,
        )
        assert outcome.changed
        again = answer_audit(
            session=session,
            team_id=TEAM,
            workflow_id=alerts,
            answer=AuditAnswer.WAIT_HOUR,
            by="U0ERIN",
            now=TUESDAY,
        )
        assert not again.changed
        workflow = queries.get_workflow(session=session, team_id=TEAM, name="Alerts")
        assert workflow is not None and workflow.latency_class is LatencyClass.SCHEDULED
        document = opportunities_report(session=session, team_id=TEAM, now=TUESDAY)
    alerts_opportunity = {o["workflow"]: o for o in document["opportunities"]}["Alerts"]
    assert alerts_opportunity["action"] == "batch"
    notes = [h["note"] for h in alerts_opportunity["history"]]
    assert "audit: it can wait (minutes → hour): re-classified scheduled" in notes
    # Later in December: Alerts' new batch saving, and no audit (not the month's first
    # follow-up). In January: Triage was audited 28+ days before, so it is asked again.
    (later,) = send(engine, slack, TUESDAY + timedelta(days=14)).sent or []
    assert [(i.workflow, i.action.value) for i in later.followup.items] == [("Alerts", "batch")]
    assert not later.followup.audits
    run = send(engine, slack, datetime(2027, 1, 5, 9, tzinfo=UTC))
    (sent,) = run.sent or []
    assert [a.workflow for a in sent.followup.audits] == ["Triage"]


def test_usage_turns_done_into_verified_or_not_migrated(engine: Engine) -> None:
    seed(engine, spec("Nightly"), spec("Weekly"), spec("Hourly"), team=TEAM)
    with session_scope(engine) as session:
        for name in ("Nightly", "Weekly"):
            decide(
                session=session,
                team_id=TEAM,
                workflow_name=name,
                decision=Decision.DONE,
                by="U0ALICE",
                now=TUESDAY,
                mode="batch",
            )
        changed = apply_usage(
            session=session,
            team_id=TEAM,
            now=TUESDAY,
            statuses={
                "Nightly": UsageStatus.VERIFIED,
                "Weekly": UsageStatus.NOT_MIGRATED,
                "Hourly": UsageStatus.VERIFIED,
            },
        )  # Hourly is open: a usage report does not close it
        assert changed == 2
        document = opportunities_report(session=session, team_id=TEAM, now=TUESDAY)
    found = {o["workflow"]: o for o in document["opportunities"]}
    assert [found[n]["status"] for n in ("Nightly", "Weekly", "Hourly")] == [
        "verified",
        "not_migrated",
        "open",
    ]
    assert found["Nightly"]["history"][-1] | {"at": None} == {
        "at": None,
        "by": "system",
        "from": "done",
        "to": "verified",
        "note": "provider usage: verified",
    }
    assert document["totals"]["verified"] == "7500.00"


def test_a_worker_and_an_operator_sending_at_once_send_one_dm(
    engine: Engine, database_url: str, slack: FakeSlack
) -> None:
    seed(engine, spec("Nightly", owner="U0ALICE"), team=TEAM)
    start = threading.Barrier(3)
    errors: list[BaseException] = []

    def run() -> None:
        own = make_engine(database_url)
        try:
            start.wait()
            send(own, slack, TUESDAY)
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
    assert len(dms(slack)["DU0ALICE"]) == 1


def test_a_usage_import_says_whether_work_marked_as_moved_really_moved(engine: Engine) -> None:
    from batchscout.audit.inventory import parse_csv
    from batchscout.jobs.usage import read_openai
    from batchscout.services.usage import import_window
    from tests.fakes.usage_api import OPENAI_ADMIN_KEY, FakeOpenAIUsage
    from tests.services import usage_scenario as scenario

    with session_scope(engine) as session:
        queries.import_specs(session=session, team_id=TEAM, specs=parse_csv(scenario.INVENTORY))
        # Marked as moved, but its traffic (the scenario's) is all on the standard tier.
        decide(session=session, team_id=TEAM, workflow_name="nightly-summaries",
               decision=Decision.DONE, by="U0ALICE", now=datetime.now(UTC) - timedelta(minutes=1),
               mode="batch")  # fmt: skip
    with FakeOpenAIUsage() as fake:
        scenario.load_openai(fake)
        window = read_openai(admin_key=OPENAI_ADMIN_KEY, base_url=fake.sdk_base_url,
                             start=scenario.START, end=scenario.END)  # fmt: skip
    import_window(engine=engine, team_id=TEAM, window=window)
    with session_scope(engine) as session:
        document = opportunities_report(session=session, team_id=TEAM)
    nightly = {o["workflow"]: o for o in document["opportunities"]}["nightly-summaries"]
    assert nightly["status"] == "not_migrated"
    assert nightly["history"][-1]["note"] == "provider usage: not migrated"


def test_follow_through_for_the_digest(engine: Engine) -> None:
    from batchscout.services.followups import follow_through

    seed(engine, spec("Nightly", owner="U0ALICE"), spec("Weekly", owner="U0ALICE"),
         spec("Hourly", owner=None, requests="1000"), team=TEAM)  # fmt: skip
    with session_scope(engine) as session:
        decide(session=session, team_id=TEAM, workflow_name="Nightly", decision=Decision.ACCEPT,
               by="U0ALICE", now=TUESDAY, due=TUESDAY.date() + timedelta(days=1))  # fmt: skip
        decide(session=session, team_id=TEAM, workflow_name="Weekly", decision=Decision.DONE,
               by="U0ALICE", now=TUESDAY, mode="batch")  # fmt: skip
        section = follow_through(session=session, team_id=TEAM, since=TUESDAY - timedelta(days=7),
                                 now=TUESDAY + timedelta(days=3))  # fmt: skip
    assert section.moved[OpportunityStatus.ACCEPTED] == (1, Decimal(7500))
    assert section.moved[OpportunityStatus.DONE] == (1, Decimal(7500))
    assert section.moved[OpportunityStatus.DISMISSED] == (0, Decimal(0))
    assert [(v.workflow, v.owner) for v in section.overdue] == [("Nightly", "U0ALICE")]
    assert [u.workflow for u in section.unowned] == ["Hourly"]
