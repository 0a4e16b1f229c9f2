"""Security (issue 9): workspace B never reads, changes or lists workspace A's rows, over every
command, action and view; secrets never reach the logs or Slack, failures included.

Every request is a correctly signed one from workspace B (a forged ``block_actions`` naming A's
workflow is signed too: the signature proves it came through Slack, not which rows it may
touch). B names A's workflow, "Zebra secret pipeline", everywhere it can; A's description, owner
and volume must appear in nothing B is sent (B's own words may be echoed back to B), and A's
rows must be unchanged.
"""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from batchscout.bot.listeners.commands.dispatch import SUBCOMMANDS
from batchscout.storage.db import session_scope
from batchscout.storage.digest_tables import DigestSubscription
from batchscout.storage.models import Workflow
from tests.bot.conftest import BuildServer
from tests.bot.seed import seed, spec
from tests.bot.slack_user import SECRET, SlackUsers
from tests.conftest import LogLines
from tests.fakes.signing import (
    JSON,
    event_body,
    interactivity_body,
    post,
    signed_headers,
    slash_command_body,
)
from tests.fakes.slack_api import FakeSlack

A = "T0AAAAAAA"
B = "T0TEST"
SECRET_NAME = "Zebra secret pipeline"
A_OWNER = "U0AOWNER1"
A_DESCRIPTION = "only-workspace-a-knows-this"

#: Every subcommand, with arguments that name A's workflow where it takes one.
COMMANDS = [
    f"{name} {SECRET_NAME}" if name in ("show", "edit", "remove", "migrated") else name
    for name in SUBCOMMANDS
] + [
    "digest preview",
    "digest now",
    "digest unsubscribe",
    f"show {SECRET_NAME.lower()}",
    "list mine",
    "usage",
]
#: Every action id the app listens for, with A's workflow as the value.
ACTIONS = [
    "list_page:next",
    "workflow_edit",
    "workflow_migrated",
    "workflow_flex",
    "workflow_remove_ask",
    "workflow_remove_confirm",
    "workflow_remove_cancel",
    "home_register",
    "answer:save",
    "model_choice",
]
#: Modal submissions, should a listener ever claim them (there are none yet: acknowledged).
VIEWS = ["view_submission", "view_closed"]


def rows_of(engine: Engine, team: str) -> list[str]:
    with session_scope(engine) as session:
        workflows = session.exec(select(Workflow).where(Workflow.team_id == team)).all()
        subscriptions = session.exec(
            select(DigestSubscription).where(DigestSubscription.team_id == team)
        ).all()
        return sorted(w.model_dump_json() for w in workflows) + sorted(
            s.model_dump_json() for s in subscriptions
        )


@pytest.fixture
def two_workspaces(bot_engine: Engine, users: SlackUsers) -> list[str]:
    seed(
        bot_engine,
        spec(SECRET_NAME, owner=A_OWNER, requests="777777", description=A_DESCRIPTION),
        team=A,
    )
    users.command("digest subscribe", channel="C0AAAA", user=A_OWNER, team=A)
    seed(bot_engine, spec("B nightly"), team=B)
    return rows_of(bot_engine, A)


def sent_to_b(slack: FakeSlack) -> str:
    """Everything the app sent to Slack: messages, responses, views, files."""
    return json.dumps([c.params for c in slack.calls()], default=str)


def assert_nothing_of_a(slack: FakeSlack, engine: Engine, before: list[str]) -> None:
    sent = sent_to_b(slack)
    assert A_DESCRIPTION not in sent and A_OWNER not in sent and "777,777" not in sent
    assert rows_of(engine, A) == before


@pytest.mark.parametrize("command", COMMANDS)
def test_no_command_from_b_reaches_a(
    users: SlackUsers,
    slack: FakeSlack,
    bot_engine: Engine,
    two_workspaces: list[str],
    command: str,
) -> None:
    slack.reset()
    users.send_command(command, channel="C0BBBB", user="U0BUSER", team=B)  # answered in-line

    assert_nothing_of_a(slack, bot_engine, two_workspaces)


