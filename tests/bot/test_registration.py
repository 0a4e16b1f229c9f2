"""Registering a workflow in Slack: a conversation in a DM (or a thread), one question at a
time, answered by buttons or typed text, that survives a restart and saves only on Save."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from batchscout.audit.savings import Per
from batchscout.settings import Settings
from batchscout.storage import queries
from batchscout.storage.db import session_scope
from batchscout.storage.models import Workflow
from batchscout.storage.slack_tables import ConversationStatus, RegistrationConversation
from batchscout.storage.types import utcnow
from tests.bot.conftest import BuildServer, engine_on
from tests.bot.limits import assert_within_limits
from tests.bot.slack_user import Posted, SlackUsers
from tests.fakes.slack_api import FakeSlack

DM = "DU0TEST"


def question(users: SlackUsers, channel: str = DM, *, thread_ts: str | None = None) -> Posted:
    """The bot's latest message there, checked against Block Kit's limits."""
    posted = users.last_post(channel, thread_ts=thread_ts)
    assert_within_limits(posted.blocks)
    return posted


def asks(
    users: SlackUsers, text: str, channel: str = DM, *, thread_ts: str | None = None
) -> Posted:
    posted = question(users, channel, thread_ts=thread_ts)
    assert text in posted.mrkdwn, f"expected {text!r} in:\n{posted.mrkdwn}"
    return posted


def stored_workflows(engine: Engine, team: str = "T0TEST") -> dict[str, Workflow]:
    with session_scope(engine) as session:
        return {w.name: w for w in queries.list_workflows(session=session, team_id=team)}


TYPED_NIGHTLY = [
    ("What is the workflow called?", "Nightly ticket summaries"),
    ("What does it do?", "skip"),
    ("Who owns it?", "keep"),
    ("Which provider", "other"),
    ("How many requests", "50,000 nightly"),
    ("What does one request cost", "$0.01"),
    ("What starts a request?", "3"),
    ("Who reads the result?", "a report or dashboard"),
    ("How soon must the result exist?", "within the day"),
    ("Which API does it call today?", "keep"),
    ("Which project (or workspace) and API key", "skip"),
]


def type_answers(users: SlackUsers, script: list[tuple[str, str]], **where: str) -> None:
    channel = where.get("channel", DM)
    thread_ts = where.get("thread_ts")
    user = where.get("user", "U0TEST")
    for expected, typed in script:
        asks(users, expected, channel, thread_ts=thread_ts)
        assert users.say(typed, user=user, channel=channel, thread_ts=thread_ts) == 200


def test_register_by_buttons_in_a_dm(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    reply = users.command("register")
    assert "direct message" in reply.text
    assert slack.last("conversations.open").params["users"] == "U0TEST"

    first = asks(users, "What is the workflow called?")
    assert "one question at a time" in first.mrkdwn
    shown = [element["text"]["text"] for _block, element in first.buttons()]
    assert "Back" not in shown and "Cancel" in shown  # nothing to go back to yet
    users.say("Support digests")
    assert "Back" in [e["text"]["text"] for _b, e in asks(users, "What does it do?").buttons()]
    users.click(asks(users, "What does it do?"), "Skip")
    users.click(asks(users, "Who owns it?"), "Keep the owner")
    users.click(asks(users, "Which provider does it call?"), "OpenAI")
    model_question = asks(users, "Which OpenAI model does it use?")
    offered = [o["text"]["text"] for o in users.options(model_question, "4o-mini")]
    assert "gpt-4o-mini" in offered
    users.select(
        model_question,
        next(
            o["value"]
            for o in users.options(model_question, "4o-mini")
            if o["text"]["text"] == "gpt-4o-mini"
        ),
    )
    users.say(
        "20k/day",
    )
    users.say("2,000 tokens")
    users.say("500")
    users.click(asks(users, "What starts a request?"), "a schedule (cron)")
    users.click(asks(users, "Who reads the result?"), "read later (notification, email, queue)")
    users.click(asks(users, "How soon must the result exist?"), "within the day")
    users.click(asks(users, "Which API does it call today?"), "the synchronous API")
    asks(users, "What share of each request's input is a repeated prefix?")
    users.say("70%")
    users.say("proj_support01 key_digests001")

    card = asks(users, "Save this workflow?")
    assert "scheduled" in card.mrkdwn and "*Saves*\n$" in card.mrkdwn and "/month" in card.mrkdwn
    assert stored_workflows(bot_engine) == {}, "nothing is stored before Save"
    users.click(card, "Save")

    saved = question(users)
    assert saved.ts == card.ts, "the card itself turns into the saved card"
    assert "Saved *Support digests*" in saved.mrkdwn and not saved.buttons()
    workflow = stored_workflows(bot_engine)["Support digests"]
    assert (workflow.model, workflow.owner, str(workflow.latency_class)) == (
        "gpt-4o-mini",
        "U0TEST",
        "scheduled",
    )
    assert (workflow.usage_project, workflow.usage_api_key) == ("proj_support01", "key_digests001")
    assert workflow.cached_share == Decimal("0.7")  # "70%", typed
    home = slack.last("views.publish")
    assert home.params["user_id"] == "U0TEST" and "Support digests" in str(home.params["view"])
    # Answered questions keep their answer as understood and lose their buttons: the kept
    # owner, not "(kept)"; the option's label, not a button value.
    answered = [p for p in users.posts(DM) if "Who owns it?" in p.mrkdwn]
    assert answered and not answered[0].buttons() and "U0TEST" in answered[0].mrkdwn
    assert "(kept)" not in answered[0].mrkdwn
    trigger = next(p for p in users.posts(DM) if "What starts a request?" in p.mrkdwn)
    assert trigger.mrkdwn.endswith("a schedule (cron)")


def test_the_dm_history_shows_answers_as_understood(users: SlackUsers) -> None:
    """Not `3` for a label, not rejected input, not `help`."""
    users.say("register")
    for typed in ["Nightly", "help", "skip", "keep", "3", "back", "openai", "gpt-4o-mini",
                  "50k", "daily", "1 cent", "2000"]:  # fmt: skip
        users.say(typed)

    history = [p.mrkdwn for p in users.posts(DM)]
    providers = [h for h in history if h.startswith("*Which provider does it call?*\n")]
    assert providers[0].endswith("\nGoogle (Gemini, Vertex AI)")
    assert providers[1].endswith("\nOpenAI")
    inputs = [h for h in history if h.startswith("*On average, how many input tokens")]
    assert inputs[0].endswith("(not accepted; asked again below)")
    assert not any(h.endswith("\n1 cent") or h.endswith("\nhelp") for h in history)
    assert any(h.endswith("\nper day") for h in history)  # "daily" understood


def test_register_by_typed_answers_prices_the_reference_case(
    users: SlackUsers, bot_engine: Engine
) -> None:
    users.say("register")
    type_answers(users, TYPED_NIGHTLY)
    card = asks(users, "Save this workflow?")
    assert "$7,500" in card.mrkdwn, card.mrkdwn
    users.say("save")
    workflow = stored_workflows(bot_engine)["Nightly ticket summaries"]
    assert queries.figures_of(workflow).monthly_savings == Decimal(7500)
    assert (workflow.cost_per_request, workflow.per, workflow.owner) == (
        Decimal("0.01"),
        Per.DAY,
        "U0TEST",
    )


def test_wrong_answers_are_explained_and_asked_again(users: SlackUsers) -> None:
    users.say("register")
    users.say("Enrichment")
    users.say("skip")
    users.say("keep")
    users.say("carrier pigeon")
    again = asks(users, "Which provider does it call?")
    assert "is not one of the choices" in again.mrkdwn
    assert again.button("OpenAI")


def test_back_skip_and_cancel(users: SlackUsers, bot_engine: Engine) -> None:
    users.command("register")
    users.say("Weekly report")
    users.click(asks(users, "What does it do?"), "Skip")
    users.click(asks(users, "Who owns it?"), "Back")
    back = asks(users, "What does it do?")
    assert "Skip" in [e["text"]["text"] for _, e in back.buttons()]
    users.say("Summarises the week")
    owner = asks(users, "Who owns it?")
    users.click(owner, "Skip")
    provider = asks(users, "Which provider does it call?")
    assert "Skip" not in [e["text"]["text"] for _, e in provider.buttons()], "provider is required"
    users.say("skip")
    assert "can't be skipped" in asks(users, "Which provider does it call?").mrkdwn
    users.click(question(users), "Cancel")

    assert "Cancelled. Nothing was saved" in question(users).mrkdwn
    assert stored_workflows(bot_engine) == {}
    with session_scope(bot_engine) as session:
        row = session.exec(select(RegistrationConversation)).one()
        assert row.status == ConversationStatus.CANCELLED
    users.say("hello")
    assert "Type `register`" in question(users).mrkdwn


def test_a_restart_in_the_middle_loses_nothing(
    serve: BuildServer, slack: FakeSlack, bot_engine: Engine
) -> None:
    before = SlackUsers(serve().url, slack)
    before.command("register")
    type_answers(before, TYPED_NIGHTLY[:5])
    provider_question = [
        p for p in before.posts(DM, original=True) if "Which provider" in p.mrkdwn
    ][-1]

    # A new process: a new app on the same database.
    after = SlackUsers(serve().url, slack)
    type_answers(after, TYPED_NIGHTLY[5:])
    card = asks(after, "Save this workflow?")
    assert "$7,500" in card.mrkdwn
    # A button from before the restart is recognised as stale.
    after.click(provider_question, "OpenAI")
    assert any("already answered" in text for text in after.ephemerals("U0TEST"))
    after.click(card, "Save")
    assert "Nightly ticket summaries" in stored_workflows(bot_engine)


def test_edit_runs_the_same_conversation_with_current_answers(
    users: SlackUsers, bot_engine: Engine
) -> None:
    users.say("register")
    type_answers(users, TYPED_NIGHTLY)
    users.say("save")

    reply = users.command('edit "nightly TICKET summaries"')
    assert "direct message" in reply.text
    card = asks(users, "Editing *Nightly ticket summaries*")
    # The summary, compact, with one "Change an answer" menu: no walk through ten keeps.
    assert "*Volume*\n50,000 per day" in card.mrkdwn and "Save this workflow?" in card.mrkdwn
    change(users, card, "Description")
    users.say("Summarises yesterday's tickets")
    change(users, asks(users, "Save this workflow?"), "Volume")
    volume = asks(users, "How many requests")
    assert "50,000 per day" in volume.mrkdwn
    users.say("100k/day")
    card = asks(users, "Save this workflow?")
    assert "$15,000" in card.mrkdwn
    users.click(card, "Save")
    workflows = stored_workflows(bot_engine)
    assert list(workflows) == ["Nightly ticket summaries"]
    edited = workflows["Nightly ticket summaries"]
    assert edited.description == "Summarises yesterday's tickets" and edited.requests == 100000


def change(users: SlackUsers, card: Posted, title: str) -> None:
    """Pick the answer titled ``title`` in the summary card's "Change an answer" menu."""
    menu = next(
        e
        for b in card.blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["type"] == "static_select"
    )
    picked = next(o for o in menu["options"] if o["text"]["text"].split(":")[0] == title)
    users.act(
        card,
        {"type": "static_select", "action_id": menu["action_id"], "block_id": "b",
         "selected_option": picked, "action_ts": "1700000000.1"},
        user="U0TEST", team="T0TEST",
    )  # fmt: skip


