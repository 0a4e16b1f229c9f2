"""Provider batches as the jobs use them: submit with the intent stored first, reconcile
what a crash left unknown, poll, and hand each ended batch's results to its purpose.

A :class:`Purpose` says what a batch is for (digest prose, free-text grading): how a request
is linked to the row waiting for it, and how that row takes the results. Every batch job is
an ``llm_batch_job`` row (``storage.digest_tables``), committed with its idempotency key and
its links *before* the provider is called; the create call is never retried blindly.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from batchscout.logs import get_logger
from batchscout.services.batch_api import (
    BatchError,
    BatchProvider,
    BatchRequest,
    BatchResult,
    BatchStatus,
    SubmitOutcomeUnknown,
    split_requests,
)
from batchscout.services.runtime import Runtime
from batchscout.storage import digests as store
from batchscout.storage.db import session_scope
from batchscout.storage.digest_tables import BatchJobStatus
from batchscout.storage.types import utcnow

log = get_logger(__name__)


@dataclass(frozen=True)
class Purpose:
    """What a batch is for.

    ``name`` is stored on the job row; each request's ``custom_id`` is ``<prefix>-<row id>``
    (:meth:`custom_id`), the row being the one that waits for the result (a digest run, a
    free-text answer). ``link(session, row_id, job_id)`` records that the row waits on a job
    (the row's table owner in ``storage`` does it); ``settle(session, job_id, results,
    provider)`` stores an ended job's results on its rows, ``results`` keyed by row id (empty
    for a failed or abandoned batch), and returns how many it used.
    """

    name: str
    prefix: str
    link: Callable[[Session, int, int], None]
    settle: Callable[[Session, int, Mapping[int, BatchResult], BatchProvider], int]

    def custom_id(self, row_id: int) -> str:
        """A request's custom id: ``digest-12``, ``grade-7``."""
        return f"{self.prefix}-{row_id}"

    def row_of(self, custom_id: str) -> int | None:
        """The row id in a custom id made by :meth:`custom_id`, or ``None``."""
        head, _, number = custom_id.partition("-")
        return int(number) if head == self.prefix and number.isdigit() else None

    def by_row(self, results: Sequence[BatchResult]) -> dict[int, BatchResult]:
        """Results keyed by the row each one is for (a foreign custom id is dropped)."""
        rows = ((self.row_of(r.custom_id), r) for r in results)
        return {row: result for row, result in rows if row is not None}


def submit_requests(
    runtime: Runtime, provider: BatchProvider, requests: Sequence[BatchRequest], purpose: Purpose
) -> list[int]:
    """Submit requests in as many batches as the provider's limits need; returns job ids."""
    job_ids: list[int] = []
    for chunk in split_requests(requests, provider):
        key = f"{purpose.name}-{uuid.uuid4().hex}"
        with session_scope(runtime.engine) as session:
            job = store.record_batch_intent(
                session=session,
                provider=provider.name,
                model=provider.model,
                purpose=purpose.name,
                key=key,
                request_count=len(chunk),
            )
            assert job.id is not None
            job_ids.append(job.id)
            for request in chunk:
                row = purpose.row_of(request.custom_id)
                if row is not None:
                    purpose.link(session, row, job.id)
        _create(runtime, provider, job.id, key, chunk)
    return job_ids


def _create(
    runtime: Runtime, provider: BatchProvider, job_id: int, key: str, chunk: Sequence[BatchRequest]
) -> None:
    try:
        batch_id = provider.submit(chunk, idempotency_key=key)
    except SubmitOutcomeUnknown as error:
        # The batch may exist: poll_batches reconciles it by its key.
        log.warning("batch create outcome unknown", job_id=job_id, error=str(error))
        return
    except BatchError as error:
        with session_scope(runtime.engine) as session:
            store.batch_ended(
                session=session, job_id=job_id, status=BatchJobStatus.FAILED, at=utcnow(),
                error=str(error),
            )  # fmt: skip
        log.warning("batch create refused", job_id=job_id, error=str(error))
        return
    with session_scope(runtime.engine) as session:
        store.batch_submitted(session=session, job_id=job_id, batch_id=batch_id, at=utcnow())
    log.info(
        "batch submitted",
        job_id=job_id,
        batch_id=batch_id,
        requests=len(chunk),
    )


