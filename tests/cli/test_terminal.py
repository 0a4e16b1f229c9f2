"""The terminal views stay readable in an 80-column terminal."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from rich.console import Console

from batchscout.audit.digest import DigestItem, build_facts
from batchscout.audit.inventory import parse_csv
from batchscout.audit.latency import LatencyClass, Mode
from batchscout.audit.ledger import Trend
from batchscout.audit.savings import Per, workflow_figures
from batchscout.cli.terminal import digest_text, inventory_table, ledger_text
from batchscout.storage.db import make_engine, session_scope, upgrade
from batchscout.storage.queries import import_specs, workspace_portfolio

SAMPLE = Path(__file__).parents[2] / "cli" / "sample_inventory.csv"


def render(width: int) -> str:
    engine = make_engine("sqlite://")
    upgrade(engine)
    with session_scope(engine) as session:
        import_specs(session=session, team_id="T0DEMO", specs=parse_csv(SAMPLE.read_text()))
        _, rows = workspace_portfolio(session=session, team_id="T0DEMO")
    console = Console(width=width, record=True, color_system=None)
    console.print(inventory_table(rows, width=width))
    return console.export_text()


def test_a_narrow_terminal_gets_the_compact_table() -> None:
    narrow, wide = render(80), render(140)

    assert all(len(line) <= 80 for line in narrow.splitlines())
    assert "near-real-time*" in narrow and "* batch disguised as stream" in narrow
    assert "Requests/mo" not in narrow and "Requests/mo" in wide
    assert "near-real-time (disguised)" in wide and "$3,060 (realised)" in wide
    assert "│ Nightly ticket summaries " in narrow  # names keep to one line when they fit


def _near_real_time(name: str, requests: int) -> DigestItem:
    figures = workflow_figures(
        sync_per_request=Decimal("0.01"),
        batch_per_request=Decimal("0.005"),
        requests=Decimal(requests),
        per=Per.DAY,
        latency_class=LatencyClass.NEAR_REAL_TIME,
        mode=Mode.SYNC,
        flex_per_request=Decimal("0.005"),
    )
    at = datetime(2026, 12, 1, tzinfo=UTC)
    return DigestItem(name, None, LatencyClass.NEAR_REAL_TIME, False, Mode.SYNC, figures, at, at)


def test_the_digest_preview_says_no_history_once_and_no_stray_flex_line() -> None:
    facts = build_facts([_near_real_time("Triage", 1000)], since=None)

    text = digest_text(facts, "prose") + "\n" + ledger_text(Trend([], None, None))

    assert text.count("No history yet") == 1
    assert "  Or " not in text and text.count("flex now or batch") == 1  # the item's own line


def test_two_workflows_to_challenge_get_the_portfolios_flex_line_with_its_heading() -> None:
    facts = build_facts(
        [_near_real_time("Triage", 1000), _near_real_time("Alerts", 500)], since=None
    )

    text = digest_text(facts, "prose")

    assert "\n  Or flex now, on the same synchronous call: flex now or batch: $225" in text
