"""Opportunities as use cases: keep them in step with the inventory, report them, decide them.

SPEC.md, "Follow-through". The rules are :mod:`batchscout.audit.opportunities`; the rows are
written by :mod:`batchscout.storage.opportunities`. Every reader calls
:func:`sync_opportunities` first, so opportunities always reflect the current inventory
whichever front end changed it (import, register, edit, remove, migrated, rates).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from batchscout.audit.assessment import NoLanePriceError, assess
from batchscout.audit.inventory import SLACK_USER_ID
from batchscout.audit.latency import LatencyClass, Mode
from batchscout.audit.money import cents_str, format_monthly, format_usd
from batchscout.audit.opportunities import (
    MOVED,
    SYSTEM,
    Change,
    Decision,
    DismissReason,
    OpportunityAction,
    OpportunityRefused,
    OpportunityStatus,
    State,
    answers_key,
    comes_back,
    derive,
    plan,
    realtime_answers,
    snooze_over,
)
from batchscout.audit.savings import WorkflowFigures
from batchscout.storage import opportunities as store
from batchscout.storage.models import Workflow, WorkflowStatus
from batchscout.storage.opportunities import Opportunity, OpportunityEvent, Transition
from batchscout.storage.queries import (
    figures_of,
    get_price_book,
    get_workflow,
    list_workflows,
    mark_migrated,
    save_spec,
    set_caching,
    set_owner,
    spec_of,
)
from batchscout.storage.types import utcnow

S = OpportunityStatus


# --- Keeping opportunities in step with the inventory ---------------------------------------


#: Modes that are a move to a discounted lane (``priority`` is the premium one, not a move).
_MOVED_MODES = (Mode.BATCH, Mode.FLEX)


def _moved_action(mode: Mode) -> OpportunityAction:
    return OpportunityAction.FLEX if mode is Mode.FLEX else OpportunityAction.BATCH


def _saves(action: OpportunityAction, savings: Decimal) -> str:
    return f"{action.value}: saves {format_monthly(savings)}"


def _same_money(a: Decimal | None, b: Decimal | None) -> bool:
    return a is not None and b is not None and cents_str(a) == cents_str(b)


def sync_opportunities(
    *,
    session: Session,
    team_id: str,
    now: datetime,
    owner: str | None = None,
    workflow: Workflow | None = None,
) -> int:
    """Derive every active workflow's opportunity from its current figures and store what
    changed, each change with a history entry by ``system``; returns how many rows changed.
    With ``owner`` only that person's workflows, with ``workflow`` only that one (what a
    person's App Home or a decision reads: a whole workspace of 100,000 workflows takes
    seconds, one person's a few milliseconds; the rules are the same).

    New opportunity → ``open``; savings or action changed → updated; the workflow moved to
    ``batch``/``flex`` while its opportunity existed → ``done``; moved back to ``sync`` →
    ``open``; no longer applies (real-time, removed, saves nothing) → hidden; a snooze whose
    date has come (UTC) → ``open``; a dismissal whose answers changed or whose savings
    doubled → ``open``. A workflow that first arrives on ``batch``/``flex`` gets none.
    """
    workflow_id = None if workflow is None else workflow.id
    scope = store.opportunities_of(
        session=session, team_id=team_id, active_only=False, owner=owner, workflow_id=workflow_id
    )
    existing = {o.workflow_id: o for o in scope}
    if workflow is not None:
        workflows = [workflow] if workflow.status is WorkflowStatus.ACTIVE else []
    else:
        workflows = list_workflows(session=session, team_id=team_id, owner=owner)
    changed = 0
    for one in workflows:
        assert one.id is not None
        row = existing.pop(one.id, None)
        if _sync_one(session, team_id, one, figures_of(one), row, now):
            changed += 1
    for row in existing.values():  # their workflows were removed
        if row.active:
            changed += _withdraw(session, row, now, "the workflow was removed")
    return changed


def sync_workflow(*, session: Session, team_id: str, workflow_id: int | None, now: datetime) -> int:
    """:func:`sync_opportunities` for one workflow, read again as it is now (by id: a decision
    may just have changed it); returns how many rows changed (0 or 1)."""
    workflow = session.get(Workflow, workflow_id) if workflow_id is not None else None
    if workflow is None or workflow.team_id != team_id:
        return 0
    return sync_opportunities(session=session, team_id=team_id, now=now, workflow=workflow)


def _sync_one(
    session: Session,
    team_id: str,
    workflow: Workflow,
    figures: WorkflowFigures,
    row: Opportunity | None,
    now: datetime,
) -> bool:
    derived = derive(figures)
    # Moved: onto a discounted lane, or caching turned on while a `cache` opportunity stood.
    cached = workflow.caching and row is not None and row.action is OpportunityAction.CACHE
    moved = workflow.mode in _MOVED_MODES or cached
    if row is None:
        status = S.OPEN
        if moved and _moved_after_arriving(workflow):
            # It moved before anyone read its opportunity (two imports in a row): still done.
            status, derived = S.DONE, (_moved_action(workflow.mode), figures.monthly_savings)
        if derived is None:
            return False
        action, savings = derived
        assert workflow.id is not None
        note = _saves(action, savings) if status is S.OPEN else f"moved to {workflow.mode.value}"
        event = Transition(SYSTEM, now, None, status, note)
        return (
            store.create_opportunity(
                session=session,
                team_id=team_id,
                workflow_id=workflow.id,
                action=action,
                monthly_savings=savings,
                event=event,
            )
            is not None
        )
    if not row.active:
        if derived is None:
            return False
        action, savings = derived
        return _reset(
            session, row, now, action, savings, "applies again: " + _saves(action, savings)
        )
    if moved:
        values: dict[str, Any] = {}
        realised = figures.cache_realised if cached else figures.monthly_savings
        if not _same_money(row.monthly_savings, realised):
            values["monthly_savings"] = realised
        if row.status not in MOVED:
            action = OpportunityAction.CACHE if cached else _moved_action(workflow.mode)
            values.update(status=S.DONE, action=action, snoozed_until=None)
            where = "prompt caching on" if cached else f"moved to {workflow.mode.value}"
            note = f"{where}: saves {format_monthly(realised)}"
            event = Transition(SYSTEM, now, row.status, S.DONE, note)
            return store.change_opportunity(
                session=session, opportunity=row, values=values, event=event
            )
        if values:
            return _savings_changed(session, row, now, values["monthly_savings"])
        return False
    if derived is None:
        return bool(
            _withdraw(session, row, now, f"no longer applies ({workflow.latency_class.value})")
        )
    action, savings = derived
    if row.status in MOVED:
        return _reset(
            session, row, now, action, savings, "back on sync: " + _saves(action, savings)
        )
    reopen: str | None = None
    if row.status is S.SNOOZED and snooze_over(row.snoozed_until, now):
        reopen = f"the snooze until {row.snoozed_until} ran out"
    elif row.status is S.DISMISSED:
        answers = answers_key(workflow.trigger, workflow.reader, workflow.freshness)
        if comes_back(
            answers_then=row.dismissed_answers,
            answers_now=answers,
            savings_then=row.dismissed_savings,
            savings_now=savings,
        ):
            why = (
                "the answers changed"
                if row.dismissed_answers not in (None, answers)
                else f"monthly savings doubled ({format_usd(row.dismissed_savings or Decimal(0))}"
                f" → {format_usd(savings)})"
            )
            reopen = f"back from dismissed: {why}"
    if reopen is not None:
        return _reset(session, row, now, action, savings, reopen)
    if action is not row.action:
        values = {"action": action, "monthly_savings": savings}
        note = f"action {row.action.value} → {_saves(action, savings)}"
        event = Transition(SYSTEM, now, row.status, row.status, note)
        return store.change_opportunity(
            session=session, opportunity=row, values=values, event=event
        )
    if not _same_money(row.monthly_savings, savings):
        return _savings_changed(session, row, now, savings)
    return False


#: A workflow first seen on batch has ``migrated_at`` equal to ``created_at`` (give or take the
#: microseconds of one save); one that moved later was first on sync.
_ARRIVED_MOVED = timedelta(seconds=1)


def _moved_after_arriving(workflow: Workflow) -> bool:
    """Whether a workflow on batch or flex was on sync first, with something to save there."""
    if workflow.migrated_at is None or workflow.migrated_at - workflow.created_at <= _ARRIVED_MOVED:
        return False
    on_sync = figures_of(workflow, mode=Mode.SYNC)
    return derive(on_sync) is not None


def _savings_changed(session: Session, row: Opportunity, now: datetime, savings: Decimal) -> bool:
    note = f"monthly savings {format_usd(row.monthly_savings)} → {format_usd(savings)}"
    event = Transition(SYSTEM, now, row.status, row.status, note)
    return store.change_opportunity(
        session=session, opportunity=row, values={"monthly_savings": savings}, event=event
    )


_CLEARED: dict[str, Any] = {
    "due": None,
    "snoozed_until": None,
    "reason": None,
    "note": None,
    "dismissed_answers": None,
    "dismissed_savings": None,
}


def _reset(
    session: Session,
    row: Opportunity,
    now: datetime,
    action: OpportunityAction,
    savings: Decimal,
    note: str,
    by: str = SYSTEM,
) -> bool:
    values = {
        **_CLEARED,
        "status": S.OPEN,
        "active": True,
        "action": action,
        "monthly_savings": savings,
    }
    event = Transition(by, now, row.status, S.OPEN, note)
    return store.change_opportunity(session=session, opportunity=row, values=values, event=event)


def _withdraw(session: Session, row: Opportunity, now: datetime, why: str) -> int:
    event = Transition(SYSTEM, now, row.status, row.status, f"gone: {why}")
    changed = store.change_opportunity(
        session=session, opportunity=row, values={"active": False}, event=event
    )
    return int(changed)


# --- Reading --------------------------------------------------------------------------------


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _iso_utc(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def history_entry(event: OpportunityEvent) -> dict[str, Any]:
    """One history entry as ``opportunities --json`` writes it."""
    return {
        "at": _iso_utc(event.at),
        "by": event.by,
        "from": None if event.from_status is None else event.from_status.value,
        "to": event.to_status.value,
        "note": event.note,
    }


@dataclass(frozen=True)
class OpportunityView:
    """An opportunity as it stands, with its workflow's name and owner and its history
    (oldest first). ``monthly_savings`` is in US dollars a month; dates are UTC."""

    id: int
    workflow_id: int
    workflow: str
    owner: str | None
    action: OpportunityAction
    monthly_savings: Decimal
    status: OpportunityStatus
    due: date | None
    snoozed_until: date | None
    reason: DismissReason | None
    note: str | None
    history: list[OpportunityEvent] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """SPEC.md's entry of ``opportunities --json``."""
        return {
            "workflow": self.workflow,
            "owner": self.owner,
            "action": self.action.value,
            "monthly_savings": cents_str(self.monthly_savings),
            "status": self.status.value,
            "due": _day(self.due),
            "snoozed_until": _day(self.snoozed_until),
            "reason": None if self.reason is None else self.reason.value,
            "note": self.note,
            "history": [history_entry(e) for e in self.history],
        }


