"""Deciding from Slack: a click (or a modal) on an opportunity, a Claim, the lists
``/batchscout opportunities`` and App Home show, and the digest's Follow-through facts.

The decisions themselves are :func:`batchscout.services.opportunities.decide_by_id`'s (the
same rule as the CLI's); this module adds what a click needs around them: who decided last
(so a click on an item someone else already decided shows its current state instead of
deciding again), and each item as Slack shows it (:class:`ItemState`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from batchscout.audit.opportunities import (
    SYSTEM,
    Decision,
    OpportunityRefused,
    OpportunityStatus,
)
from batchscout.delivery.blocks.opportunities import (
    DECIDABLE,
    FollowThroughSection,
    ItemState,
    MovedSince,
    UnownedItem,
)
from batchscout.services.followups import COUNTED as FOLLOW_THROUGH_STATUSES
from batchscout.services.followups import follow_through
from batchscout.services.opportunities import (
    OpportunityView,
    decide,
    decide_by_id,
    list_opportunities,
    opportunity_by_id,
    status_totals,
)
from batchscout.storage import opportunities as store

S = OpportunityStatus


def _decider(view: OpportunityView) -> str | None:
    """Who made the opportunity's latest decision (a transition to another status)."""
    for event in reversed(view.history):
        if event.from_status is not None and event.from_status is not event.to_status:
            return event.by
    return None


def _mode(view: OpportunityView) -> str | None:
    return view.action.value if view.status in (S.DONE, S.VERIFIED, S.NOT_MIGRATED) else None


def item_state(view: OpportunityView) -> ItemState:
    """An opportunity as Slack shows it (its latest decider as ``by``)."""
    return ItemState(
        opportunity_id=view.id,
        workflow=view.workflow,
        action=view.action,
        monthly_savings=view.monthly_savings,
        status=view.status,
        due=view.due,
        snoozed_until=view.snoozed_until,
        reason=view.reason,
        note=view.note,
        by=_decider(view),
        owner=view.owner,
        mode=_mode(view),
    )


@dataclass(frozen=True)
class Click:
    """What a click came to: the item as it stands now (``status`` ``None`` once a
    ``needs_realtime`` dismissal made it go), whether this click changed it, whether someone
    else had decided it last, whether it was no longer as the person saw it (``stale``:
    nothing was done), or the refusal's one sentence (nothing changed; ``state`` is ``None``
    then)."""

    state: ItemState | None
    changed: bool = False
    decided_by_other: bool = False
    refusal: str | None = None
    stale: bool = False


GONE = "That opportunity is no longer open to decide in this workspace."


def _decided_by_other(view: OpportunityView, by: str) -> bool:
    """Someone other than ``by`` already took the item out of ``open``."""
    decider = _decider(view)
    return view.status is not S.OPEN and decider is not None and decider not in (by, SYSTEM)


def opportunity_to_decide(
    *,
    session: Session,
    team_id: str,
    opportunity_id: int,
    by: str,
    now: datetime,
    seen: str | None = None,
) -> Click:
    """Before a modal opens: the item (``changed`` false), or why it cannot be decided.
    ``stale`` when it is no longer as the person saw it (``seen``, the button's status)."""
    view = opportunity_by_id(
        session=session, team_id=team_id, opportunity_id=opportunity_id, now=now
    )
    if view is None:
        return Click(None, refusal=GONE)
    stale = seen is not None and view.status.value != seen
    if seen is None:  # a button without the status it showed: judge by who decided last
        stale = _decided_by_other(view, by)
    return Click(item_state(view), decided_by_other=_decided_by_other(view, by), stale=stale)


