"""Knowledge checks in Slack: ask a question in a channel, take answers from its thread.

The rules (issues 5 and 12): each person's first answer counts; until the reveal the thread
shows only that an answer was received (one neutral reaction), never whether it was right, so
nobody copies; the verdict and the explanation go to that person alone (choice and numeric at
once, free text once the provider batch grader, or the keyword rubric, has graded it). The
reveal names who was right. Replies that are not answers are ignored quietly; answers of the
wrong kind, and replies that look like an answer but cannot be read, get a hint; nobody answers
after the reveal.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Collection
from datetime import datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy import Engine

from batchscout.audit.quiz import (
    Grade,
    GradeMethod,
    NotAnAnswer,
    QuestionInstance,
    QuestionKind,
    TeamWorkflow,
    WrongKind,
    grade,
    grade_free_text_keywords,
    parse_answer,
    pick_question,
)
from batchscout.delivery import messages, posting
from batchscout.delivery.blocks import note
from batchscout.delivery.blocks import quiz as quiz_blocks
from batchscout.delivery.mrkdwn import typed_text
from batchscout.delivery.posting import Place
from batchscout.logs import get_logger
from batchscout.services.context import Services
from batchscout.storage import quizzes
from batchscout.storage.db import session_scope
from batchscout.storage.queries import workflow_answers
from batchscout.storage.quiz_tables import QuestionStatus, QuizAnswer, QuizQuestion
from batchscout.storage.types import utcnow

log = get_logger(__name__)

#: The one reaction on an answer before the reveal: received, neither right nor wrong.
RECEIVED = "inbox_tray"


def ask_question(
    client: WebClient,
    engine: Engine,
    *,
    team_id: str,
    channel_id: str,
    now: datetime,
    open_for: timedelta,
    asked_by: str | None = None,
    thread_ts: str | None = None,
    digest_run_id: int | None = None,
    rng: random.Random | None = None,
    instance: QuestionInstance | None = None,
    not_about: Collection[str] = (),
) -> QuizQuestion | None:
    """Pick a question for the channel, post it, and store it.

    With ``thread_ts`` (a digest) the question is posted in that thread and its answers are
    the thread's replies; otherwise it is a new message whose thread takes the answers.
    Workflows named in ``not_about`` (those the message it is posted with lists) are never
    options of a question about the team's own workflows: that message would answer it.
    Returns ``None`` (nothing stored, a log line written) when Slack refuses the post; the
    caller explains it.
    """
    if instance is None:
        with session_scope(engine) as session:
            recent = quizzes.recent_question_keys(
                session=session, team_id=team_id, channel_id=channel_id
            )
            inventory = [
                TeamWorkflow.from_answers(*answers)
                for answers in workflow_answers(session=session, team_id=team_id)
                if answers[0] not in not_about
            ]
        # Fresh figures each time: scenario questions draw their numbers from this.
        rng = rng or random.Random(secrets.randbits(32))
        instance = pick_question(rng, recent_ids=recent, inventory=inventory)
    closes_at = now + open_for
    message = quiz_blocks.question_message(
        instance, closes_at=closes_at, in_digest=thread_ts is not None
    )
    sent = posting.post(
        client, Place(channel_id, thread_ts or ""), message, team_id=team_id, question=instance.id
    )
    if not sent.ts:
        return None
    root = thread_ts or sent.ts
    with session_scope(engine) as session:
        question = quizzes.record_question(
            session=session, team_id=team_id, channel_id=channel_id, message_ts=root,
            instance=instance, closes_at=closes_at, asked_by=asked_by, digest_run_id=digest_run_id,
        )  # fmt: skip
        session.expunge(question)
    log.info(
        "quiz asked",
        team_id=team_id,
        channel_id=channel_id,
        question=instance.id,
    )
    return question


def handle_reply(
    client: WebClient,
    engine: Engine,
    *,
    team_id: str,
    channel_id: str,
    thread_ts: str,
    user_id: str,
    reply_ts: str,
    text: str,
    now: datetime,
    llm_enabled: bool,
) -> bool:
    """Take a thread reply as an answer if the thread is a knowledge check's.

    Returns False when the thread holds no question (the reply is someone else's business).
    """
    with session_scope(engine) as session:
        question = quizzes.question_in_thread(
            session=session, team_id=team_id, channel_id=channel_id, thread_ts=thread_ts
        )
        if question is None:
            return False
        instance = quizzes.instance_of(question)
        reply = parse_answer(instance.question, text)
        if isinstance(reply, NotAnAnswer):
            log.debug("quiz reply not an answer", team_id=team_id, reason=reply.reason)
            return True  # a comment or an emoji: ignored quietly
        if isinstance(reply, WrongKind):
            log.info("quiz reply unreadable", team_id=team_id, question=instance.id)
            _tell(client, channel_id, user_id, thread_ts, reply.hint)
            return True
        if question.status != QuestionStatus.OPEN or question.closes_at <= now:
            _tell(client, channel_id, user_id, thread_ts, messages.QUIZ_CLOSED)
            return True
        free_text = instance.kind is QuestionKind.FREE_TEXT
        given = None
        if not free_text:
            given = grade(instance.question, reply)
        elif not llm_enabled:
            given = grade_free_text_keywords(instance.question, reply.text)
        answer = quizzes.record_answer(
            session=session, question=question, user_id=user_id, reply_ts=reply_ts,
            text=reply.text, grade=given, now=now,
        )  # fmt: skip
        if answer is None:
            _tell(client, channel_id, user_id, thread_ts, messages.QUIZ_ALREADY_ANSWERED)
            return True
        # Choice and numeric answers are announced right here, ephemerally.
        quizzes.set_announced(answer, not free_text)
        answer_id = answer.id
    thread = Place(channel_id, thread_ts)
    # Received, neither right nor wrong: whether it was right waits for the reveal.
    posting.react(client, thread, reply_ts, RECEIVED, team_id=team_id)
    if given is not None and not free_text:
        message = quiz_blocks.grade_message(instance, given)
        posting.post_ephemeral(client, thread, user_id, message, team_id=team_id)
    elif given is None:
        message = quiz_blocks.pending_message(user_id)
        posting.post_ephemeral(client, thread, user_id, message, team_id=team_id)
    else:
        announce(client, engine, answer_id=answer_id)
    log.info("quiz answer", team_id=team_id, channel_id=channel_id,
        question=instance.id, graded=given is not None, correct=None if given is None else given.correct,
    )  # fmt: skip
    return True


def announce(client: WebClient, engine: Engine, *, answer_id: int | None) -> None:
    """Tell a graded free-text answer's author the verdict and feedback (once), privately: the
    thread learns who was right at the reveal."""
    if answer_id is None:
        return
    with session_scope(engine) as session:
        answer = session.get(QuizAnswer, answer_id)
        if answer is None or answer.announced or answer.correct is None:
            return
        question = session.get(QuizQuestion, answer.question_id)
        assert question is not None
        instance = quizzes.instance_of(question)
        given = Grade(
            answer.correct,
            answer.points,
            answer.feedback or "",
            GradeMethod(answer.method or "keyword"),
        )
        channel_id, thread_ts, user_id = answer.channel_id, question.message_ts, answer.user_id
        quizzes.set_announced(answer)
    message = quiz_blocks.grade_message(instance, given)
    posting.post_ephemeral(client, Place(channel_id, thread_ts), user_id, message)


def _tell(client: WebClient, channel_id: str, user_id: str, thread_ts: str, text: str) -> None:
    posting.post_ephemeral(client, Place(channel_id, thread_ts), user_id, note(text))


def handle_thread_reply(
    *,
    services: Services,
    client: WebClient,
    team_id: str,
    event: dict[str, object],
    bot_user_id: str | None,
) -> bool:
    """The ``message`` handler for knowledge checks: a reply in a question's thread."""
    thread_ts = str(event.get("thread_ts") or "")
    reply_ts = str(event.get("ts") or "")
    if not thread_ts or thread_ts == reply_ts:
        return False
    return handle_reply(
        client,
        services.engine,
        team_id=team_id,
        channel_id=str(event.get("channel") or ""),
        thread_ts=thread_ts,
        user_id=str(event.get("user") or ""),
        reply_ts=reply_ts,
        text=typed_text(str(event.get("text") or "")),
        now=utcnow(),
        llm_enabled=services.settings.llm_enabled,
    )