def _view(row: Opportunity, workflow: Workflow, history: list[OpportunityEvent]) -> OpportunityView:
    assert row.id is not None and workflow.id is not None
    return OpportunityView(
        id=row.id,
        workflow_id=workflow.id,
        workflow=workflow.name,
        owner=workflow.owner,
        action=row.action,
        monthly_savings=row.monthly_savings,
        status=row.status,
        due=row.due,
        snoozed_until=row.snoozed_until,
        reason=row.reason,
        note=row.note,
        history=history,
    )


def list_opportunities(
    *,
    session: Session,
    team_id: str,
    status: OpportunityStatus | None = None,
    owner: str | None = None,
    now: datetime | None = None,
) -> list[OpportunityView]:
    """The workspace's opportunities (after :func:`sync_opportunities`), by workflow name,
    with their history; only ``status``'s and ``owner``'s when given."""
    sync_opportunities(session=session, team_id=team_id, now=now or utcnow(), owner=owner)
    pairs = [
        (o, w)
        for o, w in store.listed(session=session, team_id=team_id, owner=owner)
        if status is None or o.status is status
    ]
    history = store.history_of(
        session=session, team_id=team_id, opportunity_ids=[o.id for o, _ in pairs if o.id]
    )
    return [_view(o, w, history.get(o.id or 0, [])) for o, w in pairs]


