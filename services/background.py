"""Long work a Slack request starts, run after the request has been answered.

A listener must answer Slack within three seconds and never sleeps or polls; work that takes
longer (``/batchscout digest now`` waiting for its prose batch) is handed to the app's
:class:`Background`, a small thread pool the app owns. A task that fails is logged as one
structured line and, when the caller says how, told to the person who asked.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from batchscout.logs import get_logger

log = get_logger(__name__)

#: Background tasks at once; more wait their turn (each mostly waits on Slack or a provider).
WORKERS = 2


class Background:
    """The app's background executor: ``run`` returns at once, the task runs on a worker thread."""

    def __init__(self, *, workers: int = WORKERS) -> None:
        # Threads start on the first task, so an app that never needs one costs nothing.
        self._pool = ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="batchscout-background"
        )
        #: Set when the process is stopping (``serve`` got SIGTERM): work that can be rolled
        #: back whole (an import, one transaction) gives up rather than hold the stop up.
        self.stopping = threading.Event()

    def run(
        self,
        name: str,
        task: Callable[[], None],
        *,
        on_failure: Callable[[], None] | None = None,
        **fields: object,
    ) -> Future[None]:
        """Run ``task`` in the background; ``name`` and ``fields`` (ids, never text) go to the
        log line if it raises, and ``on_failure`` then tells the person (best effort)."""

        def guarded() -> None:
            try:
                task()
            except Exception as error:
                log.error(
                    "background task failed", task=name, error=type(error).__name__,
                    exc_info=error, **fields,
                )  # fmt: skip
                if on_failure is not None:
                    try:
                        on_failure()
                    except Exception as notice_error:
                        log.warning(
                            "background failure not told", task=name,
                            error=type(notice_error).__name__, **fields,
                        )  # fmt: skip

        return self._pool.submit(guarded)

    def shutdown(self, *, wait: bool = True) -> None:
        """Take no more tasks; with ``wait``, let the running ones finish (nothing half-posted)."""
        self._pool.shutdown(wait=wait)
