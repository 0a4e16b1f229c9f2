"""Alembic environment: runs against the engine the app hands over in ``config.attributes``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine, text

from batchscout.storage.db import make_engine
from batchscout.storage.schema import metadata

config = context.config
engine: Engine | None = config.attributes.get("engine")
if engine is None:  # run by the alembic command line: DATABASE_URL (environment or .env)
    from batchscout.settings import Settings

    engine = make_engine(Settings().database_url)

#: PostgreSQL advisory lock key held while migrating ("bs" in ASCII): serve and worker start
#: together, and the second waits, then finds the schema at head and does nothing.
MIGRATION_LOCK = 0x6273

with engine.begin() as connection:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
