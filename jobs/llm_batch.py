"""Have an LLM write text through a provider *batch* API (OpenAI Batch, Anthropic Message Batches).

The weekly digest (and later free-text quiz grading) submits its prompts ahead of posting time
and polls until the batch has ended: Batchscout practises what it preaches. Callers see one
provider-neutral interface,
:class:`~batchscout.services.batch_api.BatchProvider` (this module holds the SDK adapters)::

    provider = provider_from_settings(settings)                     # None: no LLM configured
    batch_id = provider.submit(requests, idempotency_key=run_key)   # store batch_id at once
    info = provider.poll(batch_id)                                  # later, on a clock
    if info.results_ready:
        texts = {r.custom_id: r.text for r in provider.results(batch_id) if r.ok}

Creating a batch is never retried by the SDK (``max_retries=0`` on that one call), so a
network failure cannot silently create a second, paid-for batch; a create whose outcome is
unknown raises :class:`SubmitOutcomeUnknown`. Polling, listing and result reads do retry.

Reconciliation (a crash, or a lost response, between creating a batch and storing its id)
-----------------------------------------------------------------------------------------
Every batch carries its caller's idempotency key, and ``find_by_key(key)`` finds it again
among the batches created within ``lookback`` (two days by default):

- **OpenAI** batches carry ``metadata={"batchscout_key": key}``; ``find_by_key`` lists
  ``client.batches.list()`` (newest first) and returns the newest batch with that key, in
  any state. Exact from the moment the batch exists.
- **Anthropic** message batches carry no metadata, and a listed batch shows only its id,
  timestamps and request counts: its requests' ``custom_id`` values become visible only in
  its results, which exist once processing has ended. So every wire ``custom_id`` is
  ``bs<16 hex of sha256(key)>_<caller's custom_id>`` (the API allows ``[A-Za-z0-9_-]{1,64}``,
  hence the hash and :data:`~batchscout.services.batch_api.MAX_CUSTOM_ID_LENGTH`), and ``find_by_key`` reads the first result
  line of each *ended* batch in the window (results are unordered, but every line carries the
  same prefix) and returns the one whose prefix matches; the prefix is stripped again in
  ``results``. A batch still *in progress* cannot be attributed to anyone: ``find_by_key``
  returns None and logs how many such batches it could not inspect. The caller may ask again
  on a later poll (once the batch has ended it is found) or give up and submit again: the
  worst case is one duplicate batch paid for (a few cents for a digest).
  Matching an in-progress batch by creation time and request count was rejected: another
  process using the same Anthropic workspace can create a look-alike batch, and adopting it
  would post someone else's text into a channel; a duplicate costs money, never correctness.

Batches larger than a provider accepts are split with :func:`~batchscout.services.batch_api.split_requests` (each chunk is
its own batch with its own key). Money is priced with the ``genai-prices`` catalog through
:func:`audit.pricing.quote` (:func:`~batchscout.services.batch_api.batch_cost`). API keys are never logged.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Generator, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Final, Generic, TypeVar

import anthropic
import openai
from anthropic.types import TextBlock
from anthropic.types.message_create_params import MessageCreateParamsNonStreaming
from anthropic.types.messages import MessageBatch, MessageBatchIndividualResponse
from anthropic.types.messages.batch_create_params import Request as AnthropicRequest
from openai.types import Batch as OpenAIBatch

from batchscout.defaults import LLM_MODELS
from batchscout.logs import get_logger
from batchscout.services.batch_api import (
    WIRE_PREFIX_LENGTH,
    BatchInfo,
    BatchLimits,
    BatchProvider,
    BatchRequest,
    BatchResult,
    BatchStatus,
    BatchSubmitError,
    ProviderCallError,
    ResultsNotReady,
    SubmitOutcomeUnknown,
    check_fits,
)
from batchscout.settings import Settings

__all__ = [
    "ANTHROPIC_LIMITS",
    "DEFAULT_LOOKBACK",
    "DEFAULT_MODELS",
    "KEY_METADATA_FIELD",
    "OPENAI_LIMITS",
    "AnthropicBatchProvider",
    "OpenAIBatchProvider",
    "provider_from_settings",
]

ClientT = TypeVar("ClientT", openai.OpenAI, anthropic.Anthropic)

log = get_logger(__name__)

#: Cheap models that write a good digest paragraph (written once, in the base's defaults).
DEFAULT_MODELS: Final[Mapping[str, str]] = LLM_MODELS

#: The OpenAI batch metadata field that carries the idempotency key.
KEY_METADATA_FIELD: Final = "batchscout_key"

#: How far back ``find_by_key`` looks: a batch ends within 24 h, a digest is submitted a day ahead.
DEFAULT_LOOKBACK: Final = timedelta(days=2)

# Anthropic wire ids are "bs" + 16 hex digits + "_" + the caller's id, within 64 characters.
_TOKEN_HEX = WIRE_PREFIX_LENGTH - len("bs_")
_WIRE_ID = re.compile(rf"bs([0-9a-f]{{{_TOKEN_HEX}}})_(.+)")
# OpenAI metadata values are at most 512 characters.
_MAX_KEY_LENGTH = 512

_OPENAI_ENDPOINT: Final = "/v1/chat/completions"
# Decimal megabytes: below the providers' limits whichever megabyte they mean.

#: OpenAI Batch API: 50,000 requests and a 200 MB input file per batch.
OPENAI_LIMITS: Final = BatchLimits(max_requests=50_000, max_bytes=200 * 1_000_000)
#: Anthropic Message Batches: 100,000 requests and 256 MB per batch.
ANTHROPIC_LIMITS: Final = BatchLimits(max_requests=100_000, max_bytes=256 * 1_000_000)


# -- shared helpers -----------------------------------------------------------------------


def _check_key(idempotency_key: str) -> None:
    if not idempotency_key or len(idempotency_key) > _MAX_KEY_LENGTH:
        raise ValueError(f"An idempotency key must be 1 to {_MAX_KEY_LENGTH} characters.")


def _key_token(idempotency_key: str) -> str:
    return hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:_TOKEN_HEX]


def _json_bytes(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# -- OpenAI -------------------------------------------------------------------------------

_OPENAI_STATUS: Final[Mapping[str, BatchStatus]] = {
    "validating": BatchStatus.IN_PROGRESS,
    "in_progress": BatchStatus.IN_PROGRESS,
    "finalizing": BatchStatus.IN_PROGRESS,
    "completed": BatchStatus.ENDED,
    "failed": BatchStatus.FAILED,
    "expired": BatchStatus.EXPIRED,
    "cancelling": BatchStatus.CANCELLED,
    "cancelled": BatchStatus.CANCELLED,
}
# States after which the output and error files no longer change.
_OPENAI_SETTLED = frozenset({"completed", "failed", "expired", "cancelled"})


@dataclass(frozen=True, slots=True)
class _Sdk:
    """A provider SDK, for the error handling both SDKs share (their exceptions have the
    same names: ``APIError``, ``APIConnectionError``, ``APIStatusError``)."""

    name: str
    label: str
    module: ModuleType


_OPENAI_SDK = _Sdk("openai", "OpenAI", openai)
_ANTHROPIC_SDK = _Sdk("anthropic", "Anthropic", anthropic)


@contextmanager
def _provider_call(sdk: _Sdk, action: str, batch_id: str | None = None) -> Iterator[None]:
    """Turn an SDK failure (after the SDK's own retries) into :class:`ProviderCallError`."""
    try:
        yield
    except sdk.module.APIError as exc:
        log.warning(
            "batch call failed",
            provider=sdk.name,
            action=action,
            batch_id=batch_id,
            error=type(exc).__name__,
        )
        raise ProviderCallError(f"{sdk.label} {action} failed: {exc}") from exc


def _submit_error(sdk: _Sdk, exc: Exception, idempotency_key: str) -> BatchSubmitError:
    """Log a failed create and say whether it may have created the batch anyway (then the
    caller reconciles by ``idempotency_key`` before submitting again)."""
    error = _create_outcome(sdk, exc)
    log.warning(
        "batch create failed",
        provider=sdk.name,
        key=idempotency_key,
        outcome_unknown=isinstance(error, SubmitOutcomeUnknown),
        error=type(exc).__name__,
    )
    return error


def _create_outcome(sdk: _Sdk, exc: Exception) -> BatchSubmitError:
    if isinstance(exc, sdk.module.APIConnectionError):  # includes timeouts
        return SubmitOutcomeUnknown(f"{sdk.label} batch create lost its answer: {exc}")
    if isinstance(exc, sdk.module.APIStatusError) and (
        exc.status_code >= 500 or exc.status_code == 408
    ):
        return SubmitOutcomeUnknown(f"{sdk.label} batch create failed on the server side: {exc}")
    if isinstance(exc, sdk.module.APIStatusError):
        return BatchSubmitError(f"{sdk.label} refused the batch: {exc}")
    # e.g. an answer that could not be read: the batch may well exist.
    return SubmitOutcomeUnknown(f"{sdk.label} batch create answered unexpectedly: {exc}")


class _Provider(Generic[ClientT]):
    """What the two adapters share: the SDK client, the model, the batch limits and the
    reconciliation window, and the log lines every provider writes the same way."""

    name: str
    default_limits: BatchLimits

    def __init__(
        self,
        client: ClientT,
        model: str,
        *,
        limits: BatchLimits | None = None,
        lookback: timedelta = DEFAULT_LOOKBACK,
    ) -> None:
        self._client: ClientT = client
        self.model = model
        self.limits = limits or self.default_limits
        self.lookback = lookback

    def _submitted(self, batch_id: str, key: str, requests: int, **extra: object) -> str:
        log.info("batch submitted", provider=self.name, model=self.model, batch_id=batch_id,
            key=key, requests=requests, **extra,
        )  # fmt: skip
        return batch_id

    def _polled(self, info: BatchInfo) -> BatchInfo:
        log.debug("batch polled", provider=self.name, batch_id=info.batch_id,
            raw_status=info.raw_status, results_ready=info.results_ready,
        )  # fmt: skip
        return info

    def _read(self, batch_id: str, found: list[BatchResult]) -> list[BatchResult]:
        log.info("batch results read", provider=self.name, batch_id=batch_id,
            succeeded=sum(r.ok for r in found), errored=sum(not r.ok for r in found),
        )  # fmt: skip
        return found

    def _reconciled(self, batch_id: str, key: str, **extra: object) -> str:
        log.info("batch reconciled", provider=self.name, batch_id=batch_id, key=key, **extra)
        return batch_id


class OpenAIBatchProvider(_Provider[openai.OpenAI]):
    """OpenAI's Batch API over ``/v1/chat/completions``: a JSONL file in, JSONL files out."""

    name: Final = "openai"
    default_limits = OPENAI_LIMITS

    def _line(self, request: BatchRequest) -> bytes:
        messages = [{"role": "user", "content": request.prompt}]
        if request.system:
            messages.insert(0, {"role": "system", "content": request.system})
        line = {
            "custom_id": request.custom_id,
            "method": "POST",
            "url": _OPENAI_ENDPOINT,
            # max_completion_tokens, not the deprecated max_tokens, which reasoning models reject.
            "body": {
                "model": self.model,
                "messages": messages,
                "max_completion_tokens": request.max_tokens,
            },
        }
        return _json_bytes(line) + b"\n"

    def request_size(self, request: BatchRequest) -> int:
        """Bytes of the request's line in the batch input file."""
        return len(self._line(request))

    def submit(self, requests: Sequence[BatchRequest], *, idempotency_key: str) -> str:
        """Upload the requests as a JSONL file and create a batch over it, tagged with the key.

        Raises :class:`SubmitOutcomeUnknown` when the create call may have succeeded anyway.
        """
        _check_key(idempotency_key)
        payload = b"".join(self._line(r) for r in requests)
        check_fits(requests, len(payload), self.limits)
        filename = f"batchscout-{_key_token(idempotency_key)}.jsonl"
        # A repeated upload only leaves an unused file behind, so the SDK may retry it.
        try:
            uploaded = self._client.files.create(
                file=(filename, payload, "application/jsonl"), purpose="batch"
            )
        except openai.APIError as exc:
            log.warning(
                "batch upload failed",
                provider=self.name,
                key=idempotency_key,
                error=type(exc).__name__,
            )
            raise BatchSubmitError(f"OpenAI refused the batch input file: {exc}") from exc
        try:
            batch = self._client.with_options(max_retries=0).batches.create(
                input_file_id=uploaded.id,
                endpoint=_OPENAI_ENDPOINT,
                completion_window="24h",
                metadata={KEY_METADATA_FIELD: idempotency_key},
            )
        except openai.APIError as exc:
            raise _submit_error(_OPENAI_SDK, exc, idempotency_key) from exc
        return self._submitted(batch.id, idempotency_key, len(requests), bytes=len(payload))

    def _retrieve(self, batch_id: str) -> OpenAIBatch:
        with _provider_call(_OPENAI_SDK, "batch retrieve", batch_id):
            return self._client.batches.retrieve(batch_id)

    def poll(self, batch_id: str) -> BatchInfo:
        """Map OpenAI's status: validating/in_progress/finalizing are in progress;
        completed has ended; cancelling and cancelled are cancelled."""
        batch = self._retrieve(batch_id)
        status = _OPENAI_STATUS.get(batch.status)
        if status is None:  # a status newer than this code: keep polling until the deadline
            log.warning(
                "batch status unknown",
                provider=self.name,
                batch_id=batch_id,
                raw_status=batch.status,
            )
            status = BatchStatus.IN_PROGRESS
        ready = batch.status in _OPENAI_SETTLED and bool(
            batch.output_file_id or batch.error_file_id
        )
        error = None
        if batch.status == "failed":
            reasons = [
                e.message or e.code or "unknown error"
                for e in (batch.errors and batch.errors.data) or []
            ]
            error = "; ".join(reasons) or "the batch failed"
        return self._polled(BatchInfo(batch.id, status, ready, batch.status, error))

    def results(self, batch_id: str) -> list[BatchResult]:
        """Every line of the output file (texts) and of the error file (errors, including the
        requests an expired or cancelled batch never ran)."""
        batch = self._retrieve(batch_id)
        if batch.status not in _OPENAI_SETTLED or not (batch.output_file_id or batch.error_file_id):
            raise ResultsNotReady(f"OpenAI batch {batch_id} has no results ({batch.status}).")
        found: list[BatchResult] = []
        for file_id in (batch.output_file_id, batch.error_file_id):
            if not file_id:
                continue
            with _provider_call(_OPENAI_SDK, "results download", batch_id):
                content = self._client.files.content(file_id).content
            for number, line in enumerate(content.decode("utf-8").splitlines(), start=1):
                if line.strip():
                    result = _openai_result(line)
                    if result is None:
                        log.warning(
                            "result line unreadable",
                            provider=self.name,
                            batch_id=batch_id,
                            file_id=file_id,
                            line=number,
                        )
                    else:
                        found.append(result)
        return self._read(batch_id, found)

    def find_by_key(self, idempotency_key: str) -> str | None:
        """The newest batch within ``lookback`` whose metadata carries the key."""
        _check_key(idempotency_key)
        cutoff = (datetime.now(UTC) - self.lookback).timestamp()
        with _provider_call(_OPENAI_SDK, "batch list"):
            for batch in self._client.batches.list(limit=100):  # newest first, auto-paginated
                if batch.created_at < cutoff:
                    break
                if (batch.metadata or {}).get(KEY_METADATA_FIELD) == idempotency_key:
                    return self._reconciled(batch.id, idempotency_key, raw_status=batch.status)
        return None


def _openai_result(line: str) -> BatchResult | None:
    try:
        item = json.loads(line)
        custom_id = str(item["custom_id"])
    except (ValueError, KeyError, TypeError):
        return None
    if item.get("error"):
        error = item["error"]
        return BatchResult(custom_id, None, f"{error.get('code')}: {error.get('message')}")
    response = item.get("response") or {}
    body = response.get("body") or {}
    if response.get("status_code") != 200:
        detail = body.get("error") or {}
        message = detail.get("message") or "no detail"
        return BatchResult(custom_id, None, f"HTTP {response.get('status_code')}: {message}")
    usage = body.get("usage") or {}
    tokens_in, tokens_out = (
        int(usage.get("prompt_tokens") or 0),
        int(usage.get("completion_tokens") or 0),
    )
    try:
        message = body["choices"][0]["message"]
    except (KeyError, IndexError, TypeError):
        return BatchResult(custom_id, None, "the response has no choices", tokens_in, tokens_out)
    text = message.get("content")
    if not isinstance(text, str):
        refusal = message.get("refusal")
        error = f"refused: {refusal}" if refusal else "the response has no text"
        return BatchResult(custom_id, None, error, tokens_in, tokens_out)
    return BatchResult(custom_id, text, None, tokens_in, tokens_out)


# -- Anthropic ----------------------------------------------------------------------------


def _anthropic_status(batch: MessageBatch) -> BatchStatus:
    if batch.processing_status == "in_progress":
        return BatchStatus.IN_PROGRESS
    if batch.processing_status == "canceling" or batch.cancel_initiated_at is not None:
        return BatchStatus.CANCELLED
    if batch.processing_status != "ended":
        return BatchStatus.IN_PROGRESS
    counts = batch.request_counts
    if counts.expired:
        return BatchStatus.EXPIRED
    if counts.errored and not counts.succeeded:
        return BatchStatus.FAILED
    return BatchStatus.ENDED


class AnthropicBatchProvider(_Provider[anthropic.Anthropic]):
    """Anthropic's Message Batches: requests in the create call, results as JSONL once ended.

    ``poll`` maps ``processing_status``: in_progress is in progress; canceling, or ended after
    a cancel, is cancelled; ended with expired requests is expired (partial results); ended
    with every request errored is failed (the errors are in the results); else ended.
    """

    name: Final = "anthropic"
    default_limits = ANTHROPIC_LIMITS

    def __init__(
        self,
        client: anthropic.Anthropic,
        model: str,
        *,
        limits: BatchLimits | None = None,
        lookback: timedelta = DEFAULT_LOOKBACK,
    ) -> None:
        super().__init__(client, model, limits=limits, lookback=lookback)
        # Batch id → key token of its requests: an ended batch's results never change.
        self._tokens: dict[str, str | None] = {}

    def _entry(self, request: BatchRequest, token: str) -> AnthropicRequest:
        params: MessageCreateParamsNonStreaming = {
            "model": self.model,
            "max_tokens": request.max_tokens,
            "messages": [{"role": "user", "content": request.prompt}],
        }
        if request.system:
            params["system"] = request.system
        return {"custom_id": f"bs{token}_{request.custom_id}", "params": params}

    def request_size(self, request: BatchRequest) -> int:
        """Bytes of the request in the create call's JSON body (with the separating comma)."""
        return len(_json_bytes(self._entry(request, "0" * _TOKEN_HEX))) + 1

    def submit(self, requests: Sequence[BatchRequest], *, idempotency_key: str) -> str:
        """Create a message batch whose requests' ids carry the key's token.

        Raises :class:`SubmitOutcomeUnknown` when the create call may have succeeded anyway.
        """
        _check_key(idempotency_key)
        token = _key_token(idempotency_key)
        entries = [self._entry(r, token) for r in requests]
        check_fits(requests, len(_json_bytes({"requests": entries})), self.limits)
        try:
            batch = self._client.with_options(max_retries=0).messages.batches.create(
                requests=entries
            )
        except anthropic.APIError as exc:
            raise _submit_error(_ANTHROPIC_SDK, exc, idempotency_key) from exc
        return self._submitted(batch.id, idempotency_key, len(requests))

    def poll(self, batch_id: str) -> BatchInfo:
        """Where the batch stands (see the class docstring for the mapping)."""
        with _provider_call(_ANTHROPIC_SDK, "batch retrieve", batch_id):
            batch = self._client.messages.batches.retrieve(batch_id)
        status = _anthropic_status(batch)
        ready = _anthropic_ready(batch)
        error = None
        if status is BatchStatus.FAILED:
            error = f"all {batch.request_counts.errored} requests errored"
        return self._polled(BatchInfo(batch.id, status, ready, batch.processing_status, error))

    def _stream(self, batch_id: str) -> Generator[MessageBatchIndividualResponse, None, None]:
        with _provider_call(_ANTHROPIC_SDK, "results download", batch_id):
            try:
                decoder = self._client.messages.batches.results(batch_id)
            except anthropic.APIError:
                raise
            except anthropic.AnthropicError as exc:  # the SDK's "no results_url" check
                raise ResultsNotReady(f"Anthropic batch {batch_id} has no results yet.") from exc
            try:
                yield from decoder
            finally:
                decoder.close()

    def results(self, batch_id: str) -> list[BatchResult]:
        """Every request's outcome: succeeded (text), errored, canceled or expired."""
        return self._read(batch_id, [_anthropic_result(line) for line in self._stream(batch_id)])

    def _token_of(self, batch_id: str) -> str | None:
        if batch_id not in self._tokens:
            with closing(self._stream(batch_id)) as lines:  # one line is enough: close early
                first = next(lines, None)
            match = _WIRE_ID.fullmatch(first.custom_id) if first is not None else None
            self._tokens[batch_id] = match.group(1) if match else None
        return self._tokens[batch_id]

    def find_by_key(self, idempotency_key: str) -> str | None:
        """The ended batch within ``lookback`` whose requests carry the key's token.

        Batches still in progress cannot be inspected (see the module docstring): they are
        counted in a log line, and None is returned unless an ended batch matches.
        """
        _check_key(idempotency_key)
        token = _key_token(idempotency_key)
        cutoff = datetime.now(UTC) - self.lookback
        unreadable = 0
        with _provider_call(_ANTHROPIC_SDK, "batch list"):
            for batch in self._client.messages.batches.list(limit=100):  # newest first
                if batch.created_at < cutoff:
                    break
                if not _anthropic_ready(batch):
                    if batch.processing_status != "ended":  # archived ones are simply gone
                        unreadable += 1
                    continue
                if self._token_of(batch.id) == token:
                    return self._reconciled(batch.id, idempotency_key)
        if unreadable:
            log.warning(
                "batch not reconciled",
                provider=self.name,
                key=idempotency_key,
                in_progress_uninspectable=unreadable,
            )
        return None


def _anthropic_ready(batch: MessageBatch) -> bool:
    return (
        batch.processing_status == "ended"
        and batch.results_url is not None
        and batch.archived_at is None
    )


def _anthropic_result(line: MessageBatchIndividualResponse) -> BatchResult:
    match = _WIRE_ID.fullmatch(line.custom_id)
    custom_id = match.group(2) if match else line.custom_id
    result = line.result
    if result.type == "succeeded":
        message = result.message
        usage = message.usage
        text = "".join(b.text for b in message.content if isinstance(b, TextBlock))
        return BatchResult(custom_id, text, None, usage.input_tokens, usage.output_tokens)
    if result.type == "errored":
        error = result.error.error
        return BatchResult(custom_id, None, f"{error.type}: {error.message}")
    if result.type == "expired":
        return BatchResult(custom_id, None, "expired: not processed within 24 hours")
    if result.type == "canceled":
        return BatchResult(custom_id, None, "canceled: the batch was cancelled first")
    return BatchResult(custom_id, None, f"unknown result type {getattr(result, 'type', '?')!r}")


# -- construction and money ---------------------------------------------------------------


def provider_from_settings(settings: Settings) -> BatchProvider | None:
    """The batch provider ``BATCHSCOUT_LLM_PROVIDER`` names, or ``None`` for ``none`` or no key.

    Whether an LLM can be used, and with which key and base URL, is :meth:`Settings.llm`'s
    decision (the SDKs' own variables ``OPENAI_API_KEY``, ``OPENAI_BASE_URL``,
    ``ANTHROPIC_API_KEY``, ``ANTHROPIC_BASE_URL``, read by Settings from the environment or
    ``.env``); they are handed to the SDK client here. The model is ``BATCHSCOUT_DIGEST_MODEL``,
    else :data:`DEFAULT_MODELS`.
    """
    access = settings.llm()
    if access is None:
        if settings.batchscout_llm_provider != "none":
            name = settings.batchscout_llm_provider
            log.info(
                "llm provider disabled", provider=name, reason=f"{name.upper()}_API_KEY is not set"
            )
        return None
    model = access.model or DEFAULT_MODELS[access.provider]
    if access.provider == "openai":
        client = openai.OpenAI(api_key=access.api_key, base_url=access.base_url)
        return OpenAIBatchProvider(client, model)
    sdk = anthropic.Anthropic(api_key=access.api_key, base_url=access.base_url)
    return AnthropicBatchProvider(sdk, model)
