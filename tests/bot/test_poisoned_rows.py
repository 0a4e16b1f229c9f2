"""A row stored before the bounds existed (issue 9 item 2): every read path still answers.

On the old main, ``requests`` 1E+40 (accepted from a CSV then) made ``list``, ``savings``,
``show``, ``digest preview`` and App Home end in ``decimal.InvalidOperation`` for that
workspace, for good. The row is written here bypassing validation, as the old main stored it.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Engine, update
from sqlmodel import col

from batchscout.storage.db import session_scope
from batchscout.storage.models import Workflow
from tests.bot.seed import seed, spec
from tests.bot.slack_user import SlackUsers
from tests.fakes.slack_api import FakeSlack


@pytest.fixture
def poisoned(bot_engine: Engine) -> Engine:
    seed(bot_engine, spec("Nightly summaries"), spec("Huge"))
    with session_scope(bot_engine) as session:
        session.execute(
            update(Workflow).where(col(Workflow.name) == "Huge").values(requests=Decimal("1E+40"))
        )
    return bot_engine


@pytest.mark.parametrize(
    ("command", "shown"),
    [
        ("list", "Nightly summaries"),
        ("savings", "Huge"),
        ("show Huge", "000,000,000,000,000,000,000"),
        ("digest preview", "Batchscout digest"),
    ],
)
def test_a_workspace_with_an_old_huge_row_is_still_served(
    users: SlackUsers, poisoned: Engine, command: str, shown: str
) -> None:
    answer = users.command(command, channel="C0DIGEST")

    assert "went wrong" not in answer.formatted
    assert shown in answer.formatted


def test_app_home_is_published_for_it(
    users: SlackUsers, poisoned: Engine, slack: FakeSlack
) -> None:
    assert users.event({"type": "app_home_opened", "user": "U0TEST", "tab": "home"}) == 200

    published = slack.last("views.publish")
    assert published.ok and "Nightly summaries" in str(published.params["view"])
