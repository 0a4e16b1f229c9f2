"""What the benchmarks share: a seeded workspace, percentiles, a process's resident memory.

Run each bench from the repository root (``python bench/NAME.py``); this module puts the root
on ``sys.path`` so the benches can use the test fakes (``tests/fakes``) for Slack.
"""

from __future__ import annotations

import statistics
import sys
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from batchscout.audit.inventory import WorkflowSpec  # noqa: E402
from batchscout.audit.latency import Freshness, Mode, Reader, Trigger  # noqa: E402
from batchscout.audit.pricing import Provider  # noqa: E402
from batchscout.audit.savings import Per  # noqa: E402
from batchscout.storage import queries  # noqa: E402
from batchscout.storage.db import make_engine, session_scope, upgrade  # noqa: E402

TEAM = "T0BENCH"
TRIGGERS, READERS, FRESHNESS, PERIODS = list(Trigger), list(Reader), list(Freshness), list(Per)
MODELS = ("gpt-4o-mini", "gpt-4.1-mini", "claude-haiku-4-5", "claude-sonnet-4-5")


def specs(count: int) -> list[WorkflowSpec]:
    """``count`` varied workflows: every latency class, period and mode; a third priced from a
    model and tokens, the rest from a cost per request."""
    made = []
    for n in range(count):
        priced = n % 3 == 0
        model = MODELS[n % len(MODELS)]
        made.append(
            WorkflowSpec(
                name=f"workflow {n:06d}",
                requests=Decimal(1000 + n),
                per=PERIODS[n % 4],
                provider=(Provider.ANTHROPIC if model.startswith("claude") else Provider.OPENAI)
                if priced
                else None,
                model=model if priced else None,
                input_tokens=800 + n % 400 if priced else None,
                output_tokens=200 + n % 100 if priced else None,
                cost_per_request=None if priced else Decimal("0.004") + Decimal(n % 97) / 10_000,
                trigger=TRIGGERS[n % 3],
                reader=READERS[n % 4],
                freshness=FRESHNESS[n % 5],
                mode=Mode.BATCH if n % 11 == 0 else Mode.SYNC,
                owner=f"U0BENCH{n % 50:03d}",
            )
        )
    return made


def seed(url: str, count: int, team_id: str = TEAM) -> None:
    """A database at ``url`` with ``count`` workflows in ``team_id``."""
    engine = make_engine(url)
    upgrade(engine)
    with session_scope(engine) as session:
        queries.import_specs(session=session, team_id=team_id, specs=specs(count))
    engine.dispose()


def percentile(samples: list[float], share: float) -> float:
    """The ``share`` (0–1) percentile, nearest rank."""
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def rss_mib(pid: int) -> float:
    """A process's resident memory (``VmRSS``) in MiB; Linux ``/proc``."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def peak_rss_mib(pid: int) -> float:
    """A process's peak resident memory (``VmHWM``) in MiB; Linux ``/proc``."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for process {pid}")


def fresh_database(server_url: str, name: str) -> str:
    """A new, empty database ``name`` on the PostgreSQL server of ``server_url``; its URL."""
    admin = create_engine(make_url(server_url).set(drivername="postgresql+psycopg"),
        isolation_level="AUTOCOMMIT")  # fmt: skip
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_database(server_url: str, name: str) -> None:
    """Drop database ``name`` (and its connections) on the server of ``server_url``."""
    admin = create_engine(make_url(server_url).set(drivername="postgresql+psycopg"),
        isolation_level="AUTOCOMMIT")  # fmt: skip
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
