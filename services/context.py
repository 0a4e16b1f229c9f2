"""What every use case needs besides its arguments: the database and the settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session

from batchscout.settings import Settings
from batchscout.storage.db import session_scope


@dataclass(frozen=True)
class Services:
    """The app's database engine and settings."""

    engine: Engine
    settings: Settings

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A database session that commits on success (see ``storage.db.session_scope``)."""
        with session_scope(self.engine) as session:
            yield session
