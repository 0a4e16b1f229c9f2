"""Persistence: SQLModel tables, the engine, Alembic migrations and plain query functions."""
