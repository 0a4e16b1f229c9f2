"""Settings from a ``.env`` file: what it may set, what wins, and that the example lists it all."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from batchscout.jobs.llm_batch import OpenAIBatchProvider
from batchscout.jobs.wiring import build_runtime
from batchscout.settings import Settings
from batchscout.storage.db import make_engine
from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / ".env.example"


def example_names() -> list[str]:
    """The setting names ``.env.example`` lists (commented out or not)."""
    names = re.findall(r"^#?([A-Z][A-Z0-9_]+)=", EXAMPLE.read_text(encoding="utf-8"), re.M)
    return names


def test_the_example_lists_every_setting_once() -> None:
    """Every setting (and, checked in test_deploy.py, the compose file's own variables)."""
    names = example_names()
    assert {field.upper() for field in Settings.model_fields} <= set(names)
    # Only DATABASE_URL shows two alternatives (SQLite, PostgreSQL).
    assert [n for n in set(names) if names.count(n) > 1] == ["DATABASE_URL"]


def test_the_example_as_a_dotenv_sets_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Copied as is, every line is commented out: the defaults apply."""
    (tmp_path / ".env").write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for field in Settings.model_fields:
        monkeypatch.delenv(field.upper(), raising=False)
    assert Settings() == Settings(_env_file=None)  # type: ignore[call-arg]


def test_dotenv_is_read_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text(
        "SLACK_BOT_TOKEN=xoxb-from-file\n"
        "BATCHSCOUT_QUIZ_HOURS=12\n"
        "DATABASE_URL=sqlite:///file.db\n"
        "SLACK_APP_TOKEN=\n"
        "# BATCHSCOUT_NOISE_FLOOR=99\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    for field in Settings.model_fields:
        monkeypatch.delenv(field.upper(), raising=False)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///env.db")
    settings = Settings()
    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == "xoxb-from-file"
    assert settings.batchscout_quiz_hours == 12
    assert settings.database_url == "sqlite:///env.db"  # the environment wins over the file
    assert settings.slack_app_token is None  # empty means unset
    assert str(settings.batchscout_noise_floor) == "25"  # a commented line sets nothing
    # A keyword argument (how tests build settings) wins over both.
    assert Settings(database_url="sqlite:///kw.db").database_url == "sqlite:///kw.db"


def test_a_provider_key_in_dotenv_reaches_the_sdk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The SDKs read their keys from the process environment, which .env does not touch: the
    runtime hands them what Settings read."""
    (tmp_path / ".env").write_text(
        "BATCHSCOUT_LLM_PROVIDER=openai\nOPENAI_API_KEY=sk-from-file\n"
        "OPENAI_BASE_URL=http://127.0.0.1:9/v1\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "BATCHSCOUT_LLM_PROVIDER"):
        monkeypatch.delenv(name, raising=False)
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    runtime = build_runtime(Settings(), engine, lambda team_id: None)  # type: ignore[arg-type,return-value]
    assert isinstance(runtime.provider, OpenAIBatchProvider)
    client = runtime.provider._client  # the SDK client the provider was built with
    assert client.api_key == "sk-from-file"
    assert str(client.base_url).startswith("http://127.0.0.1:9/v1")
    engine.dispose()


def test_the_command_line_reads_dotenv_from_its_working_directory(tmp_path: Path) -> None:
    """``batchscout`` started in a folder with a .env uses the database the file names."""
    database = tmp_path / "from-dotenv.db"
    (tmp_path / ".env").write_text(f"DATABASE_URL=sqlite:///{database}\n", encoding="utf-8")
    result = run_cli("db", "upgrade", database_url="", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert database.exists()
