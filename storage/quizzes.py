"""Query functions for knowledge checks. Keyword-only, explicit ``session``, scoped by team."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import case, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from batchscout.audit.quiz import Grade, QuestionInstance
from batchscout.storage.quiz_tables import AnswerStatus, QuestionStatus, QuizAnswer, QuizQuestion


def quarter_start(now: datetime) -> datetime:
    """The first instant (UTC) of the calendar quarter ``now`` falls in."""
    utc = now.astimezone(UTC)
    return datetime(utc.year, 3 * ((utc.month - 1) // 3) + 1, 1, tzinfo=UTC)


def record_question(
    *,
    session: Session,
    team_id: str,
    channel_id: str,
    message_ts: str,
    instance: QuestionInstance,
    closes_at: datetime,
    asked_by: str | None = None,
    digest_run_id: int | None = None,
) -> QuizQuestion:
    """Store a question just posted, with the instance exactly as asked."""
    question = QuizQuestion(
        team_id=team_id,
        channel_id=channel_id,
        message_ts=message_ts,
        question_key=instance.id[:100],
        kind=str(instance.kind),
        instance=json.dumps(instance.to_dict()),
        asked_by=asked_by,
        digest_run_id=digest_run_id,
        closes_at=closes_at,
    )
    session.add(question)
    session.flush()
    return question


def instance_of(question: QuizQuestion) -> QuestionInstance:
    """The question instance as it was asked."""
    return QuestionInstance.from_dict(json.loads(question.instance))


def question_in_thread(
    *, session: Session, team_id: str, channel_id: str, thread_ts: str
) -> QuizQuestion | None:
    """The question whose thread this is, if any."""
    return session.exec(
        select(QuizQuestion).where(
            QuizQuestion.team_id == team_id,
            QuizQuestion.channel_id == channel_id,
            QuizQuestion.message_ts == thread_ts,
        )
    ).first()


def recent_question_keys(
    *, session: Session, team_id: str, channel_id: str, limit: int = 20
) -> list[str]:
    """The keys of the channel's latest questions, newest first (to avoid repeats)."""
    rows = session.exec(
        select(QuizQuestion.question_key)
        .where(QuizQuestion.team_id == team_id, QuizQuestion.channel_id == channel_id)
        .order_by(col(QuizQuestion.asked_at).desc())
        .limit(limit)
    ).all()
    return list(rows)


def record_answer(
    *,
    session: Session,
    question: QuizQuestion,
    user_id: str,
    reply_ts: str,
    text: str,
    grade: Grade | None,
    now: datetime,
) -> QuizAnswer | None:
    """Store a person's answer, or return ``None`` when they have answered already.

    ``grade`` is ``None`` for a free-text answer that waits for the batch grader.
    """
    assert question.id is not None
    answer = QuizAnswer(
        question_id=question.id,
        team_id=question.team_id,
        channel_id=question.channel_id,
        user_id=user_id,
        reply_ts=reply_ts,
        text=text[:4000],
        answered_at=now,
        status=AnswerStatus.PENDING if grade is None else AnswerStatus.GRADED,
    )
    if grade is not None:
        apply_grade(answer, grade, now=now)
    try:
        with session.begin_nested():
            session.add(answer)
    except IntegrityError:
        return None
    return answer


def apply_grade(answer: QuizAnswer, grade: Grade, *, now: datetime) -> None:
    """Record a grade on an answer."""
    answer.status = AnswerStatus.GRADED
    answer.correct = grade.correct
    answer.points = grade.points if grade.correct else 0
    answer.method = str(grade.method)
    answer.feedback = grade.feedback
    answer.graded_at = now


def link_answer_batch(session: Session, answer_id: int, job_id: int) -> None:
    """A free-text answer is being graded by batch job ``job_id``."""
    answer = session.get(QuizAnswer, answer_id)
    if answer is not None:
        answer.batch_job_id = job_id
        session.add(answer)


def answers_of_job(*, session: Session, job_id: int) -> list[QuizAnswer]:
    """The answers batch job ``job_id`` was asked to grade."""
    return list(session.exec(select(QuizAnswer).where(QuizAnswer.batch_job_id == job_id)).all())


def set_announced(answer: QuizAnswer, announced: bool = True) -> None:
    """Record whether an answer's grade has been told to its author."""
    answer.announced = announced


