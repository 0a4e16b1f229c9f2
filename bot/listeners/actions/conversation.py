"""Buttons and the model menu of a registration conversation."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from batchscout.bot.context import services_of, team_of
from batchscout.delivery.blocks.registration import ButtonValue
from batchscout.delivery.posting import Place
from batchscout.services import registration


def _where(body: dict[str, Any]) -> Place:
    container = body.get("container") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id") or ""
    thread_ts = container.get("thread_ts") or (body.get("message") or {}).get("thread_ts") or ""
    return Place(str(channel), str(thread_ts))


def _answer(body: dict[str, Any], client: WebClient, context: BoltContext, value: str) -> None:
    reference = ButtonValue.decode(value)
    if reference is None:
        return
    registration.answer(
        services=services_of(context),
        client=client,
        team_id=team_of(context),
        user_id=str(body["user"]["id"]),
        conversation_id=reference.conversation_id,
        text=reference.answer,
        where=_where(body),
        expected_version=reference.version,
    )


def answer_button(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """A choice, Back/Skip/Keep/Cancel, Save/Cancel on the summary card, or its "Change an
    answer" menu (the value of the option picked)."""
    action = body["actions"][0]
    value = action.get("value") or (action.get("selected_option") or {}).get("value") or ""
    _answer(body, client, context, str(value))


def choose_owner(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """An owner picked in the people menu: its block id says which conversation and version."""
    action = body["actions"][0]
    _prefix, _, reference = str(action.get("block_id") or "").partition(":")
    user = str(action.get("selected_user") or "")
    if user:
        _answer(body, client, context, f"{reference}:{user}")


def choose_model(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """A model picked from the searchable menu."""
    selected = body["actions"][0].get("selected_option") or {}
    _answer(body, client, context, str(selected.get("value") or ""))


def model_options(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The model menu's options for what the person typed so far."""
    options = registration.model_options(
        services=services_of(context),
        team_id=team_of(context),
        user_id=str(body["user"]["id"]),
        block_id=str(body.get("block_id") or ""),
        query=str(body.get("value") or ""),
    )
    ack(options=options)
