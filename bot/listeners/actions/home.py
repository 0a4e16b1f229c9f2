"""The Home tab's buttons and menus: "Register a workflow", the workflow filters and pages."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from slack_bolt import BoltContext, Respond
from slack_sdk import WebClient

from batchscout.audit.latency import LatencyClass
from batchscout.bot.context import services_of, team_of
from batchscout.delivery.blocks.home import ANY_CLASS, HomeFilter, home_link
from batchscout.services import registration
from batchscout.services.home import publish_home, refresh_home


def register_from_home(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Start a registration in the person's DM with the bot."""
    user_id = str(body["user"]["id"])
    place = registration.open_dm(client, user_id)
    registration.start(
        services=services_of(context), client=client, team_id=team_of(context),
        user_id=user_id, place=place,
    )  # fmt: skip


def _filter_of(body: dict[str, Any]) -> HomeFilter:
    return HomeFilter.decode((body.get("view") or {}).get("private_metadata"))


def _redraw(
    body: dict[str, Any], client: WebClient, context: BoltContext, view_filter: HomeFilter
) -> None:
    publish_home(
        client=client, services=services_of(context), team_id=team_of(context),
        user_id=str(body["user"]["id"]), view_filter=view_filter,
    )  # fmt: skip


def filter_by_owner(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """The owner menu above the workflows: only theirs (cleared, every owner)."""
    owner = body["actions"][0].get("selected_user") or None
    _redraw(body, client, context, _filter_of(body).with_owner(owner))


def filter_by_class(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """The latency class menu above the workflows."""
    value = (body["actions"][0].get("selected_option") or {}).get("value") or ANY_CLASS
    latency_class = None if value == ANY_CLASS else LatencyClass(value)
    _redraw(body, client, context, _filter_of(body).with_class(latency_class))


def clear_filters(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Show all: every workflow, first page."""
    _redraw(body, client, context, HomeFilter())


def turn_page(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Previous / Next under the workflows."""
    value = str(body["actions"][0].get("value") or "0")
    page = int(value) if value.isdigit() else 0
    _redraw(body, client, context, replace(_filter_of(body), page=page))


def open_from_digest(
    body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """Open App Home (on the digest): draw the person's Home tab afresh and give them the link
    that opens it (a message cannot switch tabs by itself)."""
    user_id = str(body["user"]["id"])
    refresh_home(client=client, services=services_of(context), team_id=team_of(context), user_id=user_id)  # fmt: skip
    link = home_link(team_id=team_of(context), app_id=str(body.get("api_app_id") or ""))
    respond(replace_original=False, response_type="ephemeral", **link.as_kwargs())


def link_opened() -> None:
    """A link button's click: Slack opens the link; there is nothing to do but acknowledge."""
