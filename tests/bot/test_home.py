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


def test_figures_top_opportunities_with_buttons_and_every_workflow(
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
    for viewer in ("U0TEST", "U0OTHER"):  # the workspace's, not only the viewer's own
        home = open_home(users, slack, user=viewer)
        assert "Migrate now*\n$7,500/month" in home.mrkdwn
        assert "1. *Nightly ticket summaries* saves *$7,500/month*" in home.mrkdwn
        assert home.button("Show") and home.button("Mark as moved to batch")
        workflows = home.mrkdwn.split("*Workflows*")[1]
        assert "(2)" in workflows
        assert "Nightly ticket summaries" in workflows and "Ticket triage" in workflows


def published_view(slack: FakeSlack) -> dict[str, Any]:
    view: dict[str, Any] = slack.wait_for("views.publish").params["view"]
    assert_within_limits(view["blocks"], home=True)
    return view


def mrkdwn_of(view: dict[str, Any]) -> str:
    return Posted("D0", "home", view["blocks"], "").mrkdwn


def test_workflows_filter_by_owner_and_latency_class(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    seed(
        bot_engine,
        spec("Nightly ticket summaries", owner="U0TEST"),
        spec("Ticket triage", owner="U0OTHER", trigger=Trigger.EVENT, reader=Reader.LATER,
             freshness=Freshness.MINUTES),
    )  # fmt: skip
    open_home(users, slack)
    view = published_view(slack)
    slack.reset()
    users.act_in_view(view, {"type": "users_select", "action_id": "home_filter_owner",
                             "selected_user": "U0OTHER"})  # fmt: skip
    view = published_view(slack)
    listed = mrkdwn_of(view).split("*Workflows*")[1]
    assert "owned by <@U0OTHER> (1)" in listed
    assert "Ticket triage" in listed and "Nightly ticket summaries" not in listed
    slack.reset()
    users.act_in_view(view, {"type": "static_select", "action_id": "home_filter_class",
                             "selected_option": {"value": "scheduled"}})  # fmt: skip
    view = published_view(slack)
    assert "No workflow matches these filters" in mrkdwn_of(view)
    slack.reset()
    users.act_in_view(view, {"type": "button", "action_id": "home_filter_clear"})
    assert "(2)" in mrkdwn_of(published_view(slack)).split("*Workflows*")[1]


def test_500_workflows_are_paged_within_the_home_tab_limits(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    seed(bot_engine, *(spec(f"Workflow {i:03d} " + "&" * 70) for i in range(500)))
    home = open_home(users, slack)
    assert "*Workflows* (500)" in home.mrkdwn and "1–10 of 500 workflows" in home.mrkdwn
    view = published_view(slack)
    slack.reset()
    users.act_in_view(view, {"type": "button", "action_id": "home_page:next", "value": "1"})
    assert "11–20 of 500 workflows" in mrkdwn_of(published_view(slack))


def test_show_and_mark_as_moved_from_home_answer_in_the_dm_with_an_undo(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    seed(bot_engine, spec("Nightly ticket summaries", owner="U0TEST"))
    open_home(users, slack)
    view = published_view(slack)
    users.act_in_view(view, {"type": "button", "action_id": "workflow_show",
                             "value": "Nightly ticket summaries"})  # fmt: skip
    card = slack.wait_for("chat.postMessage")
    assert card.params["channel"] == "DU0TEST"
    assert "Nightly ticket summaries" in str(card.params["blocks"])
    slack.reset()
    users.act_in_view(view, {"type": "button", "action_id": "workflow_migrated",
                             "value": "Nightly ticket summaries"})  # fmt: skip
    moved = slack.wait_for("chat.postMessage")
    assert "Marked *Nightly ticket summaries* as moved" in str(moved.params["blocks"])
    assert "1. *Nightly ticket summaries*" not in mrkdwn_of(published_view(slack))
    undo = Posted("DU0TEST", moved.response["ts"], moved.params["blocks"], "")
    _block, element = undo.button("Undo")
    slack.reset()
    users.act(undo, {"type": "button", "action_id": element["action_id"], "block_id": "b",
                     "value": element["value"], "text": element["text"]},
              user="U0TEST", team="T0TEST")  # fmt: skip
    assert "1. *Nightly ticket summaries*" in mrkdwn_of(published_view(slack))


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