def decide_click(
    *,
    session: Session,
    team_id: str,
    opportunity_id: int,
    decision: Decision,
    by: str,
    now: datetime,
    seen: str | None = None,
    **options: Any,
) -> Click:
    """``decision`` on an opportunity (a button's value) for ``by`` at ``now`` (UTC).

    An item no longer as the person saw it (``seen``, the status the button showed; without
    it, an item someone else already decided) is left as it is (``stale``); the same click
    twice, or a retried request, changes it once (``changed`` false the second time). A
    refusal (:class:`OpportunityRefused`) is returned as its sentence; nothing changed.
    """
    before = opportunity_to_decide(
        session=session, team_id=team_id, opportunity_id=opportunity_id, by=by, now=now,
        seen=seen,
    )  # fmt: skip
    if before.refusal or before.stale:
        return before
    assert before.state is not None
    try:
        decided = decide_by_id(
            session=session, team_id=team_id, opportunity_id=opportunity_id,
            decision=decision, by=by, now=now, seen=seen, **options,
        )  # fmt: skip
    except OpportunityRefused as refused:
        return Click(None, refusal=str(refused))
    if decided.opportunity is None:  # dismissed as needing real time: the opportunity is gone
        gone = ItemState(
            opportunity_id, decided.workflow, before.state.action, before.state.monthly_savings,
            None, by=by,
        )  # fmt: skip
        return Click(gone, changed=decided.changed)
    view = decided.opportunity
    return Click(
        item_state(view),
        changed=decided.changed,
        decided_by_other=not decided.changed and _decided_by_other(view, by),
    )


@dataclass(frozen=True)
class Claimed:
    """A claim's outcome: the workflow, whether this click made the clicker the owner, and
    the owner as it stands; or the refusal's sentence."""

    workflow: str
    changed: bool
    owner: str | None
    refusal: str | None = None


def claim_workflow(
    *, session: Session, team_id: str, workflow_id: int, by: str, now: datetime
) -> Claimed:
    """Claim (the digest's button): ``by`` becomes the owner of an unowned workflow. A
    workflow someone claimed first keeps that owner (``changed`` false)."""
    workflow = store.workflow_by_id(session=session, team_id=team_id, workflow_id=workflow_id)
    if workflow is None:
        return Claimed("", False, None, "That workflow is no longer in this workspace's inventory.")
    name = workflow.name
    try:
        decided = decide(
            session=session, team_id=team_id, workflow_name=name,
            decision=Decision.CLAIM, by=by, now=now,
        )  # fmt: skip
    except OpportunityRefused as refused:
        session.refresh(workflow)
        if workflow.owner and workflow.owner != by:  # someone claimed it first
            return Claimed(name, False, workflow.owner)
        return Claimed(name, False, workflow.owner, str(refused))
    session.refresh(workflow)
    return Claimed(name, decided.changed, workflow.owner)


def workflow_name(*, session: Session, team_id: str, workflow_id: int) -> str | None:
    """An active workflow's name by id (an audit button's value), or ``None``."""
    workflow = store.workflow_by_id(session=session, team_id=team_id, workflow_id=workflow_id)
    return None if workflow is None else workflow.name


def _largest_first(views: list[OpportunityView]) -> list[ItemState]:
    ordered = sorted(
        views,
        key=lambda v: (v.status not in DECIDABLE, -v.monthly_savings, v.workflow.casefold()),
    )
    return [item_state(v) for v in ordered]


def workspace_items(
    *, session: Session, team_id: str, now: datetime
) -> tuple[list[ItemState], dict[str, Decimal]]:
    """``/batchscout opportunities``: every opportunity, those to decide first, largest
    first; and the monthly savings per status (US dollars)."""
    views = list_opportunities(session=session, team_id=team_id, now=now)
    return _largest_first(views), status_totals(session=session, team_id=team_id, now=now)


def own_items(*, session: Session, team_id: str, user_id: str, now: datetime) -> list[ItemState]:
    """App Home: the viewer's own opportunities, those to decide first, largest first."""
    views = list_opportunities(session=session, team_id=team_id, owner=user_id, now=now)
    return _largest_first(views)


def follow_through_section(
    *, session: Session, team_id: str, since: datetime | None, now: datetime
) -> FollowThroughSection:
    """The digest's Follow-through as Slack shows it: the facts are
    :func:`batchscout.services.followups.follow_through`'s (``since``: the last digest)."""
    facts = follow_through(session=session, team_id=team_id, since=since, now=now)
    moved = [
        MovedSince(status, *facts.moved.get(status, (0, Decimal(0))))
        for status in FOLLOW_THROUGH_STATUSES
    ]
    unowned = [
        UnownedItem(
            u.workflow_id,
            u.workflow,
            u.opportunity.monthly_savings if u.opportunity else Decimal(0),
        )
        for u in facts.unowned
    ]
    return FollowThroughSection(moved, [item_state(v) for v in facts.overdue], unowned)
