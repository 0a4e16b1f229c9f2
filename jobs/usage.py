"""Readers for the providers' organisation usage and cost reports (admin keys only).

- OpenAI, through the ``openai`` SDK's admin usage client: ``GET
  /v1/organization/usage/completions`` (hourly buckets grouped by ``project_id``,
  ``api_key_id``, ``model``, ``batch`` and ``service_tier``) and ``GET /v1/organization/costs``
  (daily, grouped by ``project_id`` and ``api_key_id``; ``amount.value`` in US dollars).
- Anthropic, with plain ``httpx2`` (the SDK has no client for these endpoints): ``GET
  /v1/organizations/usage_report/messages`` (hourly, grouped by ``workspace_id``,
  ``api_key_id``, ``model`` and ``service_tier``) and ``GET /v1/organizations/cost_report``
  (daily, grouped by ``workspace_id`` and ``description``; ``amount`` a decimal string in
  **cents**). Auth: ``x-api-key`` and ``anthropic-version``.

Every page is followed (``has_more`` / ``next_page``); a 429 (or 5xx) is retried after its
``Retry-After`` (at most :data:`MAX_RETRY_AFTER` seconds, :data:`ATTEMPTS` attempts); 401/403
raise :class:`~batchscout.audit.usage.AdminKeyError`. Money is parsed as ``Decimal`` from the
JSON text, never through a float. The admin key is never logged.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx2
import openai
from sqlalchemy import Engine
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from batchscout.audit.usage import (
    NEEDS_ADMIN_KEY,
    REIMPORT_DAYS,
    AdminKeyError,
    CostRecord,
    UsageProvider,
    UsageReadError,
    UsageRecord,
    UsageWindow,
    import_window,
    merge_costs,
    merge_usage,
)
from batchscout.logs import get_logger
from batchscout.services import usage
from batchscout.services.boundary import isolated
from batchscout.settings import Settings

log = get_logger(__name__)

OPENAI_BASE_URL = "https://api.openai.com/v1"
ANTHROPIC_BASE_URL = "https://api.anthropic.com"
ANTHROPIC_VERSION = "2023-06-01"
ATTEMPTS = 5
"""Tries per page, the first included, before a 429 or 5xx becomes a :class:`UsageReadError`."""
MAX_RETRY_AFTER = 60.0
"""The longest ``Retry-After`` honoured, in seconds; a longer one fails the read instead."""
HOURLY_PAGE = 168
"""Hourly buckets per page: both providers' maximum for ``bucket_width=1h``."""
DAILY_PAGE = 31
"""Daily buckets per page (Anthropic's maximum; OpenAI's cost report allows 180)."""
TIMEOUT = 60.0


def _refused(provider: UsageProvider, status: int) -> AdminKeyError:
    return AdminKeyError(
        f"{provider.value}: the provider refused the key (HTTP {status}): {NEEDS_ADMIN_KEY}"
    )


def _bucket_time(value: Any) -> datetime:
    """A bucket boundary: Unix seconds (OpenAI) or RFC 3339 text (Anthropic), as UTC."""
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC)


def _int(value: Any) -> int:
    return int(value or 0)


def _in_window(start: datetime, window_start: datetime, window_end: datetime) -> bool:
    # A bucket that starts before the asked start is partial (OpenAI snaps to the bucket
    # width); one at or after the end belongs to a later import.
    return window_start <= start < window_end


# -- OpenAI --------------------------------------------------------------------------------


def openai_client(admin_key: str, base_url: str | None) -> openai.OpenAI:
    """The SDK client for the admin endpoints; the SDK retries 429s after ``Retry-After``."""
    return openai.OpenAI(
        admin_api_key=admin_key,
        api_key="unused-admin-endpoints-only",
        base_url=base_url or OPENAI_BASE_URL,
        max_retries=ATTEMPTS - 1,
        timeout=TIMEOUT,
    )


def _next_page(provider: UsageProvider, body: Mapping[str, Any], seen: set[str]) -> str | None:
    """The cursor of the page after ``body`` (``has_more`` / ``next_page``), ``None`` at the
    end; ``seen`` holds the cursors read so far. Raises :class:`UsageReadError` when the
    report sends a cursor already read: following it would read the same pages for ever."""
    page = body.get("next_page")
    if not body.get("has_more") or not page:
        return None
    if str(page) in seen:
        raise UsageReadError(
            f"{provider.value}: the usage API sent a page it had already sent; stopped reading"
        )
    seen.add(str(page))
    return str(page)


