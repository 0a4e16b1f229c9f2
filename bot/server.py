"""Serving the Bolt app: HTTP (``/slack/events``, the install flow, ``/healthz``) on waitress,
a production WSGI server, or Socket Mode over a WebSocket.

Why waitress: Bolt's WSGI adapter (``slack_bolt.adapter.wsgi``) is documented for any WSGI
server (its example names gunicorn); waitress is pure Python, so it runs the same on a laptop
(macOS, Linux, Windows) and in a container, and it runs in-process, next to the scheduler
thread ``serve`` starts, without a pre-fork master. Its request threads only verify and ack:
the work runs after the answer, in Bolt's listener pool (see ``batchscout.bot.app``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from waitress import trigger, wasyncore
from waitress.server import BaseWSGIServer, create_server

from batchscout.defaults import HTTP_BACKLOG, HTTP_THREADS
from batchscout.logs import get_logger
from batchscout.serving import ServerThread

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
        if environ.get("PATH_INFO") == EVENTS_PATH and environ.get("REQUEST_METHOD") == "POST":
            timestamp = str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", ""))
            signature = str(environ.get("HTTP_X_SLACK_SIGNATURE", ""))
            if not (timestamp.isascii() and timestamp.isdigit() and signature.startswith("v0=")):
                # Bolt's verifier raises on a malformed timestamp, and its error handler would
                # then answer to the unverified request's response_url: refuse it here.
                start_response("401 Unauthorized", [("Content-Length", "0")])
                return [b""]
        return slack(environ, start_response)

    return application


class HttpServer:
    """The HTTP server for Slack (waitress), in a background thread or in the calling thread.

    ``port=0`` picks a free port (tests); ``url`` tells where it listens. ``threads`` is the
    number of request threads and ``backlog`` the listen queue (settings
    ``BATCHSCOUT_HTTP_THREADS`` and ``BATCHSCOUT_HTTP_BACKLOG``).
    """

    def __init__(
        self,
        app: App,
        engine: Engine,
        *,
        host: str = "127.0.0.1",
        port: int = 3000,
        threads: int = HTTP_THREADS,
        backlog: int = HTTP_BACKLOG,
    ) -> None:
        # The server's socket map, and a trigger in it: stop() wakes the loop through the
        # trigger, and the loop's own thread closes the map's sockets, so the loop returns.
        self._sockets: dict[Any, Any] = {}
        self._wakeup = trigger.trigger(self._sockets)
        self._server = serve_wsgi(
            wsgi_app(app, engine),
            sockets=self._sockets,
            host=host,
            port=port,
            threads=threads,
            backlog=backlog,
        )
        self.host, bound_port = self._server.getsockname()
        self.port = int(bound_port)
        self._thread = ServerThread(
            "batchscout-http", serve=self._server.run, shutdown=self._end_loop, close=self._close
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> HttpServer:
        """Serve in a daemon thread; returns ``self``."""
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted."""
        self._server.run()

    def stop(self) -> None:
        """Stop serving (requests under way get a few seconds to finish), release the port."""
        if self._thread.running:
            self._thread.stop()
        else:
            self._close()

    def _end_loop(self) -> None:
        sockets = self._sockets
        self._wakeup.pull_trigger(lambda *_: wasyncore.close_all(sockets))

    def _close(self) -> None:
        self._server.task_dispatcher.shutdown(timeout=5)
        wasyncore.close_all(self._sockets)

    def __enter__(self) -> HttpServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def serve_wsgi(
    application: WSGIApplication,
    *,
    sockets: dict[Any, Any],
    host: str,
    port: int,
    threads: int,
    backlog: int,
) -> BaseWSGIServer:
    """A waitress server bound to ``host:port`` in the socket map ``sockets`` (not yet
    running: call ``run()``). ValueError for a host name with several addresses."""
    server = create_server(
        application,
        map=sockets,
        host=host,
        port=port,
        threads=threads,
        backlog=backlog,
        # Keep accepting under a burst: connections beyond this wait in the backlog.
        connection_limit=max(100, backlog),
        ident="batchscout",
        clear_untrusted_proxy_headers=True,
    )
    if not isinstance(server, BaseWSGIServer):  # one listening socket per address
        server.close()
        raise ValueError(f"{host!r} resolves to several addresses; give one IP address")
    return server


def connect_socket_mode(app: App, app_token: str) -> SocketModeHandler:
    """Socket Mode: Slack sends every request over a WebSocket the app opens (no public URL).

    Returns the connected handler; ``handler.client.is_connected()`` tells whether the
    connection is up, ``handler.close()`` ends it."""
    handler = SocketModeHandler(app, app_token)
    handler.connect()  # type: ignore[no-untyped-call]  # untyped in Bolt
    return handler
