"""Slack that stays inside the company (SPEC): Slack Connect channels get no channel-visible
answer, Enterprise Grid org-wide installs key rows by the workspace the request happened in,
and paused digests say so. Through the real Bolt app, signed requests and the fake Slack."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from batchscout.storage import boundaries
from batchscout.storage import digests as store
from batchscout.storage.db import session_scope
from batchscout.storage.digest_tables import DigestRun, DigestSubscription, SubscriptionStatus
from batchscout.storage.quiz_tables import QuizQuestion
from tests.bot.seed import seed, spec
from tests.bot.slack_user import SlackUsers
from tests.fakes.signing import JSON, event_body, post
from tests.fakes.slack_api import FakeSlack

SHARED = "C0CONNECT"


def subscriptions(engine: Engine) -> list[DigestSubscription]:
    with session_scope(engine) as session:
        rows = list(session.exec(select(DigestSubscription)).all())
        for row in rows:
            session.expunge(row)
        return rows


def paused_subscription(engine: Engine) -> None:
    """C0DIGEST's digest, paused because its channel was archived."""
    with session_scope(engine) as session:
        subscription = store.subscribe(
            session=session, team_id="T0TEST", channel_id="C0DIGEST", subscriber_id="U0SUB",
            weekday=0, hour=9, minute=0, timezone="UTC",
        )  # fmt: skip
        assert subscription.id is not None
        store.pause_subscription(
            session=session, subscription_id=subscription.id, reason="is_archived"
        )