def answers_of(*, session: Session, question_id: int) -> list[QuizAnswer]:
    """Every answer to a question, oldest first."""
    return list(
        session.exec(
            select(QuizAnswer)
            .where(QuizAnswer.question_id == question_id)
            .order_by(col(QuizAnswer.answered_at), col(QuizAnswer.id))
        ).all()
    )


def due_reveals(
    *, session: Session, now: datetime, team_id: str | None = None
) -> list[QuizQuestion]:
    """Open questions whose time is up, in ``team_id``'s workspace (``None``: in every one)."""
    query = select(QuizQuestion).where(
        QuizQuestion.status == QuestionStatus.OPEN, col(QuizQuestion.closes_at) <= now
    )
    if team_id is not None:
        query = query.where(QuizQuestion.team_id == team_id)
    return list(session.exec(query).all())


def claim_reveal(*, session: Session, question_id: int, now: datetime) -> bool:
    """Atomically close a question for answers; exactly one caller gets True."""
    result = session.execute(
        update(QuizQuestion)
        .where(col(QuizQuestion.id) == question_id, col(QuizQuestion.status) == QuestionStatus.OPEN)
        .values(status=QuestionStatus.REVEALED, revealed_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def ungraded_free_text(*, session: Session) -> list[QuizAnswer]:
    """Free-text answers waiting for a grading batch that has not been submitted."""
    return list(
        session.exec(
            select(QuizAnswer).where(
                QuizAnswer.status == AnswerStatus.PENDING, col(QuizAnswer.batch_job_id).is_(None)
            )
        ).all()
    )


def unannounced_grades(*, session: Session, team_id: str | None = None) -> list[QuizAnswer]:
    """Graded free-text answers whose grade has not been posted in the thread yet, in
    ``team_id``'s workspace (``None``: in every one)."""
    query = select(QuizAnswer).where(
        QuizAnswer.status == AnswerStatus.GRADED, col(QuizAnswer.announced).is_(False)
    )
    if team_id is not None:
        query = query.where(QuizAnswer.team_id == team_id)
    return list(session.exec(query).all())


def teams_to_tell(*, session: Session, now: datetime) -> list[str]:
    """The workspaces with a question to reveal or a grade to announce now, sorted."""
    reveal = select(QuizQuestion.team_id).where(
        QuizQuestion.status == QuestionStatus.OPEN, col(QuizQuestion.closes_at) <= now
    )
    announce = select(QuizAnswer.team_id).where(
        QuizAnswer.status == AnswerStatus.GRADED, col(QuizAnswer.announced).is_(False)
    )
    teams = set(session.exec(reveal).all()) | set(session.exec(announce).all())
    return sorted(teams)


@dataclass(frozen=True, slots=True)
class Standing:
    """A row of a leaderboard."""

    user_id: str
    points: int
    correct: int
    answered: int


def leaderboard(
    *,
    session: Session,
    team_id: str,
    since: datetime,
    channel_id: str | None = None,
    limit: int = 10,
) -> list[Standing]:
    """Points per person since ``since`` (the quarter), in a channel or the whole workspace."""
    query = (
        select(
            QuizAnswer.user_id,
            func.sum(QuizAnswer.points),
            func.sum(case((col(QuizAnswer.correct).is_(True), 1), else_=0)),
            func.count(),
        )
        .where(
            QuizAnswer.team_id == team_id,
            QuizAnswer.status == AnswerStatus.GRADED,
            col(QuizAnswer.answered_at) >= since,
        )
        .group_by(col(QuizAnswer.user_id))
    )
    if channel_id is not None:
        query = query.where(QuizAnswer.channel_id == channel_id)
    rows = session.exec(query).all()
    standings = [
        Standing(user, int(points or 0), int(correct or 0), int(count))
        for user, points, correct, count in rows
    ]
    standings.sort(key=lambda s: (-s.points, -s.correct, s.user_id))
    return standings[:limit]


def close_open_questions(*, session: Session, team_id: str, now: datetime) -> int:
    """A workspace that removed Batchscout: its open questions close without a reveal (nothing
    would be allowed to post it). Returns how many closed."""
    result = session.execute(
        update(QuizQuestion)
        .where(
            col(QuizQuestion.team_id) == team_id, col(QuizQuestion.status) == QuestionStatus.OPEN
        )
        .values(status=QuestionStatus.REVEALED, revealed_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
