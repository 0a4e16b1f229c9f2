"""SQLite with three writers at once (issue 9, Faults): ``serve``, the worker and a CLI import
each have their own engine (their own connections, as separate processes do) on one file.

No write is lost and "database is locked" never escapes: WAL and the busy timeout make each
writer wait its turn.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import select

from batchscout.storage import digests as store
from batchscout.storage.db import make_engine, session_scope, upgrade
from batchscout.storage.digest_tables import DigestRun
from batchscout.storage.models import Workflow
from batchscout.storage.queries import import_specs, save_spec
from tests.bot.seed import spec

TEAM = "T0TEST"
ROUNDS = 25


def test_serve_worker_and_import_write_at_once_and_nothing_is_lost(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    upgrade(make_engine(url))
    errors: list[BaseException] = []
    start = threading.Barrier(3)

    def serve() -> None:  # people registering workflows one by one
        engine = make_engine(url)
        start.wait()
        for n in range(ROUNDS):
            with session_scope(engine) as session:
                save_spec(session=session, team_id=TEAM, spec=spec(f"registered {n}"))

    def worker() -> None:  # digest runs created and claimed
        engine = make_engine(url)
        start.wait()
        due = datetime(2026, 11, 30, 8, tzinfo=UTC)
        for n in range(ROUNDS):
            with session_scope(engine) as session:
                run = store.get_or_create_run(
                    session=session, team_id=TEAM, channel_id="C0DIGEST",
                    period=f"p{n}", due_at=due + timedelta(days=n), subscription_id=None,
                )  # fmt: skip
                assert run.id is not None
                store.claim_run(session=session, run_id=run.id, worker="w", now=due)

    def cli_import() -> None:  # whole files, each in one transaction
        engine = make_engine(url)
        start.wait()
        for n in range(ROUNDS):
            specs = [spec(f"imported {n}-{k}") for k in range(20)]
            with session_scope(engine) as session:
                import_specs(session=session, team_id=TEAM, specs=specs)

    def guarded(target: object) -> threading.Thread:
        def run() -> None:
            try:
                target()  # type: ignore[operator]
            except BaseException as error:  # collected: the test names what escaped
                errors.append(error)

        return threading.Thread(target=run)

    threads = [guarded(serve), guarded(worker), guarded(cli_import)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert errors == []
    engine = make_engine(url)
    with session_scope(engine) as session:
        names = {w.name for w in session.exec(select(Workflow)).all()}
        runs = session.exec(select(DigestRun)).all()
    assert len(names) == ROUNDS + ROUNDS * 20
    assert len(runs) == ROUNDS and all(r.claimed_by == "w" for r in runs)