def test_edit_can_rename_and_never_overwrites_another_workflow(
    users: SlackUsers, bot_engine: Engine
) -> None:
    users.say("register")
    type_answers(users, TYPED_NIGHTLY)
    users.say("save")
    users.say("edit Nightly ticket summaries")
    users.say("change name")
    users.say("Night shift summaries")
    users.click(question(users), "Cancel")
    assert list(stored_workflows(bot_engine)) == ["Nightly ticket summaries"]
    cancelled = question(users).mrkdwn
    assert "Nothing was changed" in cancelled and "starts again" not in cancelled

    users.say("edit Nightly ticket summaries")
    users.say("change name")
    users.say("Night shift summaries")
    users.click(asks(users, "Save this workflow?"), "Save")
    assert list(stored_workflows(bot_engine)) == ["Night shift summaries"]


def test_summary_edit_goes_back_to_one_answer(users: SlackUsers) -> None:
    users.say("register")
    type_answers(users, TYPED_NIGHTLY)
    change(users, asks(users, "Save this workflow?"), "Freshness")
    users.say("within seconds")
    card = asks(users, "Save this workflow?")
    assert "near-real-time" in card.mrkdwn and "batch disguised as stream" in card.mrkdwn


def test_two_people_at_once_never_mix(users: SlackUsers, bot_engine: Engine) -> None:
    users.command("register", user="U0ALICE")
    users.command("register", user="U0BOB")
    users.say("Alice's workflow", user="U0ALICE")
    users.say("Bob's workflow", user="U0BOB")
    alice_q = asks(users, "What does it do?", "DU0ALICE")
    asks(users, "What does it do?", "DU0BOB")
    # Bob pressing Alice's button changes nothing.
    users.click(alice_q, "Skip", user="U0BOB")
    assert any("belongs to someone else" in t for t in users.ephemerals("U0BOB"))
    for user in ("U0ALICE", "U0BOB"):
        type_answers(users, TYPED_NIGHTLY[1:], channel=f"D{user}", user=user)
        users.say("save", user=user)
    workflows = stored_workflows(bot_engine)
    assert sorted(workflows) == ["Alice's workflow", "Bob's workflow"]
    assert workflows["Bob's workflow"].owner == "U0BOB"


