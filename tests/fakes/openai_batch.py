"""A fake OpenAI Batch API (files and batches) for tests: real HTTP, recorded calls, control.

Point the real ``openai.OpenAI`` client at it and drive a batch through its life::

    with FakeOpenAI(polls_to_complete=2) as fake:
        client = fake.client()                  # base_url="http://127.0.0.1:PORT/v1"
        ...                                     # upload a JSONL file, create a batch
        fake.calls("batches.create")            # what the server received
        fake.complete(batch_id, "partial")      # or let the 2nd retrieve finish it

This module also holds :class:`FakeBatchServer`, the HTTP plumbing and batch life cycle
shared with the Anthropic fake (``tests/fakes/anthropic_batch.py``). Only the standard
library serves; the SDKs are imported only by the ``client()`` helpers.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Literal, Self
from urllib.parse import parse_qsl, urlsplit

from batchscout.serving import ServerThread

if TYPE_CHECKING:
    import openai

__all__ = [
    "DROP",
    "Answer",
    "ChatStep",
    "Failing",
    "FakeBatchServer",
    "FakeOpenAI",
    "ItemResult",
    "Outcome",
    "Recorded",
    "Reply",
    "chat_prompt_and_results",
    "default_reply",
    "fake_tokens",
    "to_jsonl",
]

#: How a batch ends. ``partial``: the requests ``failing`` picks error, the others succeed;
#: ``expired`` and ``cancelled``: the first half of the requests ran, the rest never did;
#: ``failed``: OpenAI fails the whole batch (no results), Anthropic errors every request.
Outcome = Literal["completed", "partial", "expired", "failed", "cancelled"]

#: The reply text for one request, from its body (OpenAI ``body``, Anthropic ``params``).
Reply = Callable[[dict[str, Any]], str]

#: Which requests error in a ``partial`` batch: ``(index in the batch, custom_id) -> bool``.
Failing = Callable[[int, str], bool]

_DAY = 86_400


def fake_tokens(text: str) -> int:
    """The fakes' deterministic token count: one token per four characters, at least one."""
    return max(1, len(text) // 4)


def _prompt_of(body: Mapping[str, Any]) -> str:
    for message in reversed(body.get("messages") or []):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            return " ".join(part.get("text", "") for part in content or [])
    return ""


def _system_of(body: Mapping[str, Any]) -> str:
    system = body.get("system")
    if isinstance(system, str):
        return system
    texts = [m.get("content") for m in body.get("messages") or [] if m.get("role") == "system"]
    return " ".join(t for t in texts if isinstance(t, str))


def default_reply(body: dict[str, Any]) -> str:
    """A deterministic sentence echoing the request's user prompt."""
    return f"Fake summary of: {_prompt_of(body)}"


@dataclass(frozen=True)
class Recorded:
    """One HTTP request the fake received. ``operation`` names it like the SDK method
    (``"batches.create"``, ``"messages.batches.results"``...); ``status`` is what the fake
    answered, 0 when it dropped the connection instead."""

    operation: str
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    status: int

    @property
    def json(self) -> Any:
        """The body decoded as JSON (None when it is not JSON)."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def header(self, name: str) -> str | None:
        """A request header, whatever its case."""
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)


@dataclass(frozen=True)
class Answer:
    """What a route answers: a status, a body and its content type."""

    status: int
    body: bytes
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of_json(cls, status: int, value: object) -> Answer:
        """A JSON answer."""
        return cls(status, json.dumps(value).encode("utf-8"))


#: A route's answer when the fake should close the connection without answering.
DROP: Final = Answer(0, b"")


@dataclass(frozen=True)
class ChatStep:
    """One scripted reply of the synchronous chat endpoint (``/v1/chat/completions``,
    ``/v1/messages``): tool calls ``(name, arguments)`` to make, or, with none, the final
    ``text``. Tests script a conversation as a list of steps (``fake.chat_steps``)."""

    text: str = ""
    tool_calls: tuple[tuple[str, dict[str, Any]], ...] = ()


def chat_prompt_and_results(body: Mapping[str, Any]) -> tuple[str, list[str]]:
    """A chat request's first user text and every tool result it carries (either API)."""
    question, results = "", []
    for message in body.get("messages") or []:
        content = message.get("content")
        if message.get("role") == "tool":
            results.append(str(content))
        elif message.get("role") == "user" and isinstance(content, str) and not question:
            question = content
        elif message.get("role") == "user" and isinstance(content, list):
            results += [str(p.get("content")) for p in content if p.get("type") == "tool_result"]
    return question, results


@dataclass
class ItemResult:
    """The outcome of one request of a finished batch."""

    custom_id: str
    kind: Literal["succeeded", "errored", "expired", "cancelled"]
    text: str = ""
    input_tokens: int = 0
    output_tokens: int = 0


@dataclass
class FakeBatch:
    """A batch as the fake keeps it; ``items`` are ``(custom_id, body)`` pairs."""

    id: str
    created_at: float
    items: list[tuple[str, dict[str, Any]]]
    sequence: int
    polls: int = 0
    cancel_requested_at: float | None = None
    outcome: Outcome | None = None
    ended_at: float | None = None
    results: list[ItemResult] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Route:
    method: str
    pattern: re.Pattern[str]
    operation: str
    handler: Callable[[Recorded, re.Match[str]], Answer]


class FakeBatchServer:
    """A threaded HTTP server that plays a provider's batch API (subclasses say which).

    - ``polls_to_complete``: the Nth retrieve of a batch finishes it with ``outcome``
      (``None``: only ``complete()`` finishes batches). Every GET of the batch counts.
    - ``outcome``: how batches finish; read when each one finishes, so tests may change it.
    - ``reply``: the text for each request, from its body (:func:`default_reply`).
    - ``failing``: which requests error in a ``partial`` batch (every second by default).
    - ``clock``: seconds since the epoch for timestamps (``time.time``).
    """

    #: The SDK operation that creates a batch (for ``fail_create`` and ``drop_create``).
    create_operation = ""

    def __init__(
        self,
        *,
        polls_to_complete: int | None = 2,
        outcome: Outcome = "completed",
        reply: Reply = default_reply,
        failing: Failing | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        """Describe how batches behave; the server starts with ``start()`` or ``with``."""
        self.polls_to_complete = polls_to_complete
        self.outcome: Outcome = outcome
        self.reply = reply
        self.failing: Failing = failing or (lambda index, _custom_id: index % 2 == 1)
        self.clock: Callable[[], float] = time.time
        self._host = host
        self._lock = threading.RLock()
        self._calls: list[Recorded] = []
        self._batches: dict[str, FakeBatch] = {}
        self._faults: dict[str, list[int]] = {}  # operation → HTTP statuses; 0 = drop
        self._ids = itertools.count(1)
        self._server: _Server | None = None
        self._thread: ServerThread | None = None
        self._routes: list[_Route] = []
        #: The chat endpoint's scripted replies, taken in order; when none is left it answers
        #: "Fake answer." (no tool call).
        self.chat_steps: list[ChatStep] = []

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> Self:
        """Start serving on a free port; returns ``self``."""
        if self._server is not None:
            raise RuntimeError(f"{type(self).__name__} is already started")
        server = _Server((self._host, 0), self)
        self._thread = ServerThread.of(server, type(self).__name__).start()
        self._server = server
        return self

    def stop(self) -> None:
        """Stop serving and release the port; calling it twice is harmless."""
        thread, self._server, self._thread = self._thread, None, None
        if thread is not None:
            thread.stop()

    def __enter__(self) -> Self:
        """Start the server for the ``with`` block."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server at the end of the ``with`` block."""
        self.stop()

    @property
    def port(self) -> int:
        """The TCP port the server listens on."""
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``, without a trailing slash."""
        return f"http://{self._host}:{self.port}"

    # -- control -----------------------------------------------------------------------

    def complete(self, batch_id: str, outcome: Outcome | None = None) -> None:
        """Finish a batch now with ``outcome`` (the fake's ``outcome`` by default)."""
        with self._lock:
            batch = self._batch(batch_id)
            if batch.outcome is None:
                self._finish(batch, outcome or self.outcome)

    def fail(self, operation: str, *, status: int = 500, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``operation`` with HTTP ``status`` (and a
        ``retry-after-ms: 1`` header, so SDK retries do not slow the tests down)."""
        with self._lock:
            self._faults.setdefault(operation, []).extend([status] * times)

    def fail_create(self, *, status: int = 500, times: int = 1) -> None:
        """Answer the next ``times`` create calls with HTTP ``status``; nothing is created."""
        self.fail(self.create_operation, status=status, times=times)

    def drop_create(self, *, times: int = 1) -> None:
        """Create the batch on the next ``times`` create calls, then close the connection
        without answering: the client never learns the id (a crash after creation)."""
        self.fail(self.create_operation, status=0, times=times)

    def _next_chat_step(self) -> ChatStep:
        with self._lock:
            return self.chat_steps.pop(0) if self.chat_steps else ChatStep("Fake answer.")

    # -- queries -----------------------------------------------------------------------

    def calls(self, operation: str | None = None) -> list[Recorded]:
        """The recorded requests in arrival order, all of them or those of ``operation``."""
        with self._lock:
            return [c for c in self._calls if operation is None or c.operation == operation]

    @property
    def batch_ids(self) -> list[str]:
        """Every batch created so far, oldest first."""
        with self._lock:
            return list(self._batches)

    def batch(self, batch_id: str) -> FakeBatch:
        """A batch as the fake keeps it (for assertions)."""
        with self._lock:
            return self._batch(batch_id)

    def wait_for(self, operation: str, count: int = 1, timeout: float = 5.0) -> list[Recorded]:
        """Wait until ``count`` calls of ``operation`` have arrived; AssertionError after."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.calls(operation)
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(found)} {operation} calls, wanted {count}")
            time.sleep(0.005)

    # -- for subclasses ----------------------------------------------------------------

    def _route(
        self,
        method: str,
        pattern: str,
        operation: str,
        handler: Callable[[Recorded, re.Match[str]], Answer],
    ) -> None:
        self._routes.append(_Route(method, re.compile(pattern), operation, handler))

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):06d}"

    def _batch(self, batch_id: str) -> FakeBatch:
        try:
            return self._batches[batch_id]
        except KeyError:
            raise KeyError(f"no batch {batch_id!r}; known: {', '.join(self._batches)}") from None

    def _add_batch(self, items: list[tuple[str, dict[str, Any]]], **extra: Any) -> FakeBatch:
        batch = FakeBatch(
            id=self._new_id(self._batch_prefix()),
            created_at=self.clock(),
            items=items,
            sequence=len(self._batches),
            extra=extra,
        )
        self._batches[batch.id] = batch
        return batch

    def _newest_first(self) -> list[FakeBatch]:
        return sorted(
            self._batches.values(), key=lambda b: (b.created_at, b.sequence), reverse=True
        )

    def _poll(self, batch: FakeBatch) -> None:
        """Count a retrieve, finishing the batch when its time has come."""
        batch.polls += 1
        if batch.outcome is not None:
            return
        if batch.cancel_requested_at is not None:
            self._finish(batch, "cancelled")
        elif self.polls_to_complete is not None and batch.polls >= self.polls_to_complete:
            self._finish(batch, self.outcome)

    def _finish(self, batch: FakeBatch, outcome: Outcome) -> None:
        batch.outcome, batch.ended_at = outcome, self.clock()
        ran = math.ceil(len(batch.items) / 2) if outcome in ("expired", "cancelled") else None
        for index, (custom_id, body) in enumerate(batch.items):
            if outcome == "failed" or (outcome == "partial" and self.failing(index, custom_id)):
                batch.results.append(ItemResult(custom_id, "errored"))
            elif ran is not None and index >= ran:
                kind: Literal["expired", "cancelled"] = (
                    "expired" if outcome == "expired" else "cancelled"
                )
                batch.results.append(ItemResult(custom_id, kind))
            else:
                text = self.reply(body)
                tokens_in = fake_tokens(_system_of(body) + _prompt_of(body))
                tokens_out = min(fake_tokens(text), int(body.get("max_tokens") or 1 << 30))
                batch.results.append(
                    ItemResult(custom_id, "succeeded", text, tokens_in, tokens_out)
                )
        self._finished(batch)

    def _batch_prefix(self) -> str:
        raise NotImplementedError

    def _finished(self, batch: FakeBatch) -> None:
        """Hook: a batch has just finished (OpenAI writes its output files)."""

    def _authorised(self, call: Recorded) -> Answer | None:
        """None when the call carries credentials, else the provider's 401 answer."""
        raise NotImplementedError

    def _error(self, status: int, message: str) -> Answer:
        raise NotImplementedError

    # -- serving -----------------------------------------------------------------------

    def _handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Answer:
        url = urlsplit(target)
        query = dict(parse_qsl(url.query))
        with self._lock:
            found = next(
                (
                    (route, match)
                    for route in self._routes
                    if route.method == method and (match := route.pattern.fullmatch(url.path))
                ),
                None,
            )
            operation = found[0].operation if found else "unknown"
            call = Recorded(operation, method, url.path, query, headers, body, 0)
            answer = self._authorised(call)
            if answer is None and found is None:
                answer = self._error(404, f"No route for {method} {url.path}")
            elif answer is None and found is not None:
                answer = self._faulty(call) or found[0].handler(call, found[1])
            assert answer is not None
            self._calls.append(
                Recorded(operation, method, url.path, query, headers, body, answer.status)
            )
            return answer

    def _faulty(self, call: Recorded) -> Answer | None:
        pending = self._faults.get(call.operation)
        if not pending:
            return None
        status = pending.pop(0)
        if status == 0 and call.operation == self.create_operation:
            route = next(r for r in self._routes if r.operation == call.operation)
            match = route.pattern.fullmatch(call.path)
            assert match is not None
            route.handler(call, match)  # the batch exists; its answer is lost
            return DROP
        if status == 0:
            return DROP
        answer = self._error(status, "Injected failure")
        return Answer(answer.status, answer.body, answer.content_type, (("retry-after-ms", "1"),))


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], fake: FakeBatchServer) -> None:
        self.fake = fake
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the SDKs' connection pools expect
    disable_nagle_algorithm = True  # else headers and body wait on delayed ACKs (40 ms a call)
    timeout = 10  # a stuck client must not hang the test run

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        server = self.server
        assert isinstance(server, _Server)
        body = self._read_body()
        answer = server.fake._handle(self.command, self.path, dict(self.headers.items()), body)
        if answer is DROP:
            self.close_connection = True
            return
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        self.send_header("x-request-id", f"req_fake_{id(answer):x}")
        for name, value in answer.headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(answer.body)


