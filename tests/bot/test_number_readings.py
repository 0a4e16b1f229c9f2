"""A number the bot is not sure of is never graded: knowledge-check answers are final on the
first try, so a reading that could be wrong gets a hint to write it plainly, and thousands
written with a space, a no-break space or an apostrophe are read as such. Signed thread
replies through the real Bolt app, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from tests.bot.conftest import engine_on
from tests.bot.slack_user import SlackUsers
from tests.bot.test_quiz_threads import CHANNEL, answers, ask_known
from tests.fakes.slack_api import FakeSlack


@pytest.fixture
def bot_engine(database_url: str) -> Iterator[Engine]:
    """The app's database: SQLite, and PostgreSQL when TEST_POSTGRES_URL is set."""
    yield from engine_on(database_url)


@pytest.mark.parametrize(
    "text", ["7.500", "7.5e3", "75E2", "seven thousand, five hundred", "about 7.500 dollars"]
)
def test_an_ambiguous_number_gets_a_hint_and_the_answer_still_counts(
    text: str, users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    ts = ask_known(slack, bot_engine, "savings-nightly-reference")

    users.say(text, user="U0ALICE", channel=CHANNEL, thread_ts=ts)
    assert answers(bot_engine) == []  # not graded
    users.say("7500", user="U0ALICE", channel=CHANNEL, thread_ts=ts)

    hint, graded = users.ephemerals("U0ALICE")
    assert "more than one way" in hint and "not graded" in hint
    assert "Correct" in graded
    assert [(a.text, a.correct) for a in answers(bot_engine)] == [("7500", True)]


@pytest.mark.parametrize("text", ["7 500", "7\u00a0500", "7'500", "$7 500", "7\u202f500 dollars"])
def test_thousands_separated_by_a_space_or_an_apostrophe_are_read_as_such(
    text: str, users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    ts = ask_known(slack, bot_engine, "savings-nightly-reference")

    users.say(text, user="U0ALICE", channel=CHANNEL, thread_ts=ts)

    assert [a.correct for a in answers(bot_engine)] == [True]
