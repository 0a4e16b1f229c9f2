"""``batchscout worker``: take scheduled jobs from the queue (one worker also runs the clock);
``batchscout worker status``: the live workers and what waits in the queue."""

from __future__ import annotations

import json
import signal
from datetime import timedelta

import typer

from batchscout.cli.common import (
    JsonOption,
    err,
    exit_on_problems,
    fail,
    load_settings,
    open_database,
    out,
)
from batchscout.logs import configure_logging
from batchscout.services.heartbeat import STALE_AFTER, health
from batchscout.services.runtime import Runtime
from batchscout.settings import Mode, Settings
from batchscout.storage.heartbeats import ProcessRole
from batchscout.storage.types import utcnow

app = typer.Typer(invoke_without_command=True)


def runtime_or_exit(settings: Settings) -> Runtime:
    """The jobs' runtime for every installed workspace, or a friendly exit. (The jobs'
    wiring loads the provider SDKs: imported here, so a command's ``--help`` stays fast.)"""
    from batchscout.jobs.wiring import NotInstalledError, runtime_from_settings

    try:
        return runtime_from_settings(settings, open_database(settings))
    except (NotInstalledError, ValueError) as error:
        raise fail(f"{str(error).rstrip('.')}.") from error


@app.callback()
def worker(ctx: typer.Context) -> None:
    """Run a worker: it takes scheduled jobs from the queue; one of them also runs the clock."""
    if ctx.invoked_subcommand is not None:
        return
    settings = load_settings()
    exit_on_problems(settings, Mode.WORKER)
    configure_logging(settings.batchscout_log_level)
    runtime = runtime_or_exit(settings)
    from batchscout.jobs.scheduler import Worker

    running = Worker(runtime)
    signal.signal(signal.SIGTERM, lambda *_: running.stop())
    err.print(f"Batchscout worker {runtime.worker_id} started; Ctrl-C stops it.")
    try:
        running.run()
    except KeyboardInterrupt:
        running.stop()


@app.command("status")
def status(as_json: JsonOption = False) -> None:
    """The live workers (a heartbeat in the last 60 s) and the jobs waiting in the queue."""
    from batchscout.jobs.engine import queue_status

    settings = load_settings()
    engine = open_database(settings)
    now = utcnow()
    workers = health(engine, role=ProcessRole.WORKER, max_age=STALE_AFTER).fresh
    queue = queue_status(engine, now=now)
    rows = [
        {
            "host": w.host,
            "pid": w.pid,
            "last_heartbeat": w.beat_at.isoformat(),
            "jobs_last_hour": queue.done_last_hour.get(f"{w.host}:{w.pid}", 0),
        }
        for w in sorted(workers, key=lambda w: (w.host, w.pid))
    ]
    oldest = queue.oldest_waiting_seconds
    if as_json:
        waiting = {"workers": rows, "queue": {"waiting": queue.waiting,
            "oldest_waiting_seconds": None if oldest is None else round(oldest)}}  # fmt: skip
        out.print_json(json.dumps(waiting))
        return
    out.print(f"{len(rows)} live worker(s)", highlight=False)
    for row, w in zip(rows, sorted(workers, key=lambda w: (w.host, w.pid)), strict=True):
        age = (now - w.beat_at) / timedelta(seconds=1)
        out.print(
            f"  {row['host']}:{row['pid']}  {w.detail or '-':8} last beat {age:.0f} s ago, "
            f"{row['jobs_last_hour']} job(s) in the last hour",
            highlight=False,
        )
    total = sum(queue.waiting.values())
    kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(queue.waiting.items())) or "none"
    out.print(f"Queue: {total} job(s) waiting ({kinds})", highlight=False)
    if oldest is not None:
        out.print(f"  oldest waiting {oldest:.0f} s", highlight=False)
