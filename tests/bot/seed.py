"""Workflows to start a scenario from, stored the way the app stores them."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Engine

from batchscout.audit.inventory import WorkflowSpec
from batchscout.audit.latency import Freshness, Mode, Reader, Trigger
from batchscout.audit.savings import Per
from batchscout.storage import queries
from batchscout.storage.db import session_scope


def spec(
    name: str,
    *,
    requests: str = "50000",
    per: Per = Per.DAY,
    cost: str = "0.01",
    trigger: Trigger = Trigger.SCHEDULE,
    reader: Reader = Reader.REPORT,
    freshness: Freshness = Freshness.DAY,
    mode: Mode = Mode.SYNC,
    owner: str | None = "U0TEST",
    description: str = "",
) -> WorkflowSpec:
    """A workflow priced by cost per request (the reference case by default: $7,500/month)."""
    return WorkflowSpec(
        name=name,
        requests=Decimal(requests),
        per=per,
        trigger=trigger,
        reader=reader,
        freshness=freshness,
        mode=mode,
        owner=owner,
        description=description,
        cost_per_request=Decimal(cost),
    )


def seed(engine: Engine, *specs: WorkflowSpec, team: str = "T0TEST") -> None:
    """Store ``specs`` in ``team``."""
    with session_scope(engine) as session:
        queries.import_specs(session=session, team_id=team, specs=list(specs))
