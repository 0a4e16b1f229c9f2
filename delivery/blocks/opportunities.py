"""Opportunities in Slack beyond the follow-up DM: a decided item's note (the message updated
in place), the Accept and Dismiss modals, ``/batchscout opportunities``, the follow-up
settings modal, App Home's own list, the digest's Follow-through, and the Claim button.

The item's buttons are the follow-up DM's (:func:`batchscout.delivery.blocks.followups.item_blocks`),
so every place a person decides shows the same four.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from batchscout.audit.inventory import SLACK_USER_ID
from batchscout.audit.money import format_monthly, format_usd
from batchscout.audit.opportunities import (
    SYSTEM,
    DismissReason,
    FollowupDay,
    FollowupItem,
    OpportunityAction,
    OpportunityStatus,
)
from batchscout.audit.text import plural
from batchscout.delivery.blocks import (
    Block,
    Message,
    button,
    context,
    divider,
    header,
    option,
    plain,
    section,
)
from batchscout.delivery.blocks.followups import ACTION_WORDS, item_blocks, value
from batchscout.delivery.mrkdwn import escape

CLAIM = "opportunity_claim"
ACCEPT_VIEW = "opportunity_accept_view"
DISMISS_VIEW = "opportunity_dismiss_view"
FOLLOWUPS_VIEW = "followup_settings_view"
# Block and action ids inside the modals (the submission reads the state by them).
DUE_BLOCK, DUE_INPUT = "due", "due_date"
REASON_BLOCK, REASON_INPUT = "reason", "reason_choice"
NOTE_BLOCK, NOTE_INPUT = "note", "note_text"
DAY_BLOCK, DAY_INPUT = "day", "day_choice"
SWITCH_BLOCK, SWITCH_INPUT = "switch", "switch_choice"

LIST_SHOWN = 10  # /batchscout opportunities: ten items with buttons stay under 50 blocks
HOME_SHOWN = 8

#: Dismissal reasons as people say them (the radio buttons).
REASON_WORDS: dict[DismissReason, str] = {
    DismissReason.NEEDS_REALTIME: "A person waits on screen for the result",
    DismissReason.NOT_WORTH_IT: "Not worth the effort",
    DismissReason.BLOCKED: "Blocked: something else has to happen first",
    DismissReason.OTHER: "Another reason (say which in the note)",
}

DECIDABLE = frozenset(
    {OpportunityStatus.OPEN, OpportunityStatus.SNOOZED, OpportunityStatus.ACCEPTED}
)


@dataclass(frozen=True, slots=True)
class ItemState:
    """An opportunity as a person sees it after a decision: its workflow, status and dates,
    who made the last decision (a Slack user id, ``system`` or ``None``), savings in US
    dollars a month. ``status`` is ``None`` once a dismissal made the opportunity go."""

    opportunity_id: int
    workflow: str
    action: OpportunityAction | None
    monthly_savings: Decimal
    status: OpportunityStatus | None
    due: date | None = None
    snoozed_until: date | None = None
    reason: DismissReason | None = None
    note: str | None = None
    by: str | None = None
    owner: str | None = None
    mode: str | None = None


def _who(user: str | None) -> str:
    # Only a validated Slack user id becomes a mention; anything else is said plainly.
    if user and SLACK_USER_ID.match(user):
        return f"<@{user}>"
    return "Batchscout" if user == SYSTEM else "someone"


def state_words(state: ItemState) -> str:
    """Where the item stands and who put it there (mrkdwn, one line)."""
    who = _who(state.by)
    s = OpportunityStatus
    if state.status is None:
        return (
            f":no_entry_sign: Dismissed by {who}: a person waits on screen, so it is "
            "re-classified real-time and there is nothing to chase."
        )
    if state.status is s.ACCEPTED:
        return f":white_check_mark: Accepted by {who}, due {_day(state.due)}."
    if state.status is s.SNOOZED:
        return f":zzz: Snoozed by {who} until {_day(state.snoozed_until)}."
    if state.status is s.DISMISSED:
        reason = REASON_WORDS.get(state.reason, "no reason") if state.reason else "no reason"
        note = f" “{escape(state.note)}”" if state.note else ""
        return f":no_entry_sign: Dismissed by {who}: {reason.lower()}.{note}"
    if state.status is s.DONE:
        where = f" to {state.mode}" if state.mode else ""
        return f":rocket: Marked as moved{where} by {who}."
    if state.status is s.VERIFIED:
        return ":moneybag: Moved, and the provider's usage shows it: verified."
    if state.status is s.NOT_MIGRATED:
        return ":warning: Marked as moved, but the provider's usage still shows it synchronous."
    return f":large_blue_circle: Open again (by {who}): nobody has decided yet."


def _day(value: date | None) -> str:
    return value.isoformat() if value else "—"


def decided_blocks(state: ItemState) -> list[Block]:
    """What replaces an item's line and buttons once it is decided."""
    saving = f" ({format_monthly(state.monthly_savings)})" if state.monthly_savings else ""
    return [
        section(f"*{escape(state.workflow)}*{saving}", block_id=f"decided-{state.opportunity_id}"),
        context(state_words(state)),
    ]


