"""Two weeks of provider traffic ending yesterday (relative to a given day), stored directly:
an unregistered nightly job and a workflow marked migrated that still runs synchronously."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import Engine

from batchscout.audit.inventory import parse_csv
from batchscout.audit.usage import CostRecord, UsageProvider, UsageRecord, UsageWindow
from batchscout.storage import queries
from batchscout.storage import usage as store
from batchscout.storage.db import session_scope

DAYS = 14
MIGRATED = (
    "name,provider,requests,per,cost_per_request,trigger,reader,freshness,mode,usage_api_key\n"
    "Invoice <extraction>,openai,500,day,0.004,schedule,system,day,batch,key_invoice001\n"
)


def load(engine: Engine, team_id: str, today: date) -> None:
    """Store the traffic, and register the migrated workflow."""
    end = datetime.combine(today, time(0), tzinfo=UTC)
    start = end - timedelta(days=DAYS)
    usage: list[UsageRecord] = []
    costs: list[CostRecord] = []
    for n in range(DAYS):
        day = start + timedelta(days=n)
        # Nightly at 03:00, nobody registered it: 2,000 requests, $6 a night.
        usage.append(UsageRecord(UsageProvider.OPENAI, day.replace(hour=3), "proj_data0001",
                                 "key_nightly001", "gpt-4o-mini", "standard", 2000,
                                 10_000_000, 0, 0, 5_000_000))  # fmt: skip
        costs.append(CostRecord(UsageProvider.OPENAI, day.date(), "proj_data0001",
                                "key_nightly001", "", Decimal(6)))  # fmt: skip
        # "Migrated" but 400 of 500 requests still synchronous.
        for tier, requests in (("batch", 100), ("standard", 400)):
            usage.append(UsageRecord(UsageProvider.OPENAI, day.replace(hour=5), "proj_data0001",
                                     "key_invoice001", "gpt-4o-mini", tier, requests,
                                     100_000, 0, 0, 10_000))  # fmt: skip
        costs.append(CostRecord(UsageProvider.OPENAI, day.date(), "proj_data0001",
                                "key_invoice001", "", Decimal(2)))  # fmt: skip
    with session_scope(engine) as session:
        queries.import_specs(session=session, team_id=team_id, specs=parse_csv(MIGRATED))
        store.store_window(
            session=session,
            team_id=team_id,
            window=UsageWindow(UsageProvider.OPENAI, start, end, usage, costs),
        )
