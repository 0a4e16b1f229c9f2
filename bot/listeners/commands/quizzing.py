"""``quiz`` and ``leaderboard``: knowledge checks in a channel, and the quarter's scores."""

from __future__ import annotations

from datetime import timedelta

from batchscout.bot.listeners.commands.call import CommandCall
from batchscout.bot.listeners.commands.digests import in_channel
from batchscout.delivery import messages
from batchscout.delivery.blocks import note
from batchscout.delivery.blocks import quiz as quiz_blocks
from batchscout.services import quiz as slack_quiz
from batchscout.storage import quizzes
from batchscout.storage.types import utcnow


def quiz(call: CommandCall) -> None:
    """Post a knowledge check in this channel."""
    if not in_channel(call, messages.QUIZ_IN_A_CHANNEL):
        return
    asked = slack_quiz.ask_question(
        call.client, call.services.engine, team_id=call.team_id, channel_id=call.channel_id,
        now=utcnow(), open_for=timedelta(hours=call.services.settings.batchscout_quiz_hours),
        asked_by=call.user_id,
    )  # fmt: skip
    call.reply(note(messages.QUIZ_POSTED if asked else messages.QUIZ_NOT_POSTED))


def leaderboard(call: CommandCall) -> None:
    """This quarter's scores, for this channel and the whole workspace."""
    now = utcnow()
    since = quizzes.quarter_start(now)
    in_a_channel = bool(call.channel_id) and not call.channel_id.startswith("D")
    with call.services.session() as session:
        channel = (
            quizzes.leaderboard(
                session=session, team_id=call.team_id, channel_id=call.channel_id, since=since
            )
            if in_a_channel
            else None
        )
        workspace = quizzes.leaderboard(session=session, team_id=call.team_id, since=since)
    quarter = f"{now.year} Q{(now.month - 1) // 3 + 1}"
    call.reply(
        quiz_blocks.leaderboard_message(quarter=quarter, channel=channel, workspace=workspace)
    )
