"""The opportunity buttons (the follow-up DM, ``/batchscout opportunities``, App Home):
Accept and Dismiss open their modals; Snooze and Already moved decide at once; Claim (the
digest) makes the clicker the owner. Each shows the outcome where the button was."""

from __future__ import annotations

import json
from datetime import timedelta
from functools import partial
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from batchscout.audit.opportunities import DEFAULT_DUE_DAYS, Decision
from batchscout.bot.context import services_of, team_of
from batchscout.bot.listeners.actions.in_place import origin, show, tell
from batchscout.delivery.blocks import opportunities as blocks
from batchscout.services.opportunity_clicks import (
    Click,
    claim_workflow,
    decide_click,
    opportunity_to_decide,
)
from batchscout.storage.types import utcnow


def choice(body: dict[str, Any]) -> dict[str, Any]:
    """The clicked button's (or chosen option's) small JSON value; ``{}`` when unreadable."""
    action = body["actions"][0]
    raw = (action.get("selected_option") or {}).get("value") or action.get("value") or "{}"
    try:
        found = json.loads(raw)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _id(found: dict[str, Any], key: str) -> int:
    value = found.get(key)
    return value if isinstance(value, int) else 0


def answer(click: Click, *, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Show a click's outcome: a refusal or "already decided" to the clicker only; a
    decision (or the same one again) in place."""
    user_id = str(body["user"]["id"])
    if click.refusal:
        tell(client, body, user_id, blocks.refusal(click.refusal))
        return
    assert click.state is not None
    if click.decided_by_other:
        tell(client, body, user_id, blocks.already_decided(click.state))
    state = click.state
    show(
        client=client, services=services_of(context), team_id=team_of(context), user_id=user_id,
        where=origin(body), now=utcnow(), replace=partial(blocks.replace_item, state=state),
        message_blocks=(body.get("message") or {}).get("blocks"),
    )  # fmt: skip


def seen(found: dict[str, Any]) -> str | None:
    """The status the button showed (``None`` on buttons without it)."""
    status = found.get("seen")
    return status if isinstance(status, str) else None


def _decide(
    body: dict[str, Any], context: BoltContext, decision: Decision, **options: Any
) -> Click:
    found = choice(body)
    with services_of(context).session() as session:
        return decide_click(
            session=session, team_id=team_of(context),
            opportunity_id=_id(found, "opportunity"), decision=decision,
            by=str(body["user"]["id"]), now=utcnow(), seen=seen(found), **options,
        )  # fmt: skip


def snooze(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Snooze: 2 weeks, 1 month or 3 months (the option's ``days``)."""
    days = choice(body).get("days")
    click = _decide(body, context, Decision.SNOOZE, days=days if isinstance(days, int) else 0)
    answer(click, body=body, client=client, context=context)


def moved(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Already moved: to batch or flex (the option's ``mode``)."""
    click = _decide(body, context, Decision.DONE, mode=str(choice(body).get("mode") or ""))
    answer(click, body=body, client=client, context=context)


def _open_modal(body: dict[str, Any], client: WebClient, context: BoltContext, build: Any) -> None:
    user_id = str(body["user"]["id"])
    found = choice(body)
    opportunity_id = _id(found, "opportunity")
    with services_of(context).session() as session:
        click = opportunity_to_decide(
            session=session, team_id=team_of(context), opportunity_id=opportunity_id,
            by=user_id, now=utcnow(), seen=seen(found),
        )  # fmt: skip
    if click.refusal or click.stale:
        answer(click, body=body, client=client, context=context)
        return
    assert click.state is not None
    meta = {"opportunity": opportunity_id, "seen": seen(found), **origin(body)}
    client.views_open(trigger_id=body["trigger_id"], view=build(click.state, meta=meta))


def accept(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Accept: a modal with a date picker (30 days out by default)."""
    due = utcnow().date() + timedelta(days=DEFAULT_DUE_DAYS)
    _open_modal(body, client, context, partial(blocks.accept_modal, default_due=due))


def dismiss(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Dismiss: a modal with the reason as radio buttons and an optional note."""
    _open_modal(body, client, context, blocks.dismiss_modal)


def claim(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Claim (the digest's unowned work): the clicker becomes the owner."""
    user_id = str(body["user"]["id"])
    workflow_id = _id(choice(body), "workflow")
    with services_of(context).session() as session:
        claimed = claim_workflow(
            session=session, team_id=team_of(context), workflow_id=workflow_id, by=user_id,
            now=utcnow(),
        )  # fmt: skip
    if claimed.refusal:
        tell(client, body, user_id, blocks.refusal(claimed.refusal))
        return
    owner = claimed.owner or user_id
    if not claimed.changed and owner != user_id:
        tell(client, body, user_id, blocks.claimed_already(claimed.workflow, owner))
    show(
        client=client, services=services_of(context), team_id=team_of(context), user_id=user_id,
        where=origin(body), now=utcnow(),
        replace=partial(blocks.replace_claimed, workflow=claimed.workflow, by=owner,
                        workflow_id=workflow_id),
        message_blocks=(body.get("message") or {}).get("blocks"),
    )  # fmt: skip
