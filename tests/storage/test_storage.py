"""Storage on SQLite and PostgreSQL: migrations, exact money, UTC times, workspaces kept apart."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import UTC
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, func
from sqlmodel import select

from batchscout.audit.inventory import InventoryError, parse_csv
from batchscout.audit.latency import LatencyClass, Mode
from batchscout.audit.pricing import ModelRate, Provider
from batchscout.storage import queries
from batchscout.storage.db import (
    alembic_config,
    current_revision,
    make_engine,
    session_scope,
    upgrade,
)
from batchscout.storage.models import Workflow
from batchscout.storage.schema import metadata

INVENTORY = """name,provider,model,requests,per,input_tokens,output_tokens,cost_per_request,trigger,reader,freshness,mode
Nightly ticket summaries,,,50000,day,,,0.01,schedule,report,day,sync
Support assist,openai,gpt-4o-2024-08-06,40000,day,2500,400,,user,on-screen,seconds,sync
Weekly digest,anthropic,claude-haiku-4-5,20000,week,6000,800,,schedule,later,week,batch
"""


def test_upgrade_reaches_head_and_matches_the_models(engine: Engine) -> None:
    upgrade(engine)  # a second upgrade is a no-op

    assert current_revision(engine) is not None
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_import_stores_exact_money_and_utc_times(engine: Engine) -> None:
    with session_scope(engine) as session:
        result = queries.import_specs(
            session=session, team_id="T0AAA", specs=parse_csv(INVENTORY), actor="U0ME"
        )
    assert result == queries.ImportResult(created=3, updated=0)

    with session_scope(engine) as session:
        nightly = queries.get_workflow(
            session=session, team_id="T0AAA", name="nightly TICKET summaries "
        )
        assist = queries.get_workflow(session=session, team_id="T0AAA", name="Support assist")
        digest = queries.get_workflow(session=session, team_id="T0AAA", name="Weekly digest")
        figures, rows = queries.workspace_portfolio(session=session, team_id="T0AAA")

    assert nightly is not None and assist is not None and digest is not None
    assert nightly.cost_per_request == Decimal("0.01") and nightly.batch_per_request == Decimal(
        "0.005"
    )
    assert queries.figures_of(nightly).monthly_savings == Decimal(7500)
    assert assist.priced_model == "gpt-4o" and assist.model == "gpt-4o-2024-08-06"
    assert assist.latency_class is LatencyClass.REAL_TIME
    assert digest.mode is Mode.BATCH and digest.migrated_at is not None
    assert (
        nightly.created_at.tzinfo is not None
        and nightly.created_at.utcoffset() == UTC.utcoffset(None)
    )
    assert figures.migrate_now == Decimal(7500)
    assert figures.realised == queries.figures_of(digest).monthly_savings > 0
    assert [w.name for w, _ in rows] == [
        "Nightly ticket summaries",
        "Support assist",
        "Weekly digest",
    ]


def test_a_row_with_an_existing_name_updates_that_workflow(engine: Engine) -> None:
    with session_scope(engine) as session:
        queries.import_specs(session=session, team_id="T0AAA", specs=parse_csv(INVENTORY))
    changed = "name,requests,per,cost_per_request,trigger,reader,freshness\nNIGHTLY ticket summaries,60000,day,0.01,schedule,report,day\n"

    with session_scope(engine) as session:
        result = queries.import_specs(session=session, team_id="T0AAA", specs=parse_csv(changed))

    assert result == queries.ImportResult(created=0, updated=1)
    with session_scope(engine) as session:
        count = session.exec(select(func.count()).select_from(Workflow)).one()
        nightly = queries.get_workflow(
            session=session, team_id="T0AAA", name="Nightly ticket summaries"
        )
    assert count == 3
    assert (
        nightly is not None
        and nightly.requests == 60000
        and nightly.name == "NIGHTLY ticket summaries"
    )


def test_a_file_that_cannot_be_priced_stores_nothing(engine: Engine) -> None:
    bad = INVENTORY + "Mystery,openai,gpt-99-ultra,10,day,10,10,,user,later,day,sync\n"

    with (
        pytest.raises(InventoryError, match="line 5, column model"),
        session_scope(engine) as session,
    ):
        queries.import_specs(session=session, team_id="T0AAA", specs=parse_csv(bad))

    with session_scope(engine) as session:
        assert queries.list_workflows(session=session, team_id="T0AAA") == []


def test_workspaces_never_see_each_other(engine: Engine) -> None:
    with session_scope(engine) as session:
        queries.import_specs(session=session, team_id="T0AAA", specs=parse_csv(INVENTORY))
        queries.import_specs(
            session=session, team_id="T0BBB", specs=parse_csv(INVENTORY.replace("50000", "10"))
        )

    with session_scope(engine) as session:
        a = queries.get_workflow(session=session, team_id="T0AAA", name="Nightly ticket summaries")
        b = queries.get_workflow(session=session, team_id="T0BBB", name="Nightly ticket summaries")
        assert (
            queries.remove_workflow(session=session, team_id="T0BBB", name="Support assist")
            is not None
        )
    with session_scope(engine) as session:
        assert len(queries.list_workflows(session=session, team_id="T0AAA")) == 3
        assert len(queries.list_workflows(session=session, team_id="T0BBB")) == 2
        assert queries.list_workflows(session=session, team_id="T0CCC") == []
    assert a is not None and b is not None and a.id != b.id and a.requests != b.requests


def test_migrated_moves_savings_to_realised(engine: Engine) -> None:
    with session_scope(engine) as session:
        queries.import_specs(session=session, team_id="T0AAA", specs=parse_csv(INVENTORY))
    with session_scope(engine) as session:
        before, _ = queries.workspace_portfolio(session=session, team_id="T0AAA")
        moved = queries.mark_migrated(
            session=session, team_id="T0AAA", name="nightly ticket summaries"
        )
    with session_scope(engine) as session:
        after, _ = queries.workspace_portfolio(session=session, team_id="T0AAA")

    assert moved is not None and moved.mode is Mode.BATCH and moved.migrated_at is not None
    assert after.migrate_now == before.migrate_now - Decimal(7500)
    assert after.realised == before.realised + Decimal(7500)
    assert after.monthly_spend == before.monthly_spend - Decimal(7500)


def test_workspace_overrides_reprice_workflows(engine: Engine) -> None:
    with session_scope(engine) as session:
        queries.import_specs(session=session, team_id="T0AAA", specs=parse_csv(INVENTORY))
        queries.set_batch_discount(session=session, team_id="T0AAA", discount=Decimal("0.6"))
    with session_scope(engine) as session:
        nightly = queries.get_workflow(
            session=session, team_id="T0AAA", name="Nightly ticket summaries"
        )
        assert nightly is not None and nightly.batch_per_request == Decimal("0.004")
        queries.set_model_rate(
            session=session,
            team_id="T0AAA",
            provider=Provider.OPENAI,
            model="GPT-4o-2024-08-06",
            rate=ModelRate(Decimal(2), Decimal(8)),
        )
    with session_scope(engine) as session:
        assist = queries.get_workflow(session=session, team_id="T0AAA", name="Support assist")
        assert assist is not None
        assert assist.sync_per_request == Decimal("0.0082")  # 2500 × $2 + 400 × $8 per 1M
        assert assist.batch_per_request == Decimal("0.0082") * Decimal("0.4")
    with pytest.raises(ValueError, match="between 0 and 1"), session_scope(engine) as session:
        queries.set_batch_discount(session=session, team_id="T0AAA", discount=Decimal("1.5"))


def test_an_edit_can_rename_a_workflow(engine: Engine) -> None:
    with session_scope(engine) as session:
        queries.import_specs(session=session, team_id="T0AAA", specs=parse_csv(INVENTORY))
    renamed = replace(parse_csv(INVENTORY)[0], name="Overnight ticket summaries", line=None)

    with session_scope(engine) as session:
        saved = queries.save_spec(
            session=session, team_id="T0AAA", spec=renamed, replacing="Nightly ticket summaries"
        )
        taken = replace(renamed, name="Support assist")
        with pytest.raises(queries.NameTakenError):
            queries.save_spec(
                session=session, team_id="T0AAA", spec=taken, replacing="Overnight ticket summaries"
            )

    with session_scope(engine) as session:
        names = [w.name for w in queries.list_workflows(session=session, team_id="T0AAA")]
    assert names == ["Overnight ticket summaries", "Support assist", "Weekly digest"]
    assert saved.id is not None


def test_migration_0005_fills_catalog_flex_prices_in(database_url: str) -> None:
    """Workflows stored before service tiers get the catalog's flex price, and only those
    priced from a catalog model without a negotiated rate."""
    from sqlalchemy import text

    from batchscout.storage.db import make_engine

    engine = make_engine(database_url)
    upgrade(engine, "0004")
    columns = (
        "team_id, name, name_key, description, provider, model, requests, per, input_tokens, "
        "output_tokens, cost_per_request, trigger, reader, freshness, mode, sync_per_request, "
        "batch_per_request, batch_basis, latency_class, rationale, batch_disguised_as_stream, "
        "status, created_at, updated_at"
    )
    rows = [
        ("triage", "openai", "gpt-5-mini", None),
        ("legacy", "openai", "gpt-4o-mini", None),
        ("by cost", None, None, "0.01"),
        ("negotiated", "openai", "GPT-5-mini ", None),
    ]
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO workspace (team_id, created_at) VALUES ('T0AAA', CURRENT_TIMESTAMP)")
        )
        connection.execute(
            text(
                "INSERT INTO price_override (team_id, provider, model, input_per_mtok, "
                "output_per_mtok, updated_at) VALUES ('T0AAA', 'openai', 'gpt-5-mini', '0.2', "
                "'1.6', CURRENT_TIMESTAMP)"
            )
        )
        for team, (name, provider, model, cost) in zip(
            ["T0BBB"] * 3 + ["T0AAA"], rows, strict=True
        ):
            connection.execute(
                text(
                    f"INSERT INTO workflow ({columns}) VALUES (:team, :name, :name, '', "
                    ":provider, :model, '100', 'day', :tokens, :tokens, :cost, 'event', "
                    "'later', 'minutes', 'sync', '0.001', '0.0005', 'catalog', "
                    "'near-real-time', 'r', false, 'active', CURRENT_TIMESTAMP, "
                    "CURRENT_TIMESTAMP)"
                ),
                {
                    "team": team,
                    "name": name,
                    "provider": provider,
                    "model": model,
                    "tokens": None if cost else 1000,
                    "cost": cost,
                },
            )
    upgrade(engine)
    with session_scope(engine) as session:
        flex = {w.name: w.flex_per_request for w in session.exec(select(Workflow)).all()}
    engine.dispose()

    assert flex == {
        "triage": (Decimal("0.125") + Decimal(1)) / 1000,  # catalog flex, 1,000 tokens each way
        "legacy": None,  # the catalog has no flex price for gpt-4o-mini
        "by cost": None,
        "negotiated": None,  # the negotiated rate has no flex price
    }


@pytest.mark.postgres
def test_processes_starting_together_migrate_once(postgres_url: str) -> None:
    """serve and worker upgrade the schema as they start: three processes on a fresh database
    at the same moment all succeed (an advisory lock makes the others wait, then find the
    schema at head)."""
    code = "import sys; from batchscout.storage.db import make_engine, upgrade; upgrade(make_engine(sys.argv[1]))"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", code, postgres_url], stderr=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    for process in processes:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
    engine = make_engine(postgres_url)
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    assert current_revision(engine) == head
    engine.dispose()
