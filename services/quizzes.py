"""Knowledge checks on the clock: reveal closed questions, grade free-text answers through the
provider batch API, announce grades, and put a question in each weekly digest."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime, timedelta

from sqlmodel import Session

from batchscout.audit.quiz import (
    free_text_grading_prompt,
    grade_free_text_keywords,
    parse_llm_grade,
)
from batchscout.delivery import posting
from batchscout.delivery.blocks import quiz as quiz_blocks
from batchscout.delivery.posting import Place
from batchscout.logs import get_logger
from batchscout.services import batches, sharing
from batchscout.services import quiz as slack_quiz
from batchscout.services.batch_api import BatchProvider, BatchRequest, BatchResult
from batchscout.services.batches import Purpose
from batchscout.services.boundary import isolated
from batchscout.services.runtime import Runtime
from batchscout.storage import quizzes
from batchscout.storage.db import session_scope
from batchscout.storage.digest_tables import DigestRun
from batchscout.storage.quiz_tables import AnswerStatus, QuizQuestion
from batchscout.storage.types import utcnow

log = get_logger(__name__)

GRADE_MAX_TOKENS = 200
DEFAULT_OPEN_FOR = timedelta(hours=24)


def reveal_due(runtime: Runtime, *, now: datetime, team_id: str | None = None) -> int:
    """Close every question whose time is up, in ``team_id``'s workspace (``None``: every
    one): post the answer and the tally, once each. Returns how many were posted."""
    revealed = 0
    with session_scope(runtime.engine) as session:
        found = quizzes.due_reveals(session=session, now=now, team_id=team_id)
        due = [(q.id, q.team_id) for q in found]
    for question_id, team_id in due:
        assert question_id is not None
        with isolated("reveal failed", question_id=question_id, team_id=team_id):
            revealed += _reveal(runtime, question_id, team_id, now=now)
    return revealed


def _reveal(runtime: Runtime, question_id: int, team_id: str, *, now: datetime) -> int:
    with session_scope(runtime.engine) as session:
        if not quizzes.claim_reveal(session=session, question_id=question_id, now=now):
            return 0
        question = session.get(QuizQuestion, question_id)
        assert question is not None
        answers = quizzes.answers_of(session=session, question_id=question_id)
        message = quiz_blocks.reveal_message(
            quizzes.instance_of(question),
            answered=len(answers),
            correct=sum(1 for a in answers if a.correct),
            right=[a.user_id for a in answers if a.correct],
            pending=sum(1 for a in answers if a.status == AnswerStatus.PENDING),
        )
        channel_id, thread_ts = question.channel_id, question.message_ts
    client = runtime.slack(team_id)
    if sharing.refused_as_shared(
        runtime.engine, client, team_id=team_id, channel_id=channel_id, question_id=question_id
    ):  # the channel became shared with another organisation: the answer stays inside
        return 0
    # Refused, the question stays closed: answers after the deadline are refused either way.
    sent = posting.post(client, Place(channel_id, thread_ts), message, question_id=question_id)
    return 1 if sent else 0


def _settle(
    session: Session, job_id: int, results: Mapping[int, BatchResult], provider: BatchProvider
) -> int:
    """Store LLM grades; an answer the batch could not grade falls back to the keyword rubric."""
    used = 0
    now = utcnow()
    for answer in quizzes.answers_of_job(session=session, job_id=job_id):
        if answer.status != AnswerStatus.PENDING:
            continue
        question = session.get(QuizQuestion, answer.question_id)
        assert question is not None
        instance = quizzes.instance_of(question)
        result = results.get(answer.id) if answer.id is not None else None
        graded = (
            parse_llm_grade(result.text, points=instance.question.points)
            if result and result.ok and result.text
            else None
        )
        if graded is None:
            graded = grade_free_text_keywords(instance.question, answer.text)
        else:
            used += 1
        quizzes.apply_grade(answer, graded, now=now)
        session.add(answer)
    return used


FREE_TEXT_GRADING = Purpose("grading", "grade", quizzes.link_answer_batch, _settle)


def submit_grading(runtime: Runtime) -> int:
    """Send every free-text answer waiting for a grade to the provider, in one batch."""
    provider = runtime.provider
    with session_scope(runtime.engine) as session:
        pending = quizzes.ungraded_free_text(session=session)
        if provider is None:
            # No provider (any more): grade with the keyword rubric rather than never.
            for answer in pending:
                question = session.get(QuizQuestion, answer.question_id)
                assert question is not None
                instance = quizzes.instance_of(question)
                quizzes.apply_grade(
                    answer, grade_free_text_keywords(instance.question, answer.text), now=utcnow()
                )
            return 0
        requests = []
        for answer in pending:
            question = session.get(QuizQuestion, answer.question_id)
            assert question is not None and answer.id is not None
            system, prompt = free_text_grading_prompt(
                quizzes.instance_of(question).question, answer.text
            )
            requests.append(
                BatchRequest(
                    FREE_TEXT_GRADING.custom_id(answer.id), system, prompt, GRADE_MAX_TOKENS
                )
            )
    if provider is not None and requests:
        batches.submit_requests(runtime, provider, requests, FREE_TEXT_GRADING)
    return len(requests)


def announce_grades(runtime: Runtime, *, team_id: str | None = None) -> None:
    """Post every graded free-text answer's verdict that has not been posted yet, in
    ``team_id``'s workspace (``None``: every one)."""
    with session_scope(runtime.engine) as session:
        found = quizzes.unannounced_grades(session=session, team_id=team_id)
        waiting = [(a.id, a.team_id) for a in found]
    for answer_id, team_id in waiting:
        with isolated("grade not announced", answer_id=answer_id, team_id=team_id):
            slack_quiz.announce(runtime.slack(team_id), runtime.engine, answer_id=answer_id)


