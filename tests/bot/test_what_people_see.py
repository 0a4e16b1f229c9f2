"""What people see, across every journey (registering, App Home, a digest, a knowledge check,
prices, usage, the figures), read from the fake Slack's log: people are mentions or names,
never ids; money per month is written one way; no answer codes in sentences; plurals agree;
a figure is said once in the digest's top message."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from batchscout.audit.latency import Freshness, Mode, Reader, Trigger
from batchscout.services import quizzes as quiz_jobs
from batchscout.services.runtime import Runtime
from batchscout.storage.types import utcnow
from tests.bot.seed import seed, spec
from tests.bot.slack_user import Posted, SlackUsers
from tests.bot.test_quiz_threads import ask_known
from tests.bot.test_registration import asks
from tests.fakes.slack_api import FakeSlack
from tests.jobs.conftest import slack_client

DIGEST = "C0DIGEST"
QUIZ = "C0QUIZ"
WAIT = 30.0
PEOPLE = {"U0TEST": "Tess", "U0ALICE": "Alice", "U0BOB": "Bob", "U0CAROL": "Carol"}

#: A Slack user id shown as text: ``U0ALICE`` not inside a mention ``<@U0ALICE>``.
RAW_ID = re.compile(r"(?<![<@\w])[UW]0[A-Z0-9]{2,}\b")
#: Money per month written any other way than ``$X/month``.
OTHER_MONTHLY = re.compile(r"\$[\d,.]+(?:/mo\b| a month\b| monthly\b| per month\b)")
#: ``$0`` beside ``$0.50``: every amount under $100 shows its cents.
BARE_ZERO = re.compile(r"\$0(?![.\d])")
#: An answer code in a sentence: ``freshness `day```.
ANSWER_CODE = re.compile(
    r"`(?:seconds|minutes|hour|day|week|user|event|schedule|on-screen|later|report|system)`"
)
#: A count whose noun does not agree: ``1 workflows``, ``2 answer``.
BAD_PLURAL = re.compile(
    r"(?<![\d.,$])(?:1 (?:workflows|answers|points|opportunities)|"
    r"(?:[02-9]|\d{2,}) (?:workflow|answer|point|opportunity)(?![\w-]))\b"
)


def texts(value: Any) -> Iterator[str]:
    """Every text a person reads in a message or view: ``text`` fields and the notification
    text, never button values, ids or metadata."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "text" and isinstance(item, str):
                yield item
            elif key not in ("value", "action_id", "block_id", "private_metadata", "url"):
                yield from texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from texts(item)


def everything_shown(slack: FakeSlack) -> list[str]:
    shown: list[str] = []
    for call in slack.calls():
        if call.method in ("chat.postMessage", "chat.update", "chat.postEphemeral", "response_url"):
            shown += texts(
                {"text": call.params.get("text", ""), "blocks": call.params.get("blocks")}
            )
        elif call.method == "views.publish":
            shown += texts(call.params["view"])
    return [text for text in shown if text]


@pytest.fixture
def journeys(users: SlackUsers, slack: FakeSlack, bot_engine: Engine) -> SlackUsers:
    """Every journey, once, against the real app and the fake Slack."""
    for user, name in PEOPLE.items():
        slack.users[user] = {"real_name": name, "profile": {"display_name": name}}
    seed(
        bot_engine,
        spec("Platform enrichment", owner="U0ALICE", requests="400000"),
        spec("Ticket triage", owner="U0BOB", trigger=Trigger.EVENT, reader=Reader.LATER,
             freshness=Freshness.MINUTES, requests="40000"),
        spec("Chat assistant", owner="U0CAROL", trigger=Trigger.USER,
             reader=Reader.ON_SCREEN, freshness=Freshness.SECONDS),
        spec("Contract extraction", owner="U0ALICE", mode=Mode.BATCH),
    )  # fmt: skip
    # Registering, typed, with the owner picked as "me".
    users.command("register")
    for expected, typed in [
        ("What is the workflow called?", "Nightly ticket summaries"),
        ("What does it do?", "skip"),
        ("Who owns it?", "me"),
        ("Which provider", "other"),
        ("How many requests", "50,000 nightly"),
        ("What does one request cost", "$0.01"),
        ("What starts a request?", "cron"),
        ("Who reads the result?", "a report"),
        ("How soon must the result exist?", "within the day"),
        ("Which API does it call today?", "keep"),
        ("Which project (or workspace) and API key", "skip"),
    ]:
        asks(users, expected)
        users.say(typed)
    users.click(asks(users, "Save this workflow?"), "Save")
    # Looking: the figures, one card, prices, usage, the list, App Home.
    for command in ("savings", "show Ticket triage", "prices gpt-4o-mini", "usage", "list"):
        users.command(command)
    users.event({"type": "app_home_opened", "user": "U0TEST", "channel": "DU0TEST", "tab": "home"})
    slack.wait_for("views.publish")
    # A digest, subscribed weekly but asked for now.
    users.command("digest subscribe", channel=DIGEST)
    users.command("digest now", channel=DIGEST)
    slack.wait_for("files.completeUploadExternal", timeout=WAIT)
    # The thread's last part (the week's knowledge check): the digest is whole.
    slack.wait_for(
        "chat.postMessage", lambda c: "knowledge check" in str(c.params).lower(), timeout=WAIT
    )
    # A knowledge check: "7 500" with a no-break space, a word to a lettered one, the reveal.
    ts = ask_known(slack, bot_engine, "savings-nightly-reference")
    users.say("7\u00a0500", user="U0ALICE", channel=QUIZ, thread_ts=ts)
    slack.wait_for("chat.postEphemeral", lambda c: c.params.get("user") == "U0ALICE")
    lettered = ask_known(slack, bot_engine, "classify-nightly-ticket-summaries")
    users.say("cron", user="U0BOB", channel=QUIZ, thread_ts=lettered)
    slack.wait_for("chat.postEphemeral", lambda c: c.params.get("user") == "U0BOB")
    client = slack_client(slack)
    runtime = Runtime(engine=bot_engine, slack=lambda team: client, worker_id="test")
    quiz_jobs.reveal_due(runtime, now=utcnow() + timedelta(hours=25))
    users.command("leaderboard", channel=QUIZ)
    return users


