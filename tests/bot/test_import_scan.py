"""A scan's inventory shared in the bot's DM is imported like any inventory file."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from batchscout.scan import scan
from batchscout.scan.report import to_yaml
from tests.bot.slack_user import SlackUsers
from tests.bot.test_import import reply, share
from tests.bot.test_registration import stored_workflows
from tests.fakes.slack_api import FakeSlack

FIXTURES = Path(__file__).parents[1] / "scan" / "fixtures"


def test_the_yaml_of_batchscout_scan_is_imported_from_slack(
    users: SlackUsers, slack: FakeSlack, bot_engine: Engine
) -> None:
    found = to_yaml(scan(FIXTURES / "crontab_flex"))

    share(users, slack, "found.yaml", found)

    assert "Imported 4 workflows: 4 new, 0 updated" in reply(users).text
    stored = stored_workflows(bot_engine)
    assert set(stored) == {"poll_inbox.py", "triage", "digest.py", "main"}
    assert stored["poll_inbox.py"].model == "gpt-5-mini"
