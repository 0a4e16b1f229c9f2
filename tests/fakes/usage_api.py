"""Fake organisation usage and cost APIs for tests: real HTTP, recorded calls, control.

:class:`FakeOpenAIUsage` plays ``GET /v1/organization/usage/completions`` and ``GET
/v1/organization/costs``; :class:`FakeAnthropicUsage` plays ``GET
/v1/organizations/usage_report/messages`` and ``GET /v1/organizations/cost_report``. Both
behave like the real APIs where it matters to a reader:

- every bucket of the asked range comes back, empty ones as ``results: []``;
- dimensions not in ``group_by`` are ``null`` and their rows are summed together;
- pages of ``limit`` buckets, followed with ``has_more`` / ``next_page``;
- OpenAI counts requests and bills in dollars (``amount.value``, a JSON number); Anthropic
  counts tokens only, bills in **cents** as a decimal string, and its ``workspace_id`` is
  ``null`` for the default workspace; its cost report cannot group by API key;
- a wrong key is 401, a key that is not an organisation admin key is 403; Anthropic also
  wants ``anthropic-version`` (400 without);
- ``rate_limit(operation, times, retry_after)`` answers 429 with ``Retry-After``.

Rows are added with :meth:`add_usage` and :meth:`add_cost` and may be changed between
reads (recent buckets grow after they close).
"""

from __future__ import annotations

import base64
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.openai_batch import Answer, FakeBatchServer, Recorded

__all__ = ["FakeAnthropicUsage", "FakeOpenAIUsage", "UsageRow"]

OPENAI_ADMIN_KEY = "sk-admin-fake-openai-0123456789"
ANTHROPIC_ADMIN_KEY = "sk-ant-admin01-fake-anthropic-0123456789"
_WIDTHS = {"1m": timedelta(minutes=1), "1h": timedelta(hours=1), "1d": timedelta(days=1)}
_PAGE_LIMITS = {"1m": (60, 1440), "1h": (24, 168), "1d": (7, 31)}


@dataclass
class UsageRow:
    """Traffic in one hour: where it came from and what it used."""

    hour: datetime
    project: str | None
    api_key: str | None
    model: str
    tier: str = "standard"  # OpenAI: "batch" means the Batch API
    requests: int = 0
    input_tokens: int = 0  # uncached input
    cached_tokens: int = 0
    cache_write_tokens: int = 0
    output_tokens: int = 0


@dataclass
class CostRow:
    """A cost line on one day. ``amount`` is dollars (OpenAI) or cents (Anthropic)."""

    day: datetime
    project: str | None
    api_key: str | None
    description: str | None
    amount: Decimal
    model: str | None = None
    tier: str | None = None


def _multi_query(target: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(target).query, keep_blank_values=True)


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parse_time(value: str) -> datetime:
    if value.isdigit():
        return datetime.fromtimestamp(int(value), UTC)
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def _number(amount: Decimal) -> float:
    # JSON has one number type; the shortest float repr prints these amounts exactly.
    return float(amount)


