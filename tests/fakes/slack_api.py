"""A fake Slack Web API server for tests: real HTTP, recorded calls, injected faults.

Point a real ``slack_sdk.WebClient`` (or a Bolt app's client) at it and assert on what
Slack received::

    with FakeSlack() as slack:
        client = WebClient(token="xoxb-test", base_url=slack.api_url)
        client.chat_postMessage(channel="C0TEST", text="hello")
        assert slack.last("chat.postMessage").params["text"] == "hello"

Only the standard library serves (its loop runs in :class:`batchscout.serving.ServerThread`,
like the app's own server), so the fake works wherever the tests run.
"""

from __future__ import annotations

import contextlib
import json
import math
import mimetypes
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from batchscout.serving import ServerThread

__all__ = ["JSON_FIELDS", "Call", "FakeSlack", "Responder"]

#: Form fields that Slack clients send as JSON strings; they are decoded when recorded.
JSON_FIELDS = frozenset({"attachments", "blocks", "files", "metadata", "view"})

#: A custom answer for a method: receives the call's params, returns the response body.
Responder = Callable[[dict[str, Any]], dict[str, Any]]

_FIRST_TS_SECONDS = 1_700_000_000
#: The status recorded for a call whose connection was dropped after it was applied.
DROPPED = 0
_BOT_SCOPES = ",".join(
    [
        "app_mentions:read",
        "channels:history",
        "channels:join",
        "channels:read",
        "chat:write",
        "commands",
        "files:write",
        "groups:history",
        "im:history",
        "im:write",
        "reactions:write",
        "team:read",
        "users:read",
    ]
)
# Authenticated otherwise: client id and secret, or the URL itself.
_TOKENLESS_METHODS = frozenset({"oauth.v2.access", "response_url"})
# Slack's error for a missing argument when the method has no more specific one.
_INVALID_ARGUMENTS = "invalid_arguments"
# What Slack serves at a file URL to a request without a valid token: a page, not the file.
_SIGN_IN_TYPE = "text/html; charset=utf-8"
_SIGN_IN_PAGE = b"<!DOCTYPE html><html><body>Sign in to Slack</body></html>"


@dataclass(frozen=True)
class Call:
    """One request the fake received, as the test should see it.

    ``params`` merges the query string and the body; the fields in ``JSON_FIELDS`` are
    decoded when they arrive as JSON strings. ``status`` is the HTTP status the fake
    answered with (429 or 5xx for injected HTTP faults) and ``response`` the JSON body.
    """

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)
    path: str = ""

    @property
    def token(self) -> str | None:
        """The bearer token of the call (``Authorization`` header or ``token`` param)."""
        for name, value in self.headers.items():
            if name.lower() == "authorization" and value.startswith("Bearer "):
                return value.removeprefix("Bearer ")
        token = self.params.get("token")
        return token if isinstance(token, str) else None

    @property
    def ok(self) -> bool:
        """Whether the fake answered HTTP 200 with ``"ok": true``."""
        return self.status == 200 and self.response.get("ok") is True


@dataclass
class _Fault:
    """A pending injected failure for one method."""

    times: int
    error: str = ""
    status: int = 200
    retry_after: int | None = None
    drop: bool = False  # apply the call, then close the connection without an answer


@dataclass
class _RateLimit:
    """Sliding windows: one channel's last accepted call, the workspace's last minute."""

    per_channel_seconds: float
    per_minute: int
    last_by_channel: dict[str, float] = field(default_factory=dict)
    minute: list[float] = field(default_factory=list)

    def wait(self, channel: str) -> int | None:
        """``None``: accept the call now (and count it); else the Retry-After in seconds."""
        now = time.monotonic()
        self.minute = [t for t in self.minute if now - t < 60.0]
        waits = []
        last = self.last_by_channel.get(channel)
        if last is not None and now - last < self.per_channel_seconds:
            waits.append(self.per_channel_seconds - (now - last))
        if len(self.minute) >= self.per_minute:
            waits.append(60.0 - (now - self.minute[0]))
        if waits:
            return max(1, math.ceil(max(waits)))
        self.last_by_channel[channel] = now
        self.minute.append(now)
        return None


@dataclass(frozen=True)
class _Request:
    """What a method handler gets to work from."""

    method: str
    params: dict[str, Any]
    token: str | None


