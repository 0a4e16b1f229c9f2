"""Render what a person sees in Slack, as text: a registration DM, a weekly digest and a
knowledge check, driven through the real Bolt app against the recording fake Slack.

    .venv/bin/python bench/render_slack.py > /tmp/slack.txt

Run from the repository root (it uses the test suite's fakes). Messages are shown in their
final state (``chat.update`` replaces the original, as Slack does); ephemeral messages are
marked with the person who sees them, reactions with the message they are on.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from batchscout.audit.inventory import parse_csv
from batchscout.audit.quiz import QuestionInstance, Source, bank_question
from batchscout.bot.app import build_app
from batchscout.bot.server import HttpServer
from batchscout.services import digests, quiz
from batchscout.services import quizzes as quiz_jobs
from batchscout.services.runtime import Runtime
from batchscout.settings import Settings
from batchscout.storage import digests as digest_store
from batchscout.storage.db import make_engine, session_scope, upgrade
from batchscout.storage.queries import import_specs
from batchscout.storage.types import utcnow
from tests.bot.slack_user import SECRET, SlackUsers
from tests.fakes.slack_api import Call, FakeSlack
from tests.jobs.conftest import DUE, SAMPLE, slack_client

TEAM = "T0TEST"
DM = "DU0TEST"
DIGEST = "C0DIGEST"
QUIZ = "C0QUIZ"
REGISTRATION = [
    "Nightly ticket summaries",
    "help",
    "skip",
    "me",
    "3",  # a typed number: Google
    "back",  # back to the provider question
    "1",
    "gpt-4o-mini",
    "50k",
    "daily",
    "2,000",
    "1 cent",  # rejected: not a token count
    "500",
    "cron",
    "a report",
    "within the day",
    "keep",
    "skip",  # the repeated-prefix share (asked since issue 19)
    "skip",  # the usage project (asked since issue 14)
]


def element_text(element: dict[str, Any]) -> str:
    """A button as ``[Label]``, a menu with options as ``<placeholder ▾ option | option>``,
    another menu as ``<kind: placeholder>``."""
    if element.get("type") == "button":
        return f"[{element['text']['text']}]"
    if element.get("type") == "static_select" and element.get("options"):
        options = " | ".join(o["text"]["text"] for o in element["options"])
        return f"<{element['placeholder']['text']} ▾ {options}>"
    placeholder = element.get("placeholder", {}).get("text", "")
    return f"<{element.get('type')}{': ' + placeholder if placeholder else ''}>"


def block_text(block: dict[str, Any]) -> list[str]:
    """One Block Kit block as lines of text."""
    kind = block.get("type")
    if kind == "header":
        return [f"## {block['text']['text']}"]
    if kind == "divider":
        return ["---"]
    if kind == "section":
        lines = [block["text"]["text"]] if "text" in block else []
        lines += [f["text"] for f in block.get("fields", [])]
        if "accessory" in block:
            lines.append(element_text(block["accessory"]))
        return lines
    if kind == "context":
        return ["  " + " · ".join(e.get("text", "(image)") for e in block["elements"])]
    if kind == "actions":
        return [" ".join(element_text(e) for e in block["elements"])]
    if kind == "image":
        return [f"(image: {block.get('alt_text', '')})"]
    if kind == "input":
        return [f"<input: {block['label']['text']}>"]
    return [f"({kind})"]


def message_text(params: dict[str, Any]) -> str:
    blocks = params.get("blocks")
    if isinstance(blocks, str):
        import json

        blocks = json.loads(blocks)
    if not blocks:
        return str(params.get("text", ""))
    return "\n".join(line for block in blocks for line in block_text(block))


#: What people typed: (how many calls the fake had recorded before, channel, thread, user, text).
SAID: list[tuple[int, str, str | None, str, str]] = []


def say(users: SlackUsers, text: str, *, user: str = "U0TEST", channel: str, **where: Any) -> None:
    """A person writes ``text``; remembered for the transcript."""
    SAID.append((len(users.slack.calls()), channel, where.get("thread_ts"), user, text))
    users.say(text, user=user, channel=channel, **where)


def render(calls: list[Call], channel: str) -> str:
    """Every message in ``channel``, in order, in its final state, with thread replies
    indented, what people typed (``>``), ephemeral messages and reactions marked."""
    order: list[str] = []
    shown: dict[str, str] = {}
    threads: dict[str, str | None] = {}
    typed = [s for s in SAID if s[1] == channel]
    for number, call in enumerate([*calls, None]):
        while typed and typed[0][0] <= number:
            _count, _channel, thread_ts, user, text = typed.pop(0)
            key = f"typed-{len(order)}"
            order.append(key)
            shown[key] = f"> {user}: {text}"
            threads[key] = thread_ts
        if call is None:
            break
        params = call.params
        if params.get("channel", params.get("channel_id")) != channel or not call.ok:
            continue
        if call.method == "chat.postMessage":
            ts = call.response["ts"]
            order.append(ts)
            shown[ts] = message_text(params)
            threads[ts] = params.get("thread_ts")
        elif call.method == "chat.update":
            shown[params["ts"]] = message_text(params)
        elif call.method == "chat.postEphemeral":
            key = f"ephemeral-{len(order)}"
            order.append(key)
            shown[key] = f"(only {params['user']} sees this)\n" + message_text(params)
            threads[key] = params.get("thread_ts")
        elif call.method == "reactions.add":
            key = f"reaction-{len(order)}"
            order.append(key)
            shown[key] = f"(the bot reacts :{params['name']}: to the reply above)"
            threads[key] = "reply"
        elif call.method == "files.completeUploadExternal":
            key = f"file-{len(order)}"
            order.append(key)
            shown[key] = "(a chart image)"
            threads[key] = params.get("thread_ts")
    out = []
    for key in order:
        indent = "    │ " if threads.get(key) else ""
        text = shown[key]
        out.append("\n".join(indent + line for line in text.splitlines()))
    return "\n\n".join(out)


def reply_text(posted: Any) -> str:
    """A slash command's reply (to its response URL) as text."""
    return message_text({"blocks": posted.blocks, "text": posted.text})


