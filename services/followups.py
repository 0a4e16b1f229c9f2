"""Follow-ups: each owner's DM of what to decide, the monthly near-real-time audit, unowned
work, and the usage import's verdict on work marked as moved (SPEC.md, "Follow-through").

Which items and when are the pure rules of :mod:`batchscout.audit.opportunities`; this module
gathers the data, asks Slack who the owner is (``users.info``: ``tz``, ``deleted``), and sends
through :mod:`batchscout.delivery.posting`. An owner's follow-up is claimed in the database
before it is sent (at most one per owner in 7 days, even with a worker and an operator
sending at once); a DM Slack refuses is one log line and the owner's items become unowned,
never retried.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session

from batchscout.audit.opportunities import (
    MOVED,
    SYSTEM,
    AuditAnswer,
    AuditItem,
    Followup,
    FollowupDay,
    FollowupItem,
    OpportunityRefused,
    OpportunityStatus,
    audit_due,
    followup_allowed,
    followup_for,
    is_followup_time,
    needs_audit,
    needs_decision,
    relaxed_freshness,
    zone,
)
from batchscout.audit.usage import UsageStatus
from batchscout.delivery.blocks.followups import followup_message
from batchscout.delivery.posting import Place, open_dm, post, user_info
from batchscout.logs import get_logger
from batchscout.services.boundary import isolated
from batchscout.services.opportunities import (
    OpportunityView,
    is_unowned,
    list_opportunities,
    sync_workflow,
    unowned_owners,
)
from batchscout.storage import opportunities as store
from batchscout.storage.db import session_scope
from batchscout.storage.opportunities import Transition
from batchscout.storage.queries import figures_of, list_workflows, save_spec, spec_of

log = get_logger(__name__)

#: Slack refusals that say this person cannot be messaged, now or later: the owner's items
#: become unowned. Any other refusal (Slack briefly away) leaves the owner to the next tick.
UNREACHABLE = frozenset(
    {
        "cannot_dm_bot",
        "user_not_found",
        "account_inactive",
        "user_disabled",
        "deleted",
        "channel_not_found",
        "is_archived",
        "not_in_channel",
        "restricted_action",
        "user_not_visible",
        "users_not_found",
        "invalid_users",
        "cannot_dm_user",
        "messages_tab_disabled",
        "is_bot",
    }
)


@dataclass(frozen=True)
class FollowupSent:
    """One owner's follow-up as sent: the DM channel, the message ``ts`` and its content."""

    owner: str
    channel_id: str
    ts: str
    followup: Followup


@dataclass
class FollowupRun:
    """What a run did in one workspace: follow-ups sent, owners Slack refused (owner,
    error), and whether follow-ups are on there."""

    team_id: str
    enabled: bool = True
    sent: list[FollowupSent] | None = None
    unreachable: list[tuple[str, str]] | None = None

    def __post_init__(self) -> None:
        self.sent = self.sent or []
        self.unreachable = self.unreachable or []


def _item(view: OpportunityView) -> FollowupItem:
    return FollowupItem(
        view.id, view.workflow, view.action, view.monthly_savings, view.status, view.due
    )