class _SlackError(Exception):
    """Raised by a method handler to answer ``{"ok": false, "error": ...}``."""

    def __init__(self, error: str, *, detail: str | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.detail = detail


class FakeSlack:
    """A threaded HTTP server that answers like Slack's Web API and records every call.

    Configure what Slack knows before the code under test runs:

    - ``users[user_id] = {...}`` overrides fields of ``users.info`` (``tz``,
      ``tz_offset``, ``real_name``, ``is_bot``, a nested ``profile``...);
    - ``channels[channel_id] = {...}`` overrides fields of ``conversations.info``;
      ``default_is_member`` is used for channels not configured;
    - ``granted_scopes = {...}`` makes ``conversations.info`` answer ``missing_scope``, as
      Slack does, for a kind of conversation the token may not read (``channels:read``,
      ``groups:read``, ``im:read``, ``mpim:read``); ``None`` (the default) grants them all;
    - ``oauth_grants[code] = {...}`` overrides the ``oauth.v2.access`` answer for a code;
    - ``on(method, response)`` answers any method with a fixed body or a function;
    - ``dm_refusals[user_id] = "cannot_dm_bot"`` makes ``conversations.open`` with that person
      answer that error (``user_not_found``, ``account_inactive``…);
    - ``missing_users = {...}`` makes ``users.info`` answer ``user_not_found`` for them.

    Bytes posted to an ``upload_url`` from ``files.getUploadURLExternal`` land in
    ``uploads[file_id]``.

    Files people shared: ``files[file_id] = (name, data)`` makes ``files.info`` describe the
    file and serves ``data`` at its ``url_private_download`` (``/files/FILE_ID/...``) to
    requests with a bearer token (without one, a sign-in page, as Slack answers). Downloads
    are recorded as calls of the method ``"file_download"``; ``fail_http("file_download")``
    makes one fail, ``stall_downloads()`` makes one hang until ``stop()``.
    """

    def __init__(
        self,
        *,
        team_id: str = "T0TEST",
        team_name: str = "Fake Team",
        team_domain: str = "fake-team",
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        app_id: str = "A0TEST",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        """Describe the fake workspace; the server starts with ``start()`` or ``with`` (on
        ``port``, or a free one)."""
        self.team_id = team_id
        self.team_name = team_name
        self.team_domain = team_domain
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.oauth_grants: dict[str, dict[str, Any]] = {}
        self.uploads: dict[str, bytes] = {}
        self.files: dict[str, tuple[str, bytes]] = {}
        self.default_is_member = True
        self.dm_refusals: dict[str, str] = {}
        self.missing_users: set[str] = set()
        #: Where message timestamps start (seconds since the epoch); tests with a clock set it.
        self.first_ts_seconds = _FIRST_TS_SECONDS
        #: The most messages one conversations.history / .replies page holds: Slack's cap for
        #: commercially distributed apps outside the Marketplace.
        self.history_page_cap = 15
        self.granted_scopes: set[str] | None = None
        self._host = host
        self._port = port
        # One re-entrant condition guards all mutable state, so responders may call back.
        self._cond = threading.Condition(threading.RLock())
        self._calls: list[Call] = []
        self._faults: dict[str, list[_Fault]] = {}
        self._responders: dict[str, Responder] = {}
        self._files: dict[str, dict[str, Any]] = {}
        self._stalled_downloads = 0
        self._limits: dict[str, _RateLimit] = {}
        #: Seconds every Web API call takes before it is answered (a real network's latency).
        self.latency = 0.0
        #: Seconds between applying a call and answering it: a caller killed in this window
        #: leaves Slack with the message and itself without the answer (its ts).
        self.answer_latency = 0.0
        self._deleted: set[tuple[str, str]] = set()
        self._stopping = threading.Event()
        self._tokens: dict[str, tuple[str, str]] = {}
        self._ts_counter = 0
        self._id_counter = 0
        self._server: _Server | None = None
        self._thread: ServerThread | None = None
        self._methods: dict[str, Callable[[_Request], dict[str, Any]]] = {
            "auth.test": self._auth_test,
            "chat.delete": self._chat_delete,
            "chat.getPermalink": self._chat_get_permalink,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "conversations.info": self._conversations_info,
            "conversations.join": self._conversations_join,
            "conversations.open": self._conversations_open,
            "files.completeUploadExternal": self._files_complete_upload_external,
            "files.getUploadURLExternal": self._files_get_upload_url_external,
            "files.info": self._files_info,
            "oauth.v2.access": self._oauth_v2_access,
            "reactions.add": self._reactions_add,
            "response_url": self._response_url,
            "team.info": self._team_info,
            "users.info": self._users_info,
            "views.open": self._views_open,
            "views.publish": self._views_publish,
            "views.push": self._views_push,
            "views.update": self._views_update,
        }

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> FakeSlack:
        """Start serving on ``host`` with a free port; returns ``self``."""
        if self._server is not None:
            raise RuntimeError("FakeSlack is already started")
        self._stopping.clear()
        server = _Server((self._host, self._port), self)
        self._thread = ServerThread.of(server, "FakeSlack").start()
        self._server = server
        return self

    def stop(self) -> None:
        """Stop serving and release the port; calling it twice is harmless."""
        thread, self._server, self._thread = self._thread, None, None
        self._stopping.set()  # lets stalled downloads go
        if thread is not None:
            thread.stop()

    def __enter__(self) -> FakeSlack:
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
            raise RuntimeError("FakeSlack is not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``, without a trailing slash."""
        return f"http://{self._host}:{self.port}"

    @property
    def api_url(self) -> str:
        """The Web API base for ``WebClient(base_url=...)``, with a trailing slash."""
        return f"{self.base_url}/api/"

    def response_url(self, name: str = "default") -> str:
        """A ``response_url`` served by the fake; posts to it are recorded.

        They are recorded as calls of the method ``"response_url"`` with the JSON body as
        params and ``path`` ending in ``name``.
        """
        return f"{self.base_url}/response/{name}"

    # -- configuration -----------------------------------------------------------------

    def on(self, method: str, response: Mapping[str, Any] | Responder) -> None:
        """Answer ``method`` with a fixed body or with ``response(params)`` from now on.

        ``"ok": true`` is added when the body does not say. Works for any method name,
        including ones the fake does not otherwise know.
        """
        with self._cond:
            if callable(response):
                self._responders[method] = response
            else:
                fixed = dict(response)
                self._responders[method] = lambda _params: dict(fixed)

    def fail(self, method: str, *, error: str = "channel_not_found", times: int = 1) -> None:
        """Make the next ``times`` calls of ``method`` answer ``{"ok": false, "error"}``."""
        self._add_fault(method, _Fault(times=times, error=error))

    def fail_http(
        self, method: str, *, status: int = 429, retry_after: int = 1, times: int = 1
    ) -> None:
        """Make the next ``times`` calls of ``method`` answer HTTP ``status``.

        A 429 carries ``Retry-After: retry_after`` and the body
        ``{"ok": false, "error": "ratelimited"}``; a 5xx answers
        ``{"ok": false, "error": "internal_error"}``.
        """
        fault = _Fault(times=times, status=status)
        if status == 429:
            fault.retry_after = retry_after
        self._add_fault(method, fault)

    def drop_answers(self, method: str, *, times: int = 1) -> None:
        """Apply the next ``times`` calls of ``method``, then drop the connection unanswered.

        Slack did the work (a post exists, with its metadata) but the client never hears so.
        The call is recorded with status :data:`DROPPED` and ``ok`` true in its response.
        """
        self._add_fault(method, _Fault(times=times, drop=True))

    def rate_limit(
        self, method: str, *, per_channel_seconds: float = 1.0, per_minute: int = 300
    ) -> None:
        """Limit ``method`` as Slack limits ``chat.postMessage``: one call per channel every
        ``per_channel_seconds`` and ``per_minute`` calls a minute for the workspace; a call
        beyond either answers HTTP 429 with ``Retry-After`` (whole seconds, as Slack sends)
        and ``{"ok": false, "error": "ratelimited"}``. Refused calls are recorded too."""
        with self._cond:
            self._limits[method] = _RateLimit(per_channel_seconds, per_minute)

    def stall_downloads(self, *, times: int = 1) -> None:
        """Make the next ``times`` file downloads hang without an answer until ``stop()``."""
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._cond:
            self._stalled_downloads += times

    def reset(self) -> None:
        """Forget recorded calls, uploads and pending faults; keep the configuration."""
        with self._cond:
            self._calls.clear()
            self._faults.clear()
            self.uploads.clear()

    # -- queries -----------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[Call]:
        """The recorded calls in arrival order, all of them or those of ``method``."""
        with self._cond:
            return [c for c in self._calls if method is None or c.method == method]

    def last(self, method: str) -> Call:
        """The latest call of ``method``; AssertionError listing what was seen if none."""
        with self._cond:
            for call in reversed(self._calls):
                if call.method == method:
                    return call
            raise AssertionError(f"no {method} call; {self._seen()}")

    def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 5.0,
    ) -> Call:
        """The earliest call of ``method`` matching ``predicate``, waiting up to ``timeout``.

        Calls recorded before the wait count too; ``reset()`` first to wait for new ones.
        Raises AssertionError, listing the methods seen, when the deadline passes.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for call in self._calls:
                    if call.method == method and (predicate is None or predicate(call)):
                        return call
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    matching = "" if predicate is None else " matching the predicate"
                    raise AssertionError(
                        f"no {method} call{matching} within {timeout}s; {self._seen()}"
                    )
                self._cond.wait(remaining)

    def __iter__(self) -> Iterator[Call]:
        """Iterate over a snapshot of the recorded calls."""
        return iter(self.calls())

    # -- request handling (called from server threads) ----------------------------------

    def _handle_api(
        self, method: str, params: dict[str, Any], headers: dict[str, str], path: str
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        """Answer one Web API call and record it; returns status, headers and body."""
        if self.latency:
            time.sleep(self.latency)  # outside the lock: calls overlap as on the network
        with self._cond:
            status, extra_headers = 200, {}
            fault = self._take_fault(method)
            limit = self._limits.get(method)
            if fault is None and limit is not None:
                wait = limit.wait(str(params.get("channel", "")))
                if wait is not None:
                    fault = _Fault(times=0, status=429, retry_after=wait)
            probe = Call(method=method, params=params, headers=headers, path=path)
            if fault is None or fault.drop:
                body = self._answer(_Request(method, params, probe.token))
                if fault is not None:  # applied, but the answer never leaves
                    self._record(Call(method, params, headers, status=DROPPED, response=body,
                        path=path))  # fmt: skip
                    return DROPPED, {}, body
            elif fault.status != 200:
                status = fault.status
                if fault.retry_after is not None:
                    extra_headers["Retry-After"] = str(fault.retry_after)
                body = {"ok": False, "error": _http_error_name(status)}
            else:
                body = {"ok": False, "error": fault.error}
            self._record(Call(method, params, headers, status=status, response=body, path=path))
        if self.answer_latency:
            time.sleep(self.answer_latency)
        return status, extra_headers, body

    def _handle_upload(self, file_id: str, data: bytes) -> bool:
        """Store bytes posted to an upload URL; False when the file id was never issued."""
        with self._cond:
            if file_id not in self._files:
                return False
            self.uploads[file_id] = data
            self._cond.notify_all()
            return True

    def _handle_download(
        self, file_id: str, headers: dict[str, str], path: str
    ) -> tuple[int, bytes, str] | None:
        """Serve a shared file's bytes and record the download; ``None``: hang (stalled)."""
        params = {"file": file_id}
        with self._cond:
            if self._stalled_downloads:
                self._stalled_downloads -= 1
                stalled = {"ok": False, "error": "stalled"}
                self._record(Call("file_download", params, headers, 0, stalled, path))
                stall = True
            else:
                stall = False
                status, data, kind = self._download(file_id, headers, path)
                ok = status == 200 and kind != _SIGN_IN_TYPE
                response = {"ok": ok, "bytes": len(data)}
                self._record(Call("file_download", params, headers, status, response, path))
        if stall:
            self._stopping.wait()
            return None
        return status, data, kind

    def _download(self, file_id: str, headers: dict[str, str], path: str) -> tuple[int, bytes, str]:
        fault = self._take_fault("file_download")
        if fault is not None:
            status = fault.status if fault.status != 200 else 404
            return status, _http_error_name(status).encode(), "text/plain"
        shared = self.files.get(file_id)
        if shared is None and file_id in self.uploads:
            shared = (str(self._files[file_id]["name"]), self.uploads[file_id])
        if shared is None:
            return 404, b"file not found", "text/plain"
        if not Call("file_download", {}, headers, path=path).token:
            return 200, _SIGN_IN_PAGE, _SIGN_IN_TYPE
        name, data = shared
        return 200, data, mimetypes.guess_type(name)[0] or "application/octet-stream"

    def _answer(self, request: _Request) -> dict[str, Any]:
        responder = self._responders.get(request.method)
        if responder is not None:
            body = dict(responder(request.params))
            body.setdefault("ok", True)
            return body
        handler = self._methods.get(request.method)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        if request.token is None and request.method not in _TOKENLESS_METHODS:
            return {"ok": False, "error": "not_authed"}
        try:
            return handler(request)
        except _SlackError as exc:
            body = {"ok": False, "error": exc.error}
            if exc.detail:
                body["response_metadata"] = {"messages": [f"[ERROR] {exc.detail}"]}
            return body

    def _record(self, call: Call) -> None:
        self._calls.append(call)
        self._cond.notify_all()

    def _add_fault(self, method: str, fault: _Fault) -> None:
        if fault.times < 1:
            raise ValueError("times must be at least 1")
        with self._cond:
            self._faults.setdefault(method, []).append(fault)

    def _take_fault(self, method: str) -> _Fault | None:
        pending = self._faults.get(method)
        if not pending:
            return None
        fault = pending[0]
        fault.times -= 1
        if fault.times == 0:
            pending.pop(0)
        return fault

    def _seen(self) -> str:
        if not self._calls:
            return "no calls were recorded"
        counts = Counter(call.method for call in self._calls)
        listing = ", ".join(f"{name} x{count}" for name, count in counts.items())
        return f"calls seen: {listing}"

    def _next_ts(self) -> str:
        self._ts_counter += 100
        seconds, micros = divmod(self._ts_counter, 1_000_000)
        return f"{self.first_ts_seconds + seconds}.{micros:06d}"

    def _next_id(self, prefix: str) -> str:
        self._id_counter += 1
        return f"{prefix}0FAKE{self._id_counter:04d}"

    # -- Slack methods -----------------------------------------------------------------

    def _auth_test(self, request: _Request) -> dict[str, Any]:
        team_id, team_name = self._tokens.get(request.token or "", (self.team_id, self.team_name))
        return {
            "ok": True,
            "url": f"https://{self.team_domain}.slack.com/",
            "team": team_name,
            "user": "batchscout",
            "team_id": team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _team_info(self, request: _Request) -> dict[str, Any]:
        team_id = str(request.params.get("team") or self.team_id)
        return {
            "ok": True,
            "team": {
                "id": team_id,
                "name": self.team_name,
                "domain": self.team_domain,
                "email_domain": "",
                "icon": {"image_default": True},
                "enterprise_id": None,
            },
        }

    def _users_info(self, request: _Request) -> dict[str, Any]:
        user_id = _require(request, "user", error="user_not_found")
        if user_id in self.missing_users:
            raise _SlackError("user_not_found")
        override = dict(self.users.get(user_id, {}))
        profile_override = override.pop("profile", {})
        user: dict[str, Any] = {
            "id": user_id,
            "team_id": self.team_id,
            "name": f"user.{user_id.lower()}",
            "real_name": f"User {user_id}",
            "deleted": False,
            "tz": "Europe/Paris",
            "tz_label": "Central European Time",
            "tz_offset": 3600,
            "is_bot": user_id == self.bot_user_id,
            "is_admin": False,
            "is_app_user": False,
            "locale": "en-US",
            "updated": _FIRST_TS_SECONDS,
        }
        user.update(override)
        user["profile"] = {
            "real_name": user["real_name"],
            "display_name": user["name"],
            "team": user["team_id"],
            **profile_override,
        }
        return {"ok": True, "user": user}

    def _conversations_open(self, request: _Request) -> dict[str, Any]:
        channel = request.params.get("channel")
        users = request.params.get("users")
        if channel:
            channel_id = str(channel)
        elif users:
            # A DM with one person is "D" + their id; a group DM gets a fresh "G" id.
            ids = [u for u in str(users).split(",") if u]
            refused = [self.dm_refusals[u] for u in ids if u in self.dm_refusals]
            if refused:
                raise _SlackError(refused[0])
            channel_id = f"D{ids[0]}" if len(ids) == 1 else self._next_id("G")
        else:
            raise _SlackError("users_list_not_supplied")
        return {
            "ok": True,
            "no_op": False,
            "already_open": False,
            "channel": {"id": channel_id},
        }

    def _conversations_info(self, request: _Request) -> dict[str, Any]:
        channel_id = _require(request, "channel", error="channel_not_found")
        channel = self._channel(channel_id)
        if channel.get("deleted"):
            raise _SlackError("channel_not_found")
        if channel["is_mpim"]:
            needed = "mpim:read"
        elif channel["is_im"]:
            needed = "im:read"
        else:
            needed = "groups:read" if channel["is_private"] else "channels:read"
        if self.granted_scopes is not None and needed not in self.granted_scopes:
            return {
                "ok": False,
                "error": "missing_scope",
                "needed": needed,
                "provided": ",".join(sorted(self.granted_scopes)),
            }
        return {"ok": True, "channel": channel}

    def _conversations_join(self, request: _Request) -> dict[str, Any]:
        channel_id = _require(request, "channel", error="channel_not_found")
        was_member = bool(self._channel(channel_id)["is_member"])
        self.channels.setdefault(channel_id, {})["is_member"] = True
        body: dict[str, Any] = {"ok": True, "channel": self._channel(channel_id)}
        if was_member:
            body["warning"] = "already_in_channel"
            body["response_metadata"] = {"warnings": ["already_in_channel"]}
        return body

    def _channel(self, channel_id: str) -> dict[str, Any]:
        kind = channel_id[:1]
        channel: dict[str, Any] = {
            "id": channel_id,
            "name": channel_id.lower(),
            "is_channel": kind == "C",
            "is_group": kind == "G",
            "is_im": kind == "D",
            "is_mpim": False,
            "is_private": kind in {"G", "D"},
            "is_archived": False,
            "is_general": False,
            "is_member": self.default_is_member,
            "created": _FIRST_TS_SECONDS,
            "creator": "U0CREATOR",
            "context_team_id": self.team_id,
            # Slack Connect: shared with another organisation, or an invitation out.
            "is_ext_shared": False,
            "is_pending_ext_shared": False,
            "is_org_shared": False,
            "is_read_only": False,
        }
        if kind == "D":
            channel["user"] = channel_id[1:]
            channel["is_member"] = True
        channel.update(self.channels.get(channel_id, {}))
        return channel

    def _chat_post_message(self, request: _Request) -> dict[str, Any]:
        channel = _dm_channel(_require(request, "channel", error="channel_not_found"))
        _require_content(request)
        self._refuse_lifecycle(channel, thread=bool(request.params.get("thread_ts")))
        ts = self._next_ts()
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "message": self._message(request.params, ts),
        }

    def _refuse_lifecycle(self, channel_id: str, *, thread: bool) -> None:
        """Slack's answers for a channel configured as archived, deleted (``"deleted": True``),
        read-only, or without the bot (``is_member`` false, configured for that channel)."""
        configured = self.channels.get(channel_id)
        if not configured or channel_id.startswith("D"):
            return
        if configured.get("deleted"):
            raise _SlackError("channel_not_found")
        if configured.get("is_archived"):
            raise _SlackError("is_archived")
        if configured.get("is_member") is False:
            raise _SlackError("not_in_channel")
        if configured.get("is_read_only") and not thread:
            raise _SlackError("restricted_action_read_only_channel")

    def _chat_post_ephemeral(self, request: _Request) -> dict[str, Any]:
        _require(request, "channel", error="channel_not_found")
        _require(request, "user", error="user_not_in_channel")
        _require_content(request)
        return {"ok": True, "message_ts": self._next_ts()}

    def _chat_update(self, request: _Request) -> dict[str, Any]:
        channel = _require(request, "channel", error="channel_not_found")
        ts = _require(request, "ts", error="message_not_found")
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "text": str(request.params.get("text", "")),
            "message": self._message(request.params, ts),
        }

    def _chat_delete(self, request: _Request) -> dict[str, Any]:
        channel = _require(request, "channel", error="channel_not_found")
        ts = _require(request, "ts", error="message_not_found")
        self._deleted.add((channel, ts))  # gone from history and replies, as in Slack
        return {"ok": True, "channel": channel, "ts": ts}

    def _chat_get_permalink(self, request: _Request) -> dict[str, Any]:
        channel = _require(request, "channel", error="channel_not_found")
        ts = _require(request, "message_ts", error="message_not_found")
        return {
            "ok": True,
            "channel": channel,
            "permalink": (
                f"https://{self.team_domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
            ),
        }

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Every message Slack holds in ``channel`` (its answer dropped or not), oldest first."""
        with self._cond:
            return [
                dict(c.response["message"])
                for c in self._calls
                if c.method == "chat.postMessage"
                and c.response.get("ok")
                and c.response.get("channel") == channel
                and (channel, c.response.get("ts")) not in self._deleted
            ]

    def _page(self, request: _Request, messages: list[dict[str, Any]]) -> dict[str, Any]:
        """One page of ``messages`` after the request's cursor, at most its (capped) limit."""
        limit = min(int(request.params.get("limit") or 100), self.history_page_cap)
        start = int(request.params.get("cursor") or 0)
        page = messages[start : start + limit]
        if str(request.params.get("include_all_metadata", "")).lower() not in ("1", "true"):
            page = [{k: v for k, v in m.items() if k != "metadata"} for m in page]
        more = start + limit < len(messages)
        return {
            "ok": True,
            "messages": page,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _conversations_history(self, request: _Request) -> dict[str, Any]:
        channel = _require(request, "channel", error="channel_not_found")
        oldest = float(request.params.get("oldest") or 0)
        top = [
            self._as_updated(channel, m)
            for m in self.messages(channel)
            if m.get("thread_ts", m["ts"]) == m["ts"] and float(m["ts"]) >= oldest
        ]
        return self._page(request, list(reversed(top)))  # newest first, as Slack answers

    def _as_updated(self, channel: str, message: dict[str, Any]) -> dict[str, Any]:
        """A message as Slack holds it after the bot's last ``chat.update`` of it."""
        with self._cond:
            updates = [
                c.response["message"]
                for c in self._calls
                if c.method == "chat.update"
                and c.response.get("ok")
                and c.response.get("channel") == channel
                and c.response.get("ts") == message["ts"]
            ]
        return {**message, **updates[-1]} if updates else message

    def _conversations_replies(self, request: _Request) -> dict[str, Any]:
        channel = _require(request, "channel", error="channel_not_found")
        ts = _require(request, "ts", error="thread_not_found")
        thread = [m for m in self.messages(channel) if m["ts"] == ts or m.get("thread_ts") == ts]
        return self._page(request, thread)  # the parent first, then replies, oldest first

    def _message(self, params: Mapping[str, Any], ts: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
            "ts": ts,
            "text": str(params.get("text", "")),
        }
        for key in ("blocks", "attachments", "metadata", "thread_ts"):
            if key in params:
                message[key] = params[key]
        return message

    def _reactions_add(self, request: _Request) -> dict[str, Any]:
        _require(request, "channel", error="channel_not_found")
        _require(request, "timestamp", error="bad_timestamp")
        _require(request, "name", error="invalid_name")
        return {"ok": True}

    def _response_url(self, request: _Request) -> dict[str, Any]:
        return {"ok": True}

    def _views_publish(self, request: _Request) -> dict[str, Any]:
        _require(request, "user_id", error=_INVALID_ARGUMENTS)
        return self._view(request, view_id=None, default_type="home")

    def _views_open(self, request: _Request) -> dict[str, Any]:
        self._require_trigger(request)
        return self._view(request, view_id=None, default_type="modal")

    def _views_push(self, request: _Request) -> dict[str, Any]:
        self._require_trigger(request)
        return self._view(request, view_id=None, default_type="modal")

    def _views_update(self, request: _Request) -> dict[str, Any]:
        view_id = request.params.get("view_id")
        if not view_id and not request.params.get("external_id"):
            raise _SlackError(_INVALID_ARGUMENTS, detail="view_id or external_id required")
        return self._view(request, view_id=str(view_id or ""), default_type="modal")

    def _require_trigger(self, request: _Request) -> None:
        if not (request.params.get("trigger_id") or request.params.get("interactivity_pointer")):
            raise _SlackError(_INVALID_ARGUMENTS, detail="missing required field: trigger_id")

    def _view(self, request: _Request, *, view_id: str | None, default_type: str) -> dict[str, Any]:
        sent = request.params.get("view")
        if not isinstance(sent, dict):
            raise _SlackError(_INVALID_ARGUMENTS, detail="missing required field: view")
        new_id = view_id or self._next_id("V")
        view: dict[str, Any] = {
            "type": default_type,
            "blocks": [],
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            "state": {"values": {}},
            **sent,
            "id": new_id,
            "team_id": self.team_id,
            "app_id": self.app_id,
            "bot_id": self.bot_id,
            "hash": f"{_FIRST_TS_SECONDS}.{new_id}",
            "root_view_id": new_id,
            "previous_view_id": None,
        }
        return {"ok": True, "view": view}

    def _files_get_upload_url_external(self, request: _Request) -> dict[str, Any]:
        filename = _require(request, "filename", error=_INVALID_ARGUMENTS)
        length = _require(request, "length", error=_INVALID_ARGUMENTS)
        file_id = self._next_id("F")
        self._files[file_id] = {"name": filename, "length": int(length)}
        return {
            "ok": True,
            "upload_url": f"{self.base_url}/upload/{file_id}",
            "file_id": file_id,
        }

    def _files_info(self, request: _Request) -> dict[str, Any]:
        file_id = _require(request, "file", error="file_not_found")
        if file_id in self.files:
            name, data = self.files[file_id]
        elif file_id in self.uploads:
            name, data = str(self._files[file_id]["name"]), self.uploads[file_id]
        else:
            raise _SlackError("file_not_found")
        return {"ok": True, "file": self.file_object(file_id, name, data)}

    def file_object(self, file_id: str, name: str, data: bytes) -> dict[str, Any]:
        """A file object as ``files.info`` and ``file_share`` message events carry it."""
        quoted = quote(name)
        return {
            "id": file_id,
            "created": _FIRST_TS_SECONDS,
            "timestamp": _FIRST_TS_SECONDS,
            "name": name,
            "title": name,
            "mimetype": mimetypes.guess_type(name)[0] or "application/octet-stream",
            "filetype": name.rsplit(".", 1)[-1].lower() if "." in name else "binary",
            "size": len(data),
            "mode": "hosted",
            "is_external": False,
            "url_private": f"{self.base_url}/files/{file_id}/{quoted}",
            "url_private_download": f"{self.base_url}/files/{file_id}/download/{quoted}",
            "permalink": f"https://{self.team_domain}.slack.com/files/U0/{file_id}/{quoted}",
        }

    def _files_complete_upload_external(self, request: _Request) -> dict[str, Any]:
        entries = request.params.get("files")
        if not isinstance(entries, list) or not entries:
            raise _SlackError(_INVALID_ARGUMENTS, detail="missing required field: files")
        files = []
        for entry in entries:
            file_id = str(entry.get("id", "")) if isinstance(entry, dict) else ""
            if file_id not in self._files:
                raise _SlackError("file_not_found")
            name = str(self._files[file_id]["name"])
            mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
            files.append(
                {
                    "id": file_id,
                    "created": _FIRST_TS_SECONDS,
                    "timestamp": _FIRST_TS_SECONDS,
                    "name": name,
                    "title": str(entry.get("title") or name),
                    "mimetype": mimetype,
                    "filetype": name.rsplit(".", 1)[-1] if "." in name else "binary",
                    "user": self.bot_user_id,
                    "size": len(self.uploads.get(file_id, b"")),
                    "url_private": f"{self.base_url}/files/{file_id}/{name}",
                    "permalink": (
                        f"https://{self.team_domain}.slack.com/files/"
                        f"{self.bot_user_id}/{file_id}/{name}"
                    ),
                    "shares": {},
                }
            )
        return {"ok": True, "files": files}

    def _oauth_v2_access(self, request: _Request) -> dict[str, Any]:
        code = request.params.get("code")
        if not code and request.params.get("grant_type") != "refresh_token":
            raise _SlackError("invalid_code")
        token = f"xoxb-fake-{self._next_id('')}"
        body: dict[str, Any] = {
            "ok": True,
            "app_id": self.app_id,
            "authed_user": {"id": "U0INSTALLER"},
            "scope": _BOT_SCOPES,
            "token_type": "bot",
            "access_token": token,
            "bot_user_id": self.bot_user_id,
            "team": {"id": self.team_id, "name": self.team_name},
            "enterprise": None,
            "is_enterprise_install": False,
        }
        body.update(self.oauth_grants.get(str(code or ""), {}))
        team = body.get("team") or {}
        self._tokens[str(body["access_token"])] = (
            str(team.get("id", self.team_id)),
            str(team.get("name", self.team_name)),
        )
        return body


class _Server(ThreadingHTTPServer):
    """The HTTP server, holding a reference to the fake it serves."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], fake: FakeSlack) -> None:
        self.fake = fake
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    """Routes ``/api/METHOD``, ``/upload/FILE_ID``, ``/files/FILE_ID/...`` and
    ``/response/NAME``."""

    timeout = 10  # a stuck client must not hang the test run

    def do_GET(self) -> None:
        """Web API calls made with GET and a query string."""
        self._route()

    def do_POST(self) -> None:
        """Web API calls, file uploads and response_url posts."""
        self._route()

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""

    def _route(self) -> None:
        server = self.server
        assert isinstance(server, _Server)
        fake = server.fake
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = dict(self.headers.items())
        if url.path.startswith("/api/"):
            method = unquote(url.path.removeprefix("/api/"))
            params = _parse_params(url.query, raw, self.headers.get("Content-Type", ""))
            status, extra, body = fake._handle_api(method, params, headers, url.path)
            if status == DROPPED:
                self.close_connection = True  # the client sees the connection drop
                return
            self._send_json(status, body, extra)
        elif url.path.startswith("/upload/"):
            if fake._handle_upload(url.path.removeprefix("/upload/"), raw):
                self._send(200, f"OK - {len(raw)}".encode(), "text/plain")
            else:
                self._send(404, b"file not found", "text/plain")
        elif url.path.startswith("/files/"):
            file_id = url.path.removeprefix("/files/").split("/", 1)[0]
            served = fake._handle_download(file_id, headers, url.path)
            if served is None:
                self.close_connection = True  # stalled: the client gives up first
                return
            status, data, kind = served
            self._send(status, data, kind)
        elif url.path.startswith("/response/"):
            params = _parse_params(url.query, raw, "application/json")
            status, extra, body = fake._handle_api("response_url", params, headers, url.path)
            self._send_json(status, body, extra)
        else:
            self._send(404, b"not found", "text/plain")

    def _send_json(self, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
        self._send(status, json.dumps(body).encode(), "application/json; charset=utf-8", headers)

    def _send(
        self,
        status: int,
        payload: bytes,
        content_type: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)


def _parse_params(query: str, raw: bytes, content_type: str) -> dict[str, Any]:
    """Merge the query string and a form or JSON body into one dict of params."""
    params: dict[str, Any] = _parse_form(query)
    text = raw.decode("utf-8", errors="replace")
    if not text:
        return params
    if content_type.split(";")[0].strip().lower() == "application/json":
        try:
            decoded = json.loads(text)
        except json.JSONDecodeError:
            decoded = {"_raw_body": text}
        params.update(decoded if isinstance(decoded, dict) else {"_json_body": decoded})
    else:
        params.update(_parse_form(text))
    for key in JSON_FIELDS & params.keys():
        value = params[key]
        if isinstance(value, str) and value[:1] in {"[", "{"}:
            # An undecodable string stays as sent: the test may be checking bad input.
            with contextlib.suppress(json.JSONDecodeError):
                params[key] = json.loads(value)
    return params


def _parse_form(text: str) -> dict[str, Any]:
    """Form-decode ``text``; repeated keys become lists, single ones plain strings."""
    parsed = parse_qs(text, keep_blank_values=True)
    return {key: values[0] if len(values) == 1 else values for key, values in parsed.items()}


def _require(request: _Request, name: str, *, error: str) -> str:
    """The string value of a required param, or the Slack error for its absence."""
    value = request.params.get(name)
    if value is None or value == "":
        raise _SlackError(error, detail=f"missing required field: {name}")
    return str(value)


def _require_content(request: _Request) -> None:
    """Slack refuses a message with neither text, blocks nor attachments."""
    if not any(request.params.get(key) for key in ("text", "blocks", "attachments")):
        raise _SlackError("no_text")


def _dm_channel(channel: str) -> str:
    """Posting to a user id lands in the DM with them, which Slack reports as ``D…``."""
    return f"D{channel}" if channel[:1] in {"U", "W"} else channel


def _http_error_name(status: int) -> str:
    if status == 429:
        return "ratelimited"
    if status >= 500:
        return "internal_error"
    return "invalid_request"


def main(argv: list[str] | None = None) -> None:
    """``python -m tests.fakes.slack_api [--port 8900] [--socket-mode]``: the fake Web API on its
    own, to run Batchscout by hand without a Slack workspace (README, "Run it for your
    workspace"). Prints the ``SLACK_API_URL`` to use, then each call Batchscout makes (method,
    channel, text) until Ctrl+C or SIGTERM. ``--socket-mode`` also serves a Socket Mode
    WebSocket, so ``batchscout serve`` (Socket Mode) connects to it."""
    import argparse
    import signal

    from tests.fakes.socket_mode import FakeSocketMode

    parser = argparse.ArgumentParser(
        prog="python -m tests.fakes.slack_api", description=main.__doc__
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8900)
    parser.add_argument("--team", default="T0TEST", help="the fake workspace's team id")
    parser.add_argument("--socket-mode", action="store_true", help="also serve Socket Mode")
    options = parser.parse_args(argv)

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    with FakeSlack(team_id=options.team, host=options.host, port=options.port) as slack:
        socket_mode = FakeSocketMode(slack).start() if options.socket_mode else None
        print(f"SLACK_API_URL={slack.api_url}", flush=True)
        seen = 0
        try:
            while True:
                calls = slack.calls()
                for call in calls[seen:]:
                    where = call.params.get("channel") or call.params.get("channel_id") or ""
                    text = str(call.params.get("text") or "")[:100].replace("\n", " ")
                    print(f"{call.method} {where} {text}".rstrip(), flush=True)
                seen = len(calls)
                time.sleep(0.2)
        except KeyboardInterrupt:
            pass
        finally:
            if socket_mode is not None:
                socket_mode.stop()


if __name__ == "__main__":
    main()