def quiz_tick(runtime: Runtime, *, now: datetime) -> None:
    """Everything the knowledge checks need from the clock, for every workspace in this one
    call (a single process's tick; the fleet runs :func:`grade_tick` once for the install and
    :func:`tell_team` per workspace). One step failing stops no other."""
    grade_tick(runtime, now=now)
    tell_team(runtime, None, now=now)


def grade_tick(runtime: Runtime, *, now: datetime) -> None:
    """Install-wide, with no Slack post: send free-text answers to the provider for grading
    (one batch serves every workspace) and store the grades of batches that ended."""
    with isolated("free-text grading not submitted"):
        submit_grading(runtime)
    with isolated("grading batches not polled"):
        batches.poll_batches(runtime, FREE_TEXT_GRADING, now=now)


def tell_team(runtime: Runtime, team_id: str | None, *, now: datetime) -> None:
    """The knowledge checks' Slack posts for one workspace (``None``: every one): grades to
    announce, then answers to reveal."""
    with isolated("grades not announced", team_id=team_id):
        announce_grades(runtime, team_id=team_id)
    with isolated("reveals not posted", team_id=team_id):
        reveal_due(runtime, now=now, team_id=team_id)


def teams_to_tell(runtime: Runtime, *, now: datetime) -> list[str]:
    """The workspaces with a knowledge-check post due now (a reveal or a grade), sorted."""
    with session_scope(runtime.engine) as session:
        return quizzes.teams_to_tell(session=session, now=now)


def ask_in_digest(
    runtime: Runtime, run: DigestRun, thread_ts: str, *, shown: Collection[str] = ()
) -> None:
    """The weekly digest carries a knowledge check in its thread; ``shown`` are the workflow
    names the digest lists, which a question about the team's own workflows must not use."""
    slack_quiz.ask_question(
        runtime.slack(run.team_id), runtime.engine, team_id=run.team_id, channel_id=run.channel_id,
        now=utcnow(), open_for=runtime.quiz_open_for, thread_ts=thread_ts, digest_run_id=run.id,
        not_about=shown,
    )  # fmt: skip