def pending_followups(
    *,
    session: Session,
    team_id: str,
    now: datetime,
    noise_floor: Decimal,
    synced_at: datetime | None = None,
) -> tuple[list[Followup], dict[str, datetime | None]]:
    """What each reachable owner would be sent at ``now`` (the 7-day rule, the day and the
    hour not yet applied: they need the owner's time zone), and when each was last sent one.

    Items: ``open`` at or above ``noise_floor`` (US dollars a month) or ``accepted`` and past
    due, largest first; the audit rides along on the month's first follow-up (UTC).
    Opportunities are brought up to date at ``synced_at`` (default ``now``): an operator's
    rehearsal of a later day passes the current time, so no snooze runs out early and no
    opportunity's history is dated in the future.
    """
    views = list_opportunities(session=session, team_id=team_id, now=synced_at or now)
    refused = unowned_owners(session=session, team_id=team_id)
    last = {
        o: r.last_sent_at
        for o, r in store.followup_owners(session=session, team_id=team_id).items()
    }
    items: dict[str, list[FollowupItem]] = defaultdict(list)
    for view in views:
        if is_unowned(view.owner, refused) or view.owner is None:
            continue
        if needs_decision(
            view.status, view.monthly_savings, view.due, today=now.date(), noise_floor=noise_floor
        ):
            items[view.owner].append(_item(view))
    audits: dict[str, list[AuditItem]] = defaultdict(list)
    audited = store.audited(session=session, team_id=team_id)
    for workflow in list_workflows(session=session, team_id=team_id):
        assert workflow.id is not None
        if workflow.owner is None or is_unowned(workflow.owner, refused):
            continue
        if needs_audit(workflow.latency_class, workflow.mode, audited.get(workflow.id), now):
            saving = figures_of(workflow).monthly_savings
            audits[workflow.owner].append(AuditItem(workflow.id, workflow.name, saving))
    followups = [
        followup_for(
            owner,
            items.get(owner, []),
            audits.get(owner, []),
            with_audit=audit_due(last.get(owner), now),
        )
        for owner in sorted(set(items) | set(audits))
    ]
    return [f for f in followups if not f.empty], last


def send_followups(
    *,
    engine: Engine,
    client: WebClient,
    team_id: str,
    now: datetime,
    noise_floor: Decimal,
    scheduled: bool,
    synced_at: datetime | None = None,
) -> FollowupRun:
    """Send every follow-up due in ``team_id`` at ``now`` (UTC), one DM per owner;
    opportunities are brought up to date at ``synced_at`` (default ``now``; see
    :func:`pending_followups`).

    ``scheduled`` (the worker) sends only on the workspace's follow-up day at 10:00 or later
    in each owner's time zone, never at weekends; the operator's send ignores day and hour.
    Both keep the 7-day rule, snoozes and the monthly audit; a workspace with follow-ups off
    gets none. One owner's failure is logged and never stops the others'.
    """
    with session_scope(engine) as session:
        day, enabled = store.followup_settings(session=session, team_id=team_id)
        if not enabled:
            return FollowupRun(team_id, enabled=False)
        pending, last = pending_followups(
            session=session,
            team_id=team_id,
            now=now,
            noise_floor=noise_floor,
            synced_at=synced_at,
        )
        zones = {
            o: r.tz for o, r in store.followup_owners(session=session, team_id=team_id).items()
        }
    run = FollowupRun(team_id)
    for followup in pending:
        with isolated("followup_failed", team_id=team_id, owner=followup.owner):
            _send_one(
                engine, client, team_id, followup, last.get(followup.owner), now,
                day if scheduled else None, zones.get(followup.owner), run,
            )  # fmt: skip
    return run


def _send_one(
    engine: Engine,
    client: WebClient,
    team_id: str,
    followup: Followup,
    previous: datetime | None,
    now: datetime,
    day: FollowupDay | None,
    stored_tz: str | None,
    run: FollowupRun,
) -> None:
    owner = followup.owner
    # The zone Slack gave last time answers "not now" without asking Slack on every tick.
    if stored_tz is not None and not _may_send(now, zone(stored_tz), day, previous):
        return
    info = user_info(client, owner, team_id=team_id)
    if isinstance(info, str) or info.get("deleted"):
        error = info if isinstance(info, str) else "deleted"
        if error in UNREACHABLE:
            _unreachable(engine, team_id, owner, error, now, run)
        return
    tz = str(info.get("tz") or "UTC")
    if tz != stored_tz:
        with session_scope(engine) as session:
            store.record_owner_zone(session=session, team_id=team_id, owner=owner, tz=tz)
    if not _may_send(now, zone(tz), day, previous):
        return
    with session_scope(engine) as session:
        if not store.claim_followup(
            session=session, team_id=team_id, owner=owner, previous=previous, at=now
        ):
            return  # another process sent it since
    try:
        dm = open_dm(client, owner, team_id=team_id, owner=owner)
        sent = (
            post(
                client, Place(str(dm.ts)), followup_message(followup), team_id=team_id, owner=owner
            )
            if dm
            else dm
        )
    except Exception:
        _release(engine, team_id, owner, now, previous)
        raise
    if not sent:
        error = sent.error or "unknown"
        if error in UNREACHABLE:
            _unreachable(engine, team_id, owner, error, now, run)
        else:
            _release(engine, team_id, owner, now, previous)
        return
    assert sent.ts is not None and dm.ts is not None
    log.info(
        "followup_sent",
        team_id=team_id,
        owner=owner,
        items=len(followup.items),
        more=followup.more,
        audits=len(followup.audits),
    )
    assert run.sent is not None
    run.sent.append(FollowupSent(owner, dm.ts, sent.ts, followup))


