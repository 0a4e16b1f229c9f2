"""Follow-through in Slack, through signed requests against the real Bolt app and the fake
Slack: an owner's follow-up DM, Accept (a modal with a date), Snooze, Dismiss (a modal; a
person waiting on screen re-classifies), Already moved, the audit's answers, Claim; then
``opportunities --json``, App Home and the next digest show it all."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine

from batchscout.audit.latency import Freshness, LatencyClass, Mode, Reader, Trigger
from batchscout.audit.savings import Per
from batchscout.delivery.clients import make_web_client
from batchscout.services.digests import preview_content
from batchscout.services.followups import send_followups
from batchscout.services.opportunities import opportunities_report
from batchscout.services.runtime import Runtime
from batchscout.settings import Settings
from batchscout.storage import queries
from batchscout.storage.db import session_scope
from batchscout.storage.types import utcnow
from tests.bot.seed import seed, spec
from tests.bot.slack_user import TEAM, Posted, SlackUsers
from tests.conftest import run_cli
from tests.fakes.signing import interactivity_body, post
from tests.fakes.slack_api import FakeSlack

ALICE, BOB, CAROL = "U0ALICE", "U0BOB", "U0CAROL"
DM = f"D{ALICE}"


@pytest.fixture
def owned(bot_engine: Engine) -> Engine:
    """Alice owns four workflows with savings and one near-real-time one; one is unowned."""
    seed(
        bot_engine,
        spec("Nightly summaries", owner=ALICE),  # batch, $7,500/month
        spec("Weekly digest", requests="70000", per=Per.WEEK, owner=ALICE),
        spec("Hourly anomalies", requests="20000", owner=ALICE),
        spec("Invoice tagging", requests="10000", owner=ALICE),
        spec("Ticket triage", requests="5000", trigger=Trigger.EVENT, reader=Reader.LATER,
             freshness=Freshness.MINUTES, owner=ALICE),
        spec("Orphan job", requests="8000", owner=None),
    )  # fmt: skip
    return bot_engine


def send(engine: Engine, slack: FakeSlack, *, days_later: int = 0) -> Posted:
    """The operator's ``followups send``; the DM Alice got (the latest)."""
    client = make_web_client(Settings(slack_api_url=slack.api_url), token="xoxb-test")
    run = send_followups(engine=engine, client=client, team_id=TEAM,
                         now=utcnow() + timedelta(days=days_later), noise_floor=Decimal(25),
                         scheduled=False)  # fmt: skip
    assert [s.owner for s in run.sent or []] == [ALICE]
    call = [c for c in slack.calls("chat.postMessage") if c.ok and c.params["channel"] == DM][-1]
    return Posted(DM, str(call.response["ts"]), list(call.params["blocks"]), call.params["text"])


def digest_follow_through(engine: Engine, slack: FakeSlack, *, days_later: int = 0) -> str:
    """The next digest's Follow-through (its thread reply), as the blocks' JSON."""
    web = make_web_client(Settings(slack_api_url=slack.api_url), token="xoxb-test")
    runtime = Runtime.from_settings(Settings(slack_api_url=slack.api_url), engine,
                                    lambda team: web, provider=None)  # fmt: skip
    content = preview_content(runtime, team_id=TEAM, channel_id="C0DIGEST",
                              now=utcnow() + timedelta(days=days_later))  # fmt: skip
    return json.dumps(next(m for m in content.thread if m.text == "Follow-through").blocks)


def dm(users: SlackUsers) -> Posted:
    """Alice's follow-up as it stands now (after every chat.update)."""
    return users.posts(DM)[-1]


def element(
    message: Posted, action_id: str, workflow: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ``action_id`` element of ``workflow``'s item (its line precedes its buttons)."""
    for before, block in zip(message.blocks, message.blocks[1:], strict=False):
        if block.get("type") == "actions" and workflow in json.dumps(before):
            for found in block["elements"]:
                if found["action_id"] == action_id:
                    return block, found
    raise AssertionError(f"no {action_id} for {workflow} in {message.mrkdwn}")


def press(
    users: SlackUsers, message: Posted, action_id: str, workflow: str, *, user: str = ALICE,
    option: int | None = None, retry: bool = False,
) -> str:  # fmt: skip
    block, found = element(message, action_id, workflow)
    action: dict[str, Any] = {"action_id": action_id, "block_id": block["block_id"],
                              "type": found["type"], "action_ts": "1700000000.1"}  # fmt: skip
    if option is not None:
        action["selected_option"] = found["options"][option]
    else:
        action["value"] = found["value"]
    if not retry:
        return users.act(message, action, user=user, team=TEAM)
    return _act_retried(users, message, action, user)


def _act_retried(users: SlackUsers, message: Posted, action: dict[str, Any], user: str) -> str:
    """The same click delivered again, as Slack's retry (``X-Slack-Retry-Num``)."""
    name = "retried"
    payload = _payload(users, message, action, user, name)
    status, _, _ = post(f"{users.url}/slack/events", interactivity_body(payload), users.secret,
                        headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})  # fmt: skip
    assert status == 200
    return name


