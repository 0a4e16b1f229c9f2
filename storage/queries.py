"""Plain query functions. Each takes an explicit ``session`` and a ``team_id``; none crosses
workspaces."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    bindparam,
    func,
    insert,
    type_coerce,
    update,
)
from sqlalchemy import select as core_select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from batchscout.audit import names
from batchscout.audit.assessment import Assessment, QuoteMemo, assess, pricing_problem
from batchscout.audit.inventory import InventoryError, Problem, WorkflowSpec
from batchscout.audit.latency import Freshness, LatencyClass, Mode, Reader, Trigger
from batchscout.audit.pricing import ModelRate, PriceBook, PricingError, Provider
from batchscout.audit.savings import Per, Portfolio, WorkflowFigures, portfolio, workflow_figures
from batchscout.storage.models import PriceOverride, Workflow, WorkflowStatus, Workspace
from batchscout.storage.types import utcnow

_TABLE = Workflow.__table__  # type: ignore[attr-defined]
_W = _TABLE.c


def name_key(name: str) -> str:
    """Workflow names are unique per workspace as a person reads them (``audit.names``):
    regardless of case, spacing, invisible characters and Unicode forms."""
    return names.name_key(name)


def ensure_workspace(*, session: Session, team_id: str, name: str | None = None) -> Workspace:
    """Return the workspace row, creating it on first use.

    Safe when two processes create it at once (``serve`` and a CLI import in a new workspace):
    the insert does nothing if the other one got there first.
    """
    workspace = session.get(Workspace, team_id)
    if workspace is None:
        dialect = session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        session.execute(
            insert(Workspace)
            .values(team_id=team_id, name=name, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["team_id"])
        )
        workspace = session.get(Workspace, team_id)
        assert workspace is not None
    elif name and workspace.name != name:
        workspace.name = name
    return workspace


def get_price_book(*, session: Session, team_id: str) -> PriceBook:
    """The workspace's overrides of the price catalog."""
    workspace = session.get(Workspace, team_id)
    overrides = session.exec(select(PriceOverride).where(PriceOverride.team_id == team_id)).all()
    rates = {
        (Provider(o.provider), o.model.lower()): ModelRate(
            o.input_per_mtok,
            o.output_per_mtok,
            o.batch_input_per_mtok,
            o.batch_output_per_mtok,
            o.flex_input_per_mtok,
            o.flex_output_per_mtok,
        )
        for o in overrides
    }
    return PriceBook(batch_discount=workspace.batch_discount if workspace else None, rates=rates)


def spec_of(workflow: Workflow) -> WorkflowSpec:
    """The inventory row a stored workflow was made from."""
    return WorkflowSpec(
        name=workflow.name,
        description=workflow.description,
        owner=workflow.owner,
        provider=workflow.provider,
        model=workflow.model,
        requests=workflow.requests,
        per=workflow.per,
        input_tokens=workflow.input_tokens,
        output_tokens=workflow.output_tokens,
        cost_per_request=workflow.cost_per_request,
        trigger=workflow.trigger,
        reader=workflow.reader,
        freshness=workflow.freshness,
        mode=workflow.mode,
        usage_project=workflow.usage_project,
        usage_api_key=workflow.usage_api_key,
        cached_share=workflow.cached_share,
    )


def figures_of(workflow: Workflow, *, mode: Mode | None = None) -> WorkflowFigures:
    """A stored workflow's monthly figures, from the prices stored with it (as if on ``mode``
    when given: what it would save back on ``sync``)."""
    return workflow_figures(
        sync_per_request=workflow.sync_per_request,
        batch_per_request=workflow.batch_per_request,
        requests=workflow.requests,
        per=workflow.per,
        latency_class=workflow.latency_class,
        mode=workflow.mode if mode is None else mode,
        flex_per_request=workflow.flex_per_request,
        priority_per_request=workflow.priority_per_request,
        cache_saving_per_request=workflow.cache_saving_per_request,
        caching=workflow.caching,
    )


_SPEC_COLUMNS = (
    "description", "owner", "provider", "model", "requests", "per", "input_tokens",
    "output_tokens", "cost_per_request", "trigger", "reader", "freshness", "mode",
    "usage_project", "usage_api_key", "cached_share",
)  # fmt: skip
#: Modes that are a move to a cheaper lane (dated by ``migrated_at``); ``priority`` is not one.
_MOVED = (Mode.BATCH, Mode.FLEX)