def replace_item(blocks: Sequence[Block], state: ItemState) -> list[Block]:
    """The message's ``blocks`` with the item's line and buttons (the actions block
    ``opportunity-ID`` and the section before it) replaced by :func:`decided_blocks`; an
    item already replaced is replaced again (the latest state wins)."""
    ids = {f"opportunity-{state.opportunity_id}", f"decided-{state.opportunity_id}"}
    out: list[Block] = []
    skip_next_context = False
    for block in blocks:
        if skip_next_context:
            skip_next_context = False
            if block.get("type") == "context":
                continue
        if block.get("block_id") in ids:
            if block.get("type") == "actions" and out and out[-1].get("type") == "section":
                out.pop()  # the item's line
            if block.get("type") == "section":
                skip_next_context = True  # a decided note's context follows it
            out += decided_blocks(state)
            continue
        out.append(block)
    return out


def refusal(sentence: str) -> Message:
    """A refused decision: the service's one sentence (it names workflows as typed)."""
    return Message(text=sentence, blocks=[section(f":warning: {escape(sentence)}")])


def already_decided(state: ItemState) -> Message:
    """Said to a person who clicked an item someone else had already decided."""
    text = f"*{escape(state.workflow)}* was already decided: {state_words(state)}"
    return Message(text=text, blocks=[section(text)])


# --- Modals ---------------------------------------------------------------------------------


def _modal(
    callback_id: str, title: str, submit: str, blocks: list[Block], meta: dict[str, Any]
) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, 24),
        "submit": plain(submit, 24),
        "close": plain("Cancel", 24),
        "private_metadata": json.dumps(meta, separators=(",", ":")),
        "blocks": blocks,
    }


def accept_modal(item: ItemState, *, default_due: date, meta: dict[str, Any]) -> dict[str, Any]:
    """Accept: the date the owner will have made the move by (default 30 days out)."""
    action = ACTION_WORDS.get(item.action, "") if item.action else ""
    return _modal(
        ACCEPT_VIEW,
        "Accept",
        "Accept",
        [
            section(
                f"*{escape(item.workflow)}*: {action}, saving "
                f"*{format_monthly(item.monthly_savings)}*."
            ),
            {
                "type": "input",
                "block_id": DUE_BLOCK,
                "label": plain("Done by"),
                "element": {
                    "type": "datepicker",
                    "action_id": DUE_INPUT,
                    "initial_date": default_due.isoformat(),
                },
            },
        ],
        meta,
    )


def dismiss_modal(item: ItemState, *, meta: dict[str, Any]) -> dict[str, Any]:
    """Dismiss: the reason as radio buttons and an optional note."""
    return _modal(
        DISMISS_VIEW,
        "Dismiss",
        "Dismiss",
        [
            section(
                f"*{escape(item.workflow)}* would save {format_monthly(item.monthly_savings)}. "
                "Why will it not be done?"
            ),
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "label": plain("Reason"),
                "element": {
                    "type": "radio_buttons",
                    "action_id": REASON_INPUT,
                    "options": [option(words, r.value) for r, words in REASON_WORDS.items()],
                },
            },
            {
                "type": "input",
                "block_id": NOTE_BLOCK,
                "optional": True,
                "label": plain("Note"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": NOTE_INPUT,
                    "multiline": True,
                    "max_length": 500,
                },
            },
            context(
                "If a person waits on screen for the result, the workflow is re-classified "
                "real-time and is not asked about again."
            ),
        ],
        meta,
    )


