"""The modals' submissions: Accept (a due date), Dismiss (a reason and a note) and the
follow-up settings. Bad input is refused in the modal (``response_action: errors``) at
ack time, by the same pure rules the services apply; the decision runs after the ack."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from batchscout.audit.opportunities import (
    Decision,
    FollowupDay,
    OpportunityRefused,
    check_note,
    due_date,
    parse_reason,
)
from batchscout.bot.context import services_of, team_of
from batchscout.bot.listeners.actions.in_place import read_origin, show, tell
from batchscout.bot.listeners.actions.opportunities import _id, seen
from batchscout.delivery.blocks import opportunities as blocks
from batchscout.services.followups import change_followup_settings
from batchscout.services.opportunity_clicks import decide_click
from batchscout.storage.types import utcnow


def _state(body: dict[str, Any], block: str, action: str) -> dict[str, Any]:
    values = body["view"].get("state", {}).get("values", {})
    return dict(values.get(block, {}).get(action) or {})


def _due(body: dict[str, Any]) -> str:
    return str(_state(body, blocks.DUE_BLOCK, blocks.DUE_INPUT).get("selected_date") or "")


def _selected(body: dict[str, Any], block: str, action: str) -> str:
    return str((_state(body, block, action).get("selected_option") or {}).get("value") or "")


def _note(body: dict[str, Any]) -> str:
    return str(_state(body, blocks.NOTE_BLOCK, blocks.NOTE_INPUT).get("value") or "")


def check_accept(ack: Ack, body: dict[str, Any]) -> None:
    """A due date that is a date, today or later."""
    try:
        due_date(utcnow().date(), date.fromisoformat(_due(body)))
    except ValueError as error:  # OpportunityRefused too
        text = str(error) if isinstance(error, OpportunityRefused) else "Pick a date."
        ack(response_action="errors", errors={blocks.DUE_BLOCK: text})
        return
    ack()


def check_dismiss(ack: Ack, body: dict[str, Any]) -> None:
    """A reason from the list, a note of at most 500 characters."""
    errors = {}
    try:
        parse_reason(_selected(body, blocks.REASON_BLOCK, blocks.REASON_INPUT))
    except OpportunityRefused:
        errors[blocks.REASON_BLOCK] = "Pick the reason it will not be done."
    try:
        check_note(_note(body))
    except OpportunityRefused as refused:
        errors[blocks.NOTE_BLOCK] = str(refused)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()


def _submit(
    body: dict[str, Any], client: WebClient, context: BoltContext, decision: Decision,
    **options: Any,
) -> None:  # fmt: skip
    user_id = str(body["user"]["id"])
    where = read_origin(str(body["view"].get("private_metadata") or ""))
    with services_of(context).session() as session:
        click = decide_click(
            session=session, team_id=team_of(context), opportunity_id=_id(where, "opportunity"),
            decision=decision, by=user_id, now=utcnow(), seen=seen(where), **options,
        )  # fmt: skip
    if click.refusal:
        tell(client, where, user_id, blocks.refusal(click.refusal))
        return
    assert click.state is not None
    if click.decided_by_other:
        tell(client, where, user_id, blocks.already_decided(click.state))
    show(
        client=client, services=services_of(context), team_id=team_of(context), user_id=user_id,
        where=where, now=utcnow(), replace=partial(blocks.replace_item, state=click.state),
    )  # fmt: skip


def submit_accept(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Accept, with the chosen due date."""
    _submit(body, client, context, Decision.ACCEPT, due=date.fromisoformat(_due(body)))


def submit_dismiss(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Dismiss, with the reason and the note (``needs_realtime`` re-classifies real-time)."""
    reason = _selected(body, blocks.REASON_BLOCK, blocks.REASON_INPUT)
    _submit(body, client, context, Decision.DISMISS, reason=reason, note=_note(body) or None)


def check_followups(ack: Ack, body: dict[str, Any]) -> None:
    """A working day and on or off."""
    try:
        FollowupDay.parse(_selected(body, blocks.DAY_BLOCK, blocks.DAY_INPUT))
    except OpportunityRefused as refused:
        ack(response_action="errors", errors={blocks.DAY_BLOCK: str(refused)})
        return
    ack()


def submit_followups(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Save the workspace's follow-up day and switch; say so to the person who saved."""
    user_id = str(body["user"]["id"])
    day = _selected(body, blocks.DAY_BLOCK, blocks.DAY_INPUT)
    enabled = _selected(body, blocks.SWITCH_BLOCK, blocks.SWITCH_INPUT) != "off"
    with services_of(context).session() as session:
        saved_day, saved_on = change_followup_settings(
            session=session, team_id=team_of(context), day=day, enabled=enabled, now=utcnow()
        )
    tell(client, {"where": "dm"}, user_id, blocks.followups_saved(saved_day, saved_on))
