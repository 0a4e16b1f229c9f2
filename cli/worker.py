"""``batchscout worker``: the scheduler on its own (digests, batch polling, quiz deadlines)."""

from __future__ import annotations

import signal

import typer

from batchscout.cli.common import err, exit_on_problems, fail, load_settings, open_database
from batchscout.jobs.scheduler import Worker
from batchscout.jobs.wiring import NotInstalledError, runtime_from_settings
from batchscout.logs import configure_logging
from batchscout.services.runtime import Runtime
from batchscout.settings import Mode, Settings

app = typer.Typer()


def runtime_or_exit(settings: Settings) -> Runtime:
    """The jobs' runtime for every installed workspace, or a friendly exit."""
    try:
        return runtime_from_settings(settings, open_database(settings))
    except (NotInstalledError, ValueError) as error:
        raise fail(f"{str(error).rstrip('.')}.") from error


@app.command("worker")
def worker() -> None:
    """Run the scheduler: digests, batch polling. A second worker waits as a standby."""
    settings = load_settings()
    exit_on_problems(settings, Mode.WORKER)
    configure_logging(settings.batchscout_log_level)
    runtime = runtime_or_exit(settings)
    running = Worker(runtime)
    signal.signal(signal.SIGTERM, lambda *_: running.stop())
    err.print(f"Batchscout worker {runtime.worker_id} started; Ctrl-C stops it.")
    try:
        running.run()
    except KeyboardInterrupt:
        running.stop()
