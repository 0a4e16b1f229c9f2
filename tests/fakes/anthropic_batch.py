"""A fake Anthropic Message Batches API for tests: real HTTP, recorded calls, control.

Point the real ``anthropic.Anthropic`` client at it (``base_url="http://127.0.0.1:PORT"``)::

    with FakeAnthropic(polls_to_complete=2) as fake:
        client = fake.client()
        batch = client.messages.batches.create(requests=[...])
        fake.complete(batch.id, "expired")
        lines = list(client.messages.batches.results(batch.id))

The HTTP plumbing, timing and outcome controls are :class:`FakeBatchServer`'s, shared with
the OpenAI fake (``tests/fakes/openai_batch.py``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tests.fakes.openai_batch import (
    Answer,
    FakeBatch,
    FakeBatchServer,
    ItemResult,
    Recorded,
    to_jsonl,
)

if TYPE_CHECKING:
    import anthropic

__all__ = ["CUSTOM_ID_PATTERN", "FakeAnthropic"]

#: What the Message Batches API accepts as a request's ``custom_id``.
CUSTOM_ID_PATTERN = re.compile(r"[a-zA-Z0-9_-]{1,64}")

_MAX_REQUESTS = 100_000
_MAX_BYTES = 256 * 1_000_000
_DAY = 86_400
_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    529: "overloaded_error",
}


def _rfc3339(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


class FakeAnthropic(FakeBatchServer):
    """``/v1/messages/batches`` as the ``anthropic`` SDK calls it.

    A batch is ``in_progress`` until it finishes, then ``ended`` with per-request results
    (``succeeded``, ``errored``, ``expired``, ``canceled``) at its ``results_url``. Creating
    a batch validates like the API: 1 to 100,000 requests, unique ``custom_id`` values
    matching ``[a-zA-Z0-9_-]{1,64}``, ``params`` with ``model``, ``max_tokens`` and
    ``messages``; a body over 256 MB is refused with 413.
    """

    create_operation = "messages.batches.create"

    def __init__(self, **options: Any) -> None:
        """Options as :class:`FakeBatchServer`."""
        super().__init__(**options)
        prefix = r"/v1/messages/batches"
        self._route("POST", prefix, "messages.batches.create", self._create)
        self._route("GET", prefix, "messages.batches.list", self._list)
        self._route("GET", prefix + r"/([^/]+)", "messages.batches.retrieve", self._retrieve)
        self._route("GET", prefix + r"/([^/]+)/results", "messages.batches.results", self._results)
        self._route("POST", prefix + r"/([^/]+)/cancel", "messages.batches.cancel", self._cancel)
        self._route("POST", r"/v1/messages", "messages.create", self._message)

    @property
    def sdk_base_url(self) -> str:
        """What ``anthropic.Anthropic(base_url=...)`` takes: ``http://127.0.0.1:PORT``."""
        return self.base_url

    def client(self, **options: Any) -> anthropic.Anthropic:
        """A real Anthropic client pointed at the fake, with a test key."""
        import anthropic

        options.setdefault("api_key", "sk-ant-test-fake")
        return anthropic.Anthropic(base_url=self.sdk_base_url, **options)

    def custom_ids(self, batch_id: str) -> list[str]:
        """The ``custom_id`` values a batch was created with, as sent on the wire."""
        with self._lock:
            return [custom_id for custom_id, _params in self._batch(batch_id).items]

    # -- plumbing ----------------------------------------------------------------------

    def _batch_prefix(self) -> str:
        return "msgbatch_"

    def _authorised(self, call: Recorded) -> Answer | None:
        # The API takes the key as x-api-key; current SDKs send it as a bearer token.
        bearer = (call.header("Authorization") or "").removeprefix("Bearer ").strip()
        if not call.header("x-api-key") and not bearer:
            return self._error(401, "x-api-key header is required")
        if not call.header("anthropic-version"):
            return self._error(400, "anthropic-version header is required")
        return None

    def _error(self, status: int, message: str) -> Answer:
        kind = _ERROR_TYPES.get(status, "api_error")
        return Answer.of_json(
            status, {"type": "error", "error": {"type": kind, "message": message}}
        )

    # -- routes ------------------------------------------------------------------------

    def _create(self, call: Recorded, _match: re.Match[str]) -> Answer:
        if len(call.body) > _MAX_BYTES:
            return self._error(413, "Request exceeds the maximum allowed number of bytes.")
        body = call.json or {}
        requests = body.get("requests")
        if not isinstance(requests, list) or not 1 <= len(requests) <= _MAX_REQUESTS:
            return self._error(400, f"requests: must hold 1 to {_MAX_REQUESTS:,} requests")
        items: list[tuple[str, dict[str, Any]]] = []
        seen: set[str] = set()
        for index, request in enumerate(requests):
            custom_id = request.get("custom_id") if isinstance(request, dict) else None
            params = request.get("params") if isinstance(request, dict) else None
            where = f"requests.{index}"
            if not isinstance(custom_id, str) or not CUSTOM_ID_PATTERN.fullmatch(custom_id):
                return self._error(
                    400, f"{where}.custom_id: String should match pattern '^[a-zA-Z0-9_-]{{1,64}}$'"
                )
            if custom_id in seen:
                return self._error(
                    400, f"{where}.custom_id: must be unique, {custom_id!r} is repeated"
                )
            if not isinstance(params, dict) or not params.get("messages"):
                return self._error(400, f"{where}.params.messages: Field required")
            if not isinstance(params.get("model"), str):
                return self._error(400, f"{where}.params.model: Field required")
            if not isinstance(params.get("max_tokens"), int) or params["max_tokens"] < 1:
                return self._error(400, f"{where}.params.max_tokens: must be a positive integer")
            seen.add(custom_id)
            items.append((custom_id, params))
        batch = self._add_batch(items)
        return Answer.of_json(200, self._batch_json(batch))

    def _message(self, call: Recorded, _match: re.Match[str]) -> Answer:
        body = call.json or {}
        step = self._next_chat_step()
        number = next(self._ids)
        content: list[dict[str, Any]] = [
            {"type": "tool_use", "id": f"toolu_{number}_{index}", "name": name, "input": arguments}
            for index, (name, arguments) in enumerate(step.tool_calls)
        ] or [{"type": "text", "text": step.text}]
        return Answer.of_json(200, {
            "id": f"msg_{number}", "type": "message", "role": "assistant",
            "model": body.get("model", "fake"), "content": content,
            "stop_reason": "tool_use" if step.tool_calls else "end_turn", "stop_sequence": None,
            "usage": {"input_tokens": 10, "output_tokens": 5},
        })  # fmt: skip

    def _retrieve(self, _call: Recorded, match: re.Match[str]) -> Answer:
        batch = self._batches.get(match.group(1))
        if batch is None:
            return self._error(404, f"Message batch {match.group(1)} not found")
        self._poll(batch)
        return Answer.of_json(200, self._batch_json(batch))

    def _cancel(self, _call: Recorded, match: re.Match[str]) -> Answer:
        batch = self._batches.get(match.group(1))
        if batch is None:
            return self._error(404, f"Message batch {match.group(1)} not found")
        if batch.outcome is None and batch.cancel_requested_at is None:
            batch.cancel_requested_at = self.clock()
        return Answer.of_json(200, self._batch_json(batch))

    def _results(self, _call: Recorded, match: re.Match[str]) -> Answer:
        batch = self._batches.get(match.group(1))
        if batch is None:
            return self._error(404, f"Message batch {match.group(1)} not found")
        if batch.outcome is None:
            return self._error(400, f"Message batch {batch.id} has not finished processing")
        return Answer(
            200, to_jsonl([self._line(batch, r) for r in batch.results]), "application/binary"
        )

    def _list(self, call: Recorded, _match: re.Match[str]) -> Answer:
        ordered = self._newest_first()
        ids = [b.id for b in ordered]
        after, before = call.query.get("after_id"), call.query.get("before_id")
        limit = int(call.query.get("limit") or 20)
        if after:
            ordered = ordered[ids.index(after) + 1 :] if after in ids else []
            page, more = ordered[:limit], len(ordered) > limit
        elif before:
            ordered = ordered[: ids.index(before)] if before in ids else []
            page, more = ordered[-limit:], len(ordered) > limit
        else:
            page, more = ordered[:limit], len(ordered) > limit
        return Answer.of_json(
            200,
            {
                "data": [self._batch_json(b) for b in page],
                "has_more": more,
                "first_id": page[0].id if page else None,
                "last_id": page[-1].id if page else None,
            },
        )

    # -- shapes ------------------------------------------------------------------------

    def _line(self, batch: FakeBatch, result: ItemResult) -> dict[str, Any]:
        if result.kind == "succeeded":
            params = dict(batch.items[[c for c, _ in batch.items].index(result.custom_id)][1])
            outcome: dict[str, Any] = {
                "type": "succeeded",
                "message": {
                    "id": f"msg_{batch.id}_{result.custom_id}",
                    "type": "message",
                    "role": "assistant",
                    "model": params.get("model"),
                    "content": [{"type": "text", "text": result.text, "citations": None}],
                    "stop_reason": "end_turn",
                    "stop_sequence": None,
                    "usage": {
                        "input_tokens": result.input_tokens,
                        "output_tokens": result.output_tokens,
                        "cache_creation_input_tokens": 0,
                        "cache_read_input_tokens": 0,
                        "service_tier": "batch",
                    },
                },
            }
        elif result.kind == "errored":
            outcome = {
                "type": "errored",
                "error": {
                    "type": "error",
                    "error": {
                        "type": "invalid_request_error",
                        "message": "Injected request failure.",
                    },
                    "request_id": f"req_{result.custom_id}",
                },
            }
        else:
            outcome = {"type": "expired" if result.kind == "expired" else "canceled"}
        return {"custom_id": result.custom_id, "result": outcome}

    def _batch_json(self, batch: FakeBatch) -> dict[str, Any]:
        ended = batch.outcome is not None
        counts = {"processing": 0, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
        if ended:
            for result in batch.results:
                counts[{"cancelled": "canceled"}.get(result.kind, result.kind)] += 1
        else:
            counts["processing"] = len(batch.items)
        if ended:
            status = "ended"
        elif batch.cancel_requested_at is not None:
            status = "canceling"
        else:
            status = "in_progress"
        cancelled_at = batch.cancel_requested_at
        if batch.outcome == "cancelled" and cancelled_at is None:
            cancelled_at = batch.ended_at
        return {
            "id": batch.id,
            "type": "message_batch",
            "processing_status": status,
            "request_counts": counts,
            "ended_at": _rfc3339(batch.ended_at),
            "created_at": _rfc3339(batch.created_at),
            "expires_at": _rfc3339(batch.created_at + _DAY),
            "archived_at": None,
            "cancel_initiated_at": _rfc3339(cancelled_at),
            "results_url": (
                f"{self.base_url}/v1/messages/batches/{batch.id}/results" if ended else None
            ),
        }
