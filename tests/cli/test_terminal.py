"""The terminal views stay readable in an 80-column terminal."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from batchscout.audit.inventory import parse_csv
from batchscout.cli.terminal import inventory_table
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
