"""The usage and cost readers against the fake provider APIs, through the real SDK (OpenAI)
and plain httpx2 (Anthropic)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx2
import pytest

from batchscout.audit.usage import AdminKeyError, UsageProvider, UsageReadError
from batchscout.jobs.usage import read_anthropic, read_openai
from tests.fakes.usage_api import (
    ANTHROPIC_ADMIN_KEY,
    OPENAI_ADMIN_KEY,
    CostRow,
    FakeAnthropicUsage,
    FakeOpenAIUsage,
    UsageRow,
)

START = datetime(2026, 10, 30, tzinfo=UTC)
END = datetime(2026, 11, 29, tzinfo=UTC)  # 30 whole days: 720 hourly buckets, 5 pages


@pytest.fixture
def openai_fake() -> Iterator[FakeOpenAIUsage]:
    with FakeOpenAIUsage() as fake:
        yield fake


@pytest.fixture
def anthropic_fake() -> Iterator[FakeAnthropicUsage]:
    with FakeAnthropicUsage() as fake:
        yield fake


def read_o(fake: FakeOpenAIUsage, key: str = OPENAI_ADMIN_KEY, **kw: object):  # type: ignore[no-untyped-def]
    return read_openai(admin_key=key, start=START, end=END, base_url=fake.sdk_base_url, **kw)  # type: ignore[arg-type]


def read_a(fake: FakeAnthropicUsage, key: str = ANTHROPIC_ADMIN_KEY, **kw: object):  # type: ignore[no-untyped-def]
    return read_anthropic(admin_key=key, start=START, end=END, base_url=fake.base_url, **kw)  # type: ignore[arg-type]


def test_openai_reads_every_page_grouped_with_requests_and_dollars(
    openai_fake: FakeOpenAIUsage,
) -> None:
    first, last = START + timedelta(hours=2), END - timedelta(hours=1)
    openai_fake.add_usage(UsageRow(first, "proj_night", "key_night", "gpt-4o-mini", "standard",
                                   requests=500, input_tokens=900_000, cached_tokens=100_000,
                                   output_tokens=200_000))  # fmt: skip
    openai_fake.add_usage(UsageRow(last, "proj_night", "key_night", "gpt-4o-mini", "batch",
                                   requests=300, input_tokens=10, output_tokens=5))  # fmt: skip
    # Outside the window: never read, not even as a partial first bucket.
    openai_fake.add_usage(UsageRow(START - timedelta(hours=1), "proj_night", "key_night",
                                   "gpt-4o-mini", requests=99))  # fmt: skip
    openai_fake.add_cost(CostRow(START, "proj_night", "key_night", None, Decimal("12.34")))
    openai_fake.add_cost(
        CostRow(START + timedelta(days=1), "proj_night", None, None, Decimal("0.1"))
    )

    window = read_o(openai_fake)

    usage = sorted(window.usage, key=lambda r: r.start)
    assert [(r.start, r.tier, r.requests) for r in usage] == [
        (first, "standard", 500),
        (last, "batch", 300),
    ]
    assert usage[0].project == "proj_night" and usage[0].api_key == "key_night"
    assert (usage[0].input_tokens, usage[0].cache_read_tokens) == (900_000, 100_000)
    assert sorted((c.day.isoformat(), c.api_key, c.amount) for c in window.costs) == [
        ("2026-10-30", "key_night", Decimal("12.34")),
        ("2026-10-31", "", Decimal("0.1")),
    ]
    queries = openai_fake.queries_of("usage.completions")
    assert len(queries) == 5  # 720 hourly buckets, 168 a page
    assert queries[0]["group_by[]"] == [
        "project_id",
        "api_key_id",
        "model",
        "batch",
        "service_tier",
    ]
    assert queries[0]["bucket_width"] == ["1h"] and "page" not in queries[0]
    assert all("page" in q for q in queries[1:])
    cost_query = openai_fake.queries_of("costs")[0]
    assert cost_query["group_by[]"] == ["project_id", "api_key_id"]
    assert openai_fake.calls()[0].header("Authorization") == f"Bearer {OPENAI_ADMIN_KEY}"


def test_anthropic_reads_tokens_cents_default_workspace_with_both_headers(
    anthropic_fake: FakeAnthropicUsage,
) -> None:
    hour = START + timedelta(days=3, hours=4)
    anthropic_fake.add_usage(UsageRow(hour, None, "apikey_default01", "claude-sonnet-4-20250514",
                                      "batch", input_tokens=1000, cached_tokens=50,
                                      cache_write_tokens=20, output_tokens=300))  # fmt: skip
    anthropic_fake.add_usage(UsageRow(hour, "wrkspc_ops01", "apikey_ops0001",
                                      "claude-sonnet-4-20250514", "standard",
                                      input_tokens=7, output_tokens=3))  # fmt: skip
    anthropic_fake.add_cost(CostRow(START, "wrkspc_ops01", None, "Claude Sonnet 4 Usage - Input Tokens",
                                    Decimal("1234.5")))  # fmt: skip
    anthropic_fake.add_cost(CostRow(START, None, None, "Claude Sonnet 4 Usage - Output Tokens",
                                    Decimal("0.25")))  # fmt: skip

    window = read_a(anthropic_fake)

    assert window.provider is UsageProvider.ANTHROPIC
    default = next(r for r in window.usage if r.project == "")
    assert (default.api_key, default.tier, default.requests) == ("apikey_default01", "batch", None)
    assert (default.input_tokens, default.cache_read_tokens, default.cache_write_tokens) == (
        1000,
        50,
        20,
    )
    assert default.output_tokens == 300
    assert {r.project for r in window.usage} == {"", "wrkspc_ops01"}
    amounts = {(c.project, c.description): c.amount for c in window.costs}
    assert amounts == {
        ("wrkspc_ops01", "Claude Sonnet 4 Usage - Input Tokens"): Decimal("12.345"),
        ("", "Claude Sonnet 4 Usage - Output Tokens"): Decimal("0.0025"),
    }
    assert all(c.api_key == "" for c in window.costs)  # the cost report cannot split by key
    calls = anthropic_fake.calls("usage_report.messages")
    assert len(calls) == 5
    assert calls[0].header("x-api-key") == ANTHROPIC_ADMIN_KEY
    assert calls[0].header("anthropic-version") == "2023-06-01"
    query = anthropic_fake.queries_of("usage_report.messages")[0]
    assert query["group_by[]"] == ["workspace_id", "api_key_id", "model", "service_tier"]
    assert query["starting_at"] == ["2026-10-30T00:00:00Z"]
    assert anthropic_fake.queries_of("cost_report")[0]["group_by[]"] == [
        "workspace_id",
        "description",
    ]


def test_anthropic_429_waits_for_retry_after_then_reads(anthropic_fake: FakeAnthropicUsage) -> None:
    anthropic_fake.add_usage(UsageRow(START, "wrkspc_ops01", "apikey_ops0001", "claude-3-5-haiku",
                                      input_tokens=1))  # fmt: skip
    anthropic_fake.rate_limit("usage_report.messages", times=2, retry_after="2")
    slept: list[float] = []

    window = read_a(anthropic_fake, sleep=slept.append)

    assert slept == [2.0, 2.0]
    assert len(window.usage) == 1
    statuses = [c.status for c in anthropic_fake.calls("usage_report.messages")]
    assert statuses[:3] == [429, 429, 200]


def test_anthropic_gives_up_on_a_retry_after_past_the_bound(
    anthropic_fake: FakeAnthropicUsage,
) -> None:
    anthropic_fake.rate_limit("usage_report.messages", retry_after="3600")
    slept: list[float] = []
    with pytest.raises(UsageReadError, match="rate limited"):
        read_a(anthropic_fake, sleep=slept.append)
    assert slept == []


def test_anthropic_keeps_rate_limit_bounded(anthropic_fake: FakeAnthropicUsage) -> None:
    anthropic_fake.rate_limit("cost_report", times=10, retry_after="1")
    slept: list[float] = []
    with pytest.raises(UsageReadError, match="429 after 5 tries"):
        read_a(anthropic_fake, sleep=slept.append)
    assert slept == [1.0] * 4


def test_openai_429_is_retried_by_the_sdk(openai_fake: FakeOpenAIUsage) -> None:
    openai_fake.add_cost(CostRow(START, "proj_a1b2", "key_a1b2", None, Decimal("3")))
    openai_fake.rate_limit("costs", times=1, retry_after="0.01")
    window = read_o(openai_fake)
    assert [c.amount for c in window.costs] == [Decimal("3")]
    assert [c.status for c in openai_fake.calls("costs")][:2] == [429, 200]


@pytest.mark.parametrize(
    ("key", "status"),
    [("sk-admin-wrong-key", 401), ("sk-proj-a-project-key", 403)],
)
def test_openai_refused_key_needs_an_admin_key(
    openai_fake: FakeOpenAIUsage, key: str, status: int
) -> None:
    with pytest.raises(AdminKeyError, match="needs an organisation admin key") as error:
        read_o(openai_fake, key=key)
    assert f"HTTP {status}" in str(error.value)
    assert key not in str(error.value)


@pytest.mark.parametrize(
    ("key", "status"),
    [("sk-ant-admin01-wrong", 401), ("sk-ant-api03-not-admin", 403)],
)
def test_anthropic_refused_key_needs_an_admin_key(
    anthropic_fake: FakeAnthropicUsage, key: str, status: int
) -> None:
    with pytest.raises(AdminKeyError, match="needs an organisation admin key") as error:
        read_a(anthropic_fake, key=key)
    assert f"HTTP {status}" in str(error.value)
    assert key not in str(error.value)


def test_unreachable_provider_is_a_read_error() -> None:
    with pytest.raises(UsageReadError, match="cannot reach"):
        read_anthropic(
            admin_key=ANTHROPIC_ADMIN_KEY, start=START, end=END, base_url="http://127.0.0.1:9"
        )


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_a_report_whose_pages_loop_is_a_read_error(
    provider: str, openai_fake: FakeOpenAIUsage, anthropic_fake: FakeAnthropicUsage
) -> None:
    # Every page says there is more and names the same next page: reading would never end.
    fake = openai_fake if provider == "openai" else anthropic_fake
    fake.pages_loop = True
    with pytest.raises(UsageReadError, match="a page it had already sent"):
        read_o(openai_fake) if provider == "openai" else read_a(anthropic_fake)


# -- the fakes themselves ----------------------------------------------------------------------


def test_fake_anthropic_nulls_dimensions_not_grouped_and_sums_them(
    anthropic_fake: FakeAnthropicUsage,
) -> None:
    for key in ("apikey_one0001", "apikey_two0002"):
        anthropic_fake.add_usage(UsageRow(START, "wrkspc_ops01", key, "claude-3-5-haiku",
                                          output_tokens=10))  # fmt: skip
    body = httpx2.get(
        anthropic_fake.base_url + "/v1/organizations/usage_report/messages",
        params={
            "starting_at": "2026-10-30T00:00:00Z",
            "ending_at": "2026-10-30T02:00:00Z",
            "bucket_width": "1h",
            "group_by[]": "workspace_id",
        },
        headers={"x-api-key": ANTHROPIC_ADMIN_KEY, "anthropic-version": "2023-06-01"},
    ).json()
    first, second = body["data"]
    assert second["results"] == []  # an empty bucket
    (row,) = first["results"]
    assert row["workspace_id"] == "wrkspc_ops01"
    assert row["api_key_id"] is None and row["model"] is None
    assert row["output_tokens"] == 20


def test_fake_anthropic_wants_the_version_header(anthropic_fake: FakeAnthropicUsage) -> None:
    answer = httpx2.get(
        anthropic_fake.base_url + "/v1/organizations/cost_report",
        params={"starting_at": "2026-10-30T00:00:00Z"},
        headers={"x-api-key": ANTHROPIC_ADMIN_KEY},
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["type"] == "invalid_request_error"


def test_fake_openai_first_bucket_is_partial_off_the_hour(openai_fake: FakeOpenAIUsage) -> None:
    start = int((START + timedelta(minutes=30)).timestamp())
    body = httpx2.get(
        openai_fake.sdk_base_url + "/organization/usage/completions",
        params={
            "start_time": start,
            "end_time": int((START + timedelta(hours=2)).timestamp()),
            "bucket_width": "1h",
        },
        headers={"Authorization": f"Bearer {OPENAI_ADMIN_KEY}"},
    ).json()
    assert [b["start_time"] for b in body["data"]] == [
        start,
        int((START + timedelta(hours=1)).timestamp()),
    ]
    assert body["object"] == "page" and body["has_more"] is False
