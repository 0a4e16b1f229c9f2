"""One validated Settings: which secrets each mode needs, and the LLM, decided in one place."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from batchscout.settings import Mode, Settings, SettingsError

ROOT = Path(__file__).resolve().parent.parent
SOURCE_FOLDERS = ("base", "audit", "storage", "delivery", "services", "bot", "jobs", "cli")

BOT = {"slack_bot_token": "xoxb-1-2-abc"}
APP = {"slack_app_token": "xapp-1-A1-abc"}
SIGNING = {"slack_signing_secret": "0123abcd"}
INSTALL_FLOW = {
    "slack_client_id": "111.222",
    "slack_client_secret": "shh",
    "slack_state_secret": "a-long-random-string",
}
UNSET = {
    "slack_bot_token": None,
    "slack_app_token": None,
    "slack_signing_secret": None,
    "slack_client_id": None,
    "slack_client_secret": None,
    "slack_state_secret": None,
    "openai_api_key": None,
    "anthropic_api_key": None,
}


def settings(**values: object) -> Settings:
    """Settings from these values only: nothing from the machine's environment or .env."""
    return Settings(_env_file=None, **{**UNSET, **values})  # type: ignore[call-arg, arg-type]


@pytest.mark.parametrize(
    ("mode", "values"),
    [
        (Mode.SOCKET, BOT | APP),
        (Mode.HTTP, BOT | SIGNING),
        (Mode.HTTP, INSTALL_FLOW | SIGNING),
        (Mode.WORKER, BOT),
        (Mode.WORKER, INSTALL_FLOW),
    ],
)
def test_each_mode_is_ready_with_its_own_secrets(mode: Mode, values: dict[str, str]) -> None:
    assert settings(**values).problems(mode) == []


@pytest.mark.parametrize(
    ("mode", "values", "expected"),
    [
        (Mode.SOCKET, BOT, ["SLACK_APP_TOKEN is required for Socket Mode"]),
        (Mode.SOCKET, APP, ["SLACK_BOT_TOKEN is required"]),
        (Mode.SOCKET, BOT | {"slack_app_token": "xoxb-1"}, ["must be an app-level token"]),
        (Mode.SOCKET, BOT | APP | INSTALL_FLOW, ["Socket Mode serves one workspace"]),
        (Mode.HTTP, BOT, ["SLACK_SIGNING_SECRET is required with --http"]),
        (Mode.HTTP, SIGNING, ["SLACK_BOT_TOKEN is required", "install flow"]),
        (
            Mode.HTTP,
            SIGNING | INSTALL_FLOW | {"slack_state_secret": None},
            ["SLACK_STATE_SECRET is required"],
        ),
        (Mode.HTTP, SIGNING | {"slack_bot_token": "xoxp-1"}, ["must be a bot token"]),
        (Mode.WORKER, {}, ["SLACK_BOT_TOKEN is required"]),
        (Mode.WORKER, {"slack_client_id": "1.2"}, ["without SLACK_CLIENT_SECRET"]),
    ],
)
def test_a_missing_or_malformed_secret_is_one_sentence_naming_it(
    mode: Mode, values: dict[str, str], expected: list[str]
) -> None:
    problems = settings(**values).problems(mode)
    assert problems, f"{mode} with {sorted(values)} should not be ready"
    for fragment in expected:
        assert any(fragment in problem for problem in problems), (fragment, problems)


def test_secrets_are_handed_out_only_when_set() -> None:
    with pytest.raises(SettingsError, match="SLACK_BOT_TOKEN is required"):
        settings().bot_token()
    with pytest.raises(SettingsError, match="SLACK_APP_TOKEN is required"):
        settings().app_token()
    with pytest.raises(SettingsError, match="needs SLACK_CLIENT_SECRET, SLACK_STATE_SECRET"):
        settings(slack_client_id="1.2").install_flow()
    flow = settings(**INSTALL_FLOW).install_flow()
    assert (flow.client_id, flow.client_secret, flow.state_secret) == tuple(INSTALL_FLOW.values())
    assert "shh" not in repr(flow) and "a-long-random" not in repr(flow)
    assert settings(**BOT).bot_token() == BOT["slack_bot_token"]


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_the_llm_is_the_chosen_provider_with_its_own_key_and_base_url(provider: str) -> None:
    other = "anthropic" if provider == "openai" else "openai"
    chosen = settings(
        batchscout_llm_provider=provider,
        batchscout_digest_model="small-model",
        **{
            f"{provider}_api_key": "sk-mine",
            f"{provider}_base_url": "http://127.0.0.1:9/v1",
            f"{other}_api_key": "sk-other",
        },
    )
    access = chosen.llm()
    assert access is not None and chosen.llm_enabled
    assert (access.provider, access.api_key, access.base_url, access.model) == (
        provider,
        "sk-mine",
        "http://127.0.0.1:9/v1",
        "small-model",
    )
    assert "sk-mine" not in repr(access)
    without_key = settings(batchscout_llm_provider=provider, **{f"{other}_api_key": "sk-other"})
    assert without_key.llm() is None and not without_key.llm_enabled
    assert settings(batchscout_llm_provider="none", openai_api_key="sk-x").llm() is None


def test_the_noise_floor_default_is_written_once() -> None:
    from batchscout.defaults import NOISE_FLOOR

    assert settings().batchscout_noise_floor == NOISE_FLOOR
    offenders = [
        str(path.relative_to(ROOT))
        for folder in SOURCE_FOLDERS
        for path in (ROOT / folder).rglob("*.py")
        if path.name != "defaults.py"
        and re.search(r"noise_floor.*Decimal\(\s*[\"']?25\b", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_nothing_but_settings_reads_the_environment() -> None:
    """Keys, tokens and options come through Settings (environment or .env), never os.environ."""
    offenders = [
        str(path.relative_to(ROOT))
        for folder in SOURCE_FOLDERS
        for path in (ROOT / folder).rglob("*.py")
        if re.search(r"os\.environ|os\.getenv|getenv\(", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
