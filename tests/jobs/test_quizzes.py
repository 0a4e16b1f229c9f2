"""Knowledge checks: asked in a channel, answered in the thread, graded, revealed, scored.

Replies are handed to ``bot.quiz.handle_reply`` as the message listener does; the Bolt tests
drive the same path with signed events.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import select

from batchscout.audit.quiz import QuestionInstance, Source, bank_question
from batchscout.defaults import NOISE_FLOOR
from batchscout.jobs.llm_batch import OpenAIBatchProvider
from batchscout.services import digests, quiz
from batchscout.services import quizzes as quiz_jobs
from batchscout.services.digests import current_facts
from batchscout.services.runtime import Runtime
from batchscout.storage import quizzes
from batchscout.storage.db import session_scope
from batchscout.storage.quiz_tables import AnswerStatus, QuizAnswer, QuizQuestion
from tests.fakes.openai_batch import FakeOpenAI
from tests.fakes.slack_api import FakeSlack
from tests.jobs.conftest import CHANNEL, DUE, TEAM, subscribe

NOW = DUE


def ask(runtime: Runtime, question_id: str) -> QuizQuestion:
    return quiz.ask_question(
        runtime.slack(TEAM), runtime.engine, team_id=TEAM, channel_id=CHANNEL, now=NOW,
        open_for=timedelta(hours=24), asked_by="U0ASKER",
        instance=QuestionInstance(bank_question(question_id), Source.BANK),
    )  # fmt: skip


def reply(
    runtime: Runtime,
    question: QuizQuestion,
    user: str,
    text: str,
    *,
    ts: str = "1800000000.000100",
    llm: bool = False,
    after: timedelta = timedelta(minutes=5),
) -> bool:
    return quiz.handle_reply(
        runtime.slack(TEAM), runtime.engine, team_id=TEAM, channel_id=CHANNEL,
        thread_ts=question.message_ts, user_id=user, reply_ts=ts, text=text, now=NOW + after,
        llm_enabled=llm,
    )  # fmt: skip


def answers(runtime: Runtime) -> list[QuizAnswer]:
    with session_scope(runtime.engine) as session:
        return list(session.exec(select(QuizAnswer)).all())


def test_a_question_is_posted_and_stored_as_asked(runtime: Runtime, slack: FakeSlack) -> None:
    question = ask(runtime, "classify-nightly-ticket-summaries")

    post = slack.last("chat.postMessage")
    assert post.params["channel"] == CHANNEL and "thread_ts" not in post.params
    assert "C) Scheduled" in str(post.params["blocks"]) and "First answer counts" in str(
        post.params["blocks"]
    )
    assert question.message_ts == post.response["ts"]
    with session_scope(runtime.engine) as session:
        stored = quizzes.instance_of(session.get(QuizQuestion, question.id))  # type: ignore[arg-type]
    assert stored.question.correct == "C"


@pytest.mark.parametrize("text", ["C", "c)", "option c", "(C)", "I think C", "scheduled"])
def test_a_correct_choice_is_marked_received_and_explained_privately(
    runtime: Runtime, slack: FakeSlack, text: str
) -> None:
    question = ask(runtime, "classify-nightly-ticket-summaries")

    assert reply(runtime, question, "U0ALICE", text) is True

    reaction = slack.last("reactions.add")
    assert (
        reaction.params["name"] == "inbox_tray"  # received; right or wrong waits for the reveal
        and reaction.params["timestamp"] == "1800000000.000100"
    )
    private = slack.last("chat.postEphemeral")
    assert (
        private.params["user"] == "U0ALICE" and private.params["thread_ts"] == question.message_ts
    )
    assert "Correct" in str(private.params["blocks"]) and "nobody reads it before" in str(
        private.params["blocks"]
    )
    [answer] = answers(runtime)
    assert answer.correct is True and answer.points == 1


@pytest.mark.parametrize(
    ("text", "correct"),
    [("7500", True), ("$7,500", True), ("7.5k", True), ("7,500 dollars", True), ("5000", False)],
)
def test_numeric_answers(runtime: Runtime, slack: FakeSlack, text: str, correct: bool) -> None:
    question = ask(runtime, "savings-nightly-reference")

    reply(runtime, question, "U0ALICE", text)

    # Right and wrong answers look the same in the thread until the reveal.
    assert [c.params["name"] for c in slack.calls("reactions.add")] == ["inbox_tray"]
    [answer] = answers(runtime)
    assert answer.correct is correct and answer.points == (2 if correct else 0)


def test_only_the_first_answer_counts(runtime: Runtime, slack: FakeSlack) -> None:
    question = ask(runtime, "classify-nightly-ticket-summaries")
    reply(runtime, question, "U0ALICE", "A", ts="1800000000.000100")

    reply(runtime, question, "U0ALICE", "C", ts="1800000000.000200")

    [answer] = answers(runtime)
    assert answer.correct is False and answer.reply_ts == "1800000000.000100"
    assert "first answer counts" in slack.last("chat.postEphemeral").params["text"]
    assert len(slack.calls("reactions.add")) == 1


def test_comments_are_ignored_and_wrong_kinds_get_a_hint(
    runtime: Runtime, slack: FakeSlack
) -> None:
    question = ask(runtime, "savings-nightly-reference")
    slack.reset()

    reply(runtime, question, "U0ALICE", "nice one :tada:")
    assert slack.calls() == [] and answers(runtime) == []

    reply(runtime, question, "U0ALICE", "B")
    hint = slack.last("chat.postEphemeral")
    assert hint.params["user"] == "U0ALICE" and answers(runtime) == []


def test_a_40000_character_reply_is_handled(runtime: Runtime, slack: FakeSlack) -> None:
    question = ask(runtime, "classify-nightly-ticket-summaries")

    assert reply(runtime, question, "U0ALICE", "C " + "very long reasoning " * 2000) in (True,)

    for answer in answers(runtime):
        assert len(answer.text) <= 4000


def test_two_people_answer_independently(runtime: Runtime, slack: FakeSlack) -> None:
    question = ask(runtime, "classify-nightly-ticket-summaries")

    reply(runtime, question, "U0ALICE", "C", ts="1800000000.000100")
    reply(runtime, question, "U0BOB", "B", ts="1800000000.000200")

    by_user = {a.user_id: a.correct for a in answers(runtime)}
    assert by_user == {"U0ALICE": True, "U0BOB": False}


def test_the_reveal_posts_answer_and_tally_once_and_closes_answers(
    runtime: Runtime, slack: FakeSlack
) -> None:
    question = ask(runtime, "classify-nightly-ticket-summaries")
    reply(runtime, question, "U0ALICE", "C", ts="1800000000.000100")
    reply(runtime, question, "U0BOB", "B", ts="1800000000.000200")

    assert quiz_jobs.reveal_due(runtime, now=NOW + timedelta(hours=23)) == 0
    assert quiz_jobs.reveal_due(runtime, now=NOW + timedelta(hours=24)) == 1
    assert quiz_jobs.reveal_due(runtime, now=NOW + timedelta(hours=25)) == 0

    reveal = slack.last("chat.postMessage")
    assert reveal.params["thread_ts"] == question.message_ts
    assert "The answer is C) Scheduled." in str(
        reveal.params["blocks"]
    ) and "2 answers, 1 correct" in str(reveal.params["blocks"])
    reply(runtime, question, "U0CAROL", "C", ts="1800000000.000300", after=timedelta(hours=25))
    assert "closed" in slack.last("chat.postEphemeral").params["text"]
    assert {a.user_id for a in answers(runtime)} == {"U0ALICE", "U0BOB"}


def test_a_reply_in_another_thread_is_not_an_answer(runtime: Runtime, slack: FakeSlack) -> None:
    assert quiz.handle_reply(
        runtime.slack(TEAM), runtime.engine, team_id=TEAM, channel_id=CHANNEL, thread_ts="1.000",
        user_id="U0ALICE", reply_ts="2.000", text="C", now=NOW, llm_enabled=False,
    ) is False  # fmt: skip


def test_free_text_without_a_provider_uses_the_keyword_rubric_and_says_so(
    runtime: Runtime, slack: FakeSlack
) -> None:
    question = ask(runtime, "quality-explain")

    reply(
        runtime,
        question,
        "U0ALICE",
        "It is the same model and same weights; a difference means prompt drift.",
    )

    in_thread = [
        c
        for c in slack.calls("chat.postMessage")
        if c.params.get("thread_ts") == question.message_ts
    ]
    assert in_thread == []  # no public verdict before the reveal
    private = slack.last("chat.postEphemeral")
    assert private.params["user"] == "U0ALICE" and "Correct" in private.params["text"]
    [answer] = answers(runtime)
    assert answer.method == "keyword" and answer.correct is True and answer.announced is True


@pytest.fixture
def llm(runtime: Runtime) -> Iterator[FakeOpenAI]:
    with FakeOpenAI(
        polls_to_complete=1,
        reply=lambda body: (
            '{"correct": true, "feedback": "Names the same model and prompt drift."}'
        ),
    ) as fake:
        runtime.provider = OpenAIBatchProvider(fake.client(max_retries=0), "gpt-4.1-mini")
        yield fake


def test_free_text_is_graded_through_the_batch_api(
    runtime: Runtime, slack: FakeSlack, llm: FakeOpenAI
) -> None:
    question = ask(runtime, "quality-explain")

    reply(runtime, question, "U0ALICE", "Same model, so no difference.", llm=True)
    pending = slack.last("chat.postEphemeral")
    assert (
        pending.params["user"] == "U0ALICE" and "grade will come to you" in pending.params["text"]
    )
    assert slack.last("reactions.add").params["name"] == "inbox_tray"
    assert answers(runtime)[0].status == AnswerStatus.PENDING

    quiz_jobs.quiz_tick(runtime, now=NOW + timedelta(minutes=10))  # submits, polls, announces

    [create] = llm.calls("batches.create")
    [line] = llm.input_lines(llm.batch_ids[0])
    assert "<answer>" in line["body"]["messages"][-1]["content"]
    [answer] = answers(runtime)
    assert (
        answer.method == "llm"
        and answer.correct is True
        and answer.points == 2
        and answer.announced
    )
    verdict = slack.last("chat.postEphemeral")
    assert (
        verdict.params["thread_ts"] == question.message_ts
        and verdict.params["user"] == "U0ALICE"
        and "Correct" in verdict.params["text"]
    )
    quiz_jobs.quiz_tick(runtime, now=NOW + timedelta(minutes=11))
    told = [c for c in slack.calls("chat.postEphemeral") if c.params["text"] == "Correct."]
    assert len(told) == 1  # announced once
    assert not slack.calls("chat.postMessage")[1:]  # nothing public in the thread
    assert create is not None


def test_a_failed_grading_batch_falls_back_to_keywords(
    runtime: Runtime, slack: FakeSlack, llm: FakeOpenAI
) -> None:
    llm.outcome = "failed"
    question = ask(runtime, "quality-explain")
    reply(
        runtime,
        question,
        "U0ALICE",
        "Same model and weights; any difference is prompt drift.",
        llm=True,
    )

    quiz_jobs.quiz_tick(runtime, now=NOW + timedelta(minutes=10))

    [answer] = answers(runtime)
    assert answer.method == "keyword" and answer.correct is True and answer.announced


def test_the_leaderboard_counts_this_quarter_per_channel_and_workspace(
    runtime: Runtime, slack: FakeSlack
) -> None:
    first = ask(runtime, "classify-nightly-ticket-summaries")
    reply(runtime, first, "U0ALICE", "C", ts="1.1")
    reply(runtime, first, "U0BOB", "C", ts="1.2")
    second = ask(runtime, "savings-nightly-reference")
    reply(runtime, second, "U0BOB", "7500", ts="1.3")

    with session_scope(runtime.engine) as session:
        channel = quizzes.leaderboard(
            session=session, team_id=TEAM, channel_id=CHANNEL, since=quizzes.quarter_start(NOW)
        )
        next_quarter = quizzes.leaderboard(
            session=session, team_id=TEAM, since=quizzes.quarter_start(NOW + timedelta(days=40))
        )
        other = quizzes.leaderboard(
            session=session, team_id="T0OTHER", since=quizzes.quarter_start(NOW)
        )

    assert [(s.user_id, s.points, s.correct, s.answered) for s in channel] == [
        ("U0BOB", 3, 2, 2),
        ("U0ALICE", 1, 1, 1),
    ]
    assert next_quarter == [] and other == []


def test_the_digest_carries_a_knowledge_check_in_its_thread(
    runtime: Runtime, slack: FakeSlack
) -> None:
    from batchscout.services import digests
    from tests.jobs.conftest import subscribe

    run = digests.post_digest(runtime, subscribe(runtime.engine), now=DUE)

    assert run is not None and run.message_ts is not None
    with session_scope(runtime.engine) as session:
        question = session.exec(select(QuizQuestion)).one()
    assert question.message_ts == run.message_ts and question.digest_run_id == run.id
    assert any(
        "This week's knowledge check" in str(c.params.get("blocks"))
        and c.params.get("thread_ts") == run.message_ts
        for c in slack.calls("chat.postMessage")
    )


def test_the_digest_shows_the_channels_leaderboard_once_someone_scored(
    runtime: Runtime, slack: FakeSlack
) -> None:
    from batchscout.services import digests
    from tests.jobs.conftest import subscribe

    question = ask(runtime, "classify-nightly-ticket-summaries")
    reply(runtime, question, "U0ALICE", "C")
    run = digests.post_digest(runtime, subscribe(runtime.engine), now=DUE + timedelta(hours=1))

    assert run is not None
    thread = [
        c for c in slack.calls("chat.postMessage") if c.params.get("thread_ts") == run.message_ts
    ]
    board = [c for c in thread if "leaderboard" in c.params["text"]]
    assert len(board) == 1 and "<@U0ALICE> — 1 point (" in str(board[0].params["blocks"])


def _shown(runtime: Runtime) -> frozenset[str]:
    with session_scope(runtime.engine) as session:
        facts = current_facts(
            session=session, team_id=TEAM, channel_id=CHANNEL,
            noise_floor=NOISE_FLOOR, now=NOW,
        )  # fmt: skip
    return facts.shown_names()


def test_a_digest_never_asks_about_workflows_it_lists(runtime: Runtime, slack: FakeSlack) -> None:
    """ "Which looks like batch disguised as stream?" under a list that labels it, or "what can
    move to batch now?" under Top opportunities, answered itself: a question posted with a
    message is never about a workflow that message names."""
    shown = _shown(runtime)
    assert "Ticket triage queue" in shown  # labelled "batch disguised as stream" in the thread

    def options_for(seed: int, not_about: frozenset[str]) -> set[str]:
        question = quiz.ask_question(
            runtime.slack(TEAM), runtime.engine, team_id=TEAM, channel_id=f"C0SEED{seed}",
            now=NOW, open_for=timedelta(hours=24), rng=random.Random(seed), not_about=not_about,
        )  # fmt: skip
        return set(quizzes.instance_of(question).question.options)

    # Without the rule some seeds ask about listed workflows (the old behaviour)…
    assert any(options_for(seed, frozenset()) & shown for seed in range(40))
    # …with it, none does.
    assert not any(options_for(seed, shown) & shown for seed in range(40))


def test_the_digest_tells_its_question_what_it_lists(runtime: Runtime, slack: FakeSlack) -> None:
    shown = _shown(runtime)
    digests.post_digest(runtime, subscribe(runtime.engine), now=NOW)

    with session_scope(runtime.engine) as session:
        [question] = session.exec(select(QuizQuestion)).all()
        assert question.digest_run_id is not None
        assert not set(quizzes.instance_of(question).question.options) & shown