def _payload(
    users: SlackUsers, message: Posted, action: dict[str, Any], user: str, name: str
) -> dict[str, Any]:
    return {
        "type": "block_actions", "user": {"id": user, "team_id": TEAM}, "api_app_id": "A0TEST",
        "container": {"type": "message", "message_ts": message.ts, "channel_id": message.channel,
                      "is_ephemeral": False},
        "trigger_id": "1.2.fake", "team": {"id": TEAM, "domain": "fake"},
        "channel": {"id": message.channel}, "response_url": users.slack.response_url(name),
        "message": {"type": "message", "ts": message.ts, "text": message.text,
                    "blocks": message.blocks},
        "actions": [action],
    }  # fmt: skip


def opened_view(slack: FakeSlack) -> dict[str, Any]:
    return dict(slack.last("views.open").params["view"])


def submit(
    users: SlackUsers, view: dict[str, Any], values: dict[str, Any], *, user: str = ALICE
) -> dict[str, Any]:
    """Submit a modal with ``values`` (block id → the action's state); Slack's answer."""
    state = {}
    for block in view["blocks"]:
        if block.get("type") == "input":
            state[block["block_id"]] = {
                block["element"]["action_id"]: values.get(block["block_id"], {})
            }
    payload = {
        "type": "view_submission", "user": {"id": user, "team_id": TEAM}, "api_app_id": "A0TEST",
        "team": {"id": TEAM, "domain": "fake"}, "trigger_id": "1.3.fake",
        "view": {**view, "id": "V1", "state": {"values": state}},
    }  # fmt: skip
    status, _, raw = post(f"{users.url}/slack/events", interactivity_body(payload), users.secret)
    assert status == 200, status
    return json.loads(raw) if raw.strip() else {}


def report(engine: Engine) -> dict[str, dict[str, Any]]:
    with session_scope(engine) as session:
        found = opportunities_report(session=session, team_id=TEAM)
    return {o["workflow"]: o for o in found["opportunities"]}


def ephemeral_to(slack: FakeSlack, name: str) -> str:
    call = slack.wait_for("response_url", lambda c: c.path.endswith(f"/{name}"))
    return str(call.params.get("text"))


