"""How a process builds the jobs' :class:`~batchscout.services.runtime.Runtime` from its settings.

Which Web API client acts for a team: the bot token in single-workspace mode, or the
installation stored by the OAuth flow when one deployment serves many workspaces.
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import Engine

from batchscout.delivery.clients import make_web_client
from batchscout.jobs.llm_batch import provider_from_settings
from batchscout.services.batch_api import BatchProvider
from batchscout.services.runtime import Runtime, SlackClients
from batchscout.settings import Settings


class NotInstalledError(LookupError):
    """Batchscout has no token for that workspace."""


def slack_clients(settings: Settings, engine: Engine) -> SlackClients:
    """A function from team id to the client that acts for that team.

    Raises :class:`~batchscout.settings.SettingsError` in single-workspace mode without a bot
    token (:meth:`Settings.problems` for ``Mode.WORKER`` says so before any of this runs).
    """
    if settings.uses_oauth:
        assert settings.slack_client_id is not None  # uses_oauth: both client id and secret
        store = SQLAlchemyInstallationStore(client_id=settings.slack_client_id, engine=engine)

        def installed(team_id: str) -> WebClient:
            bot = store.find_bot(enterprise_id=None, team_id=team_id)
            if bot is None or not bot.bot_token:
                raise NotInstalledError(f"Batchscout is not installed in workspace {team_id}")
            return make_web_client(settings, token=bot.bot_token)

        return installed
    client = make_web_client(settings, token=settings.bot_token())
    return lambda team_id: client


def batch_provider(settings: Settings) -> BatchProvider | None:
    """The LLM batch provider the settings choose, or ``None`` (no provider, or no key)."""
    return provider_from_settings(settings)


def build_runtime(settings: Settings, engine: Engine, slack: SlackClients) -> Runtime:
    """The jobs' runtime: the engine, ``slack``, the LLM provider and the configured timings."""
    return Runtime.from_settings(settings, engine, slack, provider=batch_provider(settings))


def runtime_from_settings(settings: Settings, engine: Engine) -> Runtime:
    """The runtime for ``batchscout worker``, ``serve`` and ``digest now``: every installed team."""
    return build_runtime(settings, engine, slack_clients(settings, engine))
