"""Running a server's blocking loop in a background thread: the one start/stop lifecycle that
the app's HTTP server and the test fakes share.

A server is three callables: ``serve`` blocks until the server is shut down, ``shutdown``
(called from another thread) makes ``serve`` return, and ``close`` releases the socket::

    with ServerThread("name", serve=server.run, shutdown=..., close=server.close):
        ...  # the server answers here

A standard-library ``socketserver`` server (the test fakes') is :meth:`ServerThread.of`.
"""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Self

__all__ = ["ServerThread"]


class ServerThread:
    """A server loop in a daemon thread, from :meth:`start` until :meth:`stop`."""

    def __init__(
        self,
        name: str,
        *,
        serve: Callable[[], object],
        shutdown: Callable[[], object],
        close: Callable[[], object],
        join_timeout: float = 5.0,
    ) -> None:
        """``name`` names the thread (seen in thread dumps); ``join_timeout`` is in seconds."""
        self.name = name
        self._serve = serve
        self._shutdown = shutdown
        self._close = close
        self._join_timeout = join_timeout
        self._thread: threading.Thread | None = None
        self._closed = False

    @classmethod
    def of(cls, server: socketserver.BaseServer, name: str) -> Self:
        """A ``socketserver`` server's ``serve_forever`` loop (polling every 10 ms, so that
        ``stop`` returns at once)."""
        return cls(
            name,
            serve=lambda: server.serve_forever(poll_interval=0.01),
            shutdown=server.shutdown,
            close=server.server_close,
        )

    @property
    def running(self) -> bool:
        """Whether the loop's thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> Self:
        """Run ``serve`` in a daemon thread; returns ``self``. RuntimeError if started."""
        if self._thread is not None or self._closed:
            raise RuntimeError(f"{self.name} is already started")
        self._thread = threading.Thread(target=self._serve, name=self.name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Shut the loop down, wait for its thread and release the socket. Idempotent."""
        if self._closed:
            return
        self._closed = True
        thread, self._thread = self._thread, None
        if thread is not None:
            self._shutdown()
            thread.join(timeout=self._join_timeout)
        self._close()

    def __enter__(self) -> Self:
        """Start for the ``with`` block."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop at the end of the ``with`` block."""
        self.stop()