# -- OpenAI -------------------------------------------------------------------------------

_OPENAI_ENDPOINTS = frozenset(
    {"/v1/responses", "/v1/chat/completions", "/v1/embeddings", "/v1/completions"}
)
_OPENAI_MAX_REQUESTS = 50_000
_OPENAI_MAX_BYTES = 200 * 1_000_000


@dataclass
class FakeFile:
    """An uploaded or generated file."""

    id: str
    filename: str
    purpose: str
    content: bytes
    created_at: int


class FakeOpenAI(FakeBatchServer):
    """OpenAI's ``/v1/files`` and ``/v1/batches`` as the ``openai`` SDK calls them.

    Batches report ``validating`` until first retrieved, then ``in_progress``, then their
    final status. An input file that breaks the batch rules (bad JSON, repeated
    ``custom_id``, wrong ``url``, several models, over 50,000 lines or 200 MB) makes the batch
    ``failed`` with ``errors``, as OpenAI's validation does. Finished batches get an output
    file (successes) and an error file (errored, expired and cancelled requests).
    """

    create_operation = "batches.create"

    def __init__(self, **options: Any) -> None:
        """Options as :class:`FakeBatchServer`."""
        super().__init__(**options)
        self.files: dict[str, FakeFile] = {}
        self._route("POST", r"/v1/files", "files.create", self._files_create)
        self._route("GET", r"/v1/files/([^/]+)", "files.retrieve", self._files_retrieve)
        self._route("GET", r"/v1/files/([^/]+)/content", "files.content", self._files_content)
        self._route("POST", r"/v1/batches", "batches.create", self._batches_create)
        self._route("GET", r"/v1/batches", "batches.list", self._batches_list)
        self._route("GET", r"/v1/batches/([^/]+)", "batches.retrieve", self._batches_retrieve)
        self._route("POST", r"/v1/batches/([^/]+)/cancel", "batches.cancel", self._batches_cancel)
        self._route("POST", r"/v1/chat/completions", "chat.completions.create", self._chat)

    @property
    def sdk_base_url(self) -> str:
        """What ``openai.OpenAI(base_url=...)`` takes: ``http://127.0.0.1:PORT/v1``."""
        return f"{self.base_url}/v1"

    def client(self, **options: Any) -> openai.OpenAI:
        """A real OpenAI client pointed at the fake, with a test key."""
        import openai

        options.setdefault("api_key", "sk-test-fake")
        return openai.OpenAI(base_url=self.sdk_base_url, **options)

    def input_lines(self, batch_id: str) -> list[dict[str, Any]]:
        """The decoded lines of a batch's input file."""
        with self._lock:
            file = self.files[self._batch(batch_id).extra["input_file_id"]]
            return [json.loads(line) for line in file.content.decode("utf-8").splitlines() if line]

    # -- plumbing ----------------------------------------------------------------------

    def _batch_prefix(self) -> str:
        return "batch_"

    def _authorised(self, call: Recorded) -> Answer | None:
        auth = call.header("Authorization") or ""
        if auth.startswith("Bearer ") and len(auth) > len("Bearer "):
            return None
        return self._error(401, "You didn't provide an API key.", kind="invalid_request_error")

    def _error(
        self, status: int, message: str, *, kind: str | None = None, param: str | None = None
    ) -> Answer:
        kind = kind or ("server_error" if status >= 500 else "invalid_request_error")
        error = {"message": message, "type": kind, "param": param, "code": None}
        return Answer.of_json(status, {"error": error})

    def _file_json(self, file: FakeFile) -> dict[str, Any]:
        return {
            "id": file.id,
            "object": "file",
            "bytes": len(file.content),
            "created_at": file.created_at,
            "expires_at": file.created_at + 30 * _DAY,
            "filename": file.filename,
            "purpose": file.purpose,
            "status": "processed",
            "status_details": None,
        }

    def _add_file(self, filename: str, purpose: str, content: bytes) -> FakeFile:
        file = FakeFile(self._new_id("file-"), filename, purpose, content, int(self.clock()))
        self.files[file.id] = file
        return file

    # -- files -------------------------------------------------------------------------

    def _files_create(self, call: Recorded, _match: re.Match[str]) -> Answer:
        fields = _multipart(call.header("Content-Type") or "", call.body)
        upload, purpose = fields.get("file"), fields.get("purpose")
        if upload is None or purpose is None:
            return self._error(400, "'file' and 'purpose' are required.", param="file")
        content = upload.get_payload(decode=True)
        assert isinstance(content, bytes)
        name = upload.get_filename() or "upload"
        purpose_text = purpose.get_payload(decode=True)
        assert isinstance(purpose_text, bytes)
        if purpose_text.decode() == "batch" and not name.endswith(".jsonl"):
            return self._error(400, "Batch files must be .jsonl files.", param="file")
        return Answer.of_json(
            200, self._file_json(self._add_file(name, purpose_text.decode(), content))
        )

    def _files_retrieve(self, _call: Recorded, match: re.Match[str]) -> Answer:
        file = self.files.get(match.group(1))
        if file is None:
            return self._error(404, f"No such File object: {match.group(1)}")
        return Answer.of_json(200, self._file_json(file))

    def _files_content(self, _call: Recorded, match: re.Match[str]) -> Answer:
        file = self.files.get(match.group(1))
        if file is None:
            return self._error(404, f"No such File object: {match.group(1)}")
        return Answer(200, file.content, "application/octet-stream")

    # -- batches -----------------------------------------------------------------------

    def _batches_create(self, call: Recorded, _match: re.Match[str]) -> Answer:
        body = call.json or {}
        endpoint = body.get("endpoint")
        file = self.files.get(str(body.get("input_file_id")))
        metadata = body.get("metadata") or {}
        if file is None:
            return self._error(400, "The input file does not exist.", param="input_file_id")
        if file.purpose != "batch":
            return self._error(400, "The input file must have purpose 'batch'.")
        if endpoint not in _OPENAI_ENDPOINTS:
            return self._error(400, f"Unsupported endpoint {endpoint!r}.", param="endpoint")
        if body.get("completion_window") != "24h":
            return self._error(400, "completion_window must be '24h'.", param="completion_window")
        if (
            not isinstance(metadata, dict)
            or len(metadata) > 16
            or any(
                len(str(k)) > 64 or not isinstance(v, str) or len(v) > 512
                for k, v in metadata.items()
            )
        ):
            return self._error(400, "Invalid metadata.", param="metadata")
        items, errors = _validate_input(file.content, str(endpoint))
        batch = self._add_batch(
            items,
            input_file_id=file.id,
            endpoint=endpoint,
            metadata=metadata or None,
            validation_errors=errors,
        )
        return Answer.of_json(200, self._batch_json(batch))

    def _chat(self, call: Recorded, _match: re.Match[str]) -> Answer:
        body = call.json or {}
        step = self._next_chat_step()
        number = next(self._ids)
        calls = [
            {"id": f"call_{number}_{index}", "type": "function",
             "function": {"name": name, "arguments": json.dumps(arguments)}}
            for index, (name, arguments) in enumerate(step.tool_calls)
        ]  # fmt: skip
        message: dict[str, Any] = {"role": "assistant", "content": None if calls else step.text,
                                   "refusal": None}  # fmt: skip
        if calls:
            message["tool_calls"] = calls
        return Answer.of_json(200, {
            "id": f"chatcmpl-{number}", "object": "chat.completion", "created": 1_700_000_000,
            "model": body.get("model", "fake"),
            "choices": [{"index": 0, "message": message, "logprobs": None,
                         "finish_reason": "tool_calls" if calls else "stop"}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
        })  # fmt: skip

    def _batches_retrieve(self, _call: Recorded, match: re.Match[str]) -> Answer:
        batch = self._batches.get(match.group(1))
        if batch is None:
            return self._error(404, f"No batch found with id '{match.group(1)}'.")
        self._poll(batch)
        return Answer.of_json(200, self._batch_json(batch))

    def _batches_cancel(self, _call: Recorded, match: re.Match[str]) -> Answer:
        batch = self._batches.get(match.group(1))
        if batch is None:
            return self._error(404, f"No batch found with id '{match.group(1)}'.")
        if batch.outcome is None and batch.cancel_requested_at is None:
            batch.cancel_requested_at = self.clock()
        return Answer.of_json(200, self._batch_json(batch))

    def _batches_list(self, call: Recorded, _match: re.Match[str]) -> Answer:
        ordered = self._newest_first()
        after = call.query.get("after")
        if after:
            ids = [b.id for b in ordered]
            ordered = ordered[ids.index(after) + 1 :] if after in ids else []
        limit = int(call.query.get("limit") or 20)
        page = ordered[:limit]
        return Answer.of_json(
            200,
            {
                "object": "list",
                "data": [self._batch_json(b) for b in page],
                "first_id": page[0].id if page else None,
                "last_id": page[-1].id if page else None,
                "has_more": len(ordered) > limit,
            },
        )

    def _finish(self, batch: FakeBatch, outcome: Outcome) -> None:
        # A batch that failed validation fails whatever the test asked for.
        super()._finish(batch, "failed" if batch.extra["validation_errors"] else outcome)

    def _finished(self, batch: FakeBatch) -> None:
        if batch.outcome == "failed":
            if not batch.extra["validation_errors"]:
                batch.extra["validation_errors"] = [
                    {
                        "code": "invalid_request",
                        "message": "Injected batch failure.",
                        "line": None,
                        "param": None,
                    }
                ]
            batch.results.clear()  # a failed batch runs nothing
            return
        model = str(batch.items[0][1].get("model")) if batch.items else ""
        output, errors = [], []
        for number, result in enumerate(batch.results, start=1):
            line: dict[str, Any] = {
                "id": f"batch_req_{batch.id}_{number}",
                "custom_id": result.custom_id,
            }
            if result.kind == "succeeded":
                line["response"] = _chat_completion(number, model, result)
                line["error"] = None
                output.append(line)
            elif result.kind == "errored":
                line["response"] = {
                    "status_code": 400,
                    "request_id": f"req_{number}",
                    "body": {
                        "error": {
                            "message": "Injected request failure.",
                            "type": "invalid_request_error",
                            "param": None,
                            "code": None,
                        }
                    },
                }
                line["error"] = None
                errors.append(line)
            else:
                code, when = (
                    ("batch_expired", "the completion window expired")
                    if result.kind == "expired"
                    else ("batch_cancelled", "the batch was cancelled")
                )
                line["response"] = None
                line["error"] = {
                    "code": code,
                    "message": f"This request could not be executed before {when}.",
                }
                errors.append(line)
        if output:
            batch.extra["output_file_id"] = self._add_file(
                f"{batch.id}_output.jsonl", "batch_output", to_jsonl(output)
            ).id
        if errors:
            batch.extra["error_file_id"] = self._add_file(
                f"{batch.id}_error.jsonl", "batch_output", to_jsonl(errors)
            ).id

    def _status(self, batch: FakeBatch) -> str:
        if batch.outcome is None:
            if batch.cancel_requested_at is not None:
                return "cancelling"
            return "validating" if batch.polls == 0 else "in_progress"
        return {"partial": "completed", "cancelled": "cancelled"}.get(batch.outcome, batch.outcome)

    def _batch_json(self, batch: FakeBatch) -> dict[str, Any]:
        status = self._status(batch)
        created = int(batch.created_at)
        ended = int(batch.ended_at) if batch.ended_at is not None else None
        validation_errors = batch.extra["validation_errors"]
        done = [r for r in batch.results if r.kind == "succeeded"]
        return {
            "id": batch.id,
            "object": "batch",
            "endpoint": batch.extra["endpoint"],
            "model": batch.items[0][1].get("model") if batch.items else None,
            "errors": {"object": "list", "data": validation_errors} if status == "failed" else None,
            "input_file_id": batch.extra["input_file_id"],
            "completion_window": "24h",
            "status": status,
            "output_file_id": batch.extra.get("output_file_id"),
            "error_file_id": batch.extra.get("error_file_id"),
            "created_at": created,
            "in_progress_at": created if batch.polls else None,
            "expires_at": created + _DAY,
            "finalizing_at": ended if status == "completed" else None,
            "completed_at": ended if status == "completed" else None,
            "failed_at": ended if status == "failed" else None,
            "expired_at": ended if status == "expired" else None,
            "cancelling_at": int(batch.cancel_requested_at) if batch.cancel_requested_at else None,
            "cancelled_at": ended if status == "cancelled" else None,
            "request_counts": {
                "total": len(batch.items),
                "completed": len(done),
                "failed": len(batch.results) - len(done),
            },
            "metadata": batch.extra["metadata"],
        }


def to_jsonl(lines: list[dict[str, Any]]) -> bytes:
    """JSON Lines: one compact JSON object a line."""
    return b"".join(json.dumps(line).encode("utf-8") + b"\n" for line in lines)


def _chat_completion(number: int, model: str, result: ItemResult) -> dict[str, Any]:
    return {
        "status_code": 200,
        "request_id": f"req_{number}",
        "body": {
            "id": f"chatcmpl-{number}",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": result.text, "refusal": None},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": result.input_tokens,
                "completion_tokens": result.output_tokens,
                "total_tokens": result.input_tokens + result.output_tokens,
            },
        },
    }


