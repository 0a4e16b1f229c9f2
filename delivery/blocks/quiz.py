"""Knowledge checks: the question, a person's grade, the reveal, the leaderboard."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from batchscout.audit.quiz import (
    Grade,
    QuestionInstance,
    QuestionKind,
    ask_text,
    reveal_text,
)
from batchscout.audit.text import and_list, plural
from batchscout.delivery.blocks import Message, context, header, note, section
from batchscout.delivery.mrkdwn import escape
from batchscout.storage.quizzes import Standing


def points_text(points: int) -> str:
    """``1 point``, ``2 points``."""
    return plural(points, "point")


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


def pending_message(user_id: str) -> Message:
    """In the thread, when a free-text answer goes to the batch grader."""
    text = (
        f"Thanks <@{user_id}>: free-text answers are graded by an LLM through the provider batch "
        "API (near-real-time in practice); your grade will come to you privately, and the "
        "reveal names who was right."
    )
    return note(text)


def reveal_message(
    instance: QuestionInstance,
    *,
    answered: int,
    correct: int,
    pending: int = 0,
    right: Sequence[str] = (),
) -> Message:
    """At closing time: the answer, the explanation, who was right and the tally (a check
    nobody answered says so, never "0 answers, 0 correct")."""
    tally = f"{plural(answered, 'answer')}, {correct} correct"
    if pending:
        tally += f", {pending} still being graded"
    if not answered:
        tally = "Nobody answered this one"
    lead = "*Closed.*"
    if instance.kind is QuestionKind.FREE_TEXT:
        lead = "*Closed.* What a good answer covers:"
    blocks = [section(f"{lead}\n{escape(reveal_text(instance))}")]
    if right:
        shown = [f"<@{user}>" for user in right[:RIGHT_LIMIT]]
        if len(right) > RIGHT_LIMIT:
            shown.append(f"{len(right) - RIGHT_LIMIT} more")
        blocks.append(section(f"*Right:* {and_list(shown)}"))
    elif answered:
        blocks.append(section("*Right:* nobody this time."))
    blocks.append(context(tally + "."))
    return Message(text=f"Knowledge check closed: {tally}.", blocks=blocks)


#: At most this many people are named in a reveal (a section holds 3,000 characters).
RIGHT_LIMIT = 40


def leaderboard_message(
    *,
    quarter: str,
    channel: Sequence[Standing] | None,
    workspace: Sequence[Standing] | None,
) -> Message:
    """This quarter's leaderboards, each named (this channel, the whole workspace); people
    with no points are left out. ``None`` leaves a board out (the digest shows the channel's)."""

    def rows(standings: Sequence[Standing]) -> str:
        scored = [s for s in standings if s.points > 0]
        if not scored:
            return "_Nobody has scored yet this quarter._"
        return "\n".join(
            f"{rank}. <@{s.user_id}> — {points_text(s.points)} ({s.correct}/{s.answered} correct)"
            for rank, s in enumerate(scored, start=1)
        )

    blocks = [header(f"Knowledge check leaderboard — {quarter}")]
    if channel is not None and workspace is not None and list(channel) == list(workspace):
        # One channel plays, or every point was scored here: one list, not the same one twice.
        blocks.append(section("*This channel and the whole workspace*\n" + rows(workspace)))
    else:
        if channel is not None:
            blocks.append(section("*This channel*\n" + rows(channel)))
        if workspace is not None:
            blocks.append(section("*Whole workspace*\n" + rows(workspace)))
    return Message(text=f"Knowledge check leaderboard for {quarter}", blocks=blocks)
