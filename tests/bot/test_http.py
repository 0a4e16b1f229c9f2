"""The HTTP side: ``/healthz``, unknown paths, and the client's retry configuration."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from urllib.error import HTTPError

from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from sqlalchemy import Engine

from batchscout.bot.app import build_app, make_web_client
from batchscout.bot.server import HttpServer
from batchscout.settings import Settings
from batchscout.storage.db import make_engine
from tests.bot.slack_user import SlackUsers


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except HTTPError as error:
        with error:
            return error.code, error.read()


def test_healthz_reports_the_database(users: SlackUsers) -> None:
    status, body = get(f"{users.url}/healthz")
    assert (status, json.loads(body)) == (200, {"ok": True, "database": "ok"})


def test_healthz_says_503_when_the_database_is_unreachable(
    settings: Settings, bot_engine: Engine, tmp_path: Path
) -> None:
    app = build_app(settings, engine=bot_engine)
    unreachable = make_engine(f"sqlite:///{tmp_path / 'missing' / 'nowhere.db'}")
    with HttpServer(app, unreachable, port=0) as server:
        status, body = get(f"{server.url}/healthz")
    assert (status, json.loads(body)) == (503, {"ok": False, "database": "unreachable"})


def test_other_paths_are_404_and_oauth_paths_need_the_install_flow(users: SlackUsers) -> None:
    assert get(f"{users.url}/nothing")[0] == 404
    assert get(f"{users.url}/slack/install")[0] == 404


def test_the_web_client_uses_slack_api_url_and_retries(settings: Settings) -> None:
    client = make_web_client(settings, token="xoxb-test")
    assert client.base_url == settings.slack_api_url
    kinds = {type(handler) for handler in client.retry_handlers}
    assert {
        RateLimitErrorRetryHandler,
        ServerErrorRetryHandler,
        ConnectionErrorRetryHandler,
    } <= kinds
