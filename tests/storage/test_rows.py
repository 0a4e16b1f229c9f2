"""The read paths that touch every workflow (list, savings, App Home, digests, quizzes) read
plain rows, not ORM objects: the same figures as each stored workflow gives, exactly, on SQLite
and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Engine

from batchscout.audit.digest import DigestItem
from batchscout.audit.inventory import WorkflowSpec, parse_csv
from batchscout.audit.latency import Freshness, Mode, Reader, Trigger
from batchscout.audit.pricing import Provider
from batchscout.audit.savings import Per, portfolio
from batchscout.storage import queries
from batchscout.storage.db import session_scope
from batchscout.storage.digests import digest_items

#: SPEC.md's reference cases, which must come out exactly.
REFERENCE = """name,requests,per,cost_per_request,trigger,reader,freshness,mode
Nightly ticket summaries,50000,day,0.01,schedule,report,day,sync
Platform calls,9600000,month,0.01,event,system,hour,sync
Platform calls on screen,2400000,month,0.01,user,on-screen,seconds,sync
"""


def varied(count: int) -> list[WorkflowSpec]:
    """Every period (a week's 30/7 does not terminate), class, mode and price source."""
    models = [(Provider.OPENAI, "gpt-5-mini"), (Provider.OPENAI, "gpt-4o-mini"),
              (Provider.ANTHROPIC, "claude-haiku-4-5")]  # fmt: skip
    made = []
    for n in range(count):
        provider, model = models[n % 3]
        priced = n % 2 == 0
        made.append(
            WorkflowSpec(
                name=f"Workflow {n:03d}",
                requests=Decimal(7 + n * 13) / (1 if n % 5 else 3),
                per=list(Per)[n % 4],
                trigger=list(Trigger)[n % 3],
                reader=list(Reader)[n % 4],
                freshness=list(Freshness)[n % 5],
                mode=[Mode.SYNC, Mode.BATCH, Mode.FLEX][n % 3]
                if provider is Provider.OPENAI
                else [Mode.SYNC, Mode.BATCH][n % 2],
                owner=f"U0OWNER{n % 4}",
                provider=provider if priced else None,
                model=model if priced else None,
                input_tokens=1200 + n if priced else None,
                output_tokens=300 + n if priced else None,
                cost_per_request=None if priced else Decimal("0.0037") * (n + 1),
            )
        )
    return made


def seed(engine: Engine) -> None:
    with session_scope(engine) as session:
        queries.import_specs(session=session, team_id="T0AAA", specs=parse_csv(REFERENCE))
        queries.import_specs(session=session, team_id="T0AAA", specs=varied(60))
        queries.import_specs(session=session, team_id="T0BBB", specs=varied(5))
        queries.remove_workflow(session=session, team_id="T0AAA", name="Workflow 007")


def test_rows_give_the_stored_workflows_figures_exactly(engine: Engine) -> None:
    seed(engine)
    with session_scope(engine) as session:
        stored = queries.list_workflows(session=session, team_id="T0AAA")
        figures, rows = queries.workspace_portfolio(session=session, team_id="T0AAA")

    assert [row.name for row, _ in rows] == [w.name for w in stored]
    assert "Workflow 007" not in {row.name for row, _ in rows}
    for workflow, (row, item) in zip(stored, rows, strict=True):
        assert item == queries.figures_of(workflow), workflow.name  # every digit, not cents
        assert (row.owner, row.latency_class, row.mode, row.rationale) == (
            workflow.owner, workflow.latency_class, workflow.mode, workflow.rationale
        )  # fmt: skip
        assert row.batch_disguised_as_stream is workflow.batch_disguised_as_stream
    assert figures == portfolio(queries.figures_of(w) for w in stored)
    by_name = {row.name: item for row, item in rows}
    assert by_name["Nightly ticket summaries"].monthly_savings == Decimal(7500)
    assert by_name["Platform calls"].monthly_savings == Decimal(48000)
    assert figures.realised > 0 and figures.to_challenge > 0


def test_a_page_reads_only_its_rows_and_is_clamped(engine: Engine) -> None:
    seed(engine)
    with session_scope(engine) as session:
        _, rows = queries.workspace_portfolio(session=session, team_id="T0AAA")
        second = queries.workflow_page(session=session, team_id="T0AAA", page=1, size=20)
        beyond = queries.workflow_page(session=session, team_id="T0AAA", page=99, size=20)
        empty = queries.workflow_page(session=session, team_id="T0CCC", page=0, size=20)
    assert second.total == len(rows) == 62 and second.pages == 4 and second.first == 20
    assert second.rows == rows[20:40]
    assert beyond.page == 3 and beyond.rows == rows[60:]
    assert empty.total == 0 and empty.rows == [] and empty.page == 0


def test_digest_items_and_quiz_answers_match_the_stored_workflows(engine: Engine) -> None:
    seed(engine)
    with session_scope(engine) as session:
        stored = queries.list_workflows(session=session, team_id="T0AAA")
        items = digest_items(session=session, team_id="T0AAA")
        answers = queries.workflow_answers(session=session, team_id="T0AAA")
    assert items == [
        DigestItem(
            name=w.name, owner=w.owner, latency_class=w.latency_class,
            disguised=w.batch_disguised_as_stream, mode=w.mode, figures=queries.figures_of(w),
            created_at=w.created_at, updated_at=w.updated_at,
        )
        for w in stored
    ]  # fmt: skip
    assert answers == [(w.name, w.trigger, w.reader, w.freshness, w.mode) for w in stored]
    assert all(item.created_at.tzinfo is not None for item in items)
