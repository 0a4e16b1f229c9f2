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

LISTENER_THREADS = 2
"""Threads that run listeners' work after the ack (Bolt's listener pool). Few on purpose: the
work is mostly Python (figures, Block Kit) and shares one interpreter lock with the request
threads, so more threads add no throughput and make every ack wait longer for the lock
(bench/ack_bench.py: p99 1.38x the no-op app with 2, 7.3x with 8). Raise it for work that
mostly waits on Slack or the network."""

LLM_MODELS = {"openai": "gpt-4.1-mini", "anthropic": "claude-haiku-4-5"}
"""Each provider's default model when ``BATCHSCOUT_DIGEST_MODEL`` is unset: cheap models that
write a good digest paragraph and call tools well; both are in the `genai-prices` catalog."""
