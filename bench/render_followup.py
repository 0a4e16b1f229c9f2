"""Render one owner's follow-up DM as text: the sample inventory, ``followups send`` through
the real Slack SDK against the recording fake Slack.

    .venv/bin/python bench/render_followup.py [OWNER]

Run from the repository root (it uses the test suite's fakes). OWNER defaults to U0DEMO0001.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from batchscout.audit.inventory import parse_csv
from batchscout.delivery.clients import make_web_client
from batchscout.services.followups import send_followups
from batchscout.settings import Settings
from batchscout.storage.db import make_engine, session_scope, upgrade
from batchscout.storage.queries import import_specs
from bench.render_slack import render
from tests.fakes.slack_api import FakeSlack

TEAM = "T0DEMO0001"
SAMPLE = Path(__file__).resolve().parents[1] / "cli" / "sample_inventory.csv"


def main() -> None:
    owner = sys.argv[1] if len(sys.argv) > 1 else "U0DEMO0001"
    with tempfile.TemporaryDirectory() as folder, FakeSlack(team_id=TEAM) as slack:
        engine = make_engine(f"sqlite:///{folder}/render.db")
        upgrade(engine)
        with session_scope(engine) as session:
            specs = parse_csv(SAMPLE.read_text(encoding="utf-8"))
            import_specs(session=session, team_id=TEAM, specs=specs)
        client = make_web_client(Settings(slack_api_url=slack.api_url), token="xoxb-render")
        send_followups(engine=engine, client=client, team_id=TEAM,
                       now=datetime(2026, 12, 8, 9, tzinfo=UTC), noise_floor=Decimal(25),
                       scheduled=True)  # fmt: skip
        print(render(slack.calls(), f"D{owner}"))
        engine.dispose()


if __name__ == "__main__":
    main()
