"""The monthly near-real-time audit's answers (the follow-up DM): Still needed, It can wait
an hour, It can wait a day, Change answers (the edit conversation for that workflow)."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from batchscout.audit.opportunities import AuditAnswer, OpportunityRefused
from batchscout.bot.context import services_of, team_of
from batchscout.bot.listeners.actions.in_place import origin, show, tell
from batchscout.bot.listeners.actions.opportunities import _id, choice
from batchscout.delivery.blocks import opportunities as blocks
from batchscout.services import registration
from batchscout.services.followups import answer_audit
from batchscout.services.opportunity_clicks import workflow_name
from batchscout.storage.types import utcnow


def _answer(
    body: dict[str, Any], client: WebClient, context: BoltContext, answer: AuditAnswer
) -> None:
    user_id = str(body["user"]["id"])
    workflow_id = _id(choice(body), "workflow")
    try:
        with services_of(context).session() as session:
            outcome = answer_audit(
                session=session, team_id=team_of(context), workflow_id=workflow_id,
                answer=answer, by=user_id, now=utcnow(),
            )  # fmt: skip
    except OpportunityRefused as refused:
        tell(client, body, user_id, blocks.refusal(str(refused)))
        return
    replace = blocks.audit_answered(workflow_id, outcome.workflow, answer, user_id, outcome.said)
    show(
        client=client, services=services_of(context), team_id=team_of(context), user_id=user_id,
        where=origin(body), now=utcnow(), replace=replace,
        message_blocks=(body.get("message") or {}).get("blocks"),
    )  # fmt: skip


def still_needed(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Still needed: a person waits within five minutes; asked again in 28 days."""
    _answer(body, client, context, AuditAnswer.STILL_NEEDED)


def wait_hour(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """It can wait an hour: re-classified scheduled, a batch opportunity."""
    _answer(body, client, context, AuditAnswer.WAIT_HOUR)


def wait_day(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """It can wait a day: re-classified scheduled, a batch opportunity."""
    _answer(body, client, context, AuditAnswer.WAIT_DAY)


def change_answers(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Change answers: the edit conversation for the workflow, in the DM."""
    user_id = str(body["user"]["id"])
    team_id = team_of(context)
    services = services_of(context)
    with services.session() as session:
        name = workflow_name(
            session=session, team_id=team_id, workflow_id=_id(choice(body), "workflow")
        )
    if name is None:
        tell(
            client,
            body,
            user_id,
            blocks.refusal("That workflow is no longer in this workspace's inventory."),
        )
        return
    place = registration.open_dm(client, user_id)
    registration.start(
        services=services, client=client, team_id=team_id, user_id=user_id, place=place,
        editing=name,
    )  # fmt: skip
