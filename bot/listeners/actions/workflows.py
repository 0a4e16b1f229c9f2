"""Buttons on inventory messages: list pages, Edit, Mark as moved to batch (or flex),
Remove / Keep."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext, Respond
from slack_sdk import WebClient

from batchscout.audit.latency import Mode
from batchscout.bot.context import services_of, team_of
from batchscout.bot.listeners.commands.changes import mark_migrated as mark_as_migrated
from batchscout.delivery import messages, posting
from batchscout.delivery.blocks import Message, note
from batchscout.delivery.blocks import workflows as blocks
from batchscout.delivery.mrkdwn import escape
from batchscout.services import registration
from batchscout.services.home import refresh_home
from batchscout.storage import queries


def _value(body: dict[str, Any]) -> str:
    return str(body["actions"][0].get("value") or "")


def _user(body: dict[str, Any]) -> str:
    return str(body["user"]["id"])


def _show(respond: Respond, message: Message) -> None:
    """Replace the message the button was on (an ephemeral answer to the command)."""
    respond(replace_original=True, response_type="ephemeral", **message.as_kwargs())


def turn_list_page(body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """Previous / Next on the workflow list."""
    value = _value(body)
    if not value.isdigit():
        _show(respond, note(messages.LIST_PAGE_EXPIRED))
        return
    with services_of(context).session() as session:
        page = queries.workflow_page(
            session=session, team_id=team_of(context), page=int(value), size=blocks.PAGE_SIZE
        )
    _show(respond, blocks.workflow_list(page))


def edit_workflow(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Edit (on a workflow's card or the Home tab): the conversation, in a DM."""
    user_id = _user(body)
    services = services_of(context)
    team_id = team_of(context)
    place = registration.open_dm(client, user_id)
    started = registration.start(
        services=services, client=client, team_id=team_id, user_id=user_id, place=place,
        editing=_value(body),
    )  # fmt: skip
    if not started:
        posting.post(client, place, note(messages.ALREADY_GONE.format(name=escape(_value(body)))))


def mark_migrated(
    body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """Mark as moved to batch (on a workflow's card)."""
    _moved(body, respond, client, context, Mode.BATCH)


def mark_flex(
    body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """Mark as moved to flex (on the card of a workflow flex is advised for)."""
    _moved(body, respond, client, context, Mode.FLEX)


def undo_move(
    body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """Undo under "Marked as moved": the workflow goes back to the mode it had."""
    mode, _, name = _value(body).partition(":")
    if mode not in {m.value for m in Mode} or not name:
        return
    _moved(body, respond, client, context, Mode(mode), name=name)


def _moved(
    body: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    mode: Mode,
    *,
    name: str | None = None,
) -> None:
    """Mark as moved (or undo it) where the button was: the message it was on is replaced, or
    from the Home tab (no message to replace) the answer goes to the person's DM."""
    services = services_of(context)
    message = mark_as_migrated(services, team_of(context), name or _value(body), mode)
    _answer_where_clicked(body, respond, client, message)
    refresh_home(client=client, services=services, team_id=team_of(context), user_id=_user(body))


def _answer_where_clicked(
    body: dict[str, Any], respond: Respond, client: WebClient, message: Message
) -> None:
    container = body.get("container") or {}
    if container.get("type") == "view":  # the Home tab: nothing to reply to, so a DM
        posting.post(client, registration.open_dm(client, _user(body)), message)
    elif container.get("is_ephemeral"):
        _show(respond, message)
    else:  # a channel message everyone sees (the digest): answer only the person who clicked
        respond(replace_original=False, response_type="ephemeral", **message.as_kwargs())


def show_workflow(
    body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """Show (on an opportunity, in the Home tab or a digest): the workflow's card, to the
    person who clicked."""
    with services_of(context).session() as session:
        workflow = queries.get_workflow(
            session=session, team_id=team_of(context), name=_value(body)
        )
        if workflow is None:
            message = note(messages.ALREADY_GONE.format(name=escape(_value(body))))
        else:
            message = blocks.workflow_card(workflow, queries.figures_of(workflow))
    container = body.get("container") or {}
    if container.get("type") == "view":
        posting.post(client, registration.open_dm(client, _user(body)), message)
    else:
        respond(replace_original=False, response_type="ephemeral", **message.as_kwargs())


def ask_to_remove(body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """Remove (on a workflow's card): ask first."""
    with services_of(context).session() as session:
        workflow = queries.get_workflow(
            session=session, team_id=team_of(context), name=_value(body)
        )
    if workflow is None:
        _show(respond, note(messages.ALREADY_GONE.format(name=escape(_value(body)))))
        return
    _show(respond, blocks.remove_confirmation(workflow))


def confirm_remove(
    body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """Remove, confirmed."""
    services = services_of(context)
    with services.session() as session:
        removed = queries.remove_workflow(
            session=session, team_id=team_of(context), name=_value(body)
        )
    name = escape(removed.name if removed else _value(body))
    text = messages.REMOVED if removed else messages.ALREADY_GONE
    _show(respond, note(text.format(name=name)))
    if removed:
        refresh_home(
            client=client, services=services, team_id=team_of(context), user_id=_user(body)
        )


def keep_workflow(body: dict[str, Any], respond: Respond) -> None:
    """Keep: nothing removed."""
    _show(respond, note(messages.REMOVE_KEPT.format(name=escape(_value(body)))))
