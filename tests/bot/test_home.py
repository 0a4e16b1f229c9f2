"""The App Home tab: the workspace's figures, top opportunities, your own workflows and the
Register button; drawn on open and after every change."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from batchscout.audit.latency import Freshness, Reader, Trigger
from tests.bot.limits import assert_within_limits
from tests.bot.seed import seed, spec
from tests.bot.slack_user import Posted, SlackUsers
from tests.fakes.slack_api import FakeSlack


def open_home(
    users: SlackUsers, slack: FakeSlack, user: str = "U0TEST", team: str = "T0TEST"
) -> Posted:
    slack.reset()
    assert (
        users.event(
            {"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": "home"},
            team=team,
        )
        == 200
    )
    call = slack.wait_for("views.publish")
    assert call.params["user_id"] == user
    view: dict[str, Any] = call.params["view"]
    assert view["type"] == "home"
    assert_within_limits(view["blocks"], home=True)
    return Posted(f"D{user}", "home", view["blocks"], "")


def test_an_empty_workspace(users: SlackUsers, slack: FakeSlack) -> None:
    home = open_home(users, slack)
    assert "No workflows are registered" in home.mrkdwn
    assert home.button("Register a workflow")


def test_figures_opportunities_and_your_own_workflows(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    seed(
        bot_engine,
        spec("Nightly ticket summaries", owner="U0TEST"),
        spec(
            "Ticket triage",
            owner="U0OTHER",
            trigger=Trigger.EVENT,
            reader=Reader.LATER,
            freshness=Freshness.MINUTES,
        ),
    )
    home = open_home(users, slack)
    assert "Migrate now*\n$7,500/mo" in home.mrkdwn
    assert "1. *Nightly ticket summaries* saves *$7,500*/mo" in home.mrkdwn
    assert "*Your workflows* (1)" in home.mrkdwn
    mine = home.mrkdwn.split("*Your workflows*")[1]
    assert "Nightly ticket summaries" in mine and "Ticket triage" not in mine
    assert "*Your workflows* (1)" in open_home(users, slack, user="U0OTHER").mrkdwn


def test_500_workflows_stay_within_the_home_tab_limits(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    seed(bot_engine, *(spec(f"Workflow {i:03d} " + "&" * 70) for i in range(500)))
    home = open_home(users, slack)
    assert "*Your workflows* (500)" in home.mrkdwn and "And 475 more" in home.mrkdwn


def test_the_edit_button_starts_an_edit_in_the_dm(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    seed(bot_engine, spec("Nightly ticket summaries"))
    home = open_home(users, slack)
    users.click(home, "Edit")
    question = slack.wait_for("chat.postMessage")
    assert question.params["channel"] == "DU0TEST"
    assert "Editing *Nightly ticket summaries*" in str(question.params["blocks"])


def test_each_workspace_sees_its_own(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    seed(bot_engine, spec("A's workflow"), team="T0TEST")
    home = open_home(users, slack, team="T0BBBB")
    assert "A's workflow" not in home.mrkdwn and "No workflows are registered" in home.mrkdwn