def _validate_input(
    content: bytes, endpoint: str
) -> tuple[list[tuple[str, dict[str, Any]]], list[dict[str, Any]]]:
    """The input file's ``(custom_id, body)`` items and OpenAI-style validation errors."""
    items: list[tuple[str, dict[str, Any]]] = []
    errors: list[dict[str, Any]] = []

    def error(code: str, message: str, line: int | None) -> None:
        errors.append({"code": code, "message": message, "line": line, "param": None})

    if len(content) > _OPENAI_MAX_BYTES:
        error("file_too_large", "The input file is larger than 200 MB.", None)
    seen: set[str] = set()
    models: set[str] = set()
    for number, raw in enumerate(content.decode("utf-8").splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
            custom_id, body = str(line["custom_id"]), dict(line["body"])
        except (ValueError, KeyError, TypeError):
            error(
                "invalid_json_line", "This line is not valid JSON with custom_id and body.", number
            )
            continue
        if custom_id in seen:
            error("duplicate_custom_id", f"custom_id {custom_id!r} is repeated.", number)
        if line.get("method") != "POST" or line.get("url") != endpoint:
            error("mismatched_endpoint", f"Each line must POST to {endpoint}.", number)
        seen.add(custom_id)
        models.add(str(body.get("model")))
        items.append((custom_id, body))
    if len(items) > _OPENAI_MAX_REQUESTS:
        error("too_many_requests", "The input file has more than 50,000 requests.", None)
    if len(models) > 1:
        error("mismatched_model", "Every request in a batch must use the same model.", None)
    if not items:
        error("empty_file", "The input file has no requests.", None)
    return items, errors


def _multipart(content_type: str, body: bytes) -> dict[str, Message]:
    """The parts of a ``multipart/form-data`` body by field name."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    fields: dict[str, Message] = {}
    if message.is_multipart():
        for part in message.get_payload():
            assert isinstance(part, Message)
            name = part.get_param("name", header="content-disposition")
            if isinstance(name, str):
                fields[name] = part
    return fields
