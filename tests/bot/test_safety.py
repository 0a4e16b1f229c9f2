"""What keeps the bot safe and polite: signatures, retries, bots, unhandled events, errors,
and answering Slack within its 3 seconds in production."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from slack_sdk.http_retry import builtin_handlers
from sqlalchemy import Engine
from sqlmodel import select

from batchscout.storage.db import session_scope
from batchscout.storage.slack_tables import ProcessedEvent, RegistrationConversation
from tests.bot.conftest import BuildServer
from tests.bot.slack_user import SECRET, SlackUsers
from tests.conftest import LogLines
from tests.fakes.signing import JSON, event_body, post, slash_command_body
from tests.fakes.slack_api import FakeSlack


def test_bad_signatures_and_stale_timestamps_are_rejected(
    users: SlackUsers, slack: FakeSlack
) -> None:
    url = f"{users.url}/slack/events"
    body = slash_command_body(text="help", response_url=slack.response_url("x"))
    assert post(url, body, "not-the-secret")[0] == 401
    assert post(url, body, SECRET, timestamp=int(time.time()) - 10 * 60)[0] == 401
    assert post(url, body, SECRET, headers={"X-Slack-Signature": "v0=00"})[0] == 401
    event = event_body(
        {"type": "app_home_opened", "user": "U0TEST", "tab": "home"},
        team_id="T0TEST",
        event_id="Ev1",
    )
    assert post(url, event, "not-the-secret", content_type=JSON)[0] == 401
    assert slack.calls("response_url") == [] and slack.calls("views.publish") == []
    assert post(url, body, SECRET)[0] == 200


def test_a_retried_event_is_processed_once(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    users.say("register")
    slack.reset()
    assert users.say("First answer", event_id="EvSAME") == 200
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert users.say("First answer", event_id="EvSAME", headers=retry) == 200
    assert users.say("First answer", event_id="EvSAME", headers={"X-Slack-Retry-Num": "2"}) == 200
    assert len(slack.calls("chat.postMessage")) == 1, "one answer, one next question"
    with session_scope(bot_engine) as session:
        assert session.exec(select(RegistrationConversation)).one().version == 1
        assert (
            len(
                session.exec(
                    select(ProcessedEvent).where(ProcessedEvent.event_id == "EvSAME")
                ).all()
            )
            == 1
        )


def test_bots_and_the_bot_itself_are_ignored(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    users.say("register")
    slack.reset()
    assert users.say("I am the bot", user="UBOT", extra={"bot_id": "BBOT"}) == 200
    assert users.say("Another bot", extra={"bot_id": "B0OTHER", "subtype": "bot_message"}) == 200
    assert users.say("edited", extra={"subtype": "message_changed"}) == 200
    assert slack.calls("chat.postMessage") == []
    with session_scope(bot_engine) as session:
        assert session.exec(select(RegistrationConversation)).one().version == 0


@pytest.mark.parametrize(
    "event",
    [
        # The Messages tab's first opening now greets (tests/bot/test_questions.py).
        {
            "type": "message",
            "channel": "C0TEST",
            "user": "U0TEST",
            "text": "lunch?",
            "ts": "1.2",
            "channel_type": "channel",
        },
        {
            "type": "reaction_added",
            "user": "U0TEST",
            "reaction": "tada",
            "item": {"type": "message", "channel": "C0TEST", "ts": "1.2"},
        },
        {"type": "member_joined_channel", "user": "U0TEST", "channel": "C0TEST"},
    ],
)
def test_events_that_need_nothing_are_acknowledged(
    users: SlackUsers, slack: FakeSlack, event: dict[str, object]
) -> None:
    assert users.event(event) == 200
    assert [c.method for c in slack.calls() if c.method != "auth.test"] == []


def test_unmatched_interactivity_is_acknowledged(users: SlackUsers) -> None:
    from tests.bot.slack_user import Posted

    link = Posted(
        "C0TEST",
        "1.2",
        [
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "open_docs",
                        "text": {"type": "plain_text", "text": "Docs"},
                        "url": "https://example.com",
                    }
                ],
            }
        ],
        "",
    )
    users.click(link, "Docs")  # asserts a 200


def test_errors_reach_the_user_as_a_sentence_not_a_trace(
    users: SlackUsers, slack: FakeSlack, log_lines: LogLines
) -> None:
    slack.fail("conversations.open", error="cannot_dm_bot")
    reply = users.command("register")
    assert "something went wrong on my side" in reply.text
    assert "Traceback" not in reply.mrkdwn and "cannot_dm_bot" not in reply.mrkdwn
    (line,) = log_lines.named("listener_failed")  # one JSON object, not JSON inside JSON
    assert line["logger"] == "batchscout.bot.safety" and line["level"] == "error"
    assert line["command"] == "/batchscout" and line["error"] == "SlackApiError"
    assert "cannot_dm_bot" in str(line["exception"])
    assert "xoxb" not in log_lines.text and SECRET not in log_lines.text


def test_errors_in_a_dm_are_told_in_the_dm(users: SlackUsers, slack: FakeSlack) -> None:
    users.say("register")
    slack.fail("chat.postMessage", error="internal_error", times=5)
    users.say("A name")
    notice = slack.wait_for("chat.postEphemeral")
    assert notice.params["user"] == "U0TEST" and "something went wrong" in notice.params["text"]


def test_production_mode_acknowledges_first_and_works_after(
    serve: BuildServer, slack: FakeSlack
) -> None:
    users = SlackUsers(serve(work_before_ack=False).url, slack)
    reply = users.command("register")  # waits for the response_url post
    assert "direct message" in reply.text
    slack.wait_for("chat.postMessage", lambda c: "What is the workflow called?" in str(c.params))
    assert users.say("Async name") == 200
    slack.wait_for("chat.postMessage", lambda c: "What does it do?" in str(c.params))


def test_rate_limits_and_server_errors_are_retried(
    users: SlackUsers, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(builtin_handlers, "random", SimpleNamespace(random=lambda: 0.0))
    slack.fail_http("chat.postMessage", status=429, retry_after=0)
    users.command("register")
    statuses = [c.status for c in slack.calls("chat.postMessage")]
    assert statuses == [429, 200]