def _may_send(
    now: datetime, where: tzinfo, day: FollowupDay | None, previous: datetime | None
) -> bool:
    """The day and hour (the worker's send only: ``day`` set) and the 7-day rule."""
    if day is not None and not is_followup_time(now, where, day):
        return False
    return followup_allowed(previous, now, where)


def _release(
    engine: Engine, team_id: str, owner: str, at: datetime, previous: datetime | None
) -> None:
    with session_scope(engine) as session:
        store.release_followup(
            session=session, team_id=team_id, owner=owner, at=at, previous=previous
        )


def _unreachable(
    engine: Engine, team_id: str, owner: str, error: str, now: datetime, run: FollowupRun
) -> None:
    """A person Slack will not let us message: logged once, their items unowned."""
    with session_scope(engine) as session:
        store.record_dm_refused(session=session, team_id=team_id, owner=owner, error=error, at=now)
    log.warning("followup_owner_unreachable", team_id=team_id, owner=owner, error=error)
    assert run.unreachable is not None
    run.unreachable.append((owner, error))


def followups_job(team_id: str) -> None:
    """The worker's follow-up tick for one workspace (a module-level function taking a team
    id, so it can move onto a queue): sends what is due now, by each owner's clock."""
    from batchscout.services.runtime import current
    from batchscout.storage.types import utcnow

    runtime = current()
    send_followups(
        engine=runtime.engine,
        client=runtime.slack(team_id),
        team_id=team_id,
        now=utcnow(),
        noise_floor=runtime.noise_floor,
        scheduled=True,
    )


def followup_teams(*, engine: Engine) -> list[str]:
    """Every workspace the follow-up tick visits (those with active workflows)."""
    with session_scope(engine) as session:
        return store.teams_with_workflows(session=session)


def each_workspace(engine: Engine, job: Callable[[str], Any]) -> None:
    """Run ``job`` for every workspace with workflows, each inside its own error boundary."""
    for team_id in followup_teams(engine=engine):
        with isolated("followups_failed", team_id=team_id):
            job(team_id)


# --- Settings -------------------------------------------------------------------------------


def followup_settings(*, session: Session, team_id: str) -> tuple[FollowupDay, bool]:
    """The workspace's follow-up day and on/off switch (Tuesday and on by default)."""
    return store.followup_settings(session=session, team_id=team_id)


def change_followup_settings(
    *,
    session: Session,
    team_id: str,
    day: FollowupDay | str | None = None,
    enabled: bool | None = None,
    now: datetime,
) -> tuple[FollowupDay, bool]:
    """Set the follow-up day (Monday–Friday; a weekend day or a non-day is refused with
    :class:`OpportunityRefused`) and/or switch follow-ups on or off."""
    chosen = FollowupDay.parse(day) if isinstance(day, str) else day
    return store.set_followup_settings(
        session=session, team_id=team_id, day=chosen, enabled=enabled, now=now
    )


# --- The monthly audit ----------------------------------------------------------------------


@dataclass(frozen=True)
class AuditOutcome:
    """What an audit answer did: the workflow, whether anything changed, and a sentence."""

    workflow: str
    changed: bool
    said: str