class _FakeUsageServer(FakeBatchServer):
    """The shared plumbing: keys, multi-valued queries, buckets, pages, 429s."""

    admin_key = ""
    start_param = ""
    end_param = ""
    group_param = ""

    def __init__(self, *, admin_key: str | None = None) -> None:
        super().__init__(polls_to_complete=None)
        self.key = admin_key or self.admin_key
        self.usage: list[UsageRow] = []
        self.costs: list[CostRow] = []
        self.queries: list[tuple[str, dict[str, list[str]]]] = []
        self._rate_limits: dict[str, list[str]] = defaultdict(list)
        #: A broken report: every page says there is more, and the next page is the second.
        self.pages_loop = False

    # -- control -------------------------------------------------------------------------

    def add_usage(self, row: UsageRow) -> UsageRow:
        """Serve this traffic from now on; returns it so a test can grow it later."""
        with self._lock:
            self.usage.append(row)
        return row

    def add_cost(self, row: CostRow) -> CostRow:
        """Serve this cost line from now on."""
        with self._lock:
            self.costs.append(row)
        return row

    def rate_limit(self, operation: str, *, times: int = 1, retry_after: str = "0") -> None:
        """Answer the next ``times`` calls of ``operation`` with 429 and ``Retry-After``."""
        with self._lock:
            self._rate_limits[operation].extend([retry_after] * times)

    def queries_of(self, operation: str) -> list[dict[str, list[str]]]:
        """The full (multi-valued) query of each call of ``operation``, in order."""
        with self._lock:
            return [q for op, q in self.queries if op == operation]

    # -- serving ---------------------------------------------------------------------------

    def _handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Answer:
        query = _multi_query(target)
        path = urlsplit(target).path
        with self._lock:
            found = next(
                (
                    (r, m)
                    for r in self._routes
                    if r.method == method and (m := r.pattern.fullmatch(path))
                ),
                None,
            )
            operation = found[0].operation if found else "unknown"
            flat = {k: ",".join(v) for k, v in query.items()}
            call = Recorded(operation, method, path, flat, headers, body, 0)
            answer = self._authorised(call)
            if answer is None and found is None:
                answer = self._error(404, f"No route for {method} {path}")
            if answer is None and self._rate_limits.get(operation):
                retry_after = self._rate_limits[operation].pop(0)
                answer = self._error(429, "Rate limited")
                answer = Answer(
                    answer.status, answer.body, answer.content_type, (("retry-after", retry_after),)
                )
            if answer is None:
                assert found is not None
                self.queries.append((operation, query))
                answer = found[0].handler(call, found[1])
            self._calls.append(
                Recorded(operation, method, path, flat, headers, body, answer.status)
            )
            return answer

    def _window(self, call: Recorded) -> tuple[datetime, datetime, timedelta, int, int] | Answer:
        query = self.queries[-1][1]
        width_name = (query.get("bucket_width") or [self.default_width])[0]
        if width_name not in _WIDTHS:
            return self._error(400, f"bucket_width {width_name} is not supported")
        width = _WIDTHS[width_name]
        if self.start_param not in query:
            return self._error(400, f"{self.start_param} is required")
        start = _parse_time(query[self.start_param][0])
        end_text = (query.get(self.end_param) or [None])[0]
        end = _parse_time(end_text) if end_text else start + width * 7
        default, maximum = _PAGE_LIMITS[width_name]
        limit = int((query.get("limit") or [default])[0])
        if not 1 <= limit <= maximum:
            return self._error(400, f"limit must be between 1 and {maximum} for {width_name}")
        page = (query.get("page") or [""])[0]
        offset = int(base64.urlsafe_b64decode(page.removeprefix("page_")).decode()) if page else 0
        return start, end, width, limit, offset

    default_width = "1d"

    def _bucket_starts(self, start: datetime, end: datetime, width: timedelta) -> list[datetime]:
        starts: list[datetime] = []
        moment = start
        while moment < end:
            starts.append(moment)
            # The first bucket is partial when the start is not on a bucket boundary.
            epoch = datetime(1970, 1, 1, tzinfo=UTC)
            moment = epoch + ((moment - epoch) // width + 1) * width
        return starts

    def _page(
        self,
        call: Recorded,
        results_for: Any,
        bucket_json: Any,
    ) -> Answer:
        window = self._window(call)
        if isinstance(window, Answer):
            return window
        start, end, width, limit, offset = window
        starts = self._bucket_starts(start, end, width)
        chosen = starts[offset : offset + limit]
        data = [
            bucket_json(s, min(s + width, end), results_for(s, min(s + width, end))) for s in chosen
        ]
        has_more = offset + limit < len(starts)
        if self.pages_loop:
            has_more, offset = True, 0  # the second page's cursor, whichever page this is
        next_page = (
            "page_" + base64.urlsafe_b64encode(str(offset + limit).encode()).decode()
            if has_more
            else None
        )
        return self._page_json(data, has_more, next_page)

    def _page_json(self, data: list[Any], has_more: bool, next_page: str | None) -> Answer:
        return Answer.of_json(200, {"data": data, "has_more": has_more, "next_page": next_page})

    def _groups(self, *allowed: str) -> list[str] | Answer:
        """The asked ``group_by`` fields, or a 400 naming those not ``allowed``.

        ``group_by=a&group_by=b`` (the docs' curl) or ``group_by[]=a`` (what the SDKs send).
        """
        query = self.queries[-1][1]
        names = (self.group_param.removesuffix("[]"), self.group_param.removesuffix("[]") + "[]")
        groups = [g for name in names for v in query.get(name, []) for g in v.split(",") if g]
        unknown = sorted(set(groups) - set(allowed))
        if unknown:
            return self._error(400, f"Invalid {self.group_param}: {unknown}")
        return groups


# -- OpenAI ----------------------------------------------------------------------------------


class FakeOpenAIUsage(_FakeUsageServer):
    """OpenAI's organisation usage (completions) and costs endpoints."""

    admin_key = OPENAI_ADMIN_KEY
    start_param = "start_time"
    end_param = "end_time"
    group_param = "group_by"

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._route(
            "GET", r"/v1/organization/usage/completions", "usage.completions", self._completions
        )
        self._route("GET", r"/v1/organization/costs", "costs", self._costs)

    @property
    def sdk_base_url(self) -> str:
        """What ``OPENAI_BASE_URL`` takes: ``http://127.0.0.1:PORT/v1``."""
        return self.base_url + "/v1"

    def _authorised(self, call: Recorded) -> Answer | None:
        bearer = (call.header("Authorization") or "").removeprefix("Bearer ").strip()
        if not bearer or (bearer != self.key and bearer.startswith("sk-admin")):
            return self._error(401, "Incorrect API key provided.")
        if bearer != self.key:
            return self._error(
                403,
                "You have insufficient permissions for this operation. Missing scopes: api.usage.read.",
            )
        return None

    def _error(self, status: int, message: str) -> Answer:
        kind = "invalid_request_error" if status < 500 else "server_error"
        return Answer.of_json(
            status, {"error": {"message": message, "type": kind, "param": None, "code": None}}
        )

    def _page_json(self, data: list[Any], has_more: bool, next_page: str | None) -> Answer:
        return Answer.of_json(
            200, {"object": "page", "data": data, "has_more": has_more, "next_page": next_page}
        )

    @staticmethod
    def _bucket(start: datetime, end: datetime, results: list[Any]) -> dict[str, Any]:
        return {
            "object": "bucket",
            "start_time": int(start.timestamp()),
            "end_time": int(end.timestamp()),
            "results": results,
        }

    def _completions(self, call: Recorded, _match: re.Match[str]) -> Answer:
        groups = self._groups(
            "project_id", "user_id", "api_key_id", "model", "batch", "service_tier", "api_source"
        )  # fmt: skip
        if isinstance(groups, Answer):
            return groups

        def results(start: datetime, end: datetime) -> list[Any]:
            summed: dict[tuple[Any, ...], dict[str, Any]] = {}
            for row in self.usage:
                if not start <= row.hour < end:
                    continue
                dims = {
                    "project_id": row.project if "project_id" in groups else None,
                    "api_key_id": row.api_key if "api_key_id" in groups else None,
                    "model": row.model if "model" in groups else None,
                    "batch": (row.tier == "batch") if "batch" in groups else None,
                    "service_tier": (
                        ("default" if row.tier in ("standard", "batch") else row.tier)
                        if "service_tier" in groups
                        else None
                    ),
                    "user_id": None,
                    "api_source": None,
                }
                key = tuple(dims.values())
                item = summed.setdefault(
                    key,
                    {
                        "object": "organization.usage.completions.result",
                        "input_tokens": 0, "output_tokens": 0, "input_cached_tokens": 0,
                        "input_audio_tokens": 0, "output_audio_tokens": 0,
                        "num_model_requests": 0, **dims,
                    },
                )  # fmt: skip
                # OpenAI's input_tokens include the cached ones.
                item["input_tokens"] += row.input_tokens + row.cached_tokens
                item["input_cached_tokens"] += row.cached_tokens
                item["output_tokens"] += row.output_tokens
                item["num_model_requests"] += row.requests
            return list(summed.values())

        return self._page(call, results, self._bucket)

    def _costs(self, call: Recorded, _match: re.Match[str]) -> Answer:
        groups = self._groups("project_id", "user_id", "line_item", "api_key_id", "api_source")
        if isinstance(groups, Answer):
            return groups
        if (self.queries[-1][1].get("bucket_width") or ["1d"])[0] != "1d":
            return self._error(400, "Only bucket_width=1d is supported for costs")

        def results(start: datetime, end: datetime) -> list[Any]:
            summed: dict[tuple[Any, ...], Decimal] = defaultdict(Decimal)
            for row in self.costs:
                if start <= row.day < end:
                    key = (
                        row.project if "project_id" in groups else None,
                        row.api_key if "api_key_id" in groups else None,
                        row.description if "line_item" in groups else None,
                    )
                    summed[key] += row.amount
            return [
                {
                    "object": "organization.costs.result",
                    "amount": {"value": _number(amount), "currency": "usd"},
                    "project_id": project,
                    "api_key_id": key,
                    "line_item": line_item,
                    "user_id": None,
                    "api_source": None,
                }
                for (project, key, line_item), amount in summed.items()
            ]

        return self._page(call, results, self._bucket)


# -- Anthropic -------------------------------------------------------------------------------


class FakeAnthropicUsage(_FakeUsageServer):
    """Anthropic's Admin API Messages usage report and cost report."""

    admin_key = ANTHROPIC_ADMIN_KEY
    start_param = "starting_at"
    end_param = "ending_at"
    group_param = "group_by[]"

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._route(
            "GET",
            r"/v1/organizations/usage_report/messages",
            "usage_report.messages",
            self._messages,
        )
        self._route("GET", r"/v1/organizations/cost_report", "cost_report", self._cost_report)

    def _authorised(self, call: Recorded) -> Answer | None:
        key = call.header("x-api-key")
        if not key or (key != self.key and key.startswith("sk-ant-admin")):
            return self._error(401, "invalid x-api-key")
        if key != self.key:
            return self._error(403, "This endpoint requires an Admin API key")
        if not call.header("anthropic-version"):
            return self._error(400, "anthropic-version header is required")
        return None

    def _error(self, status: int, message: str) -> Answer:
        kinds = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
                 404: "not_found_error", 429: "rate_limit_error"}  # fmt: skip
        return Answer.of_json(
            status,
            {
                "type": "error",
                "error": {"type": kinds.get(status, "api_error"), "message": message},
            },
        )

    @staticmethod
    def _bucket(start: datetime, end: datetime, results: list[Any]) -> dict[str, Any]:
        return {"starting_at": _rfc3339(start), "ending_at": _rfc3339(end), "results": results}

    def _messages(self, call: Recorded, _match: re.Match[str]) -> Answer:
        groups = self._groups(
            "api_key_id", "workspace_id", "model", "service_tier", "context_window",
            "inference_geo", "speed", "account_id", "service_account_id",
        )  # fmt: skip
        if isinstance(groups, Answer):
            return groups

        def results(start: datetime, end: datetime) -> list[Any]:
            summed: dict[tuple[Any, ...], dict[str, Any]] = {}
            for row in self.usage:
                if not start <= row.hour < end:
                    continue
                dims = {
                    "api_key_id": row.api_key if "api_key_id" in groups else None,
                    # The default workspace has no id: null even when grouped.
                    "workspace_id": row.project if "workspace_id" in groups else None,
                    "model": row.model if "model" in groups else None,
                    "service_tier": row.tier if "service_tier" in groups else None,
                    "context_window": "0-200k" if "context_window" in groups else None,
                }
                item = summed.setdefault(
                    tuple(dims.values()),
                    {
                        "uncached_input_tokens": 0,
                        "cache_creation": {"ephemeral_1h_input_tokens": 0, "ephemeral_5m_input_tokens": 0},
                        "cache_read_input_tokens": 0, "output_tokens": 0,
                        "server_tool_use": {"web_search_requests": 0}, **dims,
                    },
                )  # fmt: skip
                item["uncached_input_tokens"] += row.input_tokens
                item["cache_creation"]["ephemeral_5m_input_tokens"] += row.cache_write_tokens
                item["cache_read_input_tokens"] += row.cached_tokens
                item["output_tokens"] += row.output_tokens
            return list(summed.values())

        return self._page(call, results, self._bucket)

    def _cost_report(self, call: Recorded, _match: re.Match[str]) -> Answer:
        groups = self._groups("workspace_id", "description")
        if isinstance(groups, Answer):
            return groups
        if (self.queries[-1][1].get("bucket_width") or ["1d"])[0] != "1d":
            return self._error(400, "bucket_width must be 1d")

        def results(start: datetime, end: datetime) -> list[Any]:
            summed: dict[tuple[Any, ...], Decimal] = defaultdict(Decimal)
            for row in self.costs:
                if start <= row.day < end:
                    by_description = "description" in groups
                    key = (
                        row.project if "workspace_id" in groups else None,
                        row.description if by_description else None,
                        row.model if by_description else None,
                        row.tier if by_description else None,
                    )
                    summed[key] += row.amount
            return [
                {
                    "currency": "USD",
                    "amount": f"{cents:f}",
                    "workspace_id": workspace,
                    "description": description,
                    "cost_type": "tokens" if description else None,
                    "context_window": "0-200k" if description else None,
                    "model": model,
                    "service_tier": tier,
                    "token_type": None,
                }
                for (workspace, description, model, tier), cents in summed.items()
            ]

        return self._page(call, results, self._bucket)
