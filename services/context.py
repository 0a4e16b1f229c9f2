"""What every use case needs besides its arguments: the database, the settings, the batch
provider and the app's background executor."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session

from batchscout.services.background import Background
from batchscout.services.batch_api import BatchProvider
from batchscout.services.chat_api import ChatModel, QuestionLimit
from batchscout.services.runtime import Runtime
from batchscout.settings import Settings
from batchscout.storage.db import session_scope


@dataclass(frozen=True)
class Services:
    """The app's database engine and settings; the LLM batch provider when one is configured
    (injected by the process that builds the app: ``batchscout serve``); and the executor
    for work a request starts but must not wait for."""

    engine: Engine
    settings: Settings
    provider: BatchProvider | None = None
    background: Background = field(default_factory=Background, compare=False, repr=False)
    #: The synchronous chat model that answers questions in the DM (``None``: keywords only).
    chat: ChatModel | None = None
    question_limit: QuestionLimit = field(default_factory=QuestionLimit, compare=False, repr=False)

    def __deepcopy__(self, memo: dict[int, object]) -> Services:
        """The same services: shared, never copied (Bolt deep-copies a request's context for
        work done after the ack)."""
        return self

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A database session that commits on success (see ``storage.db.session_scope``)."""
        with session_scope(self.engine) as session:
            yield session

    def runtime_for(self, client: WebClient) -> Runtime:
        """The jobs' runtime for work a Slack request starts: it acts with the request's client."""
        return Runtime.from_settings(
            self.settings, self.engine, lambda team_id: client, provider=self.provider
        )