def test_an_owner_decides_everything_in_the_dm(
    owned: Engine, users: SlackUsers, slack: FakeSlack
) -> None:
    today = utcnow().date()
    message = send(owned, slack)
    assert "Nightly summaries" in message.mrkdwn and "Ticket triage" in message.mrkdwn

    # Accept: a modal with a date picker, 30 days out by default; a past date is refused in it.
    press(users, message, "opportunity_accept", "Nightly summaries")
    view = opened_view(slack)
    picker = view["blocks"][1]["element"]
    assert (picker["type"], picker["initial_date"]) == (
        "datepicker",
        (today + timedelta(days=30)).isoformat(),
    )
    past = (today - timedelta(days=1)).isoformat()
    refused = submit(users, view, {"due": {"type": "datepicker", "selected_date": past}})
    assert refused["response_action"] == "errors" and "in the past" in refused["errors"]["due"]
    assert report(owned)["Nightly summaries"]["status"] == "open"
    due = (today + timedelta(days=3)).isoformat()
    assert submit(users, view, {"due": {"type": "datepicker", "selected_date": due}}) == {}
    assert f"Accepted by <@{ALICE}>, due {due}" in dm(users).mrkdwn

    # Snooze: 2 weeks; the same choice again, retried by Slack, changes nothing more.
    press(users, dm(users), "opportunity_snooze", "Weekly digest", option=0)
    until = (today + timedelta(days=14)).isoformat()
    assert f"Snoozed by <@{ALICE}> until {until}" in dm(users).mrkdwn
    press(users, message, "opportunity_snooze", "Weekly digest", option=0, retry=True)
    assert [h["to"] for h in report(owned)["Weekly digest"]["history"]] == ["open", "snoozed"]

    # Dismiss: a modal with the reason as radio buttons and a note; a reason is required.
    press(users, dm(users), "opportunity_dismiss", "Hourly anomalies")
    view = opened_view(slack)
    reasons = [o["value"] for o in view["blocks"][1]["element"]["options"]]
    assert reasons == ["needs_realtime", "not_worth_it", "blocked", "other"]
    assert submit(users, view, {})["errors"]["reason"]
    choice = {"type": "radio_buttons", "selected_option": {"value": "needs_realtime"}}
    note = {"type": "plain_text_input", "value": "the <on-call> dashboard"}
    assert submit(users, view, {"reason": choice, "note": note}) == {}
    assert "re-classified real-time" in dm(users).mrkdwn
    with session_scope(owned) as session:
        hourly = queries.get_workflow(session=session, team_id=TEAM, name="Hourly anomalies")
        assert hourly is not None and hourly.latency_class is LatencyClass.REAL_TIME

    # Already moved: to flex is refused (a cost per request has no flex price), then batch.
    name = press(users, dm(users), "opportunity_moved", "Invoice tagging", option=1)
    assert "has no flex price" in ephemeral_to(slack, name)
    press(users, dm(users), "opportunity_moved", "Invoice tagging", option=0)
    assert f"Marked as moved to batch by <@{ALICE}>" in dm(users).mrkdwn
    with session_scope(owned) as session:
        moved = queries.get_workflow(session=session, team_id=TEAM, name="Invoice tagging")
        assert moved is not None and moved.mode is Mode.BATCH

    # The monthly audit: it can wait an hour: re-classified scheduled, a batch opportunity.
    press(users, dm(users), "audit_wait_hour", "Ticket triage")
    assert f"<@{ALICE}> answered: it can wait an hour" in dm(users).mrkdwn
    assert report(owned)["Ticket triage"]["action"] == "batch"

    # Someone else clicks an item Alice decided: the current state, only to them, no change.
    name = press(users, message, "opportunity_snooze", "Nightly summaries", user=BOB, option=2)
    assert f"already decided: :white_check_mark: Accepted by <@{ALICE}>" in ephemeral_to(
        slack, name
    )
    # A refusal: snoozing work whose opportunity is gone. One sentence, only to the clicker.
    name = press(users, message, "opportunity_snooze", "Hourly anomalies", option=0)
    assert "no longer open to decide" in ephemeral_to(slack, name)
    # Alice's own old button on an item she has since moved: its current state, no change.
    press(users, message, "opportunity_snooze", "Invoice tagging", option=0)
    assert f"Marked as moved to batch by <@{ALICE}>" in dm(users).mrkdwn

    after = report(owned)
    assert {n: (o["status"], o["due"], o["snoozed_until"]) for n, o in after.items()} == {
        "Nightly summaries": ("accepted", due, None),
        "Weekly digest": ("snoozed", None, until),
        "Invoice tagging": ("done", None, None),
        "Ticket triage": ("open", None, None),
        "Orphan job": ("open", None, None),
    }
    assert [(h["by"], h["to"]) for h in after["Nightly summaries"]["history"]] == [
        ("system", "open"), (ALICE, "accepted")]  # fmt: skip

    # App Home: Alice's own opportunities with where each stands.
    published = len(slack.calls("views.publish"))
    users.event({"type": "app_home_opened", "user": ALICE, "tab": "home"})
    slack.wait_for("views.publish", lambda c: len(slack.calls("views.publish")) > published)
    home = slack.calls("views.publish")[-1]
    assert home.params["user_id"] == ALICE
    shown = json.dumps(home.params["view"]["blocks"])
    assert "Your opportunities* (4)" in shown
    assert f"due {due}" in shown and f"until {until}" in shown and "moved to batch" in shown
    assert "opportunity_accept" in shown  # Ticket triage is open: the buttons

    # The next digest's Follow-through, and Claim for the unowned workflow.
    said = digest_follow_through(owned, slack)
    assert "accepted 1 ($7,500/month)" in said and "done 1" in said and "dismissed 1" in said
    assert "Orphan job" in said and "opportunity_claim" in said
    digest = Posted("C0DIGEST", "1700000100.000100", json.loads(said), "Follow-through")
    users.click(digest, "Claim", user=CAROL)
    claimed = slack.wait_for("chat.update", lambda c: c.params.get("channel") == "C0DIGEST")
    assert f"claimed by <@{CAROL}>" in json.dumps(claimed.params["blocks"])
    assert report(owned)["Orphan job"]["owner"] == CAROL