def answer_audit(
    *,
    session: Session,
    team_id: str,
    workflow_id: int,
    answer: AuditAnswer | str,
    by: str,
    now: datetime,
) -> AuditOutcome:
    """An owner's answer to the monthly audit of a near-real-time workflow.

    ``still_needed`` records ``audited_at`` (not asked again for 28 days); ``wait_hour`` /
    ``wait_day`` set freshness to ``hour`` / ``day``: the workflow is re-classified scheduled
    and its opportunity becomes ``batch`` (history says so); ``change_answers`` changes
    nothing here (the edit conversation does). A second click finds the workflow already
    answered and changes nothing. Raises :class:`OpportunityRefused` for a workflow that is
    not (or no longer) in the workspace.
    """
    answer = AuditAnswer(answer)
    workflow = store.workflow_by_id(session=session, team_id=team_id, workflow_id=workflow_id)
    if workflow is None:
        raise OpportunityRefused("That workflow is no longer in this workspace's inventory.")
    name = workflow.name
    if answer is AuditAnswer.CHANGE_ANSWERS:
        return AuditOutcome(name, False, "")
    freshness = relaxed_freshness(answer)
    if not needs_audit(workflow.latency_class, workflow.mode, None, now):
        return AuditOutcome(
            name, False, f"{name} is {workflow.latency_class.value} now: nothing to change."
        )
    sync_workflow(session=session, team_id=team_id, workflow_id=workflow_id, now=now)
    store.record_audit(session=session, team_id=team_id, workflow_id=workflow_id, by=by, at=now)
    if freshness is None:
        _audit_event(
            session,
            team_id,
            workflow_id,
            by,
            now,
            "audit: a person still needs it within five minutes",
        )
        return AuditOutcome(name, True, f"{name} stays near-real-time; asked again in 28 days.")
    before = workflow.freshness
    _audit_event(
        session,
        team_id,
        workflow_id,
        by,
        now,
        f"audit: it can wait ({before.value} → {freshness.value}): re-classified scheduled",
    )
    save_spec(
        session=session, team_id=team_id, spec=replace(spec_of(workflow), freshness=freshness)
    )
    sync_workflow(session=session, team_id=team_id, workflow_id=workflow_id, now=now)
    return AuditOutcome(name, True, f"{name} can wait: re-classified scheduled, a batch saving.")


def _audit_event(
    session: Session, team_id: str, workflow_id: int, by: str, now: datetime, note: str
) -> None:
    row = store.get_opportunity(session=session, team_id=team_id, workflow_id=workflow_id)
    if row is not None and row.active:
        event = Transition(by, now, row.status, row.status, note)
        store.change_opportunity(session=session, opportunity=row, values={}, event=event)


# --- Unowned work ---------------------------------------------------------------------------


@dataclass(frozen=True)
class UnownedWorkflow:
    """A workflow nobody can be asked about: no owner, or one Slack refused or reports
    deleted (``why``: ``no_owner``, or Slack's error such as ``deleted``). Its opportunity,
    if any, with monthly savings in US dollars."""

    workflow_id: int
    workflow: str
    former_owner: str | None
    why: str
    opportunity: OpportunityView | None


def unowned_workflows(
    *, session: Session, team_id: str, now: datetime | None = None
) -> list[UnownedWorkflow]:
    """The workspace's unowned workflows, largest opportunity first (then by name)."""
    views = {
        v.workflow_id: v for v in list_opportunities(session=session, team_id=team_id, now=now)
    }
    owners = store.followup_owners(session=session, team_id=team_id)
    found: list[UnownedWorkflow] = []
    for workflow in list_workflows(session=session, team_id=team_id):
        assert workflow.id is not None
        row = owners.get(workflow.owner or "")
        if workflow.owner is not None and (row is None or not row.refused_error):
            continue
        why = "no_owner" if workflow.owner is None else str(row.refused_error if row else "")
        found.append(
            UnownedWorkflow(workflow.id, workflow.name, workflow.owner, why, views.get(workflow.id))
        )
    return sorted(
        found,
        key=lambda u: (
            -(u.opportunity.monthly_savings if u.opportunity else Decimal(0)),
            u.workflow.casefold(),
        ),
    )


