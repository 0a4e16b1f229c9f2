"""Knowledge checks through the real Bolt app: ``/batchscout quiz``, signed thread-reply
events, grading, the reveal and the leaderboard."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from batchscout.audit.quiz import (
    QuestionInstance,
    QuestionKind,
    Source,
    bank_question,
    format_value,
)
from batchscout.jobs.llm_batch import OpenAIBatchProvider
from batchscout.services import quiz
from batchscout.services import quizzes as quiz_jobs
from batchscout.services.runtime import Runtime
from batchscout.storage import quizzes
from batchscout.storage.db import session_scope
from batchscout.storage.quiz_tables import QuizAnswer, QuizQuestion
from batchscout.storage.types import utcnow
from tests.bot.conftest import BuildServer
from tests.bot.slack_user import SlackUsers
from tests.fakes.openai_batch import FakeOpenAI
from tests.fakes.slack_api import FakeSlack
from tests.jobs.conftest import slack_client

CHANNEL = "C0QUIZ"


def posted_question(users: SlackUsers, engine: Engine) -> tuple[str, QuestionInstance]:
    users.command("quiz", channel=CHANNEL)
    ts = users.posts(CHANNEL)[-1].ts
    with session_scope(engine) as session:
        question = quizzes.question_in_thread(
            session=session, team_id="T0TEST", channel_id=CHANNEL, thread_ts=ts
        )
        assert question is not None
        return ts, quizzes.instance_of(question)


def right_answer(instance: QuestionInstance) -> str:
    """What a person who knows would reply (a free-text question's explanation passes its rubric)."""
    question = instance.question
    if question.kind is QuestionKind.FREE_TEXT:
        return question.explanation
    if question.kind is QuestionKind.CHOICE:
        assert question.correct is not None
        return question.correct.lower() + ")"
    assert question.numeric is not None
    return format_value(question.numeric.value, question.numeric.unit)


def answers(engine: Engine) -> list[QuizAnswer]:
    with session_scope(engine) as session:
        return list(session.exec(select(QuizAnswer)).all())


def ask_known(slack: FakeSlack, engine: Engine, question_id: str) -> str:
    question = quiz.ask_question(
        slack_client(slack), engine, team_id="T0TEST", channel_id=CHANNEL, now=utcnow(),
        open_for=timedelta(hours=24), instance=QuestionInstance(bank_question(question_id), Source.BANK),
    )  # fmt: skip
    return question.message_ts


def test_quiz_posts_a_question_whose_thread_takes_answers(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    ts, instance = posted_question(users, bot_engine)

    assert users.say(right_answer(instance), user="U0ALICE", channel=CHANNEL, thread_ts=ts) == 200

    reaction = slack.wait_for("reactions.add")
    assert reaction.params["name"] == "inbox_tray"
    assert any("Correct" in text for text in users.ephemerals("U0ALICE"))
    [answer] = answers(bot_engine)
    assert answer.correct and answer.user_id == "U0ALICE"


@pytest.mark.parametrize("text", ["C", "c)", "(c)", "option c", "answer: c", "Scheduled"])
def test_each_choice_form(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine, text: str
) -> None:
    ts = ask_known(slack, bot_engine, "classify-nightly-ticket-summaries")

    users.say(text, user="U0ALICE", channel=CHANNEL, thread_ts=ts)

    assert [a.correct for a in answers(bot_engine)] == [True]


@pytest.mark.parametrize("text", ["7500", "$7,500", "7.5k", "about 7500 dollars"])
def test_each_numeric_form(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine, text: str
) -> None:
    ts = ask_known(slack, bot_engine, "savings-nightly-reference")

    users.say(text, user="U0ALICE", channel=CHANNEL, thread_ts=ts)

    assert [(a.correct, a.points) for a in answers(bot_engine)] == [(True, 2)]


def test_a_second_answer_a_comment_and_a_wrong_kind(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    ts = ask_known(slack, bot_engine, "savings-nightly-reference")

    users.say("great question :tada:", user="U0ALICE", channel=CHANNEL, thread_ts=ts)
    users.say("B", user="U0ALICE", channel=CHANNEL, thread_ts=ts)
    users.say("5000", user="U0ALICE", channel=CHANNEL, thread_ts=ts)
    users.say("7500", user="U0ALICE", channel=CHANNEL, thread_ts=ts)

    [answer] = answers(bot_engine)
    assert answer.text == "5000" and answer.correct is False
    private = users.ephemerals("U0ALICE")
    assert len(private) == 3  # the hint, the grade, "only your first answer counts"
    assert "first answer counts" in private[-1]


def test_two_people_at_once(users: SlackUsers, slack: FakeSlack, bot_engine: Engine) -> None:
    ts = ask_known(slack, bot_engine, "classify-nightly-ticket-summaries")
    people = [f"U0PERSON{n}" for n in range(6)]

    threads = [
        threading.Thread(
            target=users.say, args=("C",), kwargs={"user": p, "channel": CHANNEL, "thread_ts": ts}
        )
        for p in people
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(a.user_id for a in answers(bot_engine)) == people
    assert len(slack.calls("reactions.add")) == 6


def test_a_retried_delivery_is_one_answer(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    ts = ask_known(slack, bot_engine, "classify-nightly-ticket-summaries")

    for _ in range(2):
        users.say("C", user="U0ALICE", channel=CHANNEL, thread_ts=ts, event_id="EvRETRIED1")

    assert len(answers(bot_engine)) == 1
    assert len(slack.calls("reactions.add")) == 1
    assert len(users.ephemerals("U0ALICE")) == 1


def test_a_40000_character_reply(users: SlackUsers, slack: FakeSlack, bot_engine: Engine) -> None:
    ts = ask_known(slack, bot_engine, "classify-nightly-ticket-summaries")

    assert (
        users.say("C " + "because reasons " * 2500, user="U0ALICE", channel=CHANNEL, thread_ts=ts)
        == 200
    )

    assert all(len(a.text) <= 4000 for a in answers(bot_engine))


def test_an_answer_after_the_reveal_is_refused(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    ts = ask_known(slack, bot_engine, "classify-nightly-ticket-summaries")
    users.say("C", user="U0ALICE", channel=CHANNEL, thread_ts=ts)
    runtime = Runtime(engine=bot_engine, slack=lambda team: slack_client(slack))

    assert quiz_jobs.reveal_due(runtime, now=utcnow() + timedelta(hours=24, seconds=1)) == 1
    users.say("C", user="U0BOB", channel=CHANNEL, thread_ts=ts)

    reveal = users.posts(CHANNEL, thread_ts=ts)[-1]
    assert "The answer is C) Scheduled." in reveal.mrkdwn and "1 answer, 1 correct" in reveal.mrkdwn
    assert "closed" in users.ephemerals("U0BOB")[-1]
    assert [a.user_id for a in answers(bot_engine)] == ["U0ALICE"]


def test_free_text_without_a_provider_is_graded_by_keywords(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    ts = ask_known(slack, bot_engine, "quality-explain")

    users.say(
        "Same model and same weights, so the same output; a difference means prompt drift.",
        user="U0ALICE",
        channel=CHANNEL,
        thread_ts=ts,
    )

    assert users.posts(CHANNEL, thread_ts=ts) == []  # no verdict in the thread
    assert "Correct" in users.ephemerals("U0ALICE")[-1]
    assert answers(bot_engine)[0].method == "keyword"


@pytest.fixture
def llm() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(
        polls_to_complete=1,
        reply=lambda body: (
            '```json\n{"correct": false, "feedback": "Does not say what a difference means."}\n```'
        ),
    ) as fake:
        yield fake


def test_free_text_is_graded_through_the_batch_provider(
    serve: BuildServer, slack: FakeSlack, bot_engine: Engine, llm: FakeOpenAI
) -> None:
    server = serve(batchscout_llm_provider="openai", openai_api_key="sk-test")
    users = SlackUsers(server.url, slack)
    ts = ask_known(slack, bot_engine, "quality-explain")

    users.say("It is the same model.", user="U0ALICE", channel=CHANNEL, thread_ts=ts)
    assert "grade will come to you privately" in users.ephemerals("U0ALICE")[-1]

    runtime = Runtime(engine=bot_engine, slack=lambda team: slack_client(slack),
                      provider=OpenAIBatchProvider(llm.client(max_retries=0), "gpt-4.1-mini"))  # fmt: skip
    quiz_jobs.quiz_tick(runtime, now=utcnow())

    assert "Not quite" in users.ephemerals("U0ALICE")[-1]
    assert users.posts(CHANNEL, thread_ts=ts) == []  # nothing public before the reveal
    [answer] = answers(bot_engine)
    assert answer.method == "llm" and answer.correct is False
    assert len(llm.calls("batches.create")) == 1


def test_the_leaderboard(users: SlackUsers, slack: FakeSlack, bot_engine: Engine) -> None:
    ts = ask_known(slack, bot_engine, "savings-nightly-reference")
    users.say("7500", user="U0ALICE", channel=CHANNEL, thread_ts=ts)
    users.say("100", user="U0BOB", channel=CHANNEL, thread_ts=ts)

    board = users.command("leaderboard", channel=CHANNEL)

    # One channel has played: one list, not the same list under two headings.
    assert "*This channel and the whole workspace*" in board.mrkdwn
    assert board.mrkdwn.count("<@U0ALICE>") == 1
    assert "2 points (1/1 correct)" in board.mrkdwn
    # Bob has no points yet: left out, not listed with 0.
    assert "<@U0BOB>" not in board.mrkdwn and "0 points" not in board.mrkdwn


def test_quiz_needs_the_bot_in_the_channel(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    slack.channels["C0OUTSIDE"] = {"is_member": False}

    answer = users.command("quiz", channel="C0OUTSIDE")

    assert "/invite @Batchscout" in answer.mrkdwn
    with session_scope(bot_engine) as session:
        assert session.exec(select(QuizQuestion)).all() == []


def test_before_the_reveal_the_thread_shows_only_that_answers_were_received(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    """Right and wrong answers get the same reaction and nothing public; the reveal names
    who was right."""
    ts = ask_known(slack, bot_engine, "savings-nightly-reference")
    users.say("7500", user="U0ALICE", channel=CHANNEL, thread_ts=ts)
    users.say("100", user="U0BOB", channel=CHANNEL, thread_ts=ts)

    assert {c.params["name"] for c in slack.calls("reactions.add")} == {"inbox_tray"}
    assert users.posts(CHANNEL, thread_ts=ts) == []
    runtime = Runtime(engine=bot_engine, slack=lambda team: slack_client(slack))
    assert quiz_jobs.reveal_due(runtime, now=utcnow() + timedelta(hours=24, seconds=1)) == 1
    reveal = users.posts(CHANNEL, thread_ts=ts)[-1]
    assert "*Right:* <@U0ALICE>" in reveal.mrkdwn and "<@U0BOB>" not in reveal.mrkdwn
    assert "2 answers, 1 correct" in reveal.mrkdwn


def test_an_answer_in_words_is_read_and_an_unreadable_one_gets_the_hint(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    ts = ask_known(slack, bot_engine, "discount-percent")

    users.say("lots of percent", user="U0BOB", channel=CHANNEL, thread_ts=ts)
    users.say("fifty percent", user="U0BOB", channel=CHANNEL, thread_ts=ts)

    hint, graded = users.ephemerals("U0BOB")
    assert hint.startswith("This one wants a percentage, like 12%")
    assert "Correct" in graded
    assert [(a.text, a.correct) for a in answers(bot_engine)] == [("fifty percent", True)]
