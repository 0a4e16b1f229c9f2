"""The batch API as the use cases see it: requests, results, statuses, errors and the
:class:`BatchProvider` protocol that each provider's adapter (``batchscout.jobs.llm_batch``)
implements, plus splitting requests into batches and pricing their results.

Nothing here talks to a provider: the services depend on this interface, and the process
(worker, ``serve``, CLI) injects a concrete provider through
:class:`~batchscout.services.runtime.Runtime`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Final, Protocol

from batchscout.audit.pricing import PriceBook, Provider, quote

#: Room a provider adapter may need in front of a caller's ``custom_id`` on the wire
#: (Anthropic's reconciliation prefix ``bs<16 hex>_``, see ``jobs.llm_batch``).
WIRE_PREFIX_LENGTH: Final = 2 + 16 + 1
#: The longest ``custom_id`` a request may have, so that every provider accepts it
#: (64 characters of ``[A-Za-z0-9_-]`` on the wire, the strictest provider's rule).
MAX_CUSTOM_ID_LENGTH: Final = 64 - WIRE_PREFIX_LENGTH
_CUSTOM_ID = re.compile(rf"[A-Za-z0-9_-]{{1,{MAX_CUSTOM_ID_LENGTH}}}")
#: Bytes a batch spends around its requests: Anthropic's {"requests":[...]} less one comma.
ENVELOPE_BYTES: Final = 16


@dataclass(frozen=True, slots=True)
class BatchLimits:
    """The most one batch may hold: requests, and bytes as the provider counts them."""

    max_requests: int
    max_bytes: int


# Decimal megabytes: below the providers' limits whichever megabyte they mean.


@dataclass(frozen=True, slots=True)
class BatchRequest:
    """One prompt for the model; ``custom_id`` names it in the results.

    ``custom_id`` is 1 to :data:`MAX_CUSTOM_ID_LENGTH` letters, digits, ``_`` or ``-``
    (the strictest provider's rule, less the room reconciliation needs).
    """

    custom_id: str
    system: str
    prompt: str
    max_tokens: int

    def __post_init__(self) -> None:
        if not _CUSTOM_ID.fullmatch(self.custom_id):
            raise ValueError(
                f"custom_id {self.custom_id!r} must be 1 to {MAX_CUSTOM_ID_LENGTH} letters, "
                "digits, '_' or '-'."
            )
        if self.max_tokens < 1:
            raise ValueError(f"max_tokens must be at least 1, not {self.max_tokens}.")


@dataclass(frozen=True, slots=True)
class BatchResult:
    """What became of one request: its text, or why there is none; tokens as billed."""

    custom_id: str
    text: str | None
    error: str | None
    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def ok(self) -> bool:
        """Whether the request produced text."""
        return self.error is None and self.text is not None


class BatchStatus(StrEnum):
    """Where a batch stands, whatever the provider calls it."""

    IN_PROGRESS = "in_progress"
    ENDED = "ended"
    FAILED = "failed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        """Whether polling further can change anything (cancelling counts as final)."""
        return self is not BatchStatus.IN_PROGRESS


@dataclass(frozen=True, slots=True)
class BatchInfo:
    """A poll's answer. ``results_ready`` says whether ``results`` can be read now (an
    expired or cancelled batch may still have partial results); ``error`` explains a failure."""

    batch_id: str
    status: BatchStatus
    results_ready: bool
    raw_status: str
    error: str | None = None


class BatchError(Exception):
    """Something went wrong talking to a provider's batch API."""


class BatchSubmitError(BatchError):
    """The provider refused to create the batch; nothing was created."""


class SubmitOutcomeUnknown(BatchSubmitError):
    """The create call failed in a way that may have created the batch anyway (connection
    lost, timeout, server error): call ``find_by_key`` before submitting again."""


class BatchTooLarge(BatchError, ValueError):
    """The requests do not fit in one batch: split them with ``split_requests``."""


class ResultsNotReady(BatchError):
    """The batch has no results to read yet (still running, or failed without any)."""


