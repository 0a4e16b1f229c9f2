"""The ledger's table: one row per workspace and week, replaced when taken again, never touched
by an import. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, func
from sqlmodel import select

from batchscout.audit.inventory import parse_csv
from batchscout.audit.ledger import LedgerFigures
from batchscout.audit.money import to_cents
from batchscout.services import ledger
from batchscout.storage import ledger as store
from batchscout.storage.db import session_scope
from batchscout.storage.ledger_tables import LedgerSnapshot
from batchscout.storage.queries import import_specs

SAMPLE = Path(__file__).parents[2] / "cli" / "sample_inventory.csv"
MONDAY = datetime(2026, 12, 7, 0, 5, tzinfo=UTC)


def figures(realised: str) -> LedgerFigures:
    zero = Decimal(0)
    return LedgerFigures(
        monthly_spend=Decimal("100.10"), migrate_now=zero, to_challenge=zero, flex_now=zero,
        realised=Decimal(realised), spend_after=Decimal("100.10"), verified_savings=zero,
        opportunities={"open": Decimal("12.345")},
    )  # fmt: skip


def count(engine: Engine, team_id: str) -> int:
    with session_scope(engine) as session:
        query = select(func.count()).select_from(LedgerSnapshot)
        return int(session.exec(query.where(LedgerSnapshot.team_id == team_id)).one())


def test_taking_a_week_again_replaces_it(engine: Engine) -> None:
    for realised, taken_at in (("1", MONDAY), ("2", MONDAY.replace(hour=9))):
        with session_scope(engine) as session:
            store.store_snapshot(
                session=session, team_id="T0AAAA", week="2026-W50", taken_at=taken_at,
                figures=figures(realised),
            )  # fmt: skip
    with session_scope(engine) as session:
        store.store_snapshot(
            session=session,
            team_id="T0BBBB",
            week="2026-W50",
            taken_at=MONDAY,
            figures=figures("7"),
        )

    assert count(engine, "T0AAAA") == 1
    with session_scope(engine) as session:
        [week] = store.recent_weeks(session=session, team_id="T0AAAA", weeks=12)
    assert week.week == "2026-W50" and week.figures.realised == Decimal(2)
    assert week.taken_at == MONDAY.replace(hour=9)
    assert week.figures.opportunities == {"open": Decimal("12.345")}  # exact, not rounded


def test_weeks_come_oldest_first_and_an_import_keeps_them(engine: Engine) -> None:
    with session_scope(engine) as session:
        import_specs(session=session, team_id="T0TEST", specs=parse_csv(SAMPLE.read_text()))
    for day in (datetime(2026, 11, 23, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC), MONDAY):
        with session_scope(engine) as session:
            ledger.take_snapshot(session=session, team_id="T0TEST", as_of=day)
    with session_scope(engine) as session:  # the same file again: every workflow updated
        import_specs(session=session, team_id="T0TEST", specs=parse_csv(SAMPLE.read_text()))

    with session_scope(engine) as session:
        weeks = ledger.history(session=session, team_id="T0TEST", weeks=2)
    assert [w.week for w in weeks] == ["2026-W49", "2026-W50"]
    assert count(engine, "T0TEST") == 3
    assert to_cents(weeks[-1].figures.monthly_spend) == Decimal("164790.34")  # stored exact
    assert ledger.snapshot_teams(engine) == ["T0TEST"]
