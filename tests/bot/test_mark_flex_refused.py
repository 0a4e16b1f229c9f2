"""A card's "Mark as moved to flex" on a workflow with no flex price says why, in one
sentence, and changes nothing (it used to fail inside the handler)."""

from __future__ import annotations

from sqlalchemy import Engine

from batchscout.audit.latency import Mode
from batchscout.bot.listeners.commands.changes import mark_migrated
from batchscout.services.context import Services
from batchscout.settings import Settings
from batchscout.storage import queries
from batchscout.storage.db import session_scope
from tests.bot.seed import seed, spec


def test_mark_as_moved_to_flex_without_a_flex_price_is_refused(engine: Engine) -> None:
    seed(engine, spec("Nightly"), team="T0CARD")  # a cost per request: no flex price

    said = mark_migrated(
        Services(engine=engine, settings=Settings()), "T0CARD", "Nightly", Mode.FLEX
    )

    assert "has no flex price" in said.text and "Nothing was changed." in said.text
    with session_scope(engine) as session:
        workflow = queries.get_workflow(session=session, team_id="T0CARD", name="Nightly")
        assert workflow is not None and workflow.mode is Mode.SYNC