def _assessed_values(assessment: Assessment) -> dict[str, Any]:
    """The column values an assessment gives a workflow row."""
    spec = assessment.spec
    return {
        **{column: getattr(spec, column) for column in _SPEC_COLUMNS},
        "name": spec.name.strip(),
        "name_key": name_key(spec.name),
        "priced_model": assessment.quote.priced_model,
        "sync_per_request": assessment.quote.sync_per_request,
        "batch_per_request": assessment.quote.batch_per_request,
        "batch_basis": assessment.quote.batch_basis,
        "flex_per_request": assessment.quote.flex_per_request,
        "priority_per_request": assessment.quote.priority_per_request,
        "cache_saving_per_request": assessment.quote.cache_saving_per_request,
        "latency_class": assessment.classification.latency_class,
        "rationale": assessment.classification.rationale,
        "batch_disguised_as_stream": assessment.classification.batch_disguised_as_stream,
        "status": WorkflowStatus.ACTIVE,
        "updated_at": utcnow(),
    }


@dataclass(frozen=True, slots=True)
class SaveResult:
    """What saving a batch of workflows did."""

    created: list[Workflow]
    updated: list[Workflow]


def save_assessments(
    *, session: Session, team_id: str, assessments: Sequence[Assessment], actor: str | None = None
) -> SaveResult:
    """Insert or update workflows by name. The caller's transaction makes it all-or-nothing."""
    ensure_workspace(session=session, team_id=team_id)
    keys = [name_key(a.spec.name) for a in assessments]
    existing = {
        w.name_key: w
        for w in session.exec(
            select(Workflow).where(Workflow.team_id == team_id, col(Workflow.name_key).in_(keys))
        ).all()
    }
    created: list[Workflow] = []
    updated: list[Workflow] = []
    for key, assessment in zip(keys, assessments, strict=True):
        values = _assessed_values(assessment)
        workflow = existing.get(key)
        if workflow is None:
            workflow = Workflow(team_id=team_id, created_by=actor, **values)
            created.append(workflow)
        else:
            for column, value in values.items():
                setattr(workflow, column, value)
            updated.append(workflow)
        # A workflow's move to batch (or flex) is dated the first time it is seen there.
        if workflow.mode not in _MOVED:
            workflow.migrated_at = None
        elif workflow.migrated_at is None:
            workflow.migrated_at = utcnow()
        session.add(workflow)
    session.flush()
    return SaveResult(created, updated)


@dataclass(frozen=True, slots=True)
class ImportResult:
    """How many workflows an import created and how many it updated."""

    created: int
    updated: int


#: Rows written per INSERT or UPDATE round trip (executemany).
IMPORT_CHUNK = 1000


