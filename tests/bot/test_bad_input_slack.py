"""Bad input through Slack (issue 9, Bad input): fuzzed command arguments and typed answers.

Hypothesis drives the real Bolt app over signed HTTP: whatever is typed, the person gets an
answer that is not the "something went wrong" apology (which means a traceback was logged),
and a rejected input changes no workflow. Sizes up to 40,000 characters, and mention and link
injection, are among the examples every run.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlmodel import select

from batchscout.delivery import messages
from batchscout.storage.db import session_scope
from batchscout.storage.models import Workflow
from tests.bot.conftest import engine_on
from tests.bot.seed import seed, spec
from tests.bot.slack_user import SlackUsers
from tests.fakes.slack_api import FakeSlack

FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
INJECTIONS = ["<!channel>", "<@U0EVIL>", "<https://evil.example|click>", "&lt;!here&gt;"]
TYPED = st.one_of(
    st.text(max_size=80),
    st.sampled_from(["0,01", "1,5", "1E+40", "NaN", "-0", "Infinity", "1E+999999", *INJECTIONS]),
)
SUBCOMMANDS = ["show", "prices", "digest floor", "digest subscribe", "remove", "migrated", "edit"]


def workflows(engine: Engine) -> list[str]:
    with session_scope(engine) as session:
        return sorted(w.model_dump_json() for w in session.exec(select(Workflow)).all())


def assert_answered_plainly(slack: FakeSlack) -> None:
    sent = json.dumps([c.params for c in slack.calls()], default=str)
    assert slack.calls(), "no answer at all"
    assert messages.SOMETHING_WENT_WRONG[:40] not in sent and "Traceback" not in sent
    for injection in INJECTIONS[:3]:
        assert injection not in sent  # echoed only escaped


@pytest.fixture
def seeded(bot_engine: Engine) -> Engine:
    seed(bot_engine, spec("Nightly"))
    return bot_engine


@pytest.mark.parametrize("subcommand", SUBCOMMANDS)
def test_any_argument_to_any_command_gets_a_plain_answer(
    users: SlackUsers, slack: FakeSlack, seeded: Engine, subcommand: str
) -> None:
    @given(argument=TYPED)
    @example(argument="x" * 40_000)
    @FUZZ
    def run(argument: str) -> None:
        slack.reset()
        before = workflows(seeded)
        users.command(f"{subcommand} {argument}".strip(), channel="C0DIGEST")
        assert_answered_plainly(slack)
        if subcommand not in ("remove", "migrated") or argument.strip().lower() != "nightly":
            assert workflows(seeded) == before

    run()


def test_any_typed_answer_in_a_registration_gets_a_plain_answer(
    users: SlackUsers, slack: FakeSlack, seeded: Engine
) -> None:
    users.command("register")

    @given(answers=st.lists(TYPED, min_size=1, max_size=6))
    @example(answers=["y" * 40_000])
    @example(answers=["nightly_ticket_summary", "skip", "me", "other", "0,01"])
    @FUZZ
    def run(answers: list[str]) -> None:
        for text in answers:
            slack.reset()
            assert users.say(text) == 200
            assert_answered_plainly(slack)

    run()


@pytest.fixture
def bot_engine(database_url: str) -> Iterator[Engine]:
    """Bad input on SQLite and on PostgreSQL (some inputs crash only there)."""
    yield from engine_on(database_url)