def check_owners(*, engine: Engine, client: WebClient, team_id: str, now: datetime) -> list[str]:
    """Ask Slack about every owner in the workspace (``users.info``) and record those it
    reports deleted or cannot find as unreachable; returns them."""
    with session_scope(engine) as session:
        owners = {w.owner for w in list_workflows(session=session, team_id=team_id) if w.owner}
        known = unowned_owners(session=session, team_id=team_id)
    gone: list[str] = []
    for owner in sorted(owners - known):
        info = user_info(client, owner, team_id=team_id)
        error = info if isinstance(info, str) else ("deleted" if info.get("deleted") else None)
        if error in UNREACHABLE:
            with session_scope(engine) as session:
                store.record_dm_refused(
                    session=session, team_id=team_id, owner=owner, error=str(error), at=now
                )
            log.warning("followup_owner_unreachable", team_id=team_id, owner=owner, error=error)
            gone.append(owner)
    return gone


# --- Usage ----------------------------------------------------------------------------------

_USAGE_VERDICT = {
    UsageStatus.VERIFIED: OpportunityStatus.VERIFIED,
    UsageStatus.NOT_MIGRATED: OpportunityStatus.NOT_MIGRATED,
}


def apply_usage(
    *, session: Session, team_id: str, statuses: dict[str, UsageStatus], now: datetime
) -> int:
    """Turn ``done`` opportunities into ``verified`` or ``not_migrated`` by the usage report's
    status of their workflow (by name); a later report may turn one into the other. Returns
    how many changed; each change is in history, by ``system``."""
    changed = 0
    for view in list_opportunities(session=session, team_id=team_id, now=now):
        verdict = _USAGE_VERDICT.get(statuses.get(view.workflow))  # type: ignore[arg-type]
        if verdict is None or view.status not in MOVED or view.status is verdict:
            continue
        row = store.get_opportunity(session=session, team_id=team_id, workflow_id=view.workflow_id)
        assert row is not None
        note = f"provider usage: {verdict.value.replace('_', ' ')}"
        event = Transition(SYSTEM, now, view.status, verdict, note)
        if store.change_opportunity(
            session=session, opportunity=row, values={"status": verdict}, event=event
        ):
            changed += 1
    return changed


# --- The digest's Follow-through ------------------------------------------------------------


@dataclass(frozen=True)
class FollowThrough:
    """What moved since the last digest and what waits: ``moved[status]`` = (how many
    opportunities reached ``accepted``, ``done``, ``verified`` or ``dismissed`` since then, their
    monthly savings in US dollars); ``overdue``: accepted opportunities past due (with their
    owners); ``unowned``: workflows nobody can be asked about."""

    moved: dict[OpportunityStatus, tuple[int, Decimal]]
    overdue: list[OpportunityView]
    unowned: list[UnownedWorkflow]


#: The transitions the digest counts.
COUNTED = (
    OpportunityStatus.ACCEPTED,
    OpportunityStatus.DONE,
    OpportunityStatus.VERIFIED,
    OpportunityStatus.DISMISSED,
)


def follow_through(
    *, session: Session, team_id: str, since: datetime | None, now: datetime
) -> FollowThrough:
    """The digest's Follow-through section as data: transitions after ``since`` (all when
    ``None``; each opportunity counted once per status it reached), overdue acceptances
    (largest first) and unowned work."""
    views = list_opportunities(session=session, team_id=team_id, now=now)
    by_id = {v.id: v for v in views}
    reached: dict[OpportunityStatus, set[int]] = {status: set() for status in COUNTED}
    for event in store.events_since(session=session, team_id=team_id, since=since):
        if event.to_status in reached and event.from_status is not event.to_status:
            reached[event.to_status].add(event.opportunity_id)
    moved = {
        status: (
            len(ids),
            sum((by_id[i].monthly_savings for i in ids if i in by_id), Decimal(0)),
        )
        for status, ids in reached.items()
    }
    overdue = sorted(
        (
            v
            for v in views
            if v.status is OpportunityStatus.ACCEPTED and v.due and v.due < now.date()
        ),
        key=lambda v: (-v.monthly_savings, v.workflow.casefold()),
    )
    return FollowThrough(
        moved, overdue, unowned_workflows(session=session, team_id=team_id, now=now)
    )