def import_specs(
    *,
    session: Session,
    team_id: str,
    specs: Iterable[WorkflowSpec],
    actor: str | None = None,
    chunk: int = IMPORT_CHUNK,
) -> ImportResult:
    """Price and store an inventory as it is read: new names inserted, existing ones (active or
    removed) updated, a chunk at a time (bulk statements, no ORM object per row), in the
    caller's transaction.

    ``specs`` may be a reader that raises :class:`InventoryError` once it is exhausted
    (:func:`batchscout.audit.inventory.read_csv`). Raises :class:`InventoryError` listing every
    problem, the reader's and the rows that cannot be priced, by line; the caller's
    transaction must then be rolled back (``session_scope`` does), so nothing is stored
    unless every row is valid. A workflow's move to batch (or flex) is dated the first time it
    is seen there. ``chunk`` rows are priced before each bulk write: on SQLite the first write
    takes the database's one write lock until the commit, so a caller whose file is bounded
    (a 2 MB upload) passes a chunk as large as the file, and every row is read and priced
    before the lock is taken (other writers, such as heartbeats, wait only for the writes).
    """
    ensure_workspace(session=session, team_id=team_id)
    book = get_price_book(session=session, team_id=team_id)
    memo: QuoteMemo = {}  # this import's quotes: repeated rows are priced once
    known = session.execute(
        core_select(_W.name_key, _W.id, _W.migrated_at).where(_W.team_id == team_id)
    ).all()
    existing: dict[str, tuple[int, datetime | None]] = {key: (i, at) for key, i, at in known}
    problems: list[Problem] = []
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    created = updated = 0

    def write() -> None:
        if inserts:
            session.execute(insert(_TABLE), inserts)
            inserts.clear()
        if updates:
            session.execute(update(_TABLE).where(_W.id == bindparam("_id")), updates)
            updates.clear()

    try:
        for spec in specs:
            try:
                assessment = assess(spec, book, memo=memo)
            except PricingError as error:
                problems.append(pricing_problem(spec, error))
            if problems:
                continue  # nothing more is written: the transaction will be rolled back
            values = _assessed_values(assessment)
            moved = values["mode"] in _MOVED
            found = existing.get(values["name_key"])
            if found is None:
                now = values["updated_at"]
                values.update(team_id=team_id, created_by=actor, created_at=now)
                values["migrated_at"] = now if moved else None
                inserts.append(values)
                created += 1
            else:
                workflow_id, migrated_at = found
                values["_id"] = workflow_id
                values["migrated_at"] = (migrated_at or values["updated_at"]) if moved else None
                updates.append(values)
                updated += 1
            if len(inserts) + len(updates) >= chunk:
                write()
    except InventoryError as error:
        problems = sorted([*error.problems, *problems], key=lambda p: p.line)
    if problems:
        raise InventoryError(problems)
    write()
    return ImportResult(created, updated)


class NameTakenError(ValueError):
    """Another workflow of the workspace already has that name."""


def save_spec(
    *,
    session: Session,
    team_id: str,
    spec: WorkflowSpec,
    actor: str | None = None,
    replacing: str | None = None,
) -> Workflow:
    """Price and store one workflow: created, or updated by name.

    With ``replacing`` (the name of the workflow being edited) that workflow is updated, and
    renamed when ``spec.name`` differs; :class:`NameTakenError` if the new name belongs to
    another workflow.
    """
    assessment = assess(spec, get_price_book(session=session, team_id=team_id))
    if replacing is not None and name_key(replacing) != name_key(spec.name):
        original = get_workflow(session=session, team_id=team_id, name=replacing)
        if get_workflow(session=session, team_id=team_id, name=spec.name) is not None:
            raise NameTakenError(f"“{spec.name}” is already the name of another workflow")
        if original is not None:
            for column, value in _assessed_values(assessment).items():
                setattr(original, column, value)
            session.add(original)
            session.flush()
            return original
    result = save_assessments(
        session=session, team_id=team_id, assessments=[assessment], actor=actor
    )
    return (result.created + result.updated)[0]


def list_workflows(*, session: Session, team_id: str, owner: str | None = None) -> list[Workflow]:
    """The workspace's active workflows, by name."""
    query = select(Workflow).where(
        Workflow.team_id == team_id, Workflow.status == WorkflowStatus.ACTIVE
    )
    if owner is not None:
        query = query.where(Workflow.owner == owner)
    return list(session.exec(query.order_by(col(Workflow.name_key))).all())


def get_workflow(*, session: Session, team_id: str, name: str) -> Workflow | None:
    """An active workflow by name (case-insensitive), or ``None``."""
    return session.exec(
        select(Workflow).where(
            Workflow.team_id == team_id,
            Workflow.name_key == name_key(name),
            Workflow.status == WorkflowStatus.ACTIVE,
        )
    ).first()


def remove_workflow(*, session: Session, team_id: str, name: str) -> Workflow | None:
    """Mark a workflow removed (kept for the digest's "what changed"); ``None`` if not found."""
    workflow = get_workflow(session=session, team_id=team_id, name=name)
    if workflow is not None:
        workflow.status = WorkflowStatus.REMOVED
        workflow.updated_at = utcnow()
        session.add(workflow)
    return workflow


def mark_migrated(
    *, session: Session, team_id: str, name: str, mode: Mode = Mode.BATCH
) -> Workflow | None:
    """Record that a workflow moved to a batch API (or to the flex service tier, with
    ``mode=Mode.FLEX``): its savings now count as realised."""
    workflow = get_workflow(session=session, team_id=team_id, name=name)
    if workflow is None:
        return None
    spec = replace(spec_of(workflow), mode=mode)
    return save_spec(session=session, team_id=team_id, spec=spec)


