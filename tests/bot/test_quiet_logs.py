"""Logs an operator can read: no false warning at start-up, no scheduler chatter every minute,
and `digest now` says why there is no LLM prose in the words of the setting that chose it."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from batchscout.bot.app import build_app, make_web_client
from batchscout.cli.digest import no_prose_reason
from batchscout.logs import configure_logging
from batchscout.settings import Settings
from batchscout.storage.db import make_engine, upgrade
from tests.fakes.slack_api import FakeSlack


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.getLogger("apscheduler").setLevel(logging.NOTSET)


def test_no_client_and_token_warning_at_start_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, restore_logging: None, slack: FakeSlack
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    stream = io.StringIO()
    configure_logging("INFO", stream)
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'l.db'}",
        slack_bot_token="xoxb-test",
        slack_signing_secret="secret",
        slack_api_url=slack.api_url,
    )
    engine = make_engine(settings.database_url)
    upgrade(engine)

    build_app(settings, engine=engine, client=make_web_client(settings, token="xoxb-test"))

    assert "will be unused" not in stream.getvalue()
    engine.dispose()


@pytest.mark.parametrize(("level", "shown"), [("INFO", False), ("DEBUG", True)])
def test_apscheduler_info_lines_only_at_debug(
    level: str, shown: bool, restore_logging: None
) -> None:
    stream = io.StringIO()
    configure_logging(level, stream)

    logging.getLogger("apscheduler.executors.default").info('Running job "tick"')

    assert ("Running job" in stream.getvalue()) is shown


def test_digest_now_without_prose_names_the_setting() -> None:
    chosen = no_prose_reason(Settings(batchscout_llm_provider="none"))
    missing = no_prose_reason(Settings(batchscout_llm_provider="openai", openai_api_key=None))

    assert "BATCHSCOUT_LLM_PROVIDER is none" in chosen and "configured" not in chosen
    assert "OPENAI_API_KEY is not set" in missing
