"""Ack first, work after: every listener answers Slack at once and does its work after the
HTTP answer, so a burst of slow commands never holds up the next request's ack.

This is Bolt's lazy listener (docs: "Lazy listeners"), with the app built with
``process_before_response=True``: the ack runs in the server's request thread and returns
the HTTP answer; the work runs in Bolt's listener pool (``BATCHSCOUT_LISTENER_THREADS``).
Without lazy listeners, Bolt runs the ack and the work in the same call in its pool, so
under a burst every new request waits for a thread that is busy with an earlier one's work.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext

from batchscout.bot import safety


def ack_at_once(ack: Ack) -> None:
    """Acknowledge with nothing to show: the answer follows from the work."""
    ack()


def ack_first(work: Callable[..., None]) -> dict[str, Any]:
    """The arguments of a Bolt listener decorator (``app.command(X)(**ack_first(work))``):
    ack at once, then ``work`` after the answer, its errors handled by
    :func:`batchscout.bot.safety.handle_error` like any listener's (Bolt would only log a
    lazy listener's error)."""
    return {"ack": ack_at_once, "lazy": [guarded(work)]}


def guarded(work: Callable[..., None]) -> Callable[..., None]:
    """``work`` with its errors logged and told to the user, taking the same arguments (Bolt
    injects arguments by name) plus ``body`` and ``context``."""
    wanted = list(inspect.signature(work).parameters)
    names = [*wanted, *(name for name in ("body", "context") if name not in wanted)]

    def run(**arguments: Any) -> None:
        try:
            work(**{name: arguments[name] for name in wanted})
        except Exception as error:
            body: dict[str, Any] = arguments["body"]
            context: BoltContext = arguments["context"]
            safety.handle_error(error, body, context)

    run.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD) for name in names]
    )
    run.__name__ = work.__name__
    run.__qualname__ = work.__qualname__
    run.__module__ = work.__module__
    run.__doc__ = work.__doc__
    return run
