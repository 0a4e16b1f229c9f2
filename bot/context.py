"""What listeners need besides the request: the :class:`~batchscout.services.context.Services`.

A global middleware puts one :class:`Services` into every request's context, so listeners
declare ``context`` and call :func:`services_of` instead of reaching for globals.
"""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import BoltContext

from batchscout.services.context import Services

CONTEXT_KEY = "batchscout"


def provide(services: Services) -> Callable[..., None]:
    """A global middleware that hands ``services`` to every listener through the context."""

    def attach_services(context: BoltContext, next: Callable[[], None]) -> None:
        context[CONTEXT_KEY] = services
        next()

    return attach_services


def services_of(context: BoltContext) -> Services:
    """The services attached to this request."""
    services = context.get(CONTEXT_KEY)
    if not isinstance(services, Services):
        raise RuntimeError("the services middleware did not run")
    return services


def team_of(context: BoltContext) -> str:
    """The workspace a request comes from: every query is scoped by it."""
    team_id = context.team_id or context.enterprise_id
    if not team_id:
        raise RuntimeError("the request carries no team id")
    return team_id
