"""Many workspaces from one deployment: the install flow stores installations in the app's
database, and each workspace's requests are answered with its own token."""

from __future__ import annotations

import base64
import http.client
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import SecretStr
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import Engine

from batchscout.bot.app import BOT_SCOPES, build_app
from batchscout.bot.server import HttpServer
from batchscout.delivery import messages
from batchscout.settings import Settings
from tests.bot.seed import seed, spec
from tests.bot.slack_user import SECRET, SlackUsers
from tests.fakes.signing import post, slash_command_body
from tests.fakes.slack_api import FakeSlack


@pytest.fixture
def oauth_server(settings: Settings, bot_engine: Engine) -> Iterator[HttpServer]:
    configured = settings.model_copy(
        update={
            "slack_bot_token": None,
            "slack_client_id": "111.222",
            "slack_client_secret": SecretStr("client-secret"),
            "slack_state_secret": SecretStr("state-secret"),
        }
    )
    app = build_app(configured, engine=bot_engine, work_before_ack=True)
    with HttpServer(app, bot_engine, port=0) as server:
        yield server


def get(
    server: HttpServer, path: str, headers: dict[str, str] | None = None
) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def install(server: HttpServer, code: str) -> http.client.HTTPResponse:
    started = get(server, "/slack/install")
    assert started.status == 302
    location = urlsplit(started.getheader("Location") or "")
    query = parse_qs(location.query)
    assert location.netloc == "slack.com" and query["client_id"] == ["111.222"]
    assert query["scope"] == [",".join(BOT_SCOPES)]
    cookie = (started.getheader("Set-Cookie") or "").split(";")[0]
    state = query["state"][0]
    return get(
        server, f"/slack/oauth_redirect?code={code}&state={state}", headers={"Cookie": cookie}
    )


def test_install_stores_the_installation_and_serves_that_workspace(
    oauth_server: HttpServer, slack: FakeSlack, bot_engine: Engine
) -> None:
    slack.oauth_grants["code-b"] = {"team": {"id": "T0BBBB", "name": "Team B"}}
    finished = install(oauth_server, "code-b")
    assert finished.status == 200
    grant = slack.last("oauth.v2.access")
    basic = next(v for k, v in grant.headers.items() if k.lower() == "authorization")
    assert grant.params["code"] == "code-b"
    assert base64.b64decode(basic.removeprefix("Basic ")).decode() == "111.222:client-secret"
    token = grant.response["access_token"]

    store = SQLAlchemyInstallationStore(client_id="111.222", engine=bot_engine)
    bot = store.find_bot(enterprise_id=None, team_id="T0BBBB")
    assert bot is not None and bot.bot_token == token

    seed(bot_engine, spec("B's workflow"), team="T0BBBB")
    users = SlackUsers(oauth_server.url, slack)
    reply = users.command("list", team="T0BBBB")
    assert "B's workflow" in reply.mrkdwn
    users.event({"type": "app_home_opened", "user": "U0TEST", "tab": "home"}, team="T0BBBB")
    assert slack.wait_for("views.publish").token == token


def test_a_forged_or_replayed_state_installs_nothing(
    oauth_server: HttpServer, slack: FakeSlack
) -> None:
    forged_state = "0b6ad0f6-0000-4000-8000-000000000000.0123456789abcdef0123456789abcdef"
    forged = get(
        oauth_server,
        f"/slack/oauth_redirect?code=x&state={forged_state}",
        headers={"Cookie": f"slack-app-oauth-state={forged_state}"},
    )
    assert forged.status >= 400
    assert slack.calls("oauth.v2.access") == []

    started = get(oauth_server, "/slack/install")
    state = parse_qs(urlsplit(started.getheader("Location") or "").query)["state"][0]
    cookie = (started.getheader("Set-Cookie") or "").split(";")[0]
    callback = f"/slack/oauth_redirect?code=code-1&state={state}"
    assert get(oauth_server, callback, headers={"Cookie": cookie}).status == 200
    assert get(oauth_server, callback, headers={"Cookie": cookie}).status >= 400  # single use
    assert len(slack.calls("oauth.v2.access")) == 1


def test_a_workspace_that_never_installed_is_refused(
    oauth_server: HttpServer, slack: FakeSlack
) -> None:
    body = slash_command_body(team_id="T0NEVER", text="list", response_url=slack.response_url())
    status, _, _ = post(f"{oauth_server.url}/slack/events", body, SECRET)
    assert status == 200
    assert slack.last("response_url").params["text"] == messages.NOT_INSTALLED
