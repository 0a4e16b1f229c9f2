"""Alembic environment: runs against the engine the app hands over in ``config.attributes``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from batchscout.storage.db import make_engine
from batchscout.storage.schema import metadata

config = context.config
engine: Engine | None = config.attributes.get("engine")
if engine is None:  # run by the alembic command line: DATABASE_URL (environment or .env)
    from batchscout.settings import Settings

    engine = make_engine(Settings().database_url)

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