@pytest.mark.parametrize("action_id", ACTIONS)
def test_no_forged_action_from_b_reaches_a(
    users: SlackUsers,
    slack: FakeSlack,
    bot_engine: Engine,
    two_workspaces: list[str],
    action_id: str,
) -> None:
    slack.reset()
    payload = {
        "type": "block_actions",
        "user": {"id": "U0BUSER", "username": "b", "team_id": B},
        "api_app_id": "A0TEST",
        "token": "verification-token",
        "container": {"type": "message", "message_ts": "1.1", "channel_id": "C0BBBB"},
        "trigger_id": "1.2.fake",
        "team": {"id": B, "domain": "b"},
        "channel": {"id": "C0BBBB", "name": "b"},
        "message": {"type": "message", "ts": "1.1", "text": "", "blocks": []},
        "response_url": slack.response_url("forged"),
        "actions": [
            {
                "action_id": action_id,
                "block_id": "forged",
                "type": "button",
                "value": SECRET_NAME,
                "selected_option": {
                    "value": SECRET_NAME,
                    "text": {"type": "plain_text", "text": SECRET_NAME},
                },
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    status, _, _ = post(f"{users.url}/slack/events", interactivity_body(payload), SECRET)

    assert status == 200
    assert_nothing_of_a(slack, bot_engine, two_workspaces)


@pytest.mark.parametrize("kind", VIEWS)
def test_no_forged_view_from_b_reaches_a(
    users: SlackUsers,
    slack: FakeSlack,
    bot_engine: Engine,
    two_workspaces: list[str],
    kind: str,
) -> None:
    slack.reset()
    payload = {
        "type": kind,
        "team": {"id": B, "domain": "b"},
        "user": {"id": "U0BUSER", "team_id": B},
        "api_app_id": "A0TEST",
        "token": "verification-token",
        "view": {
            "id": "V0FORGED",
            "type": "modal",
            "callback_id": "workflow_edit",
            "private_metadata": json.dumps({"team_id": A, "name": SECRET_NAME}),
            "state": {
                "values": {"name": {"name": {"type": "plain_text_input", "value": SECRET_NAME}}}
            },
        },
    }
    status, _, _ = post(f"{users.url}/slack/events", interactivity_body(payload), SECRET)

    assert status == 200
    assert_nothing_of_a(slack, bot_engine, two_workspaces)


def test_app_home_for_b_shows_nothing_of_a(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine, two_workspaces: list[str]
) -> None:
    slack.reset()
    assert users.event({"type": "app_home_opened", "user": "U0BUSER", "tab": "home"}, team=B) == 200

    assert "B nightly" in json.dumps(slack.last("views.publish").params)
    assert_nothing_of_a(slack, bot_engine, two_workspaces)


# --- Signatures ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "forgery",
    ["missing", "wrong secret", "stale", "tampered body", "no timestamp"],
)
def test_an_unsigned_or_badly_signed_request_is_refused(
    users: SlackUsers, slack: FakeSlack, forgery: str
) -> None:
    url = f"{users.url}/slack/events"
    body = slash_command_body(text="list", team_id=B, response_url=slack.response_url("x"))
    if forgery == "missing":
        status = post(url, body, SECRET, headers={"X-Slack-Signature": ""})[0]
    elif forgery == "wrong secret":
        status = post(url, body, "not-the-secret")[0]
    elif forgery == "stale":
        status = post(url, body, SECRET, timestamp=int(time.time()) - 6 * 60)[0]
    elif forgery == "tampered body":  # signed for one body, sent with another
        headers = signed_headers(body, SECRET)
        status = post(url, body.replace("list", "savings"), SECRET, headers=headers)[0]
    else:
        status = post(url, body, SECRET, headers={"X-Slack-Request-Timestamp": ""})[0]

    assert status == 401
    assert slack.calls("response_url") == []


# --- Secrets never reach logs or Slack ----------------------------------------------------------

BOT_TOKEN = "xoxb-0000-KNOWN-BOT-TOKEN-zz"
SIGNING = "known-signing-secret-9f8e7d"
PROVIDER_KEY = "sk-known-provider-key-abcdef"
ADMIN_KEY = "sk-admin-known-admin-key-123456"


def test_secrets_never_reach_logs_or_slack_on_any_path(
    serve: BuildServer, slack: FakeSlack, bot_engine: Engine, log_lines: LogLines,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("OPENAI_API_KEY", PROVIDER_KEY)
    monkeypatch.setenv("ANTHROPIC_API_KEY", PROVIDER_KEY)
    monkeypatch.setenv("OPENAI_ADMIN_KEY", ADMIN_KEY)
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", ADMIN_KEY)
    server = serve(slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING)
    users = SlackUsers(server.url, slack, secret=SIGNING)
    seed(bot_engine, spec("Nightly"), team=B)
    # Failures too: Slack refusing, rate limiting and erroring on the paths we drive.
    slack.fail("chat.postMessage", error="invalid_auth", times=2)
    slack.fail_http("views.publish", status=500, times=3)
    slack.fail("conversations.info", error="channel_not_found")
    for command in ["help", "list", "savings", "show Nightly", "digest subscribe",
                    "digest now", "digest preview", "quiz", "import", "prices gpt-4o",
                    "register", "nonsense \u202e <!channel>", "usage"]:  # fmt: skip
        users.send_command(command, channel="C0BBBB", user="U0BUSER", team=B)
    users.event({"type": "app_home_opened", "user": "U0BUSER", "tab": "home"}, team=B)
    users.say("Nightly", user="U0BUSER", channel="D0BUSER")
    post(f"{users.url}/slack/events", slash_command_body(text="list"), "wrong-secret")
    post(
        f"{users.url}/slack/events",
        event_body({"type": "app_uninstalled"}, team_id=B, event_id="EvGone"),
        SIGNING,
        content_type=JSON,
    )

    captured = log_lines.text + sent_to_b(slack)
    assert captured  # something was logged and sent: the scan has material
    for secret in (BOT_TOKEN, SIGNING, PROVIDER_KEY, ADMIN_KEY):
        assert secret not in captured
        assert secret[-12:] not in captured  # not even a tail
