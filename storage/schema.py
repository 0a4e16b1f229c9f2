"""The whole schema: importing this registers every table on ``SQLModel.metadata``.

Alembic's environment and the schema test import it, so a new table module is added here once.
"""

from __future__ import annotations

from sqlmodel import SQLModel

import storage.digest_tables
import storage.models
import storage.quiz_tables
import storage.slack_tables

metadata = SQLModel.metadata
__all__ = ["metadata", "storage"]
