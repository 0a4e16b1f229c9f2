"""The follow-up DM: an owner's opportunities to decide, and the monthly near-real-time audit.

Action ids (the listeners live in ``bot/``): ``opportunity_accept``, ``opportunity_snooze``
(a static select: 14, 30 or 90 days), ``opportunity_dismiss``, ``opportunity_moved`` (a static
select: batch or flex), ``audit_still_needed``, ``audit_wait_hour``, ``audit_wait_day``,
``audit_change_answers``. Each value is a small JSON object: ``{"opportunity": ID, "seen":
STATUS}`` (with ``"days"`` or ``"mode"`` for the selects' options; pass ``seen`` to
``decide_by_id``) or ``{"workflow": ID}`` for the audit.
"""

from __future__ import annotations

import json
from typing import Any

from batchscout.audit.money import format_monthly
from batchscout.audit.opportunities import (
    SNOOZE_DAYS,
    AuditItem,
    Followup,
    FollowupItem,
    OpportunityAction,
    OpportunityStatus,
)
from batchscout.audit.text import plural
from batchscout.delivery.blocks import (
    Block,
    Message,
    actions,
    button,
    context,
    divider,
    header,
    option,
    plain,
    section,
)
from batchscout.delivery.mrkdwn import escape

ACCEPT = "opportunity_accept"
SNOOZE = "opportunity_snooze"
DISMISS = "opportunity_dismiss"
MOVED = "opportunity_moved"
STILL_NEEDED = "audit_still_needed"
WAIT_HOUR = "audit_wait_hour"
WAIT_DAY = "audit_wait_day"
CHANGE_ANSWERS = "audit_change_answers"

#: What each action asks the owner to do.
ACTION_WORDS: dict[OpportunityAction, str] = {
    OpportunityAction.BATCH: "move it to the provider's batch API",
    OpportunityAction.FLEX: "add the flex service tier (batch price, answers in minutes)",
    OpportunityAction.CHALLENGE: "challenge the latency requirement: if it can wait, batch it",
    OpportunityAction.STANDARD: "drop the priority tier: nobody waits for this work",
    OpportunityAction.CACHE: "turn on prompt caching for its repeated prefix (warm cache assumed)",
}
SNOOZE_LABELS = {14: "2 weeks", 30: "1 month", 90: "3 months"}


def value(**ids: Any) -> str:
    """A button's or option's value: compact JSON (``{"opportunity":12}``)."""
    return json.dumps(ids, separators=(",", ":"), sort_keys=True)


def _select(action_id: str, placeholder: str, choices: list[tuple[str, str]]) -> Block:
    return {
        "type": "static_select",
        "action_id": action_id,
        "placeholder": plain(placeholder, 150),
        "options": [option(text, val) for text, val in choices],
    }


def item_line(item: FollowupItem) -> str:
    """One opportunity as the DM lists it (mrkdwn; the name escaped)."""
    line = (
        f"*{escape(item.workflow)}*: {ACTION_WORDS[item.action]}, "
        f"saving *{format_monthly(item.monthly_savings)}*."
    )
    if item.status is OpportunityStatus.ACCEPTED and item.due is not None:
        line += f"\n:hourglass: You accepted it for {item.due.isoformat()}: it is overdue."
    return line


def item_blocks(item: FollowupItem) -> list[Block]:
    """An opportunity's line and its buttons: Accept, Snooze, Dismiss, Already moved."""
    # The status the owner saw: a click after someone else decided gets the current state.
    ids = {"opportunity": item.opportunity_id, "seen": item.status.value}
    snoozes = [(SNOOZE_LABELS[d], value(**ids, days=d)) for d in SNOOZE_DAYS]
    moves = [
        ("Moved to batch", value(**ids, mode="batch")),
        ("Moved to flex", value(**ids, mode="flex")),
    ]
    if item.action is OpportunityAction.CACHE:  # already moved = caching is on
        moves = [("Caching is on", value(**ids, mode="cache"))]
    return [
        section(item_line(item)),
        actions(
            button("Accept", action_id=ACCEPT, value=value(**ids), style="primary"),
            _select(SNOOZE, "Snooze", snoozes),
            button("Dismiss", action_id=DISMISS, value=value(**ids)),
            _select(MOVED, "Already moved", moves),
            block_id=f"opportunity-{item.opportunity_id}",
        ),
    ]


def audit_blocks(item: AuditItem) -> list[Block]:
    """A near-real-time workflow's audit question and its four answers."""
    ids = value(workflow=item.workflow_id)
    saving = (
        f" If it can wait, the batch API saves {format_monthly(item.monthly_savings)}."
        if item.monthly_savings > 0
        else ""
    )
    return [
        section(
            f"*{escape(item.workflow)}*: does a person still need the result within five "
            f"minutes?{saving}"
        ),
        actions(
            button("Still needed", action_id=STILL_NEEDED, value=ids),
            button("It can wait an hour", action_id=WAIT_HOUR, value=ids, style="primary"),
            button("It can wait a day", action_id=WAIT_DAY, value=ids),
            button("Change answers", action_id=CHANGE_ANSWERS, value=ids),
            block_id=f"audit-{item.workflow_id}",
        ),
    ]


def followup_message(followup: Followup) -> Message:
    """The follow-up DM for one owner: the opportunities to decide (largest first, five at
    most and "and N more"), then the monthly audit's questions when it rides along."""
    blocks: list[Block] = []
    count = len(followup.items) + followup.more
    if followup.items:
        blocks.append(header(f"{plural(count, 'saving')} to decide"))
        blocks.append(
            section(
                "You own workflows that could cost less. For each: *Accept* (you will make the "
                "move by a date), *Snooze*, *Dismiss* (with a reason), or tell me it has "
                "*already moved*."
            )
        )
        for item in followup.items:
            blocks += item_blocks(item)
        if followup.more:
            blocks.append(
                context(f"…and {followup.more:,} more. `/batchscout opportunities` lists them all.")
            )
    if followup.audits:
        if blocks:
            blocks.append(divider())
        blocks.append(header("Monthly near-real-time check"))
        blocks.append(
            section(
                "These answer within minutes. Many are read later (a notification, an email, "
                "a queue): if nobody waits on screen, the batch API halves their cost."
            )
        )
        for audit in followup.audits:
            blocks += audit_blocks(audit)
        if followup.audits_more:
            blocks.append(context(f"…and {followup.audits_more:,} more next month."))
    return Message(text=_fallback(followup), blocks=blocks)


def _fallback(followup: Followup) -> str:
    """The notification: how many decisions (and the largest saving) and checks."""
    parts = []
    if followup.items:
        count = len(followup.items) + followup.more
        largest = format_monthly(followup.items[0].monthly_savings)
        parts.append(f"{plural(count, 'saving')} to decide (up to {largest})")
    if followup.audits:
        checks = len(followup.audits) + followup.audits_more
        parts.append(f"{plural(checks, 'workflow')} to check")
    return "Batchscout: " + " and ".join(parts) + "."


def decided_note(workflow: str, words: str) -> str:
    """What replaces an item's buttons once it is decided (mrkdwn, the name escaped)."""
    return f"*{escape(workflow)}*: {words}"
