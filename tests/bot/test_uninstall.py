"""A workspace that removes Batchscout: its digests stop, its data stays (issue 9 item 10)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from batchscout.services import quizzes as quiz_jobs
from batchscout.services.runtime import Runtime
from batchscout.storage.db import session_scope
from batchscout.storage.digest_tables import DigestSubscription, SubscriptionStatus
from batchscout.storage.types import utcnow
from tests.bot.seed import seed, spec
from tests.bot.slack_user import SlackUsers
from tests.fakes.slack_api import FakeSlack
from tests.jobs.conftest import slack_client


def statuses(engine: Engine) -> dict[str, tuple[str, str | None]]:
    with session_scope(engine) as session:
        return {
            s.team_id: (s.status, s.status_reason)
            for s in session.exec(select(DigestSubscription)).all()
        }


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        ({"type": "app_uninstalled"}, "app uninstalled"),
        ({"type": "tokens_revoked", "tokens": {"bot": ["UBOT"]}}, "bot token revoked"),
    ],
)
def test_an_uninstall_stops_the_workspaces_digests_and_keeps_its_data(
    users: SlackUsers, bot_engine: Engine, event: dict[str, object], reason: str
) -> None:
    seed(bot_engine, spec("Nightly"))
    users.command("digest subscribe", channel="C0DIGEST", user="U0SUB")
    assert statuses(bot_engine)["T0TEST"][0] == SubscriptionStatus.ACTIVE

    assert users.event(event) == 200

    assert statuses(bot_engine)["T0TEST"] == (SubscriptionStatus.PAUSED, reason)
    assert "Nightly" in users.command("list", user="U0SUB").mrkdwn  # the data is kept


def test_revoking_only_user_tokens_keeps_the_digests(users: SlackUsers, bot_engine: Engine) -> None:
    users.command("digest subscribe", channel="C0DIGEST", user="U0SUB")

    assert users.event({"type": "tokens_revoked", "tokens": {"oauth": ["U0SUB"]}}) == 200

    assert statuses(bot_engine)["T0TEST"][0] == SubscriptionStatus.ACTIVE


def test_after_an_uninstall_an_open_knowledge_check_is_never_revealed(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    users.command("quiz", channel="C0QUIZ")
    assert users.event({"type": "app_uninstalled"}) == 200
    slack.reset()
    runtime = Runtime(engine=bot_engine, slack=lambda team_id: slack_client(slack))

    revealed = quiz_jobs.reveal_due(runtime, now=utcnow() + timedelta(days=2))

    assert revealed == 0 and slack.calls("chat.postMessage") == []
