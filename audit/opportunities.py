"""Opportunities: each workflow's cheapest open action, its lifecycle and the follow-up rules.

SPEC.md, "Follow-through: opportunities, owners and the savings loop". Pure: statuses, which
decision may move an opportunity from which status, what a dismissal changes, when a dismissed
opportunity comes back, which items a follow-up lists and when it is sent. Times are
timezone-aware UTC ``datetime`` in and out; dates (``due``, ``snoozed_until``) are UTC dates.
Every refusal is one :class:`OpportunityRefused` whose message is one sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from enum import IntEnum, StrEnum
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from batchscout.audit.latency import Freshness, LatencyClass, Mode, Reader, Trigger
from batchscout.audit.savings import Bucket, WorkflowFigures
from batchscout.defaults import NOISE_FLOOR


class OpportunityAction(StrEnum):
    """What a workflow's owner could do to save: move to the batch API, add the flex service
    tier, challenge the latency requirement, drop a premium tier nobody waits for
    (``standard``), or turn on prompt caching for real-time work (``cache``)."""

    BATCH = "batch"
    FLEX = "flex"
    CHALLENGE = "challenge"
    STANDARD = "standard"
    CACHE = "cache"


class OpportunityStatus(StrEnum):
    """Where an opportunity stands (SPEC.md's status table)."""

    OPEN = "open"
    ACCEPTED = "accepted"
    SNOOZED = "snoozed"
    DISMISSED = "dismissed"
    DONE = "done"
    VERIFIED = "verified"
    NOT_MIGRATED = "not_migrated"


class DismissReason(StrEnum):
    """Why an opportunity will not be done."""

    NEEDS_REALTIME = "needs_realtime"
    NOT_WORTH_IT = "not_worth_it"
    BLOCKED = "blocked"
    OTHER = "other"


class Decision(StrEnum):
    """What a person decides about an opportunity (a button, a modal or the CLI)."""

    ACCEPT = "accept"
    SNOOZE = "snooze"
    DISMISS = "dismiss"
    DONE = "done"
    REOPEN = "reopen"
    CLAIM = "claim"


class AuditAnswer(StrEnum):
    """An owner's answer to the monthly near-real-time audit."""

    STILL_NEEDED = "still_needed"
    WAIT_HOUR = "wait_hour"
    WAIT_DAY = "wait_day"
    CHANGE_ANSWERS = "change_answers"


class OpportunityRefused(ValueError):
    """A decision that cannot be made; the message is one sentence to show as is."""


#: The ``by`` of a change Batchscout made itself (derivation, a snooze running out, usage).
SYSTEM = "system"
DEFAULT_DUE_DAYS = 30
SNOOZE_DAYS = (14, 30, 90)
"""The follow-up's snooze choices: 2 weeks, 1 month, 3 months."""
MIN_SNOOZE_DAYS, MAX_SNOOZE_DAYS = 1, 365
MAX_NOTE = 500
MAX_DUE_DAYS = 3650
"""A due date more than ten years ahead is a typo, not a plan."""

# --- Derivation -----------------------------------------------------------------------------

Derivation = Callable[[WorkflowFigures], tuple[OpportunityAction, Decimal] | None]


def _standard(figures: WorkflowFigures) -> tuple[OpportunityAction, Decimal] | None:
    # A non-real-time workflow on priority: drop the premium tier, saving what it pays above
    # the cheapest lane its class allows (SPEC.md, "Every lane").
    if figures.priority_waste > 0:
        return OpportunityAction.STANDARD, figures.priority_waste
    return None


def _batch(figures: WorkflowFigures) -> tuple[OpportunityAction, Decimal] | None:
    if figures.bucket is Bucket.MIGRATE_NOW:
        return OpportunityAction.BATCH, figures.monthly_savings
    return None


def _flex(figures: WorkflowFigures) -> tuple[OpportunityAction, Decimal] | None:
    if figures.bucket is Bucket.TO_CHALLENGE and figures.flex_monthly is not None:
        return OpportunityAction.FLEX, figures.flex_monthly_savings
    return None


def _challenge(figures: WorkflowFigures) -> tuple[OpportunityAction, Decimal] | None:
    if figures.bucket is Bucket.TO_CHALLENGE:
        return OpportunityAction.CHALLENGE, figures.monthly_savings
    return None


def _cache(figures: WorkflowFigures) -> tuple[OpportunityAction, Decimal] | None:
    # A real-time workflow not caching yet whose warm-cache saving reaches the noise floor.
    if figures.cache_now >= NOISE_FLOOR:
        return OpportunityAction.CACHE, figures.cache_now
    return None


#: Tried in order; the first that applies is the workflow's opportunity. A new action (another
#: service tier, prompt caching) is one more function here.
DERIVATIONS: list[Derivation] = [_standard, _batch, _flex, _challenge, _cache]


def derive(figures: WorkflowFigures) -> tuple[OpportunityAction, Decimal] | None:
    """A workflow's cheapest open action and its saving in US dollars a month, or ``None``.

    From :func:`batchscout.audit.savings.workflow_figures`: a non-real-time workflow on
    ``priority`` → ``standard`` (its ``priority_waste``); scheduled on ``sync`` → ``batch``
    (the batch saving); near-real-time on ``sync`` with a flex price → ``flex`` (the flex
    saving), without one → ``challenge`` (the batch saving); real-time with a cache saving
    at or above the noise floor (``BATCHSCOUT_NOISE_FLOOR``'s default) and caching not on yet →
    ``cache``. Other real-time work and workflows already on ``batch`` or ``flex`` have none,
    nor does an action that saves nothing.
    """
    for rule in DERIVATIONS:
        found = rule(figures)
        if found is not None:
            return found if found[1] > 0 else None
    return None


# --- Transitions ----------------------------------------------------------------------------

S = OpportunityStatus
#: The status each decision leads to (``claim`` changes the owner, not the status).
TARGET: dict[Decision, OpportunityStatus] = {
    Decision.ACCEPT: S.ACCEPTED,
    Decision.SNOOZE: S.SNOOZED,
    Decision.DISMISS: S.DISMISSED,
    Decision.DONE: S.DONE,
    Decision.REOPEN: S.OPEN,
}
#: The statuses each decision may be taken from. Accepting (or snoozing) again changes only
#: the date; the same decision on the same date changes nothing.
ALLOWED_FROM: dict[Decision, frozenset[OpportunityStatus]] = {
    Decision.ACCEPT: frozenset({S.OPEN, S.SNOOZED, S.ACCEPTED}),
    Decision.SNOOZE: frozenset({S.OPEN, S.ACCEPTED, S.SNOOZED}),
    Decision.DISMISS: frozenset({S.OPEN, S.ACCEPTED, S.SNOOZED, S.DISMISSED}),
    Decision.DONE: frozenset({S.OPEN, S.ACCEPTED, S.SNOOZED, S.DISMISSED, S.NOT_MIGRATED, S.DONE}),
    Decision.REOPEN: frozenset(set(S)),
    Decision.CLAIM: frozenset(set(S)),
}
#: Statuses whose opportunity is still to be acted on (counted in follow-ups and reminders).
UNDECIDED = frozenset({S.OPEN, S.SNOOZED})
#: Statuses that mean the workflow moved (mode ``batch`` or ``flex``).
MOVED = frozenset({S.DONE, S.VERIFIED, S.NOT_MIGRATED})

_WORDS = {
    Decision.ACCEPT: "accepted",
    Decision.SNOOZE: "snoozed",
    Decision.DISMISS: "dismissed",
    Decision.DONE: "marked as moved",
    Decision.REOPEN: "reopened",
}


@dataclass(frozen=True, slots=True)
class State:
    """An opportunity's decided fields."""

    status: OpportunityStatus
    due: date | None = None
    snoozed_until: date | None = None
    reason: DismissReason | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Change:
    """A transition to store: the new state and the history entry's note."""

    before: State
    after: State
    note: str | None


def _listing(statuses: Iterable[OpportunityStatus]) -> str:
    names = [s.value for s in OpportunityStatus if s in set(statuses)]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def check_allowed(name: str, status: OpportunityStatus, decision: Decision) -> None:
    """Raise :class:`OpportunityRefused` when ``decision`` cannot be taken from ``status``."""
    allowed = ALLOWED_FROM[decision]
    if status not in allowed:
        raise OpportunityRefused(
            f"“{name}” is {status.value}, so it cannot be {_WORDS[decision]}: that applies to "
            f"an opportunity that is {_listing(allowed)}."
        )


def parse_reason(text: str | None) -> DismissReason:
    """A dismissal reason from its value (case and surrounding spaces ignored)."""
    raw = (text or "").strip().lower()
    try:
        return DismissReason(raw)
    except ValueError:
        accepted = ", ".join(r.value for r in DismissReason)
        shown = f"“{text}” is not a reason" if raw else "A dismissal needs a reason"
        raise OpportunityRefused(f"{shown}: use one of {accepted}.") from None


def check_note(note: str | None) -> str | None:
    """A note with surrounding spaces removed (``None`` when empty); at most 500 characters."""
    text = (note or "").strip()
    if len(text) > MAX_NOTE:
        raise OpportunityRefused(f"The note is {len(text):,} characters; at most {MAX_NOTE}.")
    return text or None


def due_date(today: date, due: date | None) -> date:
    """When an accepted opportunity is due: ``due``, or 30 days after ``today``. A date in
    the past, or more than ten years ahead, is refused."""
    if due is None:
        return today + timedelta(days=DEFAULT_DUE_DAYS)
    if due < today:
        raise OpportunityRefused(
            f"The due date {due.isoformat()} is in the past: pick {today.isoformat()} or later."
        )
    if due > today + timedelta(days=MAX_DUE_DAYS):
        raise OpportunityRefused(
            f"The due date {due.isoformat()} is more than ten years away: pick an earlier one."
        )
    return due


def snooze_until(today: date, *, days: int | None = None, until: date | None = None) -> date:
    """The date a snooze runs out: ``days`` after ``today`` or ``until``, 1 to 365 days
    ahead; exactly one of the two."""
    if days is None and until is None:
        raise OpportunityRefused("A snooze needs a number of days or a date.")
    if days is not None and until is not None:
        raise OpportunityRefused("A snooze needs either a number of days or a date, not both.")
    if until is not None:
        days = (until - today).days
        shown = f"{until.isoformat()} is {days:,} day{'s' if abs(days) != 1 else ''} away"
    else:
        assert days is not None
        shown = f"{days:,} day{'s' if abs(days) != 1 else ''}"
    if not MIN_SNOOZE_DAYS <= days <= MAX_SNOOZE_DAYS:
        raise OpportunityRefused(
            f"A snooze lasts {MIN_SNOOZE_DAYS} to {MAX_SNOOZE_DAYS} days ({shown})."
        )
    return today + timedelta(days=days)


def plan(
    name: str,
    current: State,
    decision: Decision,
    *,
    today: date,
    due: date | None = None,
    days: int | None = None,
    until: date | None = None,
    reason: str | None = None,
    note: str | None = None,
) -> Change | None:
    """What ``decision`` does to an opportunity in state ``current`` on ``today`` (UTC):
    the change to store, or ``None`` when it changes nothing (the same decision made twice).

    Raises :class:`OpportunityRefused` for a decision not allowed from the current status, an
    unknown reason, a due date in the past, or a snooze outside 1–365 days. ``claim`` changes
    no status (the caller changes the owner): it returns ``None``.
    """
    if decision is Decision.CLAIM:
        return None
    check_allowed(name, current.status, decision)
    kept = check_note(note)
    if decision is Decision.ACCEPT:
        after = State(S.ACCEPTED, due=due_date(today, due))
        said = f"due {after.due}"
    elif decision is Decision.SNOOZE:
        after = State(S.SNOOZED, snoozed_until=snooze_until(today, days=days, until=until))
        said = f"until {after.snoozed_until}"
    elif decision is Decision.DISMISS:
        why = parse_reason(reason)
        after = State(S.DISMISSED, reason=why, note=kept)
        said = why.value + (f": {kept}" if kept else "")
    elif decision is Decision.DONE:
        after = State(S.DONE)
        said = kept or ""
    else:
        after = State(S.OPEN)
        said = kept or ""
    if after == current or (
        after.status is current.status and decision in (Decision.DISMISS, Decision.DONE)
    ):
        return None
    return Change(current, after, said or None)


# --- Dismissals -----------------------------------------------------------------------------


def answers_key(trigger: Trigger, reader: Reader, freshness: Freshness) -> str:
    """The classification answers as one comparable string (``user/on-screen/seconds``)."""
    return f"{Trigger(trigger).value}/{Reader(reader).value}/{Freshness(freshness).value}"


def comes_back(
    *,
    answers_then: str | None,
    answers_now: str,
    savings_then: Decimal | None,
    savings_now: Decimal,
) -> bool:
    """Whether a dismissed opportunity reopens: the workflow's answers changed since it was
    dismissed, or its monthly savings at least doubled."""
    if answers_then is not None and answers_then != answers_now:
        return True
    return savings_then is not None and savings_now >= 2 * savings_then


def realtime_answers(
    trigger: Trigger, reader: Reader, freshness: Freshness
) -> tuple[Trigger, Reader, Freshness]:
    """The answers after a ``needs_realtime`` dismissal: a person waits on screen for the
    result within seconds; the trigger is kept, or ``user`` when it was ``schedule`` (a
    schedule cannot have a person waiting). The workflow is then real-time."""
    kept = Trigger.USER if Trigger(trigger) is Trigger.SCHEDULE else Trigger(trigger)
    return kept, Reader.ON_SCREEN, Freshness.SECONDS


def relaxed_freshness(answer: AuditAnswer) -> Freshness | None:
    """The freshness an audit answer sets (``hour``/``day``: the workflow becomes scheduled),
    or ``None`` for an answer that changes no answer."""
    return {AuditAnswer.WAIT_HOUR: Freshness.HOUR, AuditAnswer.WAIT_DAY: Freshness.DAY}.get(
        AuditAnswer(answer)
    )


# --- Follow-ups -----------------------------------------------------------------------------

FOLLOWUP_SHOWN = 5
FOLLOWUP_EVERY = timedelta(days=7)
AUDIT_EVERY = timedelta(days=28)
FOLLOWUP_HOUR = time(10, 0)


class FollowupDay(IntEnum):
    """A workspace's follow-up day: a working day (``datetime.weekday()`` numbers)."""

    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4

    @classmethod
    def parse(cls, text: str) -> FollowupDay:
        """A day from its English name or first three letters; weekends are refused."""
        raw = text.strip().lower()
        for day in cls:
            if raw in (day.name.lower(), day.name.lower()[:3]):
                return day
        if raw in ("saturday", "sat", "sunday", "sun"):
            raise OpportunityRefused("Follow-ups are never sent at weekends: pick Monday–Friday.")
        raise OpportunityRefused(f"“{text}” is not a day: use monday, tuesday, … friday.")

    @property
    def label(self) -> str:
        return self.name.capitalize()


DEFAULT_FOLLOWUP_DAY = FollowupDay.TUESDAY


def needs_decision(
    status: OpportunityStatus,
    monthly_savings: Decimal,
    due: date | None,
    *,
    today: date,
    noise_floor: Decimal,
) -> bool:
    """Whether a follow-up lists an opportunity: ``open`` with monthly savings at or above the
    noise floor, or ``accepted`` and past its ``due`` date (overdue)."""
    if status is S.OPEN:
        return monthly_savings >= noise_floor
    return status is S.ACCEPTED and due is not None and due < today


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Shown(Generic[T]):
    """The first items of a list and how many more there are ("and N more")."""

    items: list[T]
    more: int


def largest_first(
    items: Sequence[T], savings: Callable[[T], Decimal], name: Callable[[T], str]
) -> Shown[T]:
    """``items`` by monthly savings, largest first (then by name), at most five shown."""
    ordered = sorted(items, key=lambda item: (-savings(item), name(item).casefold()))
    return Shown(ordered[:FOLLOWUP_SHOWN], max(0, len(ordered) - FOLLOWUP_SHOWN))


def zone(name: str | None) -> tzinfo:
    """A Slack ``tz`` name (``Europe/Paris``) as a time zone; UTC when absent or unknown."""
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def followup_allowed(last_sent: datetime | None, now: datetime, tz: tzinfo | None = None) -> bool:
    """At most one follow-up per owner in 7 days: allowed when none was sent, or the last was
    sent 7 or more calendar days ago in the owner's time zone (so a weekly send at 10:00 is
    never skipped because last week's went out a minute later)."""
    if last_sent is None:
        return True
    where = tz or ZoneInfo("UTC")
    return (now.astimezone(where).date() - last_sent.astimezone(where).date()).days >= 7


def audit_due(last_sent: datetime | None, now: datetime) -> bool:
    """The monthly near-real-time audit rides on the first follow-up an owner receives in a
    calendar month (UTC): none sent yet, or the last one in an earlier month."""
    return last_sent is None or (last_sent.year, last_sent.month) != (now.year, now.month)


def needs_audit(
    latency_class: LatencyClass, mode: Mode, audited_at: datetime | None, now: datetime
) -> bool:
    """Whether a workflow is audited: near-real-time on ``sync``, not audited in 28 days."""
    if (
        LatencyClass(latency_class) is not LatencyClass.NEAR_REAL_TIME
        or Mode(mode) is not Mode.SYNC
    ):
        return False
    return audited_at is None or now - audited_at >= AUDIT_EVERY


def snooze_over(snoozed_until: date | None, now: datetime) -> bool:
    """Whether a snooze has run out: its date has come (UTC)."""
    return snoozed_until is not None and now.date() >= snoozed_until


def is_followup_time(now: datetime, tz: tzinfo, day: FollowupDay) -> bool:
    """Whether the worker sends an owner's follow-up now: it is the workspace's follow-up day
    in the owner's time zone, 10:00 or later there (a worker that was down at 10:00 sends on
    its next tick that day); never Saturday or Sunday."""
    local = now.astimezone(tz)
    return local.weekday() == day and local.weekday() < 5 and local.time() >= FOLLOWUP_HOUR


def next_followup_at(after: datetime, tz: tzinfo, day: FollowupDay) -> datetime:
    """The next follow-up moment after ``after``: ``day`` at 10:00 in ``tz``, as UTC."""
    local = after.astimezone(tz)
    for offset in range(8):
        moment = datetime.combine(local.date() + timedelta(days=offset), FOLLOWUP_HOUR, tz)
        if moment.weekday() == day and moment > local:
            return moment.astimezone(ZoneInfo("UTC"))
    raise AssertionError("a weekday comes within 8 days")  # pragma: no cover


@dataclass(frozen=True, slots=True)
class FollowupItem:
    """One opportunity a follow-up asks its owner to decide (monthly savings in US dollars;
    ``due`` set when it is accepted and overdue)."""

    opportunity_id: int
    workflow: str
    action: OpportunityAction
    monthly_savings: Decimal
    status: OpportunityStatus
    due: date | None = None


@dataclass(frozen=True, slots=True)
class AuditItem:
    """One near-real-time workflow the monthly audit asks about (``monthly_savings``: what
    batch would save, US dollars a month, if the result could wait)."""

    workflow_id: int
    workflow: str
    monthly_savings: Decimal


@dataclass(frozen=True, slots=True)
class Followup:
    """What one owner's follow-up lists: at most five items (largest first), how many more,
    and the workflows to audit (only on the month's first follow-up; at most five, the rest
    asked on a later month's)."""

    owner: str
    items: list[FollowupItem]
    more: int
    audits: list[AuditItem]
    audits_more: int = 0

    @property
    def empty(self) -> bool:
        """Nothing to decide and nothing to audit: no follow-up is sent."""
        return not self.items and not self.audits


def followup_for(
    owner: str,
    items: Sequence[FollowupItem],
    audits: Sequence[AuditItem],
    *,
    with_audit: bool,
) -> Followup:
    """An owner's follow-up: ``items`` largest first, five shown and the rest counted; the
    audit's workflows only when ``with_audit`` (the month's first follow-up). A workflow the
    audit asks about is not also listed to ``challenge``: the audit is that question."""
    if not with_audit:
        shown = largest_first(items, lambda i: i.monthly_savings, lambda i: i.workflow)
        return Followup(owner, shown.items, shown.more, [])
    asked = {a.workflow for a in audits}
    items = [
        i for i in items if not (i.action is OpportunityAction.CHALLENGE and i.workflow in asked)
    ]
    shown = largest_first(items, lambda i: i.monthly_savings, lambda i: i.workflow)
    audited = largest_first(audits, lambda a: a.monthly_savings, lambda a: a.workflow)
    return Followup(owner, shown.items, shown.more, audited.items, audited.more)
