"""What the provider's usage says reaches the ledger and the FOCUS export: a workflow marked
as moved whose traffic really runs on the batch API counts as verified savings, and its
observed, billed cost is what FOCUS reports."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine

from batchscout.audit.inventory import parse_csv
from batchscout.audit.usage import CostRecord, UsageProvider, UsageRecord, UsageWindow
from batchscout.services import focus, ledger
from batchscout.storage import queries
from batchscout.storage import usage as store
from batchscout.storage.db import session_scope

TEAM = "T0USAGE"
# $0.004 a request synchronously, $0.002 on batch: 15,000 a month cost $30 and save $30.
INVENTORY = (
    "name,provider,requests,per,cost_per_request,trigger,reader,freshness,mode,usage_api_key\n"
    "Invoice extraction,openai,500,day,0.004,schedule,system,day,batch,key_invoice001\n"
    "Unlinked report,openai,100,day,0.01,schedule,report,day,sync,\n"
)
NOW = datetime(2026, 12, 7, 0, 5, tzinfo=UTC)
DAYS = 14


def _load(engine: Engine) -> None:
    """Two weeks in which every request of the moved workflow ran on the batch API, billed
    $1.10 a day (monthly: $1.10 × 30 = $33.00)."""
    end = NOW.replace(hour=0, minute=0)
    start = end - timedelta(days=DAYS)
    usage, costs = [], []
    for n in range(DAYS):
        day = start + timedelta(days=n)
        usage.append(UsageRecord(UsageProvider.OPENAI, day.replace(hour=5), "proj_data0001",
                                 "key_invoice001", "gpt-4o-mini", "batch", 500,
                                 100_000, 0, 0, 10_000))  # fmt: skip
        costs.append(CostRecord(UsageProvider.OPENAI, day.date(), "proj_data0001",
                                "key_invoice001", "", Decimal("1.10")))  # fmt: skip
    with session_scope(engine) as session:
        queries.import_specs(session=session, team_id=TEAM, specs=parse_csv(INVENTORY))
        store.store_window(
            session=session, team_id=TEAM,
            window=UsageWindow(UsageProvider.OPENAI, start, end, usage, costs),
        )  # fmt: skip


def test_verified_traffic_is_verified_savings_in_the_snapshot(engine: Engine) -> None:
    _load(engine)

    week = ledger.snapshot_team(engine, TEAM, now=NOW)

    assert week.figures.realised == Decimal(30)
    assert week.figures.verified_savings == Decimal(30)


def test_focus_reports_the_billed_cost_where_usage_has_it(engine: Engine) -> None:
    _load(engine)

    with session_scope(engine) as session:
        text, count = focus.focus_csv(session=session, team_id=TEAM, now=NOW)

    rows = {r["ResourceName"]: r for r in csv.DictReader(io.StringIO(text))}
    assert count == 2
    moved, unlinked = rows["Invoice extraction"], rows["Unlinked report"]
    assert (moved["BilledCost"], moved["EffectiveCost"], moved["x_CostSource"]) == (
        "33.00", "33.00", "billed",
    )  # fmt: skip
    assert moved["ListCost"] == "66.00"  # the same traffic at the standard tier (2× batch)
    assert moved["x_ProcessingTier"] == "batch" and moved["x_MonthlySavings"] == "30.00"
    assert (unlinked["BilledCost"], unlinked["x_CostSource"]) == ("30.00", "estimate")
    assert moved["BillingPeriodStart"] == "2026-12-01T00:00:00Z"
    assert moved["BillingPeriodEnd"] == "2027-01-01T00:00:00Z"
