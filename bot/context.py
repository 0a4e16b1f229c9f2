"""What listeners need besides the request: the :class:`~batchscout.services.context.Services`.

A global middleware puts one :class:`Services` into every request's context, so listeners
declare ``context`` and call :func:`services_of` instead of reaching for globals.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext

from batchscout.services.context import Services
from batchscout.storage import boundaries

CONTEXT_KEY = "batchscout"


#: Where the workspace a request happened in is kept in the context (see :func:`workspace_of`).
WORKSPACE_KEY = "batchscout_workspace"


def provide(services: Services) -> Callable[..., None]:
    """A global middleware that hands ``services`` to every listener through the context, with
    the workspace the request happened in (:func:`workspace_of`). A workspace seen through an
    Enterprise Grid org-wide install is remembered with its organisation, so the worker finds
    that install's token."""
    known: set[tuple[str, str]] = set()

    def attach_services(
        context: BoltContext, body: dict[str, Any], next: Callable[[], None]
    ) -> None:
        context[CONTEXT_KEY] = services
        workspace = workspace_of(body, context)
        if workspace:
            context[WORKSPACE_KEY] = workspace
            enterprise = context.enterprise_id
            if (
                context.is_enterprise_install
                and enterprise
                and (workspace, enterprise) not in known
            ):
                with services.session() as session:
                    boundaries.remember_enterprise(
                        session=session, team_id=workspace, enterprise_id=enterprise
                    )
                known.add((workspace, enterprise))
        next()

    return attach_services


def workspace_of(body: dict[str, Any], context: BoltContext) -> str | None:
    """The workspace (``T…``) a request happened in, whose rows it reads and writes.

    Bolt's ``context.team_id`` is a command's ``team_id``, an interaction's team, and for an
    event the installed workspace in ``authorizations`` (in a Slack Connect channel never the
    sender's team). An Enterprise Grid org-wide install's authorization names no workspace:
    then the event's ``context_team_id`` (where it happened), its ``team_id``, or the person's
    team. Never the enterprise id: two workspaces of one organisation keep their own rows.
    """
    if context.team_id:
        return str(context.team_id)
    for key in ("context_team_id", "team_id"):
        if body.get(key):
            return str(body[key])
    for key in ("user", "view"):
        part = body.get(key)
        if isinstance(part, dict) and part.get("team_id"):
            return str(part["team_id"])
    event = body.get("event")
    if isinstance(event, dict) and str(event.get("team") or "").startswith("T"):
        return str(event["team"])
    return None


def services_of(context: BoltContext) -> Services:
    """The services attached to this request."""
    services = context.get(CONTEXT_KEY)
    if not isinstance(services, Services):
        raise RuntimeError("the services middleware did not run")
    return services


def team_of(context: BoltContext) -> str:
    """The workspace a request comes from (:func:`workspace_of`): every query is scoped by it."""
    team_id = context.get(WORKSPACE_KEY) or context.team_id
    if not team_id:
        raise RuntimeError("the request carries no team id")
    return team_id