def _openai_pages(call: Any, **params: Any) -> Iterator[Mapping[str, Any]]:
    """Every page of an OpenAI admin report, raw JSON with money as ``Decimal``."""
    page: str | None = None
    seen: set[str] = set()
    while True:
        try:
            response = call(**params, **({"page": page} if page else {}))
        except (openai.AuthenticationError, openai.PermissionDeniedError) as error:
            raise _refused(UsageProvider.OPENAI, error.status_code) from error
        except openai.APIStatusError as error:
            raise UsageReadError(
                f"openai: the usage API answered HTTP {error.status_code} after {ATTEMPTS} tries"
            ) from error
        except openai.APIConnectionError as error:
            raise UsageReadError(f"openai: cannot reach the usage API ({error})") from error
        body = _json(UsageProvider.OPENAI, response.text)
        yield body
        page = _next_page(UsageProvider.OPENAI, body, seen)
        if page is None:
            return


def read_openai(
    *, admin_key: str, start: datetime, end: datetime, base_url: str | None = None
) -> UsageWindow:
    """Read OpenAI's completions usage (hourly) and costs (daily) for ``[start, end)``.

    Raises :class:`AdminKeyError` (401/403) or :class:`UsageReadError`.
    """
    client = openai_client(admin_key, base_url)
    usage_api = client.admin.organization.usage.with_raw_response
    window = {"start_time": int(start.timestamp()), "end_time": int(end.timestamp())}
    usage: list[UsageRecord] = []
    for body in _openai_pages(
        usage_api.completions,
        **window,
        bucket_width="1h",
        limit=HOURLY_PAGE,
        group_by=["project_id", "api_key_id", "model", "batch", "service_tier"],
    ):
        for bucket in _buckets(UsageProvider.OPENAI, body):
            bucket_start = _bucket_time(bucket["start_time"])
            if not _in_window(bucket_start, start, end):
                continue
            for row in bucket.get("results") or []:
                usage.append(_openai_usage(bucket_start, row))
    costs: list[CostRecord] = []
    for body in _openai_pages(
        usage_api.costs,
        **window,
        bucket_width="1d",
        limit=DAILY_PAGE,
        group_by=["project_id", "api_key_id"],
    ):
        for bucket in _buckets(UsageProvider.OPENAI, body):
            day_start = _bucket_time(bucket["start_time"])
            if not _in_window(day_start, start, end):
                continue
            for row in bucket.get("results") or []:
                amount = row.get("amount") or {}
                costs.append(
                    CostRecord(
                        UsageProvider.OPENAI,
                        day_start.date(),
                        row.get("project_id") or "",
                        row.get("api_key_id") or "",
                        row.get("line_item") or "",
                        _money(UsageProvider.OPENAI, amount.get("value")),
                    )
                )
    client.close()
    return _window(UsageProvider.OPENAI, start, end, usage, costs)


def _openai_usage(bucket_start: datetime, row: Mapping[str, Any]) -> UsageRecord:
    cached = _int(row.get("input_cached_tokens"))
    tier = "batch" if row.get("batch") else (row.get("service_tier") or "standard")
    if tier == "default":  # OpenAI's name for the standard tier
        tier = "standard"
    return UsageRecord(
        UsageProvider.OPENAI,
        bucket_start,
        row.get("project_id") or "",
        row.get("api_key_id") or "",
        row.get("model") or "",
        tier,
        _int(row.get("num_model_requests")),
        # OpenAI's input_tokens include the cached ones.
        input_tokens=max(_int(row.get("input_tokens")) - cached, 0),
        cache_read_tokens=cached,
        output_tokens=_int(row.get("output_tokens")),
    )


# -- Anthropic -----------------------------------------------------------------------------


