"""Error boundaries: one workspace's or one subscription's failure never stops another's.

SPEC.md, "Bad input": each digest, quiz and import is done and logged on its own. The clock's
jobs loop over every workspace; each item runs inside :func:`isolated`, in its own transaction,
so a poisoned row or a broken channel costs that item only, with a log line naming it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from batchscout.logs import get_logger

log = get_logger(__name__)


@contextmanager
def isolated(event: str, **ids: object) -> Iterator[None]:
    """Run one item of a loop: an exception is logged as ``event`` with ``ids`` and swallowed."""
    try:
        yield
    except Exception as error:  # the boundary: anything one item raises stays with that item
        log.exception(event, error=f"{type(error).__name__}: {error}"[:500], **ids)
