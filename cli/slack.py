"""``batchscout serve``: run the Slack app, over Socket Mode (default) or HTTP."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Annotated

import typer
from slack_bolt.error import BoltError
from sqlalchemy import Engine

from batchscout.assist.chat import chat_model_from_settings
from batchscout.bot.app import build_app, listener_pool
from batchscout.bot.server import EVENTS_PATH, HEALTH_PATH, HttpServer, connect_socket_mode
from batchscout.cli.common import exit_on_problems, fail, load_settings, open_database, out
from batchscout.jobs.scheduler import Worker
from batchscout.jobs.wiring import batch_provider, runtime_from_settings
from batchscout.logs import configure_logging
from batchscout.services.background import Background
from batchscout.services.heartbeat import Heartbeat
from batchscout.settings import Mode, Settings
from batchscout.storage.heartbeats import ProcessRole

app = typer.Typer()


def start_background_jobs(settings: Settings, engine: Engine) -> Callable[[], None]:
    """Run the scheduler in this process (digests, batch polling, quiz deadlines, idle
    registrations); returns how to stop it.

    The worker takes the database lease like ``batchscout worker`` does, so a separate worker
    process and ``serve`` never both post: whichever holds the lease runs the jobs.
    """
    worker = Worker(runtime_from_settings(settings, engine))
    thread = threading.Thread(target=worker.run, name="batchscout-worker", daemon=True)
    thread.start()

    def stop() -> None:
        worker.stop()
        thread.join()  # jobs already running finish; then the lease is released

    return stop


@app.command("serve")
def serve(
    http: Annotated[
        bool, typer.Option("--http", help="Serve HTTP (POST /slack/events) instead of Socket Mode.")
    ] = False,
    port: Annotated[
        int, typer.Option("--port", "-p", min=0, max=65535, help="HTTP port (with --http).")
    ] = 3000,
    host: Annotated[
        str, typer.Option("--host", help="HTTP address to listen on (with --http).")
    ] = "0.0.0.0",
    worker: Annotated[
        bool,
        typer.Option(
            "--worker/--no-worker",
            help="Run the scheduler in this process (default); --no-worker when 'batchscout worker' runs it.",
        ),
    ] = True,
) -> None:
    """Run Batchscout in Slack: Socket Mode by default, or HTTP with --http."""
    settings = load_settings()
    exit_on_problems(settings, Mode.HTTP if http else Mode.SOCKET)
    configure_logging(settings.batchscout_log_level)
    engine = open_database(settings)
    background = Background()
    # Bolt answers Slack first and works after; owning the pool lets a stop wait for that work.
    listeners = listener_pool(settings)
    try:
        slack_app = build_app(
            settings,
            engine=engine,
            provider=batch_provider(settings),
            background=background,
            listener_executor=listeners,
            chat=chat_model_from_settings(settings),
        )
    except (BoltError, ValueError, OSError) as error:  # a token Slack refuses, Slack unreachable
        raise fail(f"cannot start the Slack app ({type(error).__name__}: {error}).") from error
    stop_on_sigterm()
    stop_jobs = start_background_jobs(settings, engine) if worker else (lambda: None)
    heartbeat: Heartbeat | None = None
    try:
        if http:
            server = HttpServer(
                slack_app,
                engine,
                host=host,
                port=port,
                threads=settings.batchscout_http_threads,
                backlog=settings.batchscout_http_backlog,
            )
            heartbeat = Heartbeat(engine, ProcessRole.SERVE, detail="http").start()
            mode = "many workspaces (install flow)" if settings.uses_oauth else "one workspace"
            out.print(
                f"Batchscout listening on http://{host}:{server.port}{EVENTS_PATH} "
                f"(health: {HEALTH_PATH}; {mode}). Ctrl+C stops."
            )
            try:
                server.serve_forever()
            finally:
                server.stop()
        else:
            handler = connect_socket_mode(slack_app, settings.app_token())
            heartbeat = Heartbeat(
                engine, ProcessRole.SERVE, detail="socket-mode", alive=handler.client.is_connected
            ).start()
            out.print("Batchscout connected over Socket Mode. Ctrl+C stops.")
            try:
                threading.Event().wait()  # until Ctrl+C or SIGTERM
            finally:
                handler.close()  # type: ignore[no-untyped-call]  # untyped in Bolt
    except KeyboardInterrupt:
        out.print("Stopping: finishing work in progress.")
    finally:
        background.stopping.set()  # an import under way rolls back and says so, not waited for
        listeners.shutdown(wait=True)  # work Slack was already answered about
        background.shutdown(wait=True)  # a digest being posted is finished, not cut in half
        stop_jobs()  # running jobs finish, then the scheduler lease is released
        if heartbeat is not None:
            heartbeat.stop()
        engine.dispose()
    out.print("Stopped.")


def stop_on_sigterm() -> None:
    """Make SIGTERM (``docker stop``, systemd, Kubernetes) stop ``serve`` as Ctrl+C does."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