def followups_modal(day: FollowupDay, enabled: bool) -> dict[str, Any]:
    """``/batchscout followups``: the workspace's follow-up day and the on/off switch."""
    days = [option(d.label, d.name.lower()) for d in FollowupDay]
    switch = [option("On: owners get their follow-ups", "on"), option("Off: none", "off")]
    return _modal(
        FOLLOWUPS_VIEW,
        "Follow-ups",
        "Save",
        [
            section(
                "Each owner gets at most one direct message a week listing what they have to "
                "decide, at 10:00 in their own time zone on this day."
            ),
            {
                "type": "input",
                "block_id": DAY_BLOCK,
                "label": plain("Day"),
                "element": {
                    "type": "static_select",
                    "action_id": DAY_INPUT,
                    "options": days,
                    "initial_option": days[int(day)],
                },
            },
            {
                "type": "input",
                "block_id": SWITCH_BLOCK,
                "label": plain("Follow-ups"),
                "element": {
                    "type": "radio_buttons",
                    "action_id": SWITCH_INPUT,
                    "options": switch,
                    "initial_option": switch[0 if enabled else 1],
                },
            },
        ],
        {},
    )


def followups_saved(day: FollowupDay, enabled: bool) -> Message:
    """The settings as saved (ephemeral to the person who saved them)."""
    text = (
        f"Follow-ups are on: owners hear from me on {day.label}s at 10:00 their time."
        if enabled
        else "Follow-ups are off for this workspace: no owner gets one."
    )
    return Message(text=text, blocks=[section(text)])


# --- Lists ----------------------------------------------------------------------------------


def _item(state: ItemState) -> FollowupItem:
    assert state.action is not None and state.status is not None
    overdue = state.due if state.status is OpportunityStatus.ACCEPTED else None
    return FollowupItem(
        state.opportunity_id, state.workflow, state.action, state.monthly_savings,
        state.status, overdue,
    )  # fmt: skip


def item_with_buttons(state: ItemState) -> list[Block]:
    """An item to decide with the DM's buttons, or its state when there is nothing to decide."""
    if state.status in DECIDABLE:
        blocks = item_blocks(_item(state))
        if state.status is not OpportunityStatus.OPEN:
            blocks.insert(1, context(state_words(state)))
        return blocks
    return decided_blocks(state)


def _items(states: Sequence[ItemState], shown: int, more_hint: str) -> list[Block]:
    blocks: list[Block] = []
    for state in states[:shown]:
        blocks += item_with_buttons(state)
    if len(states) > shown:
        blocks.append(context(f"…and {len(states) - shown:,} more. {more_hint}"))
    return blocks


def opportunity_list(states: Sequence[ItemState], totals: dict[str, Decimal]) -> Message:
    """``/batchscout opportunities``: the workspace's opportunities, largest first, with the
    buttons (ten at most and "and N more")."""
    if not states:
        text = "No opportunities in this workspace: nothing on `sync` can save yet."
        return Message(text=text, blocks=[section(text)])
    summary = " · ".join(
        f"{status}: {format_usd(amount)}" for status, amount in totals.items() if amount > 0
    )
    blocks: list[Block] = [
        header(f"{plural(len(states), 'opportunity', 'opportunities')}"),
        context(f"Monthly savings by status: {summary}"),
        *_items(states, LIST_SHOWN, "`batchscout opportunities --team T` lists them all."),
    ]
    text = f"{plural(len(states), 'opportunity', 'opportunities')} in this workspace."
    return Message(text=text, blocks=blocks)


def home_opportunities_section(states: Sequence[ItemState]) -> list[Block]:
    """App Home: the viewer's own opportunities with the same buttons (largest first)."""
    blocks: list[Block] = [divider(), section(f"*Your opportunities* ({len(states)})")]
    if not states:
        blocks.append(context("Savings on workflows you own show up here to decide."))
        return blocks
    return blocks + _items(states, HOME_SHOWN, "`/batchscout opportunities` lists them all.")


# --- The digest's Follow-through ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MovedSince:
    """How many opportunities reached a status since the last digest, and their monthly
    savings (US dollars)."""

    status: OpportunityStatus
    count: int
    monthly_savings: Decimal


@dataclass(frozen=True, slots=True)
class UnownedItem:
    """An unowned workflow to claim: its id (the Claim button's value), name, and monthly
    savings in US dollars (zero without an opportunity)."""

    workflow_id: int
    workflow: str
    monthly_savings: Decimal