class ProviderCallError(BatchError):
    """A poll, listing or results read failed after the SDK's retries; try again later."""


class BatchProvider(Protocol):
    """A provider's batch API, as the digest and grading jobs use it."""

    @property
    def name(self) -> str:
        """``openai`` or ``anthropic`` (the ``audit.pricing.Provider`` value)."""
        ...

    @property
    def model(self) -> str:
        """The model every request of this provider's batches runs on."""
        ...

    @property
    def limits(self) -> BatchLimits:
        """The most one batch may hold."""
        ...

    def request_size(self, request: BatchRequest) -> int:
        """Bytes ``request`` adds to a batch, as counted against ``limits.max_bytes``."""
        ...

    def submit(self, requests: Sequence[BatchRequest], *, idempotency_key: str) -> str:
        """Create one batch of ``requests`` tagged with ``idempotency_key``; return its id."""
        ...

    def poll(self, batch_id: str) -> BatchInfo:
        """Where the batch stands."""
        ...

    def results(self, batch_id: str) -> list[BatchResult]:
        """One result per request the provider reports on, texts and errors alike."""
        ...

    def find_by_key(self, idempotency_key: str) -> str | None:
        """The id of the batch created with ``idempotency_key``, if it can be found."""
        ...


def check_fits(requests: Sequence[BatchRequest], size: int, limits: BatchLimits) -> None:
    if not requests:
        raise ValueError("A batch needs at least one request.")
    ids = [r.custom_id for r in requests]
    if len(set(ids)) != len(ids):
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        raise ValueError(f"custom_id values must be unique in a batch: {', '.join(duplicates)}.")
    if len(requests) > limits.max_requests or size > limits.max_bytes:
        raise BatchTooLarge(
            f"{len(requests)} requests ({size:,} bytes) exceed one batch's limit of "
            f"{limits.max_requests:,} requests and {limits.max_bytes:,} bytes: "
            "use split_requests()."
        )


def split_requests(
    requests: Sequence[BatchRequest], provider: BatchProvider
) -> list[list[BatchRequest]]:
    """Chunk ``requests`` in order so that each chunk fits in one batch of ``provider``.

    Counts and encoded sizes are checked against ``provider.limits``, so every chunk passes
    ``submit``'s own check. A request too large on its own raises :class:`BatchTooLarge`.
    """
    limits = provider.limits
    chunks: list[list[BatchRequest]] = []
    current: list[BatchRequest] = []
    current_bytes = ENVELOPE_BYTES
    for request in requests:
        size = provider.request_size(request)
        if ENVELOPE_BYTES + size > limits.max_bytes:
            raise BatchTooLarge(
                f"Request {request.custom_id!r} alone is {size:,} bytes, over one batch's "
                f"limit of {limits.max_bytes:,}."
            )
        if current and (
            len(current) >= limits.max_requests or current_bytes + size > limits.max_bytes
        ):
            chunks.append(current)
            current, current_bytes = [], ENVELOPE_BYTES
        current.append(request)
        current_bytes += size
    if current:
        chunks.append(current)
    return chunks


def batch_cost(
    provider_name: str,
    model: str,
    results: Iterable[BatchResult],
    *,
    book: PriceBook | None = None,
) -> tuple[Decimal, Decimal]:
    """``(batch cost, synchronous cost)`` in US dollars of the requests behind ``results``.

    Each request is priced with its own token counts (a tiered price depends on them) through
    :func:`audit.pricing.quote`; requests that used no tokens cost nothing.
    """
    provider = Provider(provider_name)
    on_batch = on_sync = Decimal(0)
    for result in results:
        if not (result.input_tokens or result.output_tokens):
            continue
        price = quote(
            provider=provider,
            model=model,
            input_tokens=result.input_tokens,
            output_tokens=result.output_tokens,
            cost_per_request=None,
            book=book,
        )
        on_batch += price.batch_per_request
        on_sync += price.sync_per_request
    return on_batch, on_sync
