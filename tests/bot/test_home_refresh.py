"""A change that is saved stays saved, and is said to be, when the Home tab cannot be redrawn.

Slack refusing ``views.publish`` after a save (registration, ``migrated``, a confirmed remove,
the card's "Mark as moved to batch") used to reach the global error handler, which told the
person that nothing was changed. Now the save is confirmed and a log line records the
refresh that failed.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from batchscout.audit.latency import Mode
from batchscout.logs import event_of
from batchscout.storage import queries
from batchscout.storage.db import session_scope
from tests.bot.seed import seed, spec
from tests.bot.slack_user import SlackUsers
from tests.bot.test_registration import DM, TYPED_NIGHTLY, asks, question, type_answers
from tests.fakes.slack_api import FakeSlack

NIGHTLY = "Nightly ticket summaries"


@pytest.fixture
def refusals(slack: FakeSlack, caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Slack refuses every ``views.publish``; log lines of the Home tab are captured."""
    slack.fail("views.publish", error="invalid_arguments", times=100)
    with caplog.at_level("WARNING", logger="batchscout.services.home"):
        yield


def refresh_failures(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The ``error`` of each ``home_refresh_failed`` line logged so far."""
    return [
        str(event_of(r).get("error"))
        for r in caplog.records
        if event_of(r)["event"] == "home_refresh_failed"
    ]


def told_nothing_changed(slack: FakeSlack) -> bool:
    notices = slack.calls("response_url") + slack.calls("chat.postEphemeral")
    return any("nothing was changed" in str(c.params) for c in notices)


def workflow(engine: Engine, name: str = NIGHTLY) -> object:
    with session_scope(engine) as session:
        found = queries.get_workflow(session=session, team_id="T0TEST", name=name)
        if found is not None:
            session.expunge(found)
        return found


def test_registration_saved(
    users: SlackUsers,
    slack: FakeSlack,
    bot_engine: Engine,
    refusals: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    users.say("register")
    type_answers(users, TYPED_NIGHTLY)
    users.click(asks(users, "Save this workflow?"), "Save")

    assert f"Saved *{NIGHTLY}*" in question(users, DM).mrkdwn
    assert workflow(bot_engine) is not None
    slack.wait_for("views.publish")
    assert not told_nothing_changed(slack)
    assert refresh_failures(caplog) == ["invalid_arguments"]


def test_migrated_command(
    users: SlackUsers,
    slack: FakeSlack,
    bot_engine: Engine,
    refusals: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    seed(bot_engine, spec(NIGHTLY))

    reply = users.command(f"migrated {NIGHTLY}")

    assert "now count as realised" in reply.mrkdwn
    assert workflow(bot_engine).mode is Mode.BATCH  # type: ignore[attr-defined]
    assert not told_nothing_changed(slack)
    assert refresh_failures(caplog) == ["invalid_arguments"]


def test_mark_as_moved_button(
    users: SlackUsers,
    slack: FakeSlack,
    bot_engine: Engine,
    refusals: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    seed(bot_engine, spec(NIGHTLY))
    card = users.command(f"show {NIGHTLY}")

    moved = users.reply(users.click(card, "Mark as moved to batch"))

    assert "realised" in moved.mrkdwn
    assert workflow(bot_engine).mode is Mode.BATCH  # type: ignore[attr-defined]
    assert not told_nothing_changed(slack)
    assert refresh_failures(caplog) == ["invalid_arguments"]


def test_confirmed_remove(
    users: SlackUsers,
    slack: FakeSlack,
    bot_engine: Engine,
    refusals: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    seed(bot_engine, spec(NIGHTLY))
    confirm = users.command(f"remove {NIGHTLY}")

    done = users.reply(users.click(confirm, "Remove"))

    assert f"Removed *{NIGHTLY}*" in done.mrkdwn
    assert workflow(bot_engine) is None
    assert not told_nothing_changed(slack)
    assert refresh_failures(caplog) == ["invalid_arguments"]