class _Retryable(Exception):
    """A 429 or 5xx answer, with the ``Retry-After`` it carried (seconds), if any."""

    def __init__(self, status: int, retry_after: float | None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.retry_after = retry_after


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None  # an HTTP date: fall back to backing off


def _wait(state: RetryCallState) -> float:
    """Sleep what the server asked for; back off exponentially when it did not say."""
    error = state.outcome.exception() if state.outcome else None
    if isinstance(error, _Retryable) and error.retry_after is not None:
        return error.retry_after
    return float(wait_exponential(multiplier=0.5, max=8)(state))


class AnthropicAdmin:
    """The Anthropic Admin API's usage and cost reports over ``httpx2``."""

    def __init__(
        self,
        admin_key: str,
        base_url: str | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """A client for ``base_url`` (``ANTHROPIC_BASE_URL``, default the public API);
        ``sleep`` waits between tries (tests record it instead of waiting)."""
        self._sleep = sleep
        self._client = httpx2.Client(
            base_url=(base_url or ANTHROPIC_BASE_URL).rstrip("/"),
            headers={"x-api-key": admin_key, "anthropic-version": ANTHROPIC_VERSION},
            timeout=TIMEOUT,
        )

    def close(self) -> None:
        """Release the connection pool."""
        self._client.close()

    def _get(self, path: str, params: list[tuple[str, str]]) -> Mapping[str, Any]:
        retrying = Retrying(
            retry=retry_if_exception_type(_Retryable),
            wait=_wait,
            stop=stop_after_attempt(ATTEMPTS),
            sleep=self._sleep,
            reraise=True,
        )
        return retrying(self._get_once, path, params)

    def _get_once(self, path: str, params: list[tuple[str, str]]) -> Mapping[str, Any]:
        try:
            response = self._client.get(path, params=tuple(params))
        except httpx2.HTTPError as error:
            raise UsageReadError(f"anthropic: cannot reach the Admin API ({error})") from error
        if response.status_code in (401, 403):
            raise _refused(UsageProvider.ANTHROPIC, response.status_code)
        if response.status_code == 429 or response.status_code >= 500:
            retry_after = _retry_after(response.headers)
            if retry_after is not None and retry_after > MAX_RETRY_AFTER:
                raise UsageReadError(
                    f"anthropic: rate limited for {retry_after:.0f} s (over {MAX_RETRY_AFTER:.0f} s)"
                )
            log.info("usage.retry", provider="anthropic", path=path,
                status=response.status_code, retry_after=retry_after,
            )  # fmt: skip
            raise _Retryable(response.status_code, retry_after)
        if response.status_code != 200:
            raise UsageReadError(
                f"anthropic: the Admin API answered HTTP {response.status_code} for {path}"
            )
        return _json(UsageProvider.ANTHROPIC, response.text)

    def pages(self, path: str, params: list[tuple[str, str]]) -> Iterator[Mapping[str, Any]]:
        """Every page of a report (``has_more`` / ``next_page``)."""
        page: str | None = None
        seen: set[str] = set()
        while True:
            try:
                body = self._get(path, params + ([("page", page)] if page else []))
            except _Retryable as error:
                raise UsageReadError(
                    f"anthropic: the Admin API answered HTTP {error.status} after {ATTEMPTS} tries"
                ) from error
            yield body
            page = _next_page(UsageProvider.ANTHROPIC, body, seen)
            if page is None:
                return


def read_anthropic(
    *,
    admin_key: str,
    start: datetime,
    end: datetime,
    base_url: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> UsageWindow:
    """Read Anthropic's Messages usage (hourly) and cost report (daily) for ``[start, end)``.

    ``workspace_id: null`` is the default workspace (stored as ``""``); the cost report
    cannot split by API key, so its lines carry none. Raises :class:`AdminKeyError` (401/403)
    or :class:`UsageReadError`.
    """
    admin = AnthropicAdmin(admin_key, base_url, sleep=sleep)
    window = [("starting_at", _rfc3339(start)), ("ending_at", _rfc3339(end))]
    grouped = [("group_by[]", g) for g in ("workspace_id", "api_key_id", "model", "service_tier")]
    usage: list[UsageRecord] = []
    try:
        for body in admin.pages(
            "/v1/organizations/usage_report/messages",
            [*window, ("bucket_width", "1h"), ("limit", str(HOURLY_PAGE)), *grouped],
        ):
            for bucket in _buckets(UsageProvider.ANTHROPIC, body):
                bucket_start = _bucket_time(bucket["starting_at"])
                if _in_window(bucket_start, start, end):
                    usage.extend(_anthropic_usage(bucket_start, r) for r in bucket["results"] or [])
        costs: list[CostRecord] = []
        for body in admin.pages(
            "/v1/organizations/cost_report",
            [
                *window,
                ("bucket_width", "1d"),
                ("limit", str(DAILY_PAGE)),
                ("group_by[]", "workspace_id"),
                ("group_by[]", "description"),
            ],
        ):
            for bucket in _buckets(UsageProvider.ANTHROPIC, body):
                day_start = _bucket_time(bucket["starting_at"])
                if not _in_window(day_start, start, end):
                    continue
                for row in bucket["results"] or []:
                    cents = _money(UsageProvider.ANTHROPIC, row.get("amount"))
                    costs.append(
                        CostRecord(
                            UsageProvider.ANTHROPIC,
                            day_start.date(),
                            row.get("workspace_id") or "",
                            "",
                            row.get("description") or "",
                            cents / 100,
                        )
                    )
    finally:
        admin.close()
    return _window(UsageProvider.ANTHROPIC, start, end, usage, costs)


def _anthropic_usage(bucket_start: datetime, row: Mapping[str, Any]) -> UsageRecord:
    creation = row.get("cache_creation") or {}
    return UsageRecord(
        UsageProvider.ANTHROPIC,
        bucket_start,
        row.get("workspace_id") or "",
        row.get("api_key_id") or "",
        row.get("model") or "",
        row.get("service_tier") or "standard",
        None,  # the usage report counts tokens, not requests
        input_tokens=_int(row.get("uncached_input_tokens")),
        cache_read_tokens=_int(row.get("cache_read_input_tokens")),
        cache_write_tokens=_int(creation.get("ephemeral_1h_input_tokens"))
        + _int(creation.get("ephemeral_5m_input_tokens")),
        output_tokens=_int(row.get("output_tokens")),
    )


# -- shared --------------------------------------------------------------------------------


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _json(provider: UsageProvider, text: str) -> Mapping[str, Any]:
    try:
        body = json.loads(text, parse_float=Decimal)
    except ValueError as error:
        raise UsageReadError(f"{provider.value}: the report is not JSON") from error
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise UsageReadError(f"{provider.value}: the report has no `data` list")
    return body


def _buckets(provider: UsageProvider, body: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for bucket in body["data"]:
        if not isinstance(bucket, dict) or not isinstance(bucket.get("results"), list | None):
            raise UsageReadError(f"{provider.value}: a bucket is not the documented shape")
        yield bucket


def _money(provider: UsageProvider, value: Any) -> Decimal:
    if value is None:
        return Decimal(0)
    try:
        amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except ArithmeticError as error:
        raise UsageReadError(f"{provider.value}: a cost amount is not a number") from error
    if not amount.is_finite():
        raise UsageReadError(f"{provider.value}: a cost amount is not a number")
    return amount


def _window(
    provider: UsageProvider,
    start: datetime,
    end: datetime,
    usage: list[UsageRecord],
    costs: list[CostRecord],
) -> UsageWindow:
    window = UsageWindow(provider, start, end, merge_usage(usage), merge_costs(costs))
    log.info("usage.read", provider=provider.value,
        start=start.isoformat(), end=end.isoformat(), buckets=len(window.usage),
        cost_lines=len(window.costs),
    )  # fmt: skip
    return window


# -- the worker's daily re-import -------------------------------------------------------------


def reader_for(provider: UsageProvider) -> Callable[..., UsageWindow]:
    """The reader of a provider's usage and cost reports."""
    return read_openai if provider is UsageProvider.OPENAI else read_anthropic


def reimport_recent(
    *,
    engine: Engine,
    settings: Settings,
    now: datetime,
    days: int = REIMPORT_DAYS,
    team_id: str | None = None,
) -> list[tuple[str, UsageProvider]]:
    """Re-read the last ``days`` whole UTC days for every team with a key (or only
    ``team_id``'s; SPEC: providers revise recent buckets), replacing them. Each (team,
    provider) is done and logged on its own: one refused key never stops another team's
    import. Returns those imported."""
    start, end = import_window(days, now)
    done: list[tuple[str, UsageProvider]] = []
    only = team_id
    for team_id, provider in usage.usage_teams(engine=engine, settings=settings):
        if only is not None and team_id != only:
            continue
        with isolated("usage reimport failed", team_id=team_id, provider=provider.value):
            admin_key = usage.admin_key_for(
                engine=engine, settings=settings, team_id=team_id, provider=provider
            )
            window = reader_for(provider)(
                admin_key=admin_key,
                start=start,
                end=end,
                base_url=usage.base_url_for(settings, provider),
            )
            usage.import_window(engine=engine, team_id=team_id, window=window)
            done.append((team_id, provider))
    return done
