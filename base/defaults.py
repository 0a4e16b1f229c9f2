"""Defaults every layer agrees on; each is written here once."""

from __future__ import annotations

from decimal import Decimal

DEFAULT_DATABASE_URL = "sqlite:///batchscout.db"
"""SQLite in the working directory: zero set-up (SPEC, "Contract": ``DATABASE_URL``)."""

NOISE_FLOOR = Decimal("25")
"""A digest leaves out opportunities saving less than this many US dollars a month."""

HTTP_THREADS = 8
"""`serve --http` request threads: each verifies a request's signature and acks it; the work
runs after the answer, in the listener pool."""

HTTP_BACKLOG = 1024
"""Connections the kernel queues before they are accepted (``listen()``'s backlog): a burst of
slash commands from a large workspace arrives at once, and a short queue refuses them."""

LISTENER_THREADS = 8
"""Threads that run listeners' work after the ack (Bolt's listener pool)."""