def test_one_person_in_two_threads(users: SlackUsers, bot_engine: Engine) -> None:
    users.say("<@UBOT> register", channel="C0ONE", thread_ts="1700000500.000100")
    users.say("<@UBOT> register", channel="C0TWO")
    two_ts = question(users, "C0TWO").thread_ts
    assert two_ts, "a top-level request starts a thread under itself"
    users.say("Thread one", channel="C0ONE", thread_ts="1700000500.000100")
    users.say("Thread two", channel="C0TWO", thread_ts=two_ts)
    type_answers(users, TYPED_NIGHTLY[1:], channel="C0ONE", thread_ts="1700000500.000100")
    asks(users, "What does it do?", "C0TWO", thread_ts=two_ts)
    users.say("save", channel="C0ONE", thread_ts="1700000500.000100")
    assert list(stored_workflows(bot_engine)) == ["Thread one"]
    # Someone else's reply in the thread is not an answer; a stray channel message is ignored.
    users.say("Nonsense", user="U0OTHER", channel="C0TWO", thread_ts=two_ts)
    users.say("register", channel="C0TWO")
    asks(users, "What does it do?", "C0TWO", thread_ts=two_ts)


def test_idle_conversations_expire_with_a_note(users: SlackUsers, bot_engine: Engine) -> None:
    users.say("register")
    users.say("Stale one")
    with session_scope(bot_engine) as session:
        row = session.exec(select(RegistrationConversation)).one()
        row.expires_at = utcnow() - timedelta(minutes=1)
        session.add(row)
    users.say("a description, a day late")
    assert "24 hours" in question(users).mrkdwn
    with session_scope(bot_engine) as session:
        assert (
            session.exec(select(RegistrationConversation)).one().status
            == ConversationStatus.EXPIRED
        )
    assert stored_workflows(bot_engine) == {}