def poll_batches(runtime: Runtime, purpose: Purpose, *, now: datetime) -> None:
    """Reconcile and poll a purpose's open batches; settle those that ended."""
    provider = runtime.provider
    if provider is None:
        return
    with session_scope(runtime.engine) as session:
        jobs = [
            (j.id, j.status, j.idempotency_key, j.batch_id, j.created_at, j.provider)
            for j in store.open_batch_jobs(session=session, purpose=purpose.name)
        ]
    for job_id, status, key, batch_id, created_at, provider_name in jobs:
        assert job_id is not None
        if provider_name != provider.name:
            continue  # a provider no longer configured: its rows keep their fallback
        try:
            if status == BatchJobStatus.CREATING:
                batch_id = _reconcile(runtime, provider, purpose, job_id, key, created_at, now)
            if batch_id is not None:
                _poll_one(runtime, provider, purpose, job_id, batch_id, now)
        except BatchError as error:
            log.warning("batch poll failed", job_id=job_id, error=str(error))
        except Exception as error:  # one job's failure never stops the others being polled
            log.exception("batch poll failed", job_id=job_id,
                error=f"{type(error).__name__}: {error}"[:500],
            )  # fmt: skip


def _reconcile(
    runtime: Runtime,
    provider: BatchProvider,
    purpose: Purpose,
    job_id: int,
    key: str,
    created_at: datetime,
    now: datetime,
) -> str | None:
    batch_id = provider.find_by_key(key)
    with session_scope(runtime.engine) as session:
        if batch_id is not None:
            store.batch_submitted(session=session, job_id=job_id, batch_id=batch_id, at=now)
            log.info("batch reconciled", job_id=job_id, batch_id=batch_id)
        elif now - created_at > runtime.abandon_creating:
            store.batch_ended(
                session=session, job_id=job_id, status=BatchJobStatus.ABANDONED, at=now,
                error="created with an unknown outcome and never found by its key",
            )  # fmt: skip
            purpose.settle(session, job_id, {}, provider)
            log.warning("batch abandoned", job_id=job_id)
    return batch_id


_FINAL_STATUS = {
    BatchStatus.ENDED: BatchJobStatus.ENDED,
    BatchStatus.FAILED: BatchJobStatus.FAILED,
    BatchStatus.EXPIRED: BatchJobStatus.EXPIRED,
    BatchStatus.CANCELLED: BatchJobStatus.CANCELLED,
}


def _poll_one(
    runtime: Runtime,
    provider: BatchProvider,
    purpose: Purpose,
    job_id: int,
    batch_id: str,
    now: datetime,
) -> None:
    info = provider.poll(batch_id)
    if not info.status.is_final:
        return
    results = provider.results(batch_id) if info.results_ready else []
    try:
        with session_scope(runtime.engine) as session:
            used = purpose.settle(session, job_id, purpose.by_row(results), provider)
            store.batch_ended(
                session=session, job_id=job_id, status=_FINAL_STATUS[info.status], at=now,
                error=info.error,
            )  # fmt: skip
    except Exception as error:  # results that cannot be stored must not keep the job open
        log.exception("batch results not used", job_id=job_id, batch_id=batch_id,
            error=f"{type(error).__name__}: {error}"[:500],
        )  # fmt: skip
        with session_scope(runtime.engine) as session:
            purpose.settle(session, job_id, {}, provider)  # the rows keep their fallback
            store.batch_ended(
                session=session, job_id=job_id, status=BatchJobStatus.FAILED, at=now,
                error=f"results could not be stored: {type(error).__name__}",
            )  # fmt: skip
        return
    log.info("batch ended", job_id=job_id, batch_id=batch_id, purpose=purpose.name,
        status=str(info.status), results=len(results), used=used,
    )  # fmt: skip
