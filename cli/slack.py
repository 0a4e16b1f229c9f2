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

from batchscout.bot.app import build_app, listener_pool, uses_oauth
from batchscout.bot.server import EVENTS_PATH, HEALTH_PATH, HttpServer, connect_socket_mode
from batchscout.cli.common import err, fail, load_settings, open_database, out
from batchscout.jobs.scheduler import Worker
from batchscout.jobs.wiring import batch_provider, runtime_from_settings
from batchscout.logs import configure_logging
from batchscout.services.background import Background
from batchscout.services.heartbeat import Heartbeat
from batchscout.settings import Settings
from batchscout.storage.heartbeats import ProcessRole

app = typer.Typer()


def slack_settings_problems(settings: Settings, *, http: bool) -> list[str]:
    """What is missing or wrong in the environment to serve Slack in this mode."""
    problems: list[str] = []
    bot_token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else ""
    if bot_token and not bot_token.startswith("xoxb-"):
        problems.append("SLACK_BOT_TOKEN must be a bot token (it starts with xoxb-).")
    oauth = uses_oauth(settings)
    if settings.slack_client_id and not settings.slack_client_secret:
        problems.append("SLACK_CLIENT_ID is set without SLACK_CLIENT_SECRET; set both, or neither.")
    if settings.slack_client_secret and not settings.slack_client_id:
        problems.append("SLACK_CLIENT_SECRET is set without SLACK_CLIENT_ID; set both, or neither.")
    if http:
        if settings.slack_signing_secret is None:
            problems.append(
                "SLACK_SIGNING_SECRET is required with --http (Basic Information → App "
                "Credentials → Signing Secret): it proves requests come from Slack."
            )
        if oauth and settings.slack_state_secret is None:
            problems.append(
                "SLACK_STATE_SECRET is required for the install flow (SLACK_CLIENT_ID and "
                "SLACK_CLIENT_SECRET are set): any long random string, kept secret."
            )
        if not oauth and not bot_token:
            problems.append(
                "SLACK_BOT_TOKEN is required (OAuth & Permissions → Bot User OAuth Token), "
                "or SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET for the "
                "install flow."
            )
    else:
        app_token = settings.slack_app_token.get_secret_value() if settings.slack_app_token else ""
        if not app_token:
            problems.append(
                "SLACK_APP_TOKEN is required for Socket Mode (Basic Information → App-Level "
                "Tokens, scope connections:write); or serve over HTTP with --http."
            )
        elif not app_token.startswith("xapp-"):
            problems.append("SLACK_APP_TOKEN must be an app-level token (it starts with xapp-).")
        if not bot_token:
            problems.append(
                "SLACK_BOT_TOKEN is required (OAuth & Permissions → Bot User OAuth Token)."
            )
        if oauth:
            problems.append(
                "Socket Mode serves one workspace with SLACK_BOT_TOKEN: unset SLACK_CLIENT_ID "
                "and SLACK_CLIENT_SECRET, or use --http for the install flow."
            )
    return problems


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
    problems = slack_settings_problems(settings, http=http)
    if problems:
        for problem in problems:
            err.print(f"[bold red]Error:[/] {problem}", highlight=False)
        raise typer.Exit(2)
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
            mode = "many workspaces (install flow)" if uses_oauth(settings) else "one workspace"
            out.print(
                f"Batchscout listening on http://{host}:{server.port}{EVENTS_PATH} "
                f"(health: {HEALTH_PATH}; {mode}). Ctrl+C stops."
            )
            try:
                server.serve_forever()
            finally:
                server.stop()
        else:
            assert settings.slack_app_token is not None
            handler = connect_socket_mode(slack_app, settings.slack_app_token.get_secret_value())
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
