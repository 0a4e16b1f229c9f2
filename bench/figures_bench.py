"""The figures that touch every workflow, at 100,000 workflows, against a compute floor
measured in the same run.

    python bench/figures_bench.py [--workflows 100000] [--repeat 3] [--postgres URL]

With --postgres (a URL naming any database on the server), the same run on a fresh
PostgreSQL database, created and dropped by the bench; SQLite otherwise.

The floor is a plain-Python pass over the same rows: one SELECT of the same columns the paths
read (name, owner, class, mode, rationale and the money), by name, through the same engine,
then the same Decimal arithmetic per workflow (monthly requests; sync, batch, flex and
priority cost and the cache saving; savings by bucket) and the portfolio sums. Each path is timed in
process (start-up excluded; median of --repeat): `savings` in Slack (portfolio and top
opportunities as Block Kit), `savings --json` (the document), the first page of `list`, the
App Home tab, and a digest's facts and Block Kit. Goal: each within 3x the floor, figures
unchanged (tests/storage/test_rows.py checks them against the ORM path, to every digit).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from workspace import TEAM, drop_database, fresh_database, median, seed

from batchscout.audit.digest import build_facts, template_prose
from batchscout.delivery.blocks import digest as digest_blocks
from batchscout.delivery.blocks import workflows as blocks
from batchscout.delivery.blocks.home import home_view
from batchscout.delivery.blocks.opportunities import home_opportunities_section
from batchscout.services import ledger
from batchscout.services.opportunity_clicks import own_items
from batchscout.services.reports import savings_document
from batchscout.storage import queries
from batchscout.storage.db import make_engine, session_scope
from batchscout.storage.digests import digest_items
from batchscout.storage.types import utcnow

VIEWER = "U0BENCH007"  # the App Home tab's viewer, an owner of 2,000 of the workflows
PER_MONTH = {"hour": Decimal(720), "day": Decimal(30), "week": Decimal(30) / Decimal(7),
             "month": Decimal(1)}  # fmt: skip
FLOOR_SQL = (
    "SELECT name, owner, latency_class, batch_disguised_as_stream, mode, rationale, requests, "
    "per, sync_per_request, batch_per_request, flex_per_request, priority_per_request, "
    "cache_saving_per_request, caching FROM workflow "
    "WHERE team_id = :team AND status = 'active' ORDER BY name_key"
)


def floor_pass(engine: object) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """Read the money columns and do the arithmetic, nothing else."""
    from sqlalchemy import text

    spend = migrate = challenge = realised = lanes = Decimal(0)
    with engine.connect() as connection:  # type: ignore[attr-defined]
        for row in connection.execute(text(FLOOR_SQL), {"team": TEAM}).all():
            _, _, latency, _, mode, _, requests, per, sync, batch, flex, priority, cache, _ = row
            month = Decimal(requests) * PER_MONTH[per]
            sync_monthly = Decimal(sync) * month
            batch_monthly = Decimal(batch) * month
            flex_monthly = None if flex is None else Decimal(flex) * month
            # The lanes issue 19 added: what priority costs and a warm cache saves a month.
            if priority is not None:
                lanes += Decimal(priority) * month
            if cache is not None:
                lanes += Decimal(cache) * month
            cost = batch_monthly if mode == "batch" else sync_monthly
            spend += cost
            if latency == "real-time":
                continue
            saved = max(sync_monthly - batch_monthly, Decimal(0))
            if mode != "sync":
                realised += saved if flex_monthly is None else sync_monthly - flex_monthly
            elif latency == "scheduled":
                migrate += saved
            else:
                challenge += saved
    return spend, migrate, challenge, realised


def seconds(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workflows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", default=None, help="a PostgreSQL server's URL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = (
            fresh_database(args.postgres, "figures_bench")
            if args.postgres
            else f"sqlite:///{folder}/bench.db"
        )
        started = time.perf_counter()
        seed(url, args.workflows)
        seeded = time.perf_counter() - started
        engine = make_engine(url)

        def portfolio() -> tuple[object, list[queries.Row]]:
            with session_scope(engine) as session:
                return queries.workspace_portfolio(session=session, team_id=TEAM)

        def savings_slack() -> object:
            figures, rows = portfolio()
            return blocks.savings_report(figures, rows)  # type: ignore[arg-type]

        def savings_json() -> object:
            figures, rows = portfolio()
            return json.dumps(savings_document(figures, rows))  # type: ignore[arg-type]

        def list_page() -> object:
            with session_scope(engine) as session:
                page = queries.workflow_page(
                    session=session, team_id=TEAM, page=0, size=blocks.PAGE_SIZE
                )
            return blocks.workflow_list(page)

        def home() -> object:  # as services.home.publish_home builds it, for one viewer
            with queries.many_objects():
                with session_scope(engine) as session:
                    figures, rows = queries.workspace_portfolio(session=session, team_id=TEAM)
                    trend = ledger.trend(session=session, team_id=TEAM, rows=rows)
                    mine = own_items(session=session, team_id=TEAM, user_id=VIEWER, now=utcnow())
                return home_view(figures, rows, None, trend, home_opportunities_section(mine))

        def digest() -> object:
            with session_scope(engine) as session:
                items = digest_items(session=session, team_id=TEAM)
            facts = build_facts(items, since=datetime(2026, 11, 1, tzinfo=UTC))
            return [
                digest_blocks.top_message(
                    facts, prose=template_prose(facts), source="template", schedule=None,
                    cost=None,
                ),
                *digest_blocks.thread_messages(facts),
            ]  # fmt: skip

        paths = (
            ("savings (Slack: figures + top opportunities)", savings_slack),
            ("savings --json (every workflow)", savings_json),
            ("list (Slack: first page)", list_page),
            ("App Home tab", home),
            ("digest facts + Block Kit", digest),
        )
        # Each repeat times the floor and then every path, so that the load of a shared
        # machine weighs on both; the ratio is the median of the repeats' ratios.
        floors: list[float] = []
        ratios: dict[str, list[float]] = {name: [] for name, _ in paths}
        times: dict[str, list[float]] = {name: [] for name, _ in paths}
        for _ in range(args.repeat):
            floor_seconds = seconds(lambda: floor_pass(engine))
            floors.append(floor_seconds)
            for name, action in paths:
                took = seconds(action)
                times[name].append(took)
                ratios[name].append(took / floor_seconds)
        floor = median(floors)
        results = [(name, median(times[name]), median(ratios[name])) for name, _ in paths]
        figures, _ = portfolio()
        spend, migrate, challenge, realised = floor_pass(engine)
        same = (spend, migrate, challenge, realised) == (
            figures.monthly_spend, figures.migrate_now, figures.to_challenge, figures.realised,  # type: ignore[attr-defined]
        )  # fmt: skip
        engine.dispose()
        if args.postgres:
            drop_database(args.postgres, "figures_bench")

    print(
        f"Figures for {args.workflows:,} workflows "
        f"({'PostgreSQL' if args.postgres else 'SQLite'}, median of {args.repeat}; "
        f"seeded through the import path in {seeded:.1f} s):"
    )
    print(
        f"  {'compute floor (plain rows + Decimal arithmetic)':<48}{floor * 1000:9.0f} ms   1.00x"
    )
    worst = 0.0
    for name, took, ratio in results:
        worst = max(worst, ratio)
        print(f"  {name:<48}{took * 1000:9.0f} ms   {ratio:.2f}x")
    print(f"  portfolio figures equal the floor's to the cent and beyond: {same}")
    print(
        f"  worst ratio {worst:.2f}x (goal <= 3x)   {'MET' if worst <= 3 and same else 'NOT MET'}"
    )


if __name__ == "__main__":
    main()