def set_owner(
    *, session: Session, team_id: str, workflow_id: int, owner: str, expected: str | None
) -> bool:
    """Make ``owner`` the workflow's owner if it still has the ``expected`` one (a claim):
    of two people claiming at once, one wins; False (nothing written) for the other."""
    current = _W.owner.is_(None) if expected is None else _W.owner == expected
    statement = (
        update(_TABLE)
        .where(_W.team_id == team_id, _W.id == workflow_id, current)
        .values(owner=owner, updated_at=utcnow())
    )
    changed: bool = session.execute(statement).rowcount == 1  # type: ignore[attr-defined]
    session.expire_all()
    return changed


def set_caching(*, session: Session, team_id: str, name: str, on: bool) -> Workflow | None:
    """Record whether prompt caching is on for a workflow (SPEC.md, "Every lane": "Already
    moved" on a ``cache`` opportunity): its cache saving then counts as realised. ``None``
    when there is no such active workflow."""
    workflow = get_workflow(session=session, team_id=team_id, name=name)
    if workflow is not None and workflow.caching is not on:
        workflow.caching = on
        workflow.updated_at = utcnow()
        session.add(workflow)
        session.flush()
    return workflow


class WorkflowRow(NamedTuple):
    """A stored workflow as the read paths that touch every workflow need it: plain values,
    read as columns (no ORM object per row). Money is in :class:`WorkflowFigures`."""

    name: str
    owner: str | None
    latency_class: LatencyClass
    batch_disguised_as_stream: bool
    mode: Mode
    rationale: str


Row = tuple[WorkflowRow, WorkflowFigures]
"""A workflow with its monthly figures (US dollars a month)."""

# Text columns read as the database returns them: the money is parsed once, into Decimal,
# below; the column types' per-value conversions are the cost being avoided.
_ROW_COLUMNS = (
    _W.name,
    _W.owner,
    type_coerce(_W.latency_class, String),
    _W.batch_disguised_as_stream,
    type_coerce(_W.mode, String),
    _W.rationale,
    type_coerce(_W.requests, String),
    type_coerce(_W.per, String),
    type_coerce(_W.sync_per_request, String),
    type_coerce(_W.batch_per_request, String),
    type_coerce(_W.flex_per_request, String),
    type_coerce(_W.priority_per_request, String),
    type_coerce(_W.cache_saving_per_request, String),
    _W.caching,
)
_ROW_WIDTH = len(_ROW_COLUMNS)
#: The digest also reads when each workflow was created and last changed.
ROW_TIMES = (_W.created_at, _W.updated_at)
_CLASSES = {member.value: member for member in LatencyClass}
_MODES = {member.value: member for member in Mode}
_PERIODS = {member.value: member for member in Per}


def _active(team_id: str) -> ColumnElement[bool]:
    return and_(_W.team_id == team_id, _W.status == WorkflowStatus.ACTIVE)


def row_of(values: Sequence[Any]) -> Row:
    """One result of :func:`rows_query` as a row and its figures."""
    name, owner, latency, disguised, mode, rationale, requests, per, sync, batch, flex = values[:11]
    priority, cache, caching = values[11:_ROW_WIDTH]
    latency_class, mode = _CLASSES[latency], _MODES[mode]
    figures = workflow_figures(
        sync_per_request=Decimal(sync),
        batch_per_request=Decimal(batch),
        requests=Decimal(requests),
        per=_PERIODS[per],
        latency_class=latency_class,
        mode=mode,
        flex_per_request=None if flex is None else Decimal(flex),
        priority_per_request=None if priority is None else Decimal(priority),
        cache_saving_per_request=None if cache is None else Decimal(cache),
        caching=bool(caching),
    )
    return WorkflowRow(name, owner, latency_class, bool(disguised), mode, rationale), figures


def rows_query(team_id: str, *extra: Any) -> Select[Any]:
    """The SELECT behind :func:`workflow_rows`, with ``extra`` columns after the row's
    (read them from the end of each result); by name."""
    return core_select(*_ROW_COLUMNS, *extra).where(_active(team_id)).order_by(_W.name_key)


