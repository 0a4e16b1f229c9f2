"""How a process builds the jobs' :class:`~batchscout.services.runtime.Runtime` from its settings.

Which Web API client acts for a team: the bot token in single-workspace mode, or the
installation stored by the OAuth flow when one deployment serves many workspaces.
"""

from __future__ import annotations

from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import Engine

from batchscout.delivery.clients import make_web_client
from batchscout.jobs.llm_batch import provider_from_settings
from batchscout.services.batch_api import BatchProvider
from batchscout.services.runtime import Runtime, SlackClients
from batchscout.settings import Settings
from batchscout.storage import boundaries
from batchscout.storage.db import session_scope


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
            bot = find_bot(store, engine, team_id)
            if bot is None or not bot.bot_token:
                raise NotInstalledError(f"Batchscout is not installed in workspace {team_id}")
            return make_web_client(settings, token=bot.bot_token)

        return installed
    client = make_web_client(settings, token=settings.bot_token())
    return lambda team_id: client


def find_bot(store: SQLAlchemyInstallationStore, engine: Engine, team_id: str) -> Bot | None:
    """The bot that acts in workspace ``team_id``: its own install (also in a workspace of an
    Enterprise Grid organisation, stored with the organisation's id), else the org-wide install
    of the organisation the workspace was last seen in."""
    with session_scope(engine) as session:
        enterprises = boundaries.installed_enterprises(
            session=session, client_id=store.client_id, team_id=team_id
        )
        organisation = boundaries.enterprise_of(session=session, team_id=team_id)
    for enterprise_id in enterprises:
        bot = store.find_bot(enterprise_id=enterprise_id, team_id=team_id)
        if bot is not None:
            return bot
    if organisation is None:
        return None
    return store.find_bot(enterprise_id=organisation, team_id=None, is_enterprise_install=True)


def installers(settings: Settings, engine: Engine) -> Callable[[str], str | None] | None:
    """Who installed Batchscout in a workspace (OAuth installs record it); ``None`` in
    single-workspace token mode, where nobody is recorded."""
    if not settings.uses_oauth:
        return None
    assert settings.slack_client_id is not None
    store = SQLAlchemyInstallationStore(client_id=settings.slack_client_id, engine=engine)

    def installer(team_id: str) -> str | None:
        bot = find_bot(store, engine, team_id)
        if bot is None:
            return None
        installation = store.find_installation(
            enterprise_id=bot.enterprise_id, team_id=bot.team_id,
            is_enterprise_install=bot.is_enterprise_install,
        )  # fmt: skip
        return installation.user_id if installation else None

    return installer


def batch_provider(settings: Settings) -> BatchProvider | None:
    """The LLM batch provider the settings choose, or ``None`` (no provider, or no key)."""
    return provider_from_settings(settings)


def build_runtime(settings: Settings, engine: Engine, slack: SlackClients) -> Runtime:
    """The jobs' runtime: the engine, ``slack``, the LLM provider and the configured timings."""
    runtime = Runtime.from_settings(settings, engine, slack, provider=batch_provider(settings))
    runtime.installer = installers(settings, engine)
    return runtime


def runtime_from_settings(settings: Settings, engine: Engine) -> Runtime:
    """The runtime for ``batchscout worker``, ``serve`` and ``digest now``: every installed team."""
    return build_runtime(settings, engine, slack_clients(settings, engine))