def test_no_raw_user_ids_in_any_slack_text(journeys: SlackUsers, slack: FakeSlack) -> None:
    shown = everything_shown(slack)
    assert any("<@U0TEST>" in text for text in shown)  # the summary's owner: a mention
    raw = [text for text in shown if RAW_ID.search(text)]
    assert raw == []


def test_one_way_to_write_money_no_codes_and_plurals_that_agree(
    journeys: SlackUsers, slack: FakeSlack
) -> None:
    shown = everything_shown(slack)
    assert any("$7,500/month" in text for text in shown)
    for rule in (OTHER_MONTHLY, BARE_ZERO, ANSWER_CODE, BAD_PLURAL):
        broken = [text for text in shown if rule.search(text)]
        assert broken == [], rule.pattern


def test_the_digest_top_message_says_each_figure_once_and_offers_buttons(
    journeys: SlackUsers, slack: FakeSlack
) -> None:
    [top] = [p for p in journeys.posts(DIGEST) if p.thread_ts is None]
    figures = re.findall(r"\$[\d,.]+(?:/month)?|\d+%", top.mrkdwn)
    assert len(figures) == len(set(figures)), figures
    assert "Posted" not in top.mrkdwn  # asked for now: no "Posted Mondays at 09:00"
    assert "Alice" in top.mrkdwn and "<@" not in top.mrkdwn  # named, not pinged
    for label in ("Open App Home", "Show the top workflow", "I moved it"):
        assert top.button(label)


def test_knowledge_check_reads_spaced_thousands_and_hints_a_letter(
    journeys: SlackUsers, slack: FakeSlack
) -> None:
    alice = " ".join(private(slack, "U0ALICE"))
    assert "*Correct*" in alice and "The answer is $7,500" in alice
    assert "reply with a letter" in " ".join(private(slack, "U0BOB"))
    reveals = [t for t in everything_shown(slack) if t.startswith("*Closed.*")]
    # The answer once per reveal: the two asked above state it; the digest's own check, drawn
    # at random, may be a free-text one, whose reveal says what a good answer covers instead.
    assert all(t.count("The answer is") <= 1 for t in reveals)
    assert sum("The answer is" in t for t in reveals) >= 2
    assert not any("0 answers" in t for t in everything_shown(slack))
    board = journeys.reply(f"cmd-{_last_command(slack)}")
    assert "<@U0ALICE>" in board.mrkdwn and "<@U0BOB>" not in board.mrkdwn  # no points, left out


def test_registration_summary_fits_a_phone_with_save_above_the_fold(
    journeys: SlackUsers, slack: FakeSlack
) -> None:
    summary = _summary_card(slack)
    kinds = [block["type"] for block in summary.blocks]
    assert kinds.count("actions") == 1 and len(summary.blocks) <= 7
    save = kinds.index("actions")
    assert save <= 5 and summary.button("Save")
    [menu] = [e for b in summary.blocks if b["type"] == "actions" for e in b["elements"]
              if e["type"] == "static_select"]  # fmt: skip
    assert menu["placeholder"]["text"] == "Change an answer" and len(menu["options"]) >= 10


def private(slack: FakeSlack, user: str) -> list[str]:
    """What ``user`` alone was shown (ephemeral messages), as text."""
    return [
        text
        for call in slack.calls("chat.postEphemeral")
        if call.params.get("user") == user
        for text in texts({"text": call.params.get("text"), "blocks": call.params.get("blocks")})
    ]


def _summary_card(slack: FakeSlack) -> Posted:
    for call in slack.calls("chat.postMessage") + slack.calls("chat.update"):
        if "Save this workflow?" in str(call.params.get("blocks")):
            return Posted("DU0TEST", "x", list(call.params["blocks"]), "")
    raise AssertionError("no summary card")


def _last_command(slack: FakeSlack) -> str:
    paths = [c.path for c in slack.calls("response_url")]
    return max(paths, key=lambda p: int(p.rsplit("-", 1)[1])).rsplit("-", 1)[1]