@dataclass(frozen=True, slots=True)
class FollowThroughSection:
    """The digest's Follow-through facts: what moved since the last digest, accepted items
    past due (with owners), unowned workflows."""

    moved: list[MovedSince]
    overdue: list[ItemState]
    unowned: list[UnownedItem]

    @property
    def empty(self) -> bool:
        return not (any(m.count for m in self.moved) or self.overdue or self.unowned)


_MOVED_WORDS = {
    OpportunityStatus.ACCEPTED: "accepted",
    OpportunityStatus.DONE: "done",
    OpportunityStatus.VERIFIED: "verified",
    OpportunityStatus.DISMISSED: "dismissed",
}
FOLLOW_THROUGH_SHOWN = 10


def claim_button(workflow_id: int) -> Block:
    """Claim: makes the clicker the workflow's owner."""
    return button("Claim", action_id=CLAIM, value=value(workflow=workflow_id))


def follow_through_message(facts: FollowThroughSection) -> Message | None:
    """The digest's **Follow-through** (a thread reply): counts and monthly savings per
    status since the last digest, overdue accepted items with their owners mentioned, and
    unowned workflows with a Claim button. ``None`` when there is nothing to say."""
    if facts.empty:
        return None
    moved = [
        f"{_MOVED_WORDS[m.status]} {m.count:,} ({format_monthly(m.monthly_savings)})"
        for m in facts.moved
        if m.count
    ]
    blocks: list[Block] = [
        section(
            "*Follow-through* since the last digest: "
            + ("; ".join(moved) if moved else "nothing decided.")
        )
    ]
    if facts.overdue:
        lines = [
            f"• *{escape(s.workflow)}*: {format_monthly(s.monthly_savings)}, due "
            f"{_day(s.due)} · {_who(s.owner) if s.owner else 'no owner'}"
            for s in facts.overdue[:FOLLOW_THROUGH_SHOWN]
        ]
        blocks.append(section("*Accepted and overdue*\n" + "\n".join(lines)))
    if facts.unowned:
        blocks.append(section("*Nobody owns these*: claim one to be asked about it."))
        for item in facts.unowned[:FOLLOW_THROUGH_SHOWN]:
            saving = (
                f": {format_monthly(item.monthly_savings)} to save" if item.monthly_savings else ""
            )
            blocks.append(
                section(
                    f"*{escape(item.workflow)}*{saving}",
                    accessory=claim_button(item.workflow_id),
                    block_id=f"unowned-{item.workflow_id}",
                )
            )
        if len(facts.unowned) > FOLLOW_THROUGH_SHOWN:
            blocks.append(context(f"…and {len(facts.unowned) - FOLLOW_THROUGH_SHOWN:,} more."))
    return Message(text="Follow-through", blocks=blocks)


def claimed_block(workflow: str, by: str, workflow_id: int) -> Block:
    """What replaces an unowned workflow's Claim button once claimed."""
    return section(
        f"*{escape(workflow)}*: claimed by {_who(by)}.", block_id=f"unowned-{workflow_id}"
    )


def replace_claimed(
    blocks: Sequence[Block], workflow: str, by: str, workflow_id: int
) -> list[Block]:
    """The message's blocks with the workflow's Claim line replaced by who claimed it."""
    ident = f"unowned-{workflow_id}"
    return [
        claimed_block(workflow, by, workflow_id) if b.get("block_id") == ident else b
        for b in blocks
    ]


def claimed_already(workflow: str, owner: str) -> Message:
    """Said to a person who clicked Claim after someone else did."""
    text = f"*{escape(workflow)}* was already claimed by {_who(owner)}."
    return Message(text=text, blocks=[section(text)])


_AUDIT_WORDS = {
    "still_needed": "a person still needs it within five minutes",
    "wait_hour": "it can wait an hour",
    "wait_day": "it can wait a day",
}


def audit_answered(
    workflow_id: int, workflow: str, answer: Any, by: str, said: str
) -> Callable[[Sequence[Block]], list[Block]]:
    """The message's blocks with the audit question's buttons (``audit-ID``) replaced by the
    answer and who gave it."""
    words = _AUDIT_WORDS.get(str(getattr(answer, "value", answer)), str(answer))
    text = f"{_who(by)} answered: {words}." + (f" {escape(said)}" if said else "")

    def replace(blocks: Sequence[Block]) -> list[Block]:
        return [context(text) if b.get("block_id") == f"audit-{workflow_id}" else b for b in blocks]

    return replace
