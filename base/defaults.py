"""Defaults every layer agrees on; each is written here once."""

from __future__ import annotations

from decimal import Decimal

DEFAULT_DATABASE_URL = "sqlite:///batchscout.db"
"""SQLite in the working directory: zero set-up (SPEC, "Contract": ``DATABASE_URL``)."""

NOISE_FLOOR = Decimal("25")
"""A digest leaves out opportunities saving less than this many US dollars a month."""
