"""The whole schema: importing this registers every table on ``SQLModel.metadata``.

Alembic's environment and the schema test import it, so a new table module is added here once.
"""

from __future__ import annotations

from sqlmodel import SQLModel

from batchscout.storage import (
    digest_tables,
    heartbeats,
    models,
    opportunity_tables,
    quiz_tables,
    slack_tables,
    usage_tables,
)

metadata = SQLModel.metadata
__all__ = [
    "digest_tables",
    "heartbeats",
    "metadata",
    "models",
    "opportunity_tables",
    "quiz_tables",
    "slack_tables",
    "usage_tables",
]
