"""One start/stop lifecycle for every server run in a thread: the app's HTTP server (waitress)
and the test fakes (the standard library's ``http.server``)."""

from __future__ import annotations

import json
import socket
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Engine

from batchscout.bot.app import build_app
from batchscout.bot.server import HttpServer
from batchscout.serving import ServerThread
from batchscout.settings import Settings
from batchscout.storage.db import make_engine, upgrade
from tests.fakes.slack_api import FakeSlack


def _port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        # As a restarted server binds: connections in TIME_WAIT do not hold the port.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'serving.db'}")
    upgrade(engine)
    return engine


def _server(engine: Engine, slack: FakeSlack, **options: int) -> HttpServer:
    settings = Settings(
        slack_bot_token="xoxb-test", slack_signing_secret="s", slack_api_url=slack.api_url
    )
    return HttpServer(build_app(settings, engine=engine), engine, port=0, **options)


def _health(url: str) -> dict[str, object]:
    with urllib.request.urlopen(f"{url}/healthz", timeout=10) as response:
        return dict(json.loads(response.read()))


def test_the_app_server_answers_in_a_thread_and_releases_its_port(engine: Engine) -> None:
    with FakeSlack() as slack:
        server = _server(engine, slack, threads=2, backlog=64)
        with server:
            assert _health(server.url) == {"ok": True, "database": "ok"}
            # More requests at once than request threads: they queue, none is refused.
            with ThreadPoolExecutor(8) as pool:
                answers = list(pool.map(lambda _: _health(server.url), range(16)))
            assert all(answer["ok"] for answer in answers)
            port = server.port
            assert not _port_is_free(port)
        assert _port_is_free(port)
        server.stop()  # twice is harmless


def test_a_server_never_started_still_releases_its_port(engine: Engine) -> None:
    with FakeSlack() as slack:
        server = _server(engine, slack)
        port = server.port
        server.stop()
    assert _port_is_free(port)


def test_the_fakes_share_the_lifecycle() -> None:
    slack = FakeSlack().start()
    port = slack.port
    with pytest.raises(RuntimeError, match="already started"):
        slack.start()
    slack.stop()
    slack.stop()
    assert _port_is_free(port)


def test_a_server_thread_runs_until_stopped() -> None:
    events: list[str] = []
    stopped = threading.Event()
    thread = ServerThread(
        "loop",
        serve=lambda: (events.append("serving"), stopped.wait(5)),
        shutdown=lambda: (events.append("shutdown"), stopped.set()),
        close=lambda: events.append("closed"),
    )
    with thread:
        assert thread.running
    assert not thread.running
    assert events == ["serving", "shutdown", "closed"]
    with pytest.raises(RuntimeError):
        thread.start()
