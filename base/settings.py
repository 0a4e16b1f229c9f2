"""Configuration from the environment, read when the app starts, never at import time."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from batchscout.defaults import (
    DEFAULT_DATABASE_URL,
    HTTP_BACKLOG,
    HTTP_THREADS,
    LISTENER_THREADS,
)

#: The environment file read from the working directory, if it exists.
ENV_FILE = ".env"


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
    batchscout_noise_floor: Decimal = Decimal(25)
    batchscout_quiz_hours: float = 24.0

    # The providers' own variables: read here so that a value in .env reaches the SDK too.
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

    @property
    def llm_enabled(self) -> bool:
        """Whether a provider is chosen and its API key is set."""
        key = {"openai": self.openai_api_key, "anthropic": self.anthropic_api_key}
        return key.get(self.batchscout_llm_provider) is not None

    def llm_environ(self) -> dict[str, str]:
        """The SDKs' own variables (``OPENAI_API_KEY``, ``ANTHROPIC_BASE_URL``...) that are set,
        wherever they came from (environment or ``.env``)."""
        values = {
            "OPENAI_API_KEY": self.openai_api_key,
            "ANTHROPIC_API_KEY": self.anthropic_api_key,
            "OPENAI_BASE_URL": self.openai_base_url,
            "ANTHROPIC_BASE_URL": self.anthropic_base_url,
        }
        return {
            name: value.get_secret_value() if isinstance(value, SecretStr) else value
            for name, value in values.items()
            if value
        }
