"""Configuration from the environment, read when the app starts, never at import time."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from batchscout.defaults import DEFAULT_DATABASE_URL


class Settings(BaseSettings):
    """Every setting Batchscout reads (SPEC.md, "Contract"). Environment names are the field
    names in upper case (``DATABASE_URL``, ``SLACK_BOT_TOKEN``...)."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

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

    # The providers' own key variables, read here only to know whether an LLM can be used.
    openai_api_key: SecretStr | None = None
    anthropic_api_key: SecretStr | None = None

    batchscout_log_level: str = "INFO"

    @property
    def llm_enabled(self) -> bool:
        """Whether a provider is chosen and its API key is set."""
        key = {"openai": self.openai_api_key, "anthropic": self.anthropic_api_key}
        return key.get(self.batchscout_llm_provider) is not None