@pytest.mark.slow  # a real subprocess
def test_opportunities_json_after_clicks(
    owned: Engine, users: SlackUsers, slack: FakeSlack, settings: Settings
) -> None:
    message = send(owned, slack)
    press(users, message, "opportunity_moved", "Nightly summaries", option=0)
    printed = run_cli("opportunities", "--team", TEAM, "--json",
                      database_url=settings.database_url, check=True)  # fmt: skip
    nightly = next(o for o in json.loads(printed.stdout)["opportunities"]
                   if o["workflow"] == "Nightly summaries")  # fmt: skip
    assert nightly["status"] == "done"
    assert [(h["by"], h["to"], h["note"]) for h in nightly["history"]][-1] == (
        ALICE,
        "done",
        "moved to batch",
    )


def test_opportunities_command_and_followups_modal(
    owned: Engine, users: SlackUsers, slack: FakeSlack
) -> None:
    listed = users.command("opportunities", user=ALICE)
    assert "6 opportunities" in listed.mrkdwn
    names = [b["text"]["text"] for b in listed.blocks if b.get("type") == "section"]
    assert names[0].startswith("*Nightly summaries*")  # the largest first
    assert "opportunity_accept" in json.dumps(listed.blocks)

    users.send_command("followups", user=ALICE)
    view = opened_view(slack)
    assert view["blocks"][1]["element"]["initial_option"]["value"] == "tuesday"
    day = {"type": "static_select", "selected_option": {"value": "thursday"}}
    off = {"type": "radio_buttons", "selected_option": {"value": "off"}}
    assert submit(users, view, {"day": day, "switch": off}) == {}
    saved = slack.wait_for("chat.postEphemeral", lambda c: "off" in str(c.params.get("text")))
    assert saved.params["user"] == ALICE
    users.send_command("followups", user=ALICE)
    again = opened_view(slack)
    assert again["blocks"][1]["element"]["initial_option"]["value"] == "thursday"
    assert again["blocks"][2]["element"]["initial_option"]["value"] == "off"


def test_the_list_redraws_in_place_and_a_double_click_decides_once(
    owned: Engine, users: SlackUsers, slack: FakeSlack
) -> None:
    listed = users.command("opportunities", user=ALICE)
    first = press(users, listed, "opportunity_moved", "Nightly summaries", option=0)
    redrawn = users.reply(first)
    assert f"Marked as moved to batch by <@{ALICE}>" in redrawn.mrkdwn
    second = press(users, listed, "opportunity_moved", "Nightly summaries", option=0)
    assert f"Marked as moved to batch by <@{ALICE}>" in users.reply(second).mrkdwn
    history = report(owned)["Nightly summaries"]["history"]
    assert [h["to"] for h in history] == ["open", "done"]

    # Accept from the list: the modal's submission redraws the list through its response URL.
    third = press(users, listed, "opportunity_accept", "Weekly digest")
    due = (utcnow().date() + timedelta(days=9)).isoformat()
    submit(users, opened_view(slack), {"due": {"type": "datepicker", "selected_date": due}})
    assert f"Accepted by <@{ALICE}>, due {due}" in users.reply(third).mrkdwn
    # A note longer than 500 characters is refused in the Dismiss modal.
    press(users, listed, "opportunity_dismiss", "Hourly anomalies")
    choice = {"type": "radio_buttons", "selected_option": {"value": "blocked"}}
    long = {"type": "plain_text_input", "value": "x" * 501}
    errors = submit(users, opened_view(slack), {"reason": choice, "note": long})["errors"]
    assert "at most 500" in errors["note"]
    assert report(owned)["Hourly anomalies"]["status"] == "open"


