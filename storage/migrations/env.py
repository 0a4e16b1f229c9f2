"""Alembic environment: runs against the engine the app hands over in ``config.attributes``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from batchscout.storage.db import make_engine
from batchscout.storage.schema import metadata

config = context.config
engine: Engine | None = config.attributes.get("engine")
if engine is None:  # run by the alembic command line: fall back to DATABASE_URL
    import os

    engine = make_engine(os.environ.get("DATABASE_URL", "sqlite:///batchscout.db"))

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
