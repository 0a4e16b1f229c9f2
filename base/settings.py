"""Configuration from the environment, read when the app starts, never at import time.

One validated :class:`Settings`; which secrets each way of running needs (:class:`Mode`) is
decided here once (:meth:`Settings.problems`), and so is whether an LLM can be used
(:meth:`Settings.llm`). Nothing else of ours reads the environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from batchscout.defaults import (
    DEFAULT_DATABASE_URL,
    HTTP_BACKLOG,
    HTTP_THREADS,
    LISTENER_THREADS,
    NOISE_FLOOR,
)

#: The environment file read from the working directory, if it exists.
ENV_FILE = ".env"

LlmProvider = Literal["anthropic", "openai"]


class Mode(StrEnum):
    """A way of running Batchscout, each needing its own Slack secrets (SPEC.md, "Contract").

    ``socket``: ``serve`` over Socket Mode, one workspace (bot and app-level tokens).
    ``http``: ``serve --http``, one workspace with a bot token, or many through the install flow
    (client id, client secret, state secret); the signing secret either way.
    ``worker``: the scheduler (``worker``, ``digest now``) posting as the bot token, or as each
    workspace's stored installation when the install flow is configured.
    """

    SOCKET = "socket"
    HTTP = "http"
    WORKER = "worker"


class SettingsError(ValueError):
    """A setting this mode needs is missing or malformed; the message says which and where
    to find it in Slack's app settings."""


BOT_TOKEN_NEEDED = "SLACK_BOT_TOKEN is required (OAuth & Permissions → Bot User OAuth Token)."
BOT_TOKEN_OR_INSTALL_FLOW = (
    "SLACK_BOT_TOKEN is required (OAuth & Permissions → Bot User OAuth Token), or "
    "SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET for the install flow."
)
APP_TOKEN_NEEDED = (
    "SLACK_APP_TOKEN is required for Socket Mode (Basic Information → App-Level Tokens, scope "
    "connections:write); or serve over HTTP with --http."
)


@dataclass(frozen=True, slots=True)
class InstallFlow:
    """What Bolt's OAuth install flow needs (``SLACK_CLIENT_ID``, ``SLACK_CLIENT_SECRET``,
    ``SLACK_STATE_SECRET``, which signs the OAuth state)."""

    client_id: str
    client_secret: str = field(repr=False)
    state_secret: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class LlmAccess:
    """What the batch provider's SDK client is built with: the provider's own variables
    (``OPENAI_API_KEY`` / ``ANTHROPIC_API_KEY``, ``…_BASE_URL``) as Settings read them, from the
    environment or ``.env``. ``model`` is ``BATCHSCOUT_DIGEST_MODEL`` (``None``: the default)."""

    provider: LlmProvider
    api_key: str = field(repr=False)
    base_url: str | None
    model: str | None


