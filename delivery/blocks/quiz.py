"""Knowledge checks: the question, a person's grade, the reveal, the leaderboard."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from batchscout.audit.quiz import (
    Grade,
    GradeMethod,
    QuestionInstance,
    QuestionKind,
    ask_text,
    reveal_text,
)
from batchscout.delivery.blocks import Message, context, header, section
from batchscout.delivery.mrkdwn import escape
from batchscout.storage.quizzes import Standing


def points_text(points: int) -> str:
    """``1 point``, ``2 points``."""
    return f"{points} point{'' if points == 1 else 's'}"


def slack_time(when: datetime, fallback: str) -> str:
    """A date Slack shows in each reader's own time zone."""
    return f"<!date^{int(when.timestamp())}^{{date_short_pretty}} at {{time}}|{escape(fallback)}>"


def question_message(
    instance: QuestionInstance, *, closes_at: datetime, in_digest: bool = False
) -> Message:
    """The question; answers are replies in its thread."""
    title = "This week's knowledge check" if in_digest else "Knowledge check"
    points = instance.question.points
    closes = slack_time(closes_at, closes_at.strftime("%Y-%m-%d %H:%M UTC"))
    blocks = [
        header(title),
        section(escape(ask_text(instance))),
        context(
            f"First answer counts · {points_text(points)} if right · "
            f"answer and explanation revealed {closes}"
        ),
    ]
    return Message(text=f"{title}: {instance.question.prompt}", blocks=blocks)


def grade_message(instance: QuestionInstance, grade: Grade) -> Message:
    """Only for the person who answered: the verdict and why."""
    verdict = "Correct" if grade.correct else "Not quite"
    text = f"*{verdict}* ({points_text(grade.points if grade.correct else 0)}). {escape(grade.feedback)}\n{escape(instance.question.explanation)}"
    return Message(text=f"{verdict}.", blocks=[section(text)])


def free_text_verdict(user_id: str, grade: Grade) -> Message:
    """In the thread, once a free-text answer is graded: the verdict and how it was graded."""
    how = {
        GradeMethod.LLM: "graded by an LLM through the provider batch API",
        GradeMethod.KEYWORD: "graded with a keyword rubric (no LLM provider is configured)",
    }.get(grade.method, "graded")
    mark = ":white_check_mark: correct" if grade.correct else ":x: not yet"
    return Message(
        text=f"<@{user_id}>'s answer: {mark} — {how}.",
        blocks=[section(f"<@{user_id}>'s answer: {mark} — {how}.")],
    )


def pending_message(user_id: str) -> Message:
    """In the thread, when a free-text answer goes to the batch grader."""
    text = (
        f"Thanks <@{user_id}>: free-text answers are graded by an LLM through the provider batch "
        "API (near-real-time in practice); the grade will appear in this thread."
    )
    return Message(text=text, blocks=[section(text)])


def reveal_message(
    instance: QuestionInstance, *, answered: int, correct: int, pending: int = 0
) -> Message:
    """At closing time: the answer, the explanation and the tally."""
    tally = f"{answered} {'answer' if answered == 1 else 'answers'}, {correct} correct"
    if pending:
        tally += f", {pending} still being graded"
    if instance.kind is QuestionKind.FREE_TEXT:
        lead = "*Closed.* What a good answer covers:"
    else:
        lead = "*Closed.* The answer:"
    blocks = [section(f"{lead}\n{escape(reveal_text(instance))}"), context(tally + ".")]
    return Message(text=f"Knowledge check closed: {tally}.", blocks=blocks)


def leaderboard_message(
    *, quarter: str, channel: Sequence[Standing] | None, workspace: Sequence[Standing]
) -> Message:
    """This quarter's leaderboards, for the channel and the workspace."""

    def rows(standings: Sequence[Standing]) -> str:
        if not standings:
            return "_No graded answers yet this quarter._"
        return "\n".join(
            f"{rank}. <@{s.user_id}> — {points_text(s.points)} ({s.correct}/{s.answered} correct)"
            for rank, s in enumerate(standings, start=1)
        )

    blocks = [header(f"Knowledge check leaderboard — {quarter}")]
    if channel is not None:
        blocks.append(section("*This channel*\n" + rows(channel)))
    blocks.append(section("*Whole workspace*\n" + rows(workspace)))
    return Message(text=f"Knowledge check leaderboard for {quarter}", blocks=blocks)
