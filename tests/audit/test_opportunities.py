"""The opportunity lifecycle's pure rules (SPEC.md, "Follow-through"), exhaustively."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from batchscout.audit.latency import Freshness, LatencyClass, Mode, Reader, Trigger, classify
from batchscout.audit.opportunities import (
    ALLOWED_FROM,
    Decision,
    DismissReason,
    FollowupDay,
    OpportunityAction,
    OpportunityRefused,
    OpportunityStatus,
    State,
    answers_key,
    audit_due,
    comes_back,
    derive,
    due_date,
    followup_allowed,
    is_followup_time,
    largest_first,
    needs_audit,
    needs_decision,
    next_followup_at,
    parse_reason,
    plan,
    realtime_answers,
    snooze_over,
    snooze_until,
    zone,
)
from batchscout.audit.savings import Per, workflow_figures

S = OpportunityStatus
TODAY = date(2026, 12, 8)
NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


def figures(
    latency: LatencyClass, mode: Mode = Mode.SYNC, flex: str | None = None, requests: int = 50_000
):  # type: ignore[no-untyped-def]
    return workflow_figures(
        sync_per_request=Decimal("0.01"),
        batch_per_request=Decimal("0.005"),
        requests=Decimal(requests),
        per=Per.DAY,
        latency_class=latency,
        mode=mode,
        flex_per_request=None if flex is None else Decimal(flex),
    )


# --- derive ---------------------------------------------------------------------------------


def test_the_reference_case_is_a_batch_opportunity_of_7500_a_month() -> None:
    assert derive(figures(LatencyClass.SCHEDULED)) == (OpportunityAction.BATCH, Decimal("7500"))


def test_near_real_time_gets_flex_with_a_flex_price_and_challenge_without() -> None:
    flexed = derive(figures(LatencyClass.NEAR_REAL_TIME, flex="0.006"))
    assert flexed == (OpportunityAction.FLEX, Decimal("6000"))  # the flex saving, not batch's
    challenged = derive(figures(LatencyClass.NEAR_REAL_TIME))
    assert challenged == (OpportunityAction.CHALLENGE, Decimal("7500"))  # the batch saving


@pytest.mark.parametrize("mode", [Mode.BATCH, Mode.FLEX])
@pytest.mark.parametrize("latency", list(LatencyClass))
def test_work_already_discounted_and_real_time_work_have_none(
    mode: Mode, latency: LatencyClass
) -> None:
    assert derive(figures(latency, mode, flex="0.006")) is None
    assert derive(figures(LatencyClass.REAL_TIME, flex="0.006")) is None


@given(
    latency=st.sampled_from(list(LatencyClass)),
    mode=st.sampled_from(list(Mode)),
    flex=st.one_of(st.none(), st.decimals("0.001", "0.02", places=4)),
    requests=st.integers(1, 10**9),
)
def test_derive_matches_the_savings_figures(
    latency: LatencyClass, mode: Mode, flex: Decimal | None, requests: int
) -> None:
    item = figures(latency, mode, None if flex is None else str(flex), requests)
    found = derive(item)
    # Priority without a priority price (none given here) is priced, and derived, as sync.
    if mode in (Mode.BATCH, Mode.FLEX) or latency is LatencyClass.REAL_TIME:
        assert found is None
        return
    if found is None:  # only when the action saves nothing
        assert item.flex_monthly_savings == 0 or item.monthly_savings == 0
        return
    action, saving = found
    assert saving > 0
    if latency is LatencyClass.SCHEDULED:
        assert (action, saving) == (OpportunityAction.BATCH, item.monthly_savings)
    elif flex is not None:
        assert (action, saving) == (OpportunityAction.FLEX, item.flex_monthly_savings)
    else:
        assert (action, saving) == (OpportunityAction.CHALLENGE, item.monthly_savings)


# --- transitions ----------------------------------------------------------------------------

TARGETS = {
    Decision.ACCEPT: S.ACCEPTED,
    Decision.SNOOZE: S.SNOOZED,
    Decision.DISMISS: S.DISMISSED,
    Decision.DONE: S.DONE,
    Decision.REOPEN: S.OPEN,
}
OPTIONS = {
    Decision.ACCEPT: {},
    Decision.SNOOZE: {"days": 14},
    Decision.DISMISS: {"reason": "blocked"},
    Decision.DONE: {},
    Decision.REOPEN: {},
}


@pytest.mark.parametrize("decision", list(TARGETS))
@pytest.mark.parametrize("status", list(S))
def test_every_decision_from_every_status(decision: Decision, status: OpportunityStatus) -> None:
    current = State(status)
    if status not in ALLOWED_FROM[decision]:
        with pytest.raises(OpportunityRefused) as refused:
            plan("Nightly", current, decision, today=TODAY, **OPTIONS[decision])  # type: ignore[arg-type]
        message = str(refused.value)
        assert message.count(".") == 1 and message.endswith(".") and "“Nightly”" in message
        return
    change = plan("Nightly", current, decision, today=TODAY, **OPTIONS[decision])  # type: ignore[arg-type]
    if status is TARGETS[decision] and decision in (
        Decision.DISMISS,
        Decision.DONE,
        Decision.REOPEN,
    ):
        assert change is None  # the same decision again changes nothing
        return
    assert change is not None and change.after.status is TARGETS[decision]
    assert change.before == current


def test_the_same_decision_twice_changes_nothing_but_a_new_date_does() -> None:
    accepted = plan("N", State(S.OPEN), Decision.ACCEPT, today=TODAY)
    assert accepted is not None and accepted.after.due == TODAY + timedelta(days=30)
    assert plan("N", accepted.after, Decision.ACCEPT, today=TODAY) is None
    later = plan("N", accepted.after, Decision.ACCEPT, today=TODAY, due=date(2027, 3, 1))
    assert later is not None and later.after.due == date(2027, 3, 1)
    snoozed = plan("N", State(S.OPEN), Decision.SNOOZE, today=TODAY, days=30)
    assert snoozed is not None and snoozed.after.snoozed_until == date(2027, 1, 7)
    assert plan("N", snoozed.after, Decision.SNOOZE, today=TODAY, days=30) is None


def test_claim_changes_no_status() -> None:
    for status in S:
        assert plan("N", State(status), Decision.CLAIM, today=TODAY) is None


def test_dismissal_keeps_reason_and_note() -> None:
    change = plan(
        "N",
        State(S.OPEN),
        Decision.DISMISS,
        today=TODAY,
        reason=" Blocked ",
        note="  waiting on the vendor ",
    )
    assert change is not None
    assert change.after.reason is DismissReason.BLOCKED
    assert change.after.note == "waiting on the vendor"
    assert change.note == "blocked: waiting on the vendor"


@pytest.mark.parametrize("reason", ["", None, "nope", "needs realtime"])
def test_unknown_reasons_are_refused(reason: str | None) -> None:
    with pytest.raises(OpportunityRefused, match="needs_realtime, not_worth_it, blocked, other"):
        parse_reason(reason)


def test_due_dates() -> None:
    assert due_date(TODAY, None) == date(2027, 1, 7)
    assert due_date(TODAY, TODAY) == TODAY
    with pytest.raises(OpportunityRefused, match="in the past"):
        due_date(TODAY, TODAY - timedelta(days=1))
    with pytest.raises(OpportunityRefused, match="ten years"):
        due_date(TODAY, date(2040, 1, 1))


@given(days=st.integers(-1000, 1000))
def test_snoozes_last_1_to_365_days(days: int) -> None:
    for kwargs in ({"days": days}, {"until": TODAY + timedelta(days=days)}):
        if 1 <= days <= 365:
            assert snooze_until(TODAY, **kwargs) == TODAY + timedelta(days=days)  # type: ignore[arg-type]
        else:
            with pytest.raises(OpportunityRefused, match="1 to 365 days"):
                snooze_until(TODAY, **kwargs)  # type: ignore[arg-type]


def test_a_snooze_needs_exactly_one_of_days_and_date() -> None:
    with pytest.raises(OpportunityRefused):
        snooze_until(TODAY)
    with pytest.raises(OpportunityRefused):
        snooze_until(TODAY, days=3, until=TODAY + timedelta(days=3))


def test_a_long_note_is_refused() -> None:
    with pytest.raises(OpportunityRefused, match="at most 500"):
        plan("N", State(S.OPEN), Decision.DISMISS, today=TODAY, reason="other", note="x" * 501)


# --- dismissals -----------------------------------------------------------------------------


@pytest.mark.parametrize("trigger", list(Trigger))
@pytest.mark.parametrize("reader", list(Reader))
@pytest.mark.parametrize("freshness", list(Freshness))
def test_needs_realtime_makes_any_workflow_real_time(
    trigger: Trigger, reader: Reader, freshness: Freshness
) -> None:
    new_trigger, new_reader, new_freshness = realtime_answers(trigger, reader, freshness)
    assert new_trigger is (Trigger.USER if trigger is Trigger.SCHEDULE else trigger)
    assert (new_reader, new_freshness) == (Reader.ON_SCREEN, Freshness.SECONDS)
    assert classify(new_trigger, new_reader, new_freshness).latency_class is LatencyClass.REAL_TIME


@given(
    then=st.decimals("0.01", "100000", places=2),
    now=st.decimals("0.01", "300000", places=2),
    same=st.booleans(),
)
def test_a_dismissal_comes_back_when_answers_change_or_savings_double(
    then: Decimal, now: Decimal, same: bool
) -> None:
    before = answers_key(Trigger.SCHEDULE, Reader.REPORT, Freshness.DAY)
    after = before if same else answers_key(Trigger.SCHEDULE, Reader.REPORT, Freshness.WEEK)
    back = comes_back(answers_then=before, answers_now=after, savings_then=then, savings_now=now)
    assert back is ((not same) or now >= 2 * then)


# --- follow-ups -----------------------------------------------------------------------------


def test_what_a_follow_up_lists() -> None:
    floor = Decimal(25)
    assert needs_decision(S.OPEN, Decimal(25), None, today=TODAY, noise_floor=floor)
    assert not needs_decision(S.OPEN, Decimal("24.99"), None, today=TODAY, noise_floor=floor)
    overdue = TODAY - timedelta(days=1)
    assert needs_decision(S.ACCEPTED, Decimal(1), overdue, today=TODAY, noise_floor=floor)
    assert not needs_decision(S.ACCEPTED, Decimal(1), TODAY, today=TODAY, noise_floor=floor)
    for status in (S.SNOOZED, S.DISMISSED, S.DONE, S.VERIFIED, S.NOT_MIGRATED):
        assert not needs_decision(status, Decimal(10**6), overdue, today=TODAY, noise_floor=floor)


@given(st.lists(st.tuples(st.text(min_size=1, max_size=5), st.integers(0, 10**6)), max_size=20))
def test_largest_first_at_most_five_and_the_rest_counted(items: list[tuple[str, int]]) -> None:
    shown = largest_first(items, lambda i: Decimal(i[1]), lambda i: i[0])
    assert len(shown.items) == min(5, len(items))
    assert shown.more == max(0, len(items) - 5)
    amounts = [i[1] for i in shown.items]
    assert amounts == sorted(amounts, reverse=True)
    assert amounts == sorted((i[1] for i in items), reverse=True)[:5]


def test_one_follow_up_per_owner_in_7_days() -> None:
    sent = datetime(2026, 12, 8, 10, 5, tzinfo=UTC)
    assert followup_allowed(None, sent)
    # Calendar days in the owner's time zone: not again through next Monday, whatever the hour.
    assert not followup_allowed(sent, datetime(2026, 12, 14, 23, 59, tzinfo=UTC))
    # Next week's 10:00 send, a few minutes "early" against last week's: still sent.
    assert followup_allowed(sent, datetime(2026, 12, 15, 10, 0, tzinfo=UTC))
    paris = ZoneInfo("Europe/Paris")
    assert followup_allowed(sent, sent + timedelta(days=7), paris)


def test_the_audit_rides_on_the_first_follow_up_of_each_month() -> None:
    assert audit_due(None, NOW)
    assert not audit_due(datetime(2026, 12, 1, tzinfo=UTC), NOW)
    assert audit_due(datetime(2026, 11, 30, 23, 59, tzinfo=UTC), NOW)
    assert audit_due(datetime(2025, 12, 8, tzinfo=UTC), NOW)  # same month, another year


def test_which_workflows_are_audited() -> None:
    nrt, sync = LatencyClass.NEAR_REAL_TIME, Mode.SYNC
    assert needs_audit(nrt, sync, None, NOW)
    assert needs_audit(nrt, sync, NOW - timedelta(days=28), NOW)
    assert not needs_audit(nrt, sync, NOW - timedelta(days=27, hours=23), NOW)
    assert not needs_audit(nrt, Mode.BATCH, None, NOW)
    assert not needs_audit(LatencyClass.SCHEDULED, sync, None, NOW)
    assert not needs_audit(LatencyClass.REAL_TIME, sync, None, NOW)


def test_a_snooze_runs_out_on_its_date() -> None:
    assert not snooze_over(date(2026, 12, 9), NOW)
    assert snooze_over(date(2026, 12, 8), NOW)
    assert not snooze_over(None, NOW)


@given(
    # Hypothesis takes naive bounds and adds the zone.
    moment=st.datetimes(datetime(2026, 1, 1), datetime(2028, 1, 1), timezones=st.just(UTC)),  # noqa: DTZ001
    tz=st.sampled_from(
        [
            "UTC",
            "Europe/Paris",
            "America/Los_Angeles",
            "Asia/Tokyo",
            "Pacific/Kiritimati",
            "Pacific/Pago_Pago",
        ]
    ),
    day=st.sampled_from(list(FollowupDay)),
)
def test_follow_ups_go_out_on_the_day_at_ten_local_never_at_weekends(
    moment: datetime, tz: str, day: FollowupDay
) -> None:
    where = ZoneInfo(tz)
    local = moment.astimezone(where)
    due = is_followup_time(moment, where, day)
    assert due is (local.weekday() == day and local.hour >= 10)
    if due:
        assert local.weekday() < 5
    upcoming = next_followup_at(moment, where, day)
    there = upcoming.astimezone(where)
    assert upcoming > moment and upcoming - moment <= timedelta(days=7, hours=2)
    assert (there.weekday(), there.hour, there.minute) == (day, 10, 0)
    assert upcoming.tzinfo is not None and upcoming.utcoffset() == timedelta(0)


def test_days_are_working_days() -> None:
    assert FollowupDay.parse("Tue") is FollowupDay.TUESDAY
    assert FollowupDay.parse("friday") is FollowupDay.FRIDAY
    with pytest.raises(OpportunityRefused, match="weekends"):
        FollowupDay.parse("Saturday")
    with pytest.raises(OpportunityRefused, match="not a day"):
        FollowupDay.parse("someday")


def test_unknown_time_zones_fall_back_to_utc() -> None:
    assert zone(None) == ZoneInfo("UTC")
    assert zone("Not/AZone") == ZoneInfo("UTC")
    assert zone("Europe/Paris") == ZoneInfo("Europe/Paris")
