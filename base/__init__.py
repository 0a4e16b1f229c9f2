"""Batchscout: finds the AI spend that does not need to stream.

This root package is the base layer: settings (:mod:`batchscout.settings`), structured logging
(:mod:`batchscout.logs`) and defaults (:mod:`batchscout.defaults`). It imports nothing else of
ours, and every other layer may import it. The layers, top to bottom (arrows point down):

- ``batchscout.cli`` — the command line; nothing imports it.
- ``batchscout.bot`` (Slack listeners) and ``batchscout.jobs`` (the scheduler, the providers).
- ``batchscout.services`` — the use cases both of them and the CLI call.
- ``batchscout.delivery`` (Block Kit, posting, user-facing text) and ``batchscout.storage``.
- ``batchscout.audit`` — the pure domain.
- ``batchscout.scan`` — the code scanner (``batchscout scan``): uses only the base and audit.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("batchscout")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0"