def test_home_button_starts_a_registration(users: SlackUsers, slack: FakeSlack) -> None:
    assert (
        users.event({"type": "app_home_opened", "user": "U0TEST", "channel": DM, "tab": "home"})
        == 200
    )
    view = slack.wait_for("views.publish").params["view"]
    home = Posted(channel=DM, ts="1", blocks=view["blocks"], text="")
    users.click(home, "Register a workflow")
    asks(users, "What is the workflow called?")


def test_starting_again_sets_the_unfinished_one_aside(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    users.say("register")
    users.say("First try")
    unfinished = question(users)
    slack.reset()
    users.send_command("register", channel=DM)  # typed in the DM: no "see your DM" reply
    assert slack.calls("response_url") == []
    assert "set aside" in users.last_post(DM).mrkdwn or any(
        "set aside" in str(c.params) and c.params["ts"] == unfinished.ts
        for c in slack.calls("chat.update")
    )
    asks(users, "What is the workflow called?")
    with session_scope(bot_engine) as session:
        statuses = sorted(r.status for r in session.exec(select(RegistrationConversation)).all())
    assert statuses == [ConversationStatus.ACTIVE, ConversationStatus.REPLACED]


def test_a_periodic_sweep_closes_idle_conversations(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine, settings: Settings
) -> None:
    from batchscout.bot.app import make_web_client
    from batchscout.services.context import Services
    from batchscout.services.registration import expire_idle

    users.say("register")
    waiting = question(users)
    services = Services(engine=bot_engine, settings=settings)
    client = make_web_client(settings, token="xoxb-test")
    assert expire_idle(services=services, client_for_team=lambda team: client) == 0
    closed = expire_idle(
        services=services, client_for_team=lambda team: client, now=utcnow() + timedelta(hours=25)
    )
    assert closed == 1
    update = slack.last("chat.update")
    assert update.params["ts"] == waiting.ts and "24 hours" in str(update.params["blocks"])


def test_many_people_answering_at_the_same_moment(users: SlackUsers, bot_engine: Engine) -> None:
    from concurrent.futures import ThreadPoolExecutor

    people = [f"U0P{i:03d}" for i in range(8)]
    for person in people:
        users.say("register", user=person)

    def name_it(person: str) -> int:
        return users.say(f"Workflow of {person}", user=person)

    with ThreadPoolExecutor(max_workers=len(people)) as pool:
        assert list(pool.map(name_it, people)) == [200] * len(people)
    for person in people:
        asks(users, "What does it do?", f"D{person}")
    with session_scope(bot_engine) as session:
        rows = session.exec(select(RegistrationConversation)).all()
        names = {r.user_id: json.loads(r.state)["answers"]["name"] for r in rows}
    assert names == {person: f"Workflow of {person}" for person in people}


@pytest.fixture
def bot_engine(database_url: str) -> Iterator[Engine]:
    """Bad input on SQLite and on PostgreSQL (some inputs crash only there)."""
    yield from engine_on(database_url)
