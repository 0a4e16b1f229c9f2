"""What a new user's trial found, kept as tests: a snapshot or a rehearsed follow-up never
moves opportunities to a later moment than now."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from batchscout.audit.opportunities import Decision, OpportunityStatus
from batchscout.delivery.clients import make_web_client
from batchscout.services import ledger
from batchscout.services.followups import send_followups
from batchscout.services.opportunities import decide, list_opportunities
from batchscout.settings import Settings
from batchscout.storage.db import session_scope
from tests.bot.seed import seed, spec
from tests.fakes.slack_api import FakeSlack

TEAM = "T0NEWUSER"
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=400)  # long after the 14-day snooze runs out


def _snoozed(engine: Engine) -> None:
    seed(engine, spec("Nightly", owner="U0ALICE"), team=TEAM)
    with session_scope(engine) as session:
        decide(session=session, team_id=TEAM, workflow_name="Nightly",
               decision=Decision.SNOOZE, by="U0ALICE", now=NOW, days=14)  # fmt: skip


def _nightly(engine: Engine, now: datetime) -> tuple[OpportunityStatus, list[datetime]]:
    with session_scope(engine) as session:
        [view] = list_opportunities(session=session, team_id=TEAM, now=now)
    return view.status, [h.at for h in view.history]


def test_a_snapshot_as_of_a_future_week_is_refused_and_changes_nothing(engine: Engine) -> None:
    _snoozed(engine)

    with session_scope(engine) as session, pytest.raises(ledger.SnapshotRefused) as refused:
        ledger.take_snapshot(session=session, team_id=TEAM, as_of=LATER, now=NOW)

    assert "in the future" in str(refused.value)
    status, dates = _nightly(engine, NOW)
    assert status is OpportunityStatus.SNOOZED and max(dates) <= NOW
    with session_scope(engine) as session:
        assert ledger.history(session=session, team_id=TEAM) == []


def test_a_snapshot_of_an_earlier_week_takes_todays_figures_at_now(engine: Engine) -> None:
    seed(engine, spec("Nightly", owner="U0ALICE"), team=TEAM)  # no opportunity stored yet

    with session_scope(engine) as session:
        week = ledger.take_snapshot(
            session=session, team_id=TEAM, as_of=NOW - timedelta(days=30), now=NOW
        )

    assert week.week == "2026-W45" and week.figures.opportunities["open"] == Decimal(7500)
    _, dates = _nightly(engine, NOW)
    assert dates == [NOW]  # created as of now, not as of the earlier week


def test_rehearsing_a_later_follow_up_never_ends_a_snooze_early(
    engine: Engine, slack: FakeSlack
) -> None:
    _snoozed(engine)
    client = make_web_client(Settings(slack_api_url=slack.api_url), token="xoxb-test")

    send_followups(engine=engine, client=client, team_id=TEAM, now=LATER,
                   noise_floor=Decimal(25), scheduled=False, synced_at=NOW)  # fmt: skip

    status, dates = _nightly(engine, NOW)
    assert status is OpportunityStatus.SNOOZED and max(dates) <= NOW


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(team_id=TEAM) as fake:
        yield fake
