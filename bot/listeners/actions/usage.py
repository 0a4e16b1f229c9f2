"""The Register button on unregistered usage (``/batchscout usage`` and the digest thread)."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import BoltContext, Respond
from slack_sdk import WebClient

from batchscout.audit.usage import UsageProvider
from batchscout.bot.context import services_of, team_of
from batchscout.delivery import messages
from batchscout.delivery.blocks import workflows as blocks
from batchscout.services import usage
from batchscout.services.home import refresh_home
from batchscout.storage import queries


def _scope(value: str) -> tuple[UsageProvider, str, str] | None:
    try:
        provider, project, api_key = json.loads(value)
        return UsageProvider(provider), str(project), str(api_key)
    except (ValueError, TypeError):
        return None


def register_scope(
    body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """One click: the unregistered scope becomes a workflow with its observed figures; the
    person who clicked sees its card (only them), to correct the answers with Edit."""
    user_id = str(body["user"]["id"])
    scope = _scope(str(body["actions"][0].get("value") or ""))
    if scope is None:
        respond(
            response_type="ephemeral", replace_original=False, text=messages.USAGE_SCOPE_UNKNOWN
        )
        return
    services = services_of(context)
    team_id = team_of(context)
    provider, project, api_key = scope
    done = usage.register_scope(
        engine=services.engine, team_id=team_id, provider=provider, project=project,
        api_key=api_key, actor=user_id,
    )  # fmt: skip
    if done.workflow is None:
        respond(response_type="ephemeral", replace_original=False, text=done.problem or "")
        return
    card = blocks.workflow_card(done.workflow, queries.figures_of(done.workflow))
    respond(
        response_type="ephemeral",
        replace_original=False,
        text=messages.USAGE_SCOPE_REGISTERED.format(name=done.workflow.name),
        blocks=card.blocks,
    )
    refresh_home(client=client, services=services, team_id=team_id, user_id=user_id)