def user_posts(users: SlackUsers, channel: str, texts: list[str]) -> None:
    for text in texts:
        say(users, text, channel=channel)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, FakeSlack(team_id=TEAM) as slack:
        url = f"sqlite:///{folder}/render.db"
        engine = make_engine(url)
        upgrade(engine)
        settings = Settings(
            database_url=url,
            slack_bot_token="xoxb-test",
            slack_signing_secret=SECRET,
            slack_api_url=slack.api_url,
            llm_provider="none",
        )
        server = HttpServer(
            build_app(settings, engine=engine, work_before_ack=True), engine, port=0
        ).start()
        try:
            users = SlackUsers(server.url, slack)
            # 1. Registration in a DM, typed answers (a few rejected on the way).
            users.command("register")
            user_posts(users, DM, REGISTRATION)
            print("=" * 30, "Registration summary, before Save", "=" * 30)
            print(render(slack.calls(), DM).rsplit("> U0TEST: skip", 1)[-1].strip())
            say(users, "Save", channel=DM)
            print("=" * 30, "Registration DM", "=" * 30)
            print(render(slack.calls(), DM))

            # 2. The weekly digest of the sample inventory, with its thread. Owners have names.
            for number, name in enumerate(("Priya", "Tomás", "Aiko", "Sam", "Lena", "Ravi", "Noor", "Jo"), start=1):  # fmt: skip
                slack.users[f"U0DEMO{number:04d}"] = {"real_name": name, "profile": {"display_name": name}}  # fmt: skip
            with session_scope(engine) as session:
                import_specs(session=session, team_id="T0DEMO", specs=parse_csv(SAMPLE.read_text()))
                subscription = digest_store.subscribe(
                    session=session, team_id="T0DEMO", channel_id=DIGEST, subscriber_id="U0SUB",
                    weekday=0, hour=9, minute=0, timezone="Europe/Paris",
                )  # fmt: skip
                session.flush()
                subscription_id = subscription.id
            client = slack_client(slack)
            runtime = Runtime(engine=engine, slack=lambda team: client, worker_id="render")
            assert subscription_id is not None
            digests.post_digest(runtime, subscription_id, now=DUE)
            print("\n" + "=" * 30, "Weekly digest", "=" * 30)
            print(render(slack.calls(), DIGEST))

            # 3. A knowledge check: three people answer, then the reveal.
            question = quiz.ask_question(
                client, engine, team_id=TEAM, channel_id=QUIZ, now=utcnow(),
                open_for=timedelta(hours=24),
                instance=QuestionInstance(bank_question("discount-percent"), Source.BANK),
            )  # fmt: skip
            ts = question.message_ts
            say(users, "50%", user="U0ALICE", channel=QUIZ, thread_ts=ts)
            say(users, "fifteen percent", user="U0BOB", channel=QUIZ, thread_ts=ts)
            say(users, "10", user="U0CAROL", channel=QUIZ, thread_ts=ts)
            quiz_jobs.reveal_due(runtime, now=utcnow() + timedelta(hours=24, seconds=1))
            print("\n" + "=" * 30, "Knowledge check", "=" * 30)
            print(render(slack.calls(), QUIZ))
            # 4. What one person looks at: App Home, a card, the figures, prices, usage.
            for title, text in (
                ("show", "show Nightly ticket summaries"),
                ("savings", "savings"),
                ("prices", "prices gpt-4o-mini"),
                ("usage", "usage"),
                ("leaderboard", "leaderboard"),
            ):
                print("\n" + "=" * 30, f"/batchscout {title}", "=" * 30)
                print(reply_text(users.command(text)))
            for team, title in ((TEAM, "App Home"), ("T0DEMO", "App Home, sample inventory")):
                slack.reset()
                users.event(
                    {"type": "app_home_opened", "user": "U0TEST", "channel": DM, "tab": "home"},
                    team=team,
                )
                view = slack.wait_for("views.publish").params["view"]
                print("\n" + "=" * 30, title, "=" * 30)
                print(message_text(view))
        finally:
            server.stop()
            engine.dispose()


if __name__ == "__main__":
    main()
