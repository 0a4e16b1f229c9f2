"""Render one owner's follow-up DM after decisions, and their App Home section, as text:
the sample inventory, ``followups send``, then clicks through the real Bolt app against the
recording fake Slack (Snooze, Already moved, Accept with its modal).

    .venv/bin/python bench/render_followthrough.py [OWNER]

Run from the repository root (it uses the test suite's fakes). OWNER defaults to U0DEMO0001.
"""

from __future__ import annotations

import json
import sys
import tempfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from batchscout.audit.inventory import parse_csv
from batchscout.bot.app import build_app
from batchscout.bot.server import HttpServer
from batchscout.delivery.clients import make_web_client
from batchscout.services.followups import send_followups
from batchscout.services.opportunities import opportunities_report
from batchscout.settings import Settings
from batchscout.storage.db import make_engine, session_scope, upgrade
from batchscout.storage.queries import import_specs
from batchscout.storage.types import utcnow
from bench.render_slack import message_text, render
from tests.bot.slack_user import SECRET, Posted, SlackUsers
from tests.fakes.signing import interactivity_body, post
from tests.fakes.slack_api import FakeSlack

TEAM = "T0DEMO0001"
SAMPLE = Path(__file__).resolve().parents[1] / "cli" / "sample_inventory.csv"


def main() -> None:
    owner = sys.argv[1] if len(sys.argv) > 1 else "U0DEMO0001"
    dm = f"D{owner}"
    with tempfile.TemporaryDirectory() as folder, FakeSlack(team_id=TEAM) as slack:
        url = f"sqlite:///{folder}/render.db"
        engine = make_engine(url)
        upgrade(engine)
        with session_scope(engine) as session:
            specs = parse_csv(SAMPLE.read_text(encoding="utf-8"))
            import_specs(session=session, team_id=TEAM, specs=specs)
        settings = Settings(database_url=url, slack_bot_token="xoxb-test",
                            slack_signing_secret=SECRET, slack_api_url=slack.api_url,
                            llm_provider="none")  # fmt: skip
        client = make_web_client(settings, token="xoxb-render")
        send_followups(engine=engine, client=client, team_id=TEAM, now=utcnow(),
                       noise_floor=Decimal(25), scheduled=False)  # fmt: skip
        print("=" * 20, f"{owner}'s follow-up as sent", "=" * 20)
        print(render(slack.calls(), dm))
        server = HttpServer(
            build_app(settings, engine=engine, work_before_ack=True), engine, port=0
        ).start()
        try:
            users = SlackUsers(server.url, slack)
            sent = users.posts(dm)[-1]
            print("\n" + "=" * 20, "opportunities --json --owner, before", "=" * 20)
            print(owned_json(engine, owner))
            decide_all(users, sent, owner)
            print("\n" + "=" * 20, "opportunities --json --owner, after", "=" * 20)
            print(owned_json(engine, owner))
            print("\n" + "=" * 20, f"{owner}'s follow-up after their decisions", "=" * 20)
            print(render(slack.calls(), dm))
            users.event({"type": "app_home_opened", "user": owner, "tab": "home"}, team=TEAM)
            home = slack.calls("views.publish")[-1].params["view"]["blocks"]
            start = next(i for i, b in enumerate(home) if "Your opportunities" in json.dumps(b))
            print("\n" + "=" * 20, "App Home: Your opportunities", "=" * 20)
            print(message_text({"blocks": home[start - 1 : -1]}))
        finally:
            server.stop()
            engine.dispose()


def owned_json(engine: Any, owner: str) -> str:
    """``batchscout opportunities --team T --owner OWNER --json`` (the same service)."""
    with session_scope(engine) as session:
        found = opportunities_report(session=session, team_id=TEAM, owner=owner)
    return json.dumps(found, indent=1)


def decide_all(users: SlackUsers, sent: Posted, owner: str) -> None:
    """Snooze the first item a month, mark the second as moved to batch, accept the third;
    answer the first audit question "It can wait a day"."""
    actions = [b for b in sent.blocks if b.get("type") == "actions"
               and str(b.get("block_id", "")).startswith("opportunity-")]  # fmt: skip
    plan = [("opportunity_snooze", 1), ("opportunity_moved", 0), ("opportunity_accept", None)]
    for block, (action_id, option) in zip(actions, plan, strict=False):
        found = next(e for e in block["elements"] if e["action_id"] == action_id)
        action = {"action_id": action_id, "block_id": block["block_id"], "type": found["type"]}
        if option is None:
            action["value"] = found["value"]
        else:
            action["selected_option"] = found["options"][option]
        users.act(users.posts(sent.channel)[-1], action, user=owner, team=TEAM)
        if action_id == "opportunity_accept":
            view = users.slack.last("views.open").params["view"]
            due = (utcnow().date() + timedelta(days=21)).isoformat()
            state = {"due": {"due_date": {"type": "datepicker", "selected_date": due}}}
            payload = {"type": "view_submission", "user": {"id": owner, "team_id": TEAM},
                       "team": {"id": TEAM}, "api_app_id": "A0TEST",
                       "view": {**view, "id": "V1", "state": {"values": state}}}  # fmt: skip
            post(f"{users.url}/slack/events", interactivity_body(payload), users.secret)
    for block in [b for b in sent.blocks if str(b.get("block_id", "")).startswith("audit-")][:1]:
        found = next(e for e in block["elements"] if e["action_id"] == "audit_wait_day")
        action = {"action_id": "audit_wait_day", "block_id": block["block_id"], "type": "button",
                  "value": found["value"]}  # fmt: skip
        users.act(users.posts(sent.channel)[-1], action, user=owner, team=TEAM)


if __name__ == "__main__":
    main()
