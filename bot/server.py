"""Serving the Bolt app: HTTP (``/slack/events``, the install flow, ``/healthz``) on a small
threaded WSGI server from the standard library, or Socket Mode over a WebSocket."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from socketserver import ThreadingMixIn
from types import TracebackType
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from batchscout.logs import get_logger

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

log = get_logger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"


def database_reachable(engine: Engine) -> bool:
    """Whether the database answers a trivial query."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        log.warning("healthz_database_unreachable", error=type(error).__name__)
        return False
    return True


def wsgi_app(app: App, engine: Engine) -> WSGIApplication:
    """One WSGI application: ``GET /healthz`` here, everything else to Bolt.

    Bolt's WSGI adapter serves ``POST /slack/events`` and, with the install flow configured,
    ``GET /slack/install`` and ``GET /slack/oauth_redirect``; other paths get a 404.
    """
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in (
            "GET",
            "HEAD",
        ):
            ok = database_reachable(engine)
            body = json.dumps({"ok": ok, "database": "ok" if ok else "unreachable"}).encode()
            status = "200 OK" if ok else "503 Service Unavailable"
            start_response(
                status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
            )
            return [body]
        return slack(environ, start_response)

    return application


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    """A request per thread: a slow listener never holds up Slack's next request."""

    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    """Access lines go to logging (at debug), not to standard error."""

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("http_request", client=self.address_string(), line=format % args)


class HttpServer:
    """The HTTP server for Slack, running in a background thread until ``stop()``.

    ``port=0`` picks a free port (tests); ``url`` tells where it listens.
    """

    def __init__(
        self, app: App, engine: Engine, *, host: str = "127.0.0.1", port: int = 3000
    ) -> None:
        self._server = make_server(
            host,
            port,
            wsgi_app(app, engine),
            server_class=_ThreadingWSGIServer,
            handler_class=_QuietHandler,
        )
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        host = self._server.server_address[0]
        return f"http://{host!s}:{self.port}"

    def start(self) -> HttpServer:
        """Serve in a daemon thread; returns ``self``."""
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="batchscout-http",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted."""
        self._server.serve_forever()

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> HttpServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def run_socket_mode(app: App, app_token: str) -> None:
    """Socket Mode: Slack sends every request over a WebSocket the app opens (no public URL).

    Blocks until interrupted."""
    SocketModeHandler(app, app_token).start()  # type: ignore[no-untyped-call]  # untyped in Bolt
