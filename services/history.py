"""Slack's history, read sparingly: apps outside the Slack Marketplace may call
``conversations.history`` and ``conversations.replies`` once a minute each, per workspace, 15
messages a page (since 2025). Every read goes through one :class:`HistoryGate` per process,
which waits out the rest of the minute instead of letting Slack answer 429."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from batchscout.logs import get_logger

log = get_logger(__name__)

#: Seconds between two calls of one history method for one workspace.
HISTORY_INTERVAL = 60.0


class HistoryGate:
    """At most one call of each history method per ``interval`` seconds for each workspace.

    ``take`` waits (``sleep``) until the workspace's minute has passed, then spends it; calls
    for other workspaces or the other method do not wait for each other's turn.
    """

    def __init__(
        self,
        interval: float = HISTORY_INTERVAL,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = interval
        self.clock = clock
        self.sleep = sleep
        self._next: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def take(self, team_id: str, method: str) -> None:
        """Wait for, then spend, the workspace's next ``method`` call."""
        with self._lock:  # reserve the slot first, so two threads never share it
            now = self.clock()
            at = max(now, self._next.get((team_id, method), now))
            self._next[(team_id, method)] = at + self.interval
        wait = at - now
        if wait > 0:
            log.info("history read waits its turn", team_id=team_id, method=method,
                wait_seconds=round(wait, 1),
            )  # fmt: skip
            self.sleep(wait)

    def reset(self) -> None:
        """Forget every turn spent (a fresh process's gate)."""
        with self._lock:
            self._next.clear()

    def try_take(self, team_id: str, method: str) -> bool:
        """Spend the workspace's next ``method`` call if it is free now; ``False`` (nothing
        spent) when it is not, for a caller that must not wait (a person's click)."""
        with self._lock:
            now = self.clock()
            if self._next.get((team_id, method), now) > now:
                return False
            self._next[(team_id, method)] = now + self.interval
        return True


#: The process's gate: every runtime and request of this process shares it.
PROCESS_GATE = HistoryGate()