@pytest.mark.parametrize("flag", ["is_ext_shared", "is_pending_ext_shared"])
def test_a_digest_is_not_subscribed_in_a_channel_shared_with_another_company(
    flag: str, users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    slack.channels[SHARED] = {flag: True}

    answer = users.command("digest subscribe friday 16:30", channel=SHARED)

    assert "shared with another organisation" in answer.mrkdwn
    assert subscriptions(bot_engine) == []
    assert [c for c in slack.calls("chat.postMessage") if c.params["channel"] == SHARED] == []


@pytest.mark.parametrize("text", ["quiz", "digest now"])
def test_nothing_channel_visible_is_posted_in_a_shared_channel(
    text: str, users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    seed(bot_engine, spec("Nightly ticket summaries"))
    slack.channels[SHARED] = {"is_ext_shared": True}

    answer = users.command(text, channel=SHARED)

    assert "shared with another organisation" in answer.mrkdwn
    assert [c for c in slack.calls("chat.postMessage") if c.params["channel"] == SHARED] == []
    with session_scope(bot_engine) as session:
        assert session.exec(select(QuizQuestion)).all() == []
        assert session.exec(select(DigestRun)).all() == []


@pytest.mark.parametrize("text", ["savings", "usage", "list", "leaderboard"])
def test_figures_asked_for_in_a_shared_channel_go_only_to_the_person_who_asked(
    text: str, users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    seed(bot_engine, spec("Nightly ticket summaries"))
    slack.channels[SHARED] = {"is_ext_shared": True}

    name = users.send_command(text, channel=SHARED)
    users.reply(name)

    answers = [c for c in slack.calls("response_url") if c.path.endswith(f"/{name}")]
    assert answers and all(c.params.get("response_type") == "ephemeral" for c in answers)
    assert [c for c in slack.calls("chat.postMessage") if c.params["channel"] == SHARED] == []


def test_an_operator_may_allow_one_shared_channel_on_purpose(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    slack.channels[SHARED] = {"is_ext_shared": True}
    with session_scope(bot_engine) as session:
        boundaries.allow_shared(session=session, team_id="T0TEST", channel_id=SHARED)

    answer = users.command("digest subscribe", channel=SHARED)

    assert "Subscribed" in answer.mrkdwn
    assert [s.channel_id for s in subscriptions(bot_engine)] == [SHARED]


def test_digest_now_in_a_paused_channel_says_so_and_posts_nothing(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    paused_subscription(bot_engine)

    answer = users.command("digest now", channel="C0DIGEST")

    assert "paused" in answer.mrkdwn and "is_archived" in answer.mrkdwn
    assert slack.calls("chat.postMessage") == []
    with session_scope(bot_engine) as session:
        assert session.exec(select(DigestRun)).all() == []


# -- Enterprise Grid --------------------------------------------------------------------


def org_wide(event: dict[str, Any], *, workspace: str, sender_team: str, event_id: str) -> str:
    """An Events API envelope as an org-wide install receives it: the authorization names the
    organisation only; ``context_team_id`` is the workspace where the event happened."""
    body = json.loads(event_body(event, team_id=sender_team, event_id=event_id))
    body["enterprise_id"] = "E0ORG"
    body["context_team_id"] = workspace
    body["context_enterprise_id"] = "E0ORG"
    body["is_ext_shared_channel"] = sender_team != workspace
    body["authorizations"] = [
        {
            "enterprise_id": "E0ORG",
            "team_id": None,
            "user_id": "UBOT",
            "is_bot": True,
            "is_enterprise_install": True,
        }
    ]
    return json.dumps(body)


def open_home(users: SlackUsers, slack: FakeSlack, body: str) -> str:
    slack.reset()
    status, _, _ = post(f"{users.url}/slack/events", body, users.secret, content_type=JSON)
    assert status == 200
    return json.dumps(slack.wait_for("views.publish").params["view"])


def test_an_org_wide_install_keys_app_home_by_the_workspace_it_opened_in(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    seed(bot_engine, spec("Nightly ticket summaries"), team="T0AAAA")
    seed(bot_engine, spec("Other workspace's secret"), team="T0BBBB")
    event = {"type": "app_home_opened", "user": "U0TEST", "channel": "DU0TEST", "tab": "home"}

    home_a = open_home(
        users, slack, org_wide(event, workspace="T0AAAA", sender_team="T0AAAA", event_id="Ev1")
    )
    home_b = open_home(
        users, slack, org_wide(event, workspace="T0BBBB", sender_team="T0BBBB", event_id="Ev2")
    )

    assert "Nightly ticket summaries" in home_a and "secret" not in home_a
    assert "Other workspace" in home_b and "Nightly ticket summaries" not in home_b
    with session_scope(bot_engine) as session:  # the worker can find the org-wide install
        assert boundaries.enterprise_of(session=session, team_id="T0AAAA") == "E0ORG"


def test_in_a_shared_channel_the_installed_workspace_is_used_never_the_senders_team(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    seed(bot_engine, spec("Nightly ticket summaries"), team="T0TEST")
    seed(bot_engine, spec("Sender's own workflow"), team="T0OTHER")
    event = {"type": "app_home_opened", "user": "U0TEST", "channel": "DU0TEST", "tab": "home"}
    body = json.loads(event_body(event, team_id="T0OTHER", event_id="Ev3"))
    body["is_ext_shared_channel"] = True
    body["authorizations"][0]["team_id"] = "T0TEST"

    home = open_home(users, slack, json.dumps(body))

    assert "Nightly ticket summaries" in home and "Sender's own" not in home


def test_a_second_subscriber_is_told_what_changes_and_the_floor_is_kept(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    users.command("digest subscribe monday 16:30", channel="C0DIGEST", user="U0FIRST")
    users.command("digest floor 500", channel="C0DIGEST", user="U0FIRST")

    answer = users.command("digest subscribe friday", channel="C0DIGEST", user="U0SECOND")

    assert "<@U0FIRST>" in answer.mrkdwn and "Fridays" in answer.mrkdwn
    [subscription] = subscriptions(bot_engine)
    assert subscription.weekday == 4 and (subscription.hour, subscription.minute) == (16, 30)
    assert subscription.subscriber_id == "U0FIRST"
    assert str(subscription.noise_floor) in ("500", "500.00")
    assert subscription.status == SubscriptionStatus.ACTIVE


@pytest.mark.parametrize(
    ("event", "resumes"),
    [
        ({"type": "member_joined_channel", "user": "UBOT", "channel": "C0DIGEST"}, True),
        ({"type": "member_joined_channel", "user": "U0SOMEONE", "channel": "C0DIGEST"}, False),
        ({"type": "channel_unarchive", "user": "U0SOMEONE", "channel": "C0DIGEST"}, True),
    ],
)
def test_a_paused_digest_resumes_when_the_bot_is_invited_back_or_the_channel_unarchived(
    event: dict[str, Any], resumes: bool, users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    paused_subscription(bot_engine)

    assert users.event(event) == 200

    [row] = subscriptions(bot_engine)
    assert (row.status == SubscriptionStatus.ACTIVE) is resumes


@pytest.mark.parametrize(
    ("words", "slot"),
    [("friday 9am", (4, 9, 0)), ("9:30 pm", (0, 21, 30)), ("tuesday 12:15 am", (1, 0, 15))],
)
def test_the_12_hour_clock_is_understood(
    words: str, slot: tuple[int, int, int], users: SlackUsers, bot_engine: Engine
) -> None:
    answer = users.command(f"digest subscribe {words}", channel="C0DIGEST")

    assert "Subscribed" in answer.mrkdwn
    [row] = subscriptions(bot_engine)
    assert (row.weekday, row.hour, row.minute) == slot


@pytest.mark.parametrize(("words", "says"), [("9:3", "two digits"), ("weekdays", "weekly")])
def test_a_time_or_day_it_cannot_take_gets_a_clear_answer(
    words: str, says: str, users: SlackUsers, bot_engine: Engine
) -> None:
    answer = users.command(f"digest subscribe {words}", channel="C0DIGEST")

    assert says in answer.mrkdwn and subscriptions(bot_engine) == []