def test_audit_answers_and_claims(owned: Engine, users: SlackUsers, slack: FakeSlack) -> None:
    message = send(owned, slack)
    press(users, message, "audit_still_needed", "Ticket triage")
    assert "a person still needs it within five minutes" in dm(users).mrkdwn
    assert report(owned)["Ticket triage"]["action"] != "batch"

    before = len(slack.calls("chat.postMessage"))
    press(users, message, "audit_change_answers", "Ticket triage")
    # The edit conversation starts in Alice's DM, about that workflow.
    asked = slack.calls("chat.postMessage")[before:]
    assert asked and asked[0].params["channel"] == DM
    assert "Ticket triage" in json.dumps(asked[0].params)

    # Two people claim the same unowned workflow: the first becomes its owner.
    runtime_blocks = [{"type": "section", "block_id": "unowned-6",
                       "text": {"type": "mrkdwn", "text": "*Orphan job*"},
                       "accessory": {"type": "button", "action_id": "opportunity_claim",
                                     "text": {"type": "plain_text", "text": "Claim"},
                                     "value": '{"workflow":6}'}}]  # fmt: skip
    digest = Posted("C0DIGEST", "1700000100.000100", runtime_blocks, "Follow-through")
    users.click(digest, "Claim", user=CAROL)
    late = users.click(digest, "Claim", user=BOB)
    assert f"already claimed by <@{CAROL}>" in ephemeral_to(slack, late)
    assert report(owned)["Orphan job"]["owner"] == CAROL


def test_deciding_on_app_home_redraws_it(
    owned: Engine, users: SlackUsers, slack: FakeSlack
) -> None:
    users.event({"type": "app_home_opened", "user": ALICE, "tab": "home"})
    home = slack.wait_for("views.publish", lambda c: c.params.get("user_id") == ALICE)
    tab = Posted("", "", list(home.params["view"]["blocks"]), "")
    block, found = element(tab, "opportunity_snooze", "Nightly summaries")
    payload = {
        "type": "block_actions", "user": {"id": ALICE, "team_id": TEAM}, "api_app_id": "A0TEST",
        "container": {"type": "view", "view_id": "V0HOME"}, "trigger_id": "1.2.fake",
        "team": {"id": TEAM, "domain": "fake"}, "view": {"id": "V0HOME", "type": "home"},
        "actions": [{"action_id": found["action_id"], "block_id": block["block_id"],
                     "type": "static_select", "selected_option": found["options"][1]}],
    }  # fmt: skip
    published = len(slack.calls("views.publish"))
    status, _, _ = post(f"{users.url}/slack/events", interactivity_body(payload), users.secret)
    assert status == 200
    slack.wait_for("views.publish", lambda c: len(slack.calls("views.publish")) > published)
    until = (utcnow().date() + timedelta(days=30)).isoformat()
    assert f"until {until}" in json.dumps(slack.calls("views.publish")[-1].params["view"])


def test_re_running_sends_nothing_and_eight_days_later_only_what_is_due(
    owned: Engine, users: SlackUsers, slack: FakeSlack
) -> None:
    message = send(owned, slack)
    press(users, message, "opportunity_accept", "Nightly summaries")
    due = (utcnow().date() + timedelta(days=3)).isoformat()
    submit(users, opened_view(slack), {"due": {"type": "datepicker", "selected_date": due}})
    press(users, message, "opportunity_snooze", "Weekly digest", option=0)
    press(users, message, "opportunity_moved", "Hourly anomalies", option=0)
    press(users, message, "opportunity_moved", "Invoice tagging", option=0)
    press(users, message, "audit_still_needed", "Ticket triage")

    client = make_web_client(Settings(slack_api_url=slack.api_url), token="xoxb-test")
    again = send_followups(engine=owned, client=client, team_id=TEAM, now=utcnow(),
                           noise_floor=Decimal(25), scheduled=False)  # fmt: skip
    assert again.sent == []

    later = send(owned, slack, days_later=8)
    assert "Nightly summaries" in later.mrkdwn and "overdue" in later.mrkdwn
    assert "Weekly digest" not in later.mrkdwn and "Hourly anomalies" not in later.mrkdwn
    # The digest then names the overdue acceptance's owner.
    said = digest_follow_through(owned, slack, days_later=8)
    overdue = next(b["text"]["text"] for b in json.loads(said)
                   if "Accepted and overdue" in b.get("text", {}).get("text", ""))  # fmt: skip
    assert f"*Nightly summaries*: $7,500/month, due {due} · <@{ALICE}>" in overdue