class Settings(BaseSettings):
    """Every setting Batchscout reads (SPEC.md, "Contract"). Environment names are the field
    names in upper case (``DATABASE_URL``, ``SLACK_BOT_TOKEN``...).

    Where a value comes from, first match wins: keyword arguments (tests), the process
    environment, then ``.env`` in the working directory (``NAME=value`` lines; a missing file is
    fine), then the default. An empty value counts as unset (``SLACK_APP_TOKEN=`` in a compose
    file or ``.env`` means the default). ``.env.example`` lists every setting.
    """

    model_config = SettingsConfigDict(
        env_file=ENV_FILE,
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        case_sensitive=False,
    )

    database_url: str = DEFAULT_DATABASE_URL

    # Slack
    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_state_secret: SecretStr | None = None

    # LLM provider for digest prose and free-text grading (SDKs read their own keys/base URLs)
    batchscout_llm_provider: Literal["anthropic", "openai", "none"] = "none"
    batchscout_digest_model: str | None = None
    batchscout_digest_lead_hours: float = 24.0
    batchscout_misfire_grace_hours: float = 6.0
    batchscout_noise_floor: Decimal = NOISE_FLOOR
    batchscout_quiz_hours: float = 24.0

    # The providers' own variables: read here (and only here) so that a value in .env reaches
    # the SDK too; see llm().
    openai_api_key: SecretStr | None = None
    anthropic_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    anthropic_base_url: str | None = None

    # Organisation admin keys for the usage and cost reports (single-workspace installs), and
    # the Fernet key that encrypts the keys stored per workspace (multi-workspace installs).
    openai_admin_key: SecretStr | None = None
    anthropic_admin_key: SecretStr | None = None
    batchscout_secret_key: SecretStr | None = None

    batchscout_log_level: str = "INFO"

    # `serve --http`: request threads (each verifies and acks), the listen backlog, and the
    # threads that run listeners' work after the ack (Bolt's listener pool).
    batchscout_http_threads: int = Field(default=HTTP_THREADS, ge=1, le=256)
    batchscout_http_backlog: int = Field(default=HTTP_BACKLOG, ge=1, le=65535)
    batchscout_listener_threads: int = Field(default=LISTENER_THREADS, ge=1, le=256)

    # `mcp --http`: the bearer token every MCP request must carry (Authorization: Bearer …).
    batchscout_mcp_token: SecretStr | None = None
    # Questions asked in the bot's DM: the model answering them synchronously with tools
    # (default: BATCHSCOUT_DIGEST_MODEL, else the provider's default), and how many questions
    # one person may ask a minute.
    batchscout_assistant_model: str | None = None
    batchscout_questions_per_minute: int = Field(default=5, ge=1, le=600)

    @property
    def uses_oauth(self) -> bool:
        """Whether the install flow is configured: a client id and a client secret are set.

        (Bolt itself switches to the install flow when it sees ``SLACK_CLIENT_ID`` and
        ``SLACK_CLIENT_SECRET``, so the same two decide here; the state secret is then required.)
        """
        return bool(self.slack_client_id and self.slack_client_secret)

    def problems(self, mode: Mode) -> list[str]:
        """What is missing or malformed to run in ``mode``, one sentence each (empty: ready)."""
        problems: list[str] = []
        bot_token = _value(self.slack_bot_token)
        if bot_token and not bot_token.startswith("xoxb-"):
            problems.append("SLACK_BOT_TOKEN must be a bot token (it starts with xoxb-).")
        if self.slack_client_id and not self.slack_client_secret:
            problems.append(
                "SLACK_CLIENT_ID is set without SLACK_CLIENT_SECRET; set both, or neither."
            )
        if self.slack_client_secret and not self.slack_client_id:
            problems.append(
                "SLACK_CLIENT_SECRET is set without SLACK_CLIENT_ID; set both, or neither."
            )
        if mode is Mode.HTTP:
            if self.slack_signing_secret is None:
                problems.append(
                    "SLACK_SIGNING_SECRET is required with --http (Basic Information → App "
                    "Credentials → Signing Secret): it proves requests come from Slack."
                )
            if self.uses_oauth and self.slack_state_secret is None:
                problems.append(
                    "SLACK_STATE_SECRET is required for the install flow (SLACK_CLIENT_ID and "
                    "SLACK_CLIENT_SECRET are set): any long random string, kept secret."
                )
        if mode is Mode.SOCKET:
            app_token = _value(self.slack_app_token)
            if not app_token:
                problems.append(APP_TOKEN_NEEDED)
            elif not app_token.startswith("xapp-"):
                problems.append(
                    "SLACK_APP_TOKEN must be an app-level token (it starts with xapp-)."
                )
            if self.uses_oauth:
                problems.append(
                    "Socket Mode serves one workspace with SLACK_BOT_TOKEN: unset SLACK_CLIENT_ID "
                    "and SLACK_CLIENT_SECRET, or use --http for the install flow."
                )
        if not bot_token and (mode is Mode.SOCKET or not self.uses_oauth):
            problems.append(BOT_TOKEN_NEEDED if mode is Mode.SOCKET else BOT_TOKEN_OR_INSTALL_FLOW)
        return problems

    def bot_token(self) -> str:
        """The bot token of single-workspace mode; raises :class:`SettingsError` when unset."""
        token = _value(self.slack_bot_token)
        if not token:
            raise SettingsError(BOT_TOKEN_NEEDED)
        return token

    def app_token(self) -> str:
        """The app-level token Socket Mode connects with; raises :class:`SettingsError`."""
        token = _value(self.slack_app_token)
        if not token:
            raise SettingsError(APP_TOKEN_NEEDED)
        return token

    def install_flow(self) -> InstallFlow:
        """The install flow's credentials; raises :class:`SettingsError` naming what is unset."""
        client_id = self.slack_client_id or ""
        secret, state = _value(self.slack_client_secret), _value(self.slack_state_secret)
        named = (("SLACK_CLIENT_ID", client_id), ("SLACK_CLIENT_SECRET", secret))
        missing = [name for name, value in (*named, ("SLACK_STATE_SECRET", state)) if not value]
        if missing:
            raise SettingsError(f"The install flow needs {', '.join(missing)}.")
        return InstallFlow(client_id, secret, state)

    def llm(self) -> LlmAccess | None:
        """The LLM for digest prose and free-text grading: ``None`` when
        ``BATCHSCOUT_LLM_PROVIDER`` is ``none`` or the chosen provider's API key is not set."""
        provider = self.batchscout_llm_provider
        if provider == "none":
            return None
        key, base_url = {
            "openai": (self.openai_api_key, self.openai_base_url),
            "anthropic": (self.anthropic_api_key, self.anthropic_base_url),
        }[provider]
        if not _value(key):
            return None
        return LlmAccess(provider, _value(key), base_url or None, self.batchscout_digest_model)

    @property
    def llm_enabled(self) -> bool:
        """Whether a provider is chosen and its API key is set."""
        return self.llm() is not None


def _value(secret: SecretStr | None) -> str:
    return secret.get_secret_value() if secret is not None else ""