@contextmanager
def many_objects() -> Iterator[None]:
    """Pause the cyclic garbage collector while a read builds an object or three per workflow.

    Rows, figures and Decimals hold no reference cycles, so the collector's passes over them
    (more and longer as the heap grows) free nothing; at 100,000 workflows they cost a third
    of the read (bench/figures_bench.py). Reference counting still frees everything.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def workflow_rows(*, session: Session, team_id: str) -> list[Row]:
    """Every active workflow of the workspace with its monthly figures, by name.

    Figures are :func:`~batchscout.audit.savings.workflow_figures` of the prices stored with
    each workflow, exactly as :func:`figures_of` gives them for one.
    """
    with many_objects():
        return [row_of(values) for values in session.execute(rows_query(team_id)).all()]


def workflow_answers(
    *, session: Session, team_id: str
) -> list[tuple[str, Trigger, Reader, Freshness, Mode]]:
    """Every active workflow's name and its classification answers (trigger, reader,
    freshness, mode), by name, read as columns."""
    query = (
        core_select(_W.name, _W.trigger, _W.reader, _W.freshness, _W.mode)
        .where(_active(team_id))
        .order_by(_W.name_key)
    )
    return [(n, t, r, f, m) for n, t, r, f, m in session.execute(query)]


def workspace_portfolio(*, session: Session, team_id: str) -> tuple[Portfolio, list[Row]]:
    """The workspace's portfolio figures and each active workflow with its figures."""
    rows = workflow_rows(session=session, team_id=team_id)
    return portfolio(f for _, f in rows), rows


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a workspace's workflows by name: ``page`` counts from 0."""

    rows: list[Row]
    page: int
    pages: int
    total: int
    first: int


def workflow_page(*, session: Session, team_id: str, page: int, size: int) -> Page:
    """The ``page``-th ``size`` workflows by name (clamped to the pages there are); only
    that page's rows are read."""
    counted = core_select(func.count()).select_from(Workflow).where(_active(team_id))
    total = int(session.execute(counted).scalar_one())
    pages = max(1, (total + size - 1) // size)
    page = min(max(page, 0), pages - 1)
    query = rows_query(team_id).offset(page * size).limit(size)
    rows = [row_of(values) for values in session.execute(query).all()]
    return Page(rows=rows, page=page, pages=pages, total=total, first=page * size)


def set_batch_discount(*, session: Session, team_id: str, discount: Decimal | None) -> None:
    """Set (or clear) the workspace's negotiated batch discount and re-price its workflows."""
    if discount is not None and not Decimal(0) <= discount < Decimal(1):
        raise ValueError(
            "the batch discount is a share between 0 and 1 (0.5 means batch costs half)"
        )
    ensure_workspace(session=session, team_id=team_id).batch_discount = discount
    session.flush()
    reprice(session=session, team_id=team_id)


def set_model_rate(
    *, session: Session, team_id: str, provider: Provider, model: str, rate: ModelRate
) -> None:
    """Store the workspace's negotiated price for a model and re-price its workflows."""
    ensure_workspace(session=session, team_id=team_id)
    key = model.strip().lower()
    override = session.exec(
        select(PriceOverride).where(
            PriceOverride.team_id == team_id,
            PriceOverride.provider == provider,
            PriceOverride.model == key,
        )
    ).first()
    values: dict[str, Any] = {
        "input_per_mtok": rate.input_per_mtok,
        "output_per_mtok": rate.output_per_mtok,
        "batch_input_per_mtok": rate.batch_input_per_mtok,
        "batch_output_per_mtok": rate.batch_output_per_mtok,
        "flex_input_per_mtok": rate.flex_input_per_mtok,
        "flex_output_per_mtok": rate.flex_output_per_mtok,
        "updated_at": utcnow(),
    }
    if override is None:
        override = PriceOverride(team_id=team_id, provider=provider, model=key, **values)
    else:
        for column, value in values.items():
            setattr(override, column, value)
    session.add(override)
    session.flush()
    reprice(session=session, team_id=team_id)


def reprice(*, session: Session, team_id: str) -> None:
    """Re-assess every active workflow with the workspace's current price book."""
    workflows = list_workflows(session=session, team_id=team_id)
    if workflows:
        import_specs(session=session, team_id=team_id, specs=[spec_of(w) for w in workflows])
