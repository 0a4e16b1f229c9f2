"""Imports stream into one transaction in bulk: rows are written as they are read, and a bad
row anywhere (even after thousands were written) leaves nothing stored, on SQLite and
PostgreSQL."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func
from sqlmodel import select

from batchscout.audit.inventory import InventoryError, read_csv
from batchscout.audit.latency import Mode
from batchscout.storage import queries
from batchscout.storage.db import session_scope
from batchscout.storage.models import Workflow

HEADER = "name,requests,per,cost_per_request,trigger,reader,freshness,mode\n"


def rows(count: int, *, mode: str = "sync", start: int = 0) -> str:
    return "".join(
        f"Workflow {n:05d},{1000 + n},day,0.01,schedule,report,day,{mode}\n"
        for n in range(start, start + count)
    )


def stored(engine: Engine) -> int:
    with session_scope(engine) as session:
        return int(session.exec(select(func.count()).select_from(Workflow)).one())


def import_text(engine: Engine, text: str) -> queries.ImportResult:
    with session_scope(engine) as session:
        return queries.import_specs(
            session=session, team_id="T0AAA", specs=read_csv(io.StringIO(text, newline=""))
        )


def test_a_bad_last_row_after_thousands_leaves_nothing_stored(engine: Engine) -> None:
    count = queries.IMPORT_CHUNK * 2 + 500  # two chunks were written before the bad row
    text = HEADER + rows(count) + "Broken,-5,day,0.01,schedule,report,day,sync\n"
    with pytest.raises(InventoryError) as raised:
        import_text(engine, text)
    assert [(p.line, p.column) for p in raised.value.problems] == [(count + 2, "requests")]
    assert stored(engine) == 0


def test_unpriceable_and_invalid_rows_are_all_listed_by_line(engine: Engine) -> None:
    text = (
        "name,provider,model,requests,per,input_tokens,output_tokens,trigger,reader,freshness\n"
        "Good,openai,gpt-4o-mini,10,day,100,10,schedule,report,day\n"
        "Unknown model,openai,gpt-nonexistent-9,10,day,100,10,schedule,report,day\n"
        "Bad period,openai,gpt-4o-mini,10,fortnight,100,10,schedule,report,day\n"
    )
    with pytest.raises(InventoryError) as raised:
        import_text(engine, text)
    assert [(p.line, p.column) for p in raised.value.problems] == [(3, "model"), (4, "per")]
    assert stored(engine) == 0


def test_a_large_import_creates_then_updates_in_bulk(engine: Engine) -> None:
    count = queries.IMPORT_CHUNK + 234
    first = import_text(engine, HEADER + rows(count))
    assert first == queries.ImportResult(created=count, updated=0)
    with session_scope(engine) as session:
        figures, listed = queries.workspace_portfolio(session=session, team_id="T0AAA")
        before = queries.get_workflow(session=session, team_id="T0AAA", name="Workflow 00007")
    assert len(listed) == count
    expected = sum((Decimal(1000 + n) * 30 * Decimal("0.005") for n in range(count)), Decimal(0))
    assert figures.migrate_now == expected
    assert before is not None and before.migrated_at is None

    # Half move to batch, a hundred new ones join: updated in place, moves dated once.
    second = import_text(engine, HEADER + rows(count // 2, mode="batch") + rows(100, start=count))
    assert second == queries.ImportResult(created=100, updated=count // 2)
    with session_scope(engine) as session:
        moved = queries.get_workflow(session=session, team_id="T0AAA", name="Workflow 00007")
        assert moved is not None and moved.mode is Mode.BATCH and moved.migrated_at is not None
        dated = moved.migrated_at
        assert moved.created_at == before.created_at
    import_text(engine, HEADER + rows(10, mode="batch"))
    with session_scope(engine) as session:
        again = queries.get_workflow(session=session, team_id="T0AAA", name="Workflow 00007")
        assert again is not None and again.migrated_at == dated
    assert stored(engine) == count + 100
