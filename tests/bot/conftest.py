"""A real Bolt app behind a real HTTP server on loopback, a fake Slack Web API, and a
temporary SQLite database per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from slack_bolt import App
from sqlalchemy import Engine

from batchscout.bot.app import build_app
from batchscout.bot.server import HttpServer
from batchscout.services.background import Background
from batchscout.settings import Settings
from batchscout.storage.db import make_engine, upgrade
from tests.bot.slack_user import SECRET, SlackUsers
from tests.fakes.slack_api import FakeSlack


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def bot_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def settings(slack: FakeSlack, tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'bot.db'}",
        slack_bot_token="xoxb-test",
        slack_signing_secret=SECRET,
        slack_api_url=slack.api_url,
    )


BuildServer = Callable[..., HttpServer]


@pytest.fixture
def serve(settings: Settings, bot_engine: Engine) -> Iterator[BuildServer]:
    """Start the app (built like ``serve`` builds it) on a free port; stopped after the test."""
    servers: list[HttpServer] = []

    def start(
        *,
        work_before_ack: bool = True,
        background: Background | None = None,
        **overrides: object,
    ) -> HttpServer:
        # Validated like the environment would be (model_copy would skip it: a key stays a str).
        configured = Settings(_env_file=None, **{**dict(settings), **overrides})  # type: ignore[call-arg, arg-type]
        app: App = build_app(
            configured,
            engine=bot_engine,
            work_before_ack=work_before_ack,
            background=background,
        )
        server = HttpServer(app, bot_engine, port=0).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def users(serve: BuildServer, slack: FakeSlack) -> SlackUsers:
    """People in Slack, talking to a freshly started bot."""
    return SlackUsers(serve().url, slack)


def engine_on(database_url: str) -> Iterator[Engine]:
    """The app's database at ``database_url``, upgraded; for modules whose bad-input scenarios
    run on PostgreSQL as well as SQLite (they override ``bot_engine`` with ``database_url``)."""
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()