def _totals(views: list[OpportunityView]) -> dict[str, Decimal]:
    totals = {s.value: Decimal(0) for s in OpportunityStatus}
    for view in views:
        totals[view.status.value] += view.monthly_savings
    return totals


def status_totals(
    *, session: Session, team_id: str, now: datetime | None = None
) -> dict[str, Decimal]:
    """The workspace's monthly savings per status (US dollars a month), all seven statuses."""
    return _totals(list_opportunities(session=session, team_id=team_id, now=now))


def opportunities_report(
    *,
    session: Session,
    team_id: str,
    status: OpportunityStatus | None = None,
    owner: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """SPEC.md's ``opportunities --json`` object: ``opportunities`` (``status``'s and
    ``owner``'s when given) and ``totals`` (monthly savings per status as two-decimal
    strings, over ``owner``'s opportunities of every status)."""
    views = list_opportunities(session=session, team_id=team_id, owner=owner, now=now)
    shown = [v for v in views if status is None or v.status is status]
    return {
        "opportunities": [v.as_json() for v in shown],
        "totals": {k: cents_str(v) for k, v in _totals(views).items()},
    }


def opportunity_by_id(
    *, session: Session, team_id: str, opportunity_id: int, now: datetime | None = None
) -> OpportunityView | None:
    """One opportunity of ``team_id`` by id (a button's value), as it stands; ``None`` when
    it is not there (another workspace's, or gone)."""
    for view in list_opportunities(session=session, team_id=team_id, now=now):
        if view.id == opportunity_id:
            return view
    return None


# --- Deciding -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decided:
    """A decision's outcome: the opportunity as it stands now (``None`` after a claim of a
    workflow without one, or once a ``needs_realtime`` dismissal made it go), whether this
    call changed anything, and the workflow's name."""

    workflow: str
    opportunity: OpportunityView | None
    changed: bool


def _find(session: Session, team_id: str, name: str) -> Workflow:
    workflow = get_workflow(session=session, team_id=team_id, name=name)
    if workflow is None:
        raise OpportunityRefused(f"There is no workflow named “{name}” in {team_id}.")
    return workflow


def _current(
    session: Session, team_id: str, workflow: Workflow
) -> tuple[Opportunity, OpportunityView] | tuple[None, None]:
    """The workflow's active opportunity row as it is now, and its view."""
    assert workflow.id is not None
    row = store.get_opportunity(session=session, team_id=team_id, workflow_id=workflow.id)
    if row is None or not row.active:
        return None, None
    assert row.id is not None
    history = store.history_of(session=session, team_id=team_id, opportunity_ids=[row.id])
    session.refresh(workflow)
    return row, _view(row, workflow, history.get(row.id, []))


def _as_it_stands(session: Session, team_id: str, workflow: Workflow) -> OpportunityView | None:
    return _current(session, team_id, workflow)[1]


def _no_opportunity(workflow: Workflow) -> OpportunityRefused:
    if workflow.mode in _MOVED_MODES:
        why = f"it is already on {workflow.mode.value} (its savings are realised)"
    elif workflow.latency_class is LatencyClass.REAL_TIME:
        why = "it is real-time: a person waits on screen, so it stays on the standard tier"
    else:
        why = "it has nothing to save"
    return OpportunityRefused(f"“{workflow.name}” has no opportunity: {why}.")


def unowned_owners(*, session: Session, team_id: str) -> set[str]:
    """Owners whose items are unowned: Slack refused to DM them or reports them deleted."""
    return {
        owner
        for owner, row in store.followup_owners(session=session, team_id=team_id).items()
        if row.refused_error
    }


def is_unowned(workflow_owner: str | None, refused: set[str]) -> bool:
    """A workflow is unowned without an owner, or when its owner cannot be reached."""
    return workflow_owner is None or workflow_owner in refused


def decide(
    *,
    session: Session,
    team_id: str,
    workflow_name: str,
    decision: Decision | str,
    by: str,
    now: datetime,
    due: date | None = None,
    days: int | None = None,
    until: date | None = None,
    reason: str | None = None,
    note: str | None = None,
    mode: Mode | str | None = None,
    seen: OpportunityStatus | str | None = None,
) -> Decided:
    """Make ``decision`` about a workflow's opportunity for ``by`` (a Slack user id, or
    ``system``) at ``now`` (UTC): accept (``due``, default 30 days), snooze (``days`` or
    ``until``, 1–365 days), dismiss (``reason``, ``note``), done (``mode`` batch or flex:
    the workflow is marked as moved, where it has a price on that lane; on a ``cache``
    opportunity no mode, or ``cache``: caching is on), reopen, claim (``by`` becomes the
    workflow's owner).

    The same decision made twice, or a decision racing another, changes the opportunity once:
    the other calls return it as it stands with ``changed`` false. ``seen`` is the status the
    person saw (a button's): when it is no longer so, someone else decided first and the
    opportunity is returned as it stands, unchanged. Raises
    :class:`OpportunityRefused` (nothing changed) for an unknown workflow, a workflow without
    an opportunity, a decision not allowed from the current status, an unknown reason, a due
    date in the past, a snooze outside 1–365 days, a claim of someone else's workflow, a
    done with a mode other than batch or flex (or flex without a flex price; any mode on a
    ``cache`` opportunity but ``cache``).
    """
    decision = Decision(decision)
    workflow = _find(session, team_id, workflow_name)
    sync_workflow(session=session, team_id=team_id, workflow_id=workflow.id, now=now)
    if decision is Decision.CLAIM:
        return _claim(session, team_id, workflow, by, now)
    row, view = _current(session, team_id, workflow)
    if row is None or view is None:
        raise _no_opportunity(workflow)
    if seen is not None and view.status is not OpportunityStatus(seen):
        return Decided(workflow.name, view, False)
    moved_to: Mode | None = None
    caching = decision is Decision.DONE and row.action is OpportunityAction.CACHE
    if caching and mode is not None and str(mode).strip().lower() != "cache":
        raise OpportunityRefused(
            f"“{workflow.name}” is a prompt caching opportunity: done records that caching is "
            "on and the workflow stays on its lane, so give no mode."
        )
    if decision is Decision.DONE and not caching:
        moved_to = _moved_mode(mode)
        _check_lane_price(session, team_id, workflow, moved_to)
    before = State(view.status, view.due, view.snoozed_until, view.reason, view.note)
    change = plan(
        workflow.name,
        before,
        decision,
        today=now.date(),
        due=due,
        days=days,
        until=until,
        reason=reason,
        note=note,
    )
    if (
        change is None
        and decision is Decision.DONE
        and moved_to is not None
        and workflow.mode is not moved_to
    ):
        change = Change(before, State(S.DONE), None)  # done, now on the other discounted tier
    if change is None:
        return Decided(workflow.name, view, False)
    after = change.after
    values: dict[str, Any] = {
        "status": after.status,
        "due": after.due,
        "snoozed_until": after.snoozed_until,
        "reason": after.reason,
        "note": after.note,
    }
    event_note = change.note
    realtime = decision is Decision.DISMISS and after.reason is DismissReason.NEEDS_REALTIME
    if decision is Decision.DISMISS:
        values["dismissed_answers"] = answers_key(
            workflow.trigger, workflow.reader, workflow.freshness
        )
        values["dismissed_savings"] = row.monthly_savings
    if decision is Decision.REOPEN:
        values.update(dismissed_answers=None, dismissed_savings=None)
    if decision is Decision.DONE:
        values["action"] = (
            OpportunityAction.CACHE if caching else _moved_action(moved_to or Mode.BATCH)
        )
        where = "prompt caching on" if moved_to is None else f"moved to {moved_to.value}"
        event_note = where + (f": {change.note}" if change.note else "")
    if realtime:
        trigger, reader, freshness = realtime_answers(
            workflow.trigger, workflow.reader, workflow.freshness
        )
        event_note = (
            f"{change.note}; answers {answers_key(workflow.trigger, workflow.reader, workflow.freshness)}"
            f" → {answers_key(trigger, reader, freshness)}: re-classified real-time, "
            "the opportunity is gone"
        )
    event = Transition(by, now, before.status, after.status, event_note)
    # Written only over the version this decision was planned on: a second click, a retry or
    # another person's decision in between finds nothing to change and reads the current state.
    if not store.change_opportunity(session=session, opportunity=row, values=values, event=event):
        return Decided(workflow.name, _as_it_stands(session, team_id, workflow), False)
    # The opportunity changed once, for this caller: now the workflow follows.
    if decision is Decision.DONE and moved_to is None:
        set_caching(session=session, team_id=team_id, name=workflow.name, on=True)
    elif decision is Decision.DONE:
        assert moved_to is not None
        mark_migrated(session=session, team_id=team_id, name=workflow.name, mode=moved_to)
    elif decision is Decision.REOPEN and row.action is OpportunityAction.CACHE and workflow.caching:
        set_caching(session=session, team_id=team_id, name=workflow.name, on=False)
    elif decision is Decision.REOPEN and workflow.mode in _MOVED_MODES:
        save_spec(session=session, team_id=team_id, spec=replace(spec_of(workflow), mode=Mode.SYNC))
    elif realtime:
        spec = replace(spec_of(workflow), trigger=trigger, reader=reader, freshness=freshness)
        save_spec(session=session, team_id=team_id, spec=spec)
    sync_workflow(session=session, team_id=team_id, workflow_id=workflow.id, now=now)
    return Decided(workflow.name, _as_it_stands(session, team_id, workflow), True)


def _moved_mode(mode: Mode | str | None) -> Mode:
    """``mode`` as where a workflow moved: batch or flex (SPEC.md, "Already moved"); priority
    is the premium tier, never a move. Raises :class:`OpportunityRefused` otherwise."""
    try:
        moved = Mode(str(mode).strip().lower()) if mode is not None else None
    except ValueError:
        moved = None
    if moved not in _MOVED_MODES:
        raise OpportunityRefused(
            f"“{mode}” is not where a workflow moves: use batch or flex."
            if mode
            else "Say where the workflow moved: batch or flex."
        )
    assert moved is not None
    return moved


def _check_lane_price(session: Session, team_id: str, workflow: Workflow, moved_to: Mode) -> None:
    """Refuse a move to a lane the workflow has no price on (flex without a catalog or
    negotiated flex price, or a ``cost_per_request`` workflow), with the import's reason."""
    spec = replace(spec_of(workflow), mode=moved_to)
    try:
        assess(spec, get_price_book(session=session, team_id=team_id))
    except NoLanePriceError as error:
        raise OpportunityRefused(str(error)) from error


def _claim(session: Session, team_id: str, workflow: Workflow, by: str, now: datetime) -> Decided:
    if not SLACK_USER_ID.match(by or ""):
        raise OpportunityRefused("A claim needs the Slack user id of the person claiming (U…).")
    row, view = _current(session, team_id, workflow)
    if workflow.owner == by:
        return Decided(workflow.name, view, False)
    if not is_unowned(workflow.owner, unowned_owners(session=session, team_id=team_id)):
        raise OpportunityRefused(
            f"“{workflow.name}” is owned by {workflow.owner}: only unowned work can be claimed."
        )
    assert workflow.id is not None
    before = workflow.owner
    # Conditional on the owner it had: of two people claiming at once, one becomes the owner.
    if not set_owner(
        session=session, team_id=team_id, workflow_id=workflow.id, owner=by, expected=before
    ):
        return Decided(workflow.name, _as_it_stands(session, team_id, workflow), False)
    if row is not None:
        note = f"claimed by {by}" + (f" (was {before})" if before else "")
        event = Transition(by, now, row.status, row.status, note)
        store.change_opportunity(session=session, opportunity=row, values={}, event=event)
    return Decided(workflow.name, _as_it_stands(session, team_id, workflow), True)


def decide_by_id(
    *,
    session: Session,
    team_id: str,
    opportunity_id: int,
    decision: Decision | str,
    by: str,
    now: datetime,
    **options: Any,
) -> Decided:
    """:func:`decide` for a button's value (an opportunity id of ``team_id``). Raises
    :class:`OpportunityRefused` when the opportunity is not there (another workspace's, or
    its workflow gone)."""
    row = store.get_opportunity_by_id(
        session=session, team_id=team_id, opportunity_id=opportunity_id
    )
    workflow = None if row is None else session.get(Workflow, row.workflow_id)
    if row is None or workflow is None or not row.active:
        raise OpportunityRefused("That opportunity is no longer open to decide in this workspace.")
    return decide(session=session, team_id=team_id, workflow_name=workflow.name,
                  decision=decision, by=by, now=now, **options)  # fmt: skip
