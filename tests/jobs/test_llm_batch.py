"""The provider batch layer, driven through the real OpenAI and Anthropic SDKs against fakes.

Every scenario runs for both providers unless its name says otherwise: given a fake provider
that finishes batches in a chosen way, when Batchscout submits, polls and reads results,
then it sees the texts, errors and statuses a digest job would act on.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from batchscout.audit.pricing import Provider, quote
from batchscout.jobs.llm_batch import (
    ANTHROPIC_LIMITS,
    DEFAULT_LOOKBACK,
    DEFAULT_MODELS,
    KEY_METADATA_FIELD,
    OPENAI_LIMITS,
    AnthropicBatchProvider,
    OpenAIBatchProvider,
    provider_from_settings,
)
from batchscout.services.batch_api import (
    MAX_CUSTOM_ID_LENGTH,
    BatchLimits,
    BatchProvider,
    BatchRequest,
    BatchResult,
    BatchStatus,
    BatchSubmitError,
    BatchTooLarge,
    ProviderCallError,
    ResultsNotReady,
    SubmitOutcomeUnknown,
    batch_cost,
    split_requests,
)
from batchscout.settings import Settings
from tests.conftest import LogLines
from tests.fakes.anthropic_batch import CUSTOM_ID_PATTERN, FakeAnthropic
from tests.fakes.openai_batch import FakeBatchServer, FakeOpenAI, default_reply, fake_tokens

KEY = "digest:T0TEST:C0TEST:2025-W07"
SYSTEM = "You write two-sentence digests."
PROVIDERS = ["openai", "anthropic"]


@dataclass
class Scene:
    """A fake provider and Batchscout's provider pointed at it through the real SDK."""

    name: str
    fake: FakeBatchServer
    provider: BatchProvider

    def with_limits(self, limits: BatchLimits) -> BatchProvider:
        return _provider(self.name, self.fake, limits=limits)

    @property
    def create(self) -> str:
        return self.fake.create_operation


def _provider(
    name: str,
    fake: FakeBatchServer,
    *,
    limits: BatchLimits | None = None,
    lookback: timedelta = DEFAULT_LOOKBACK,
) -> BatchProvider:
    if isinstance(fake, FakeOpenAI):
        return OpenAIBatchProvider(
            fake.client(), DEFAULT_MODELS[name], limits=limits or OPENAI_LIMITS, lookback=lookback
        )
    assert isinstance(fake, FakeAnthropic)
    return AnthropicBatchProvider(
        fake.client(), DEFAULT_MODELS[name], limits=limits or ANTHROPIC_LIMITS, lookback=lookback
    )


@pytest.fixture(params=PROVIDERS)
def scene(request: pytest.FixtureRequest) -> Iterator[Scene]:
    fake: FakeBatchServer = FakeOpenAI() if request.param == "openai" else FakeAnthropic()
    with fake:
        yield Scene(request.param, fake, _provider(request.param, fake))


def prompts(count: int, *, max_tokens: int = 200) -> list[BatchRequest]:
    return [
        BatchRequest(f"section-{n}", SYSTEM, f"Summarise week 7, part {n}.", max_tokens)
        for n in range(count)
    ]


def by_id(results: list[BatchResult]) -> dict[str, BatchResult]:
    return {r.custom_id: r for r in results}


# -- a batch's life ---------------------------------------------------------------------


def test_a_batch_runs_from_submission_to_texts(scene: Scene) -> None:
    requests = prompts(2)

    batch_id = scene.provider.submit(requests, idempotency_key=KEY)
    first = scene.provider.poll(batch_id)
    second = scene.provider.poll(batch_id)
    results = by_id(scene.provider.results(batch_id))

    assert (first.status, first.results_ready) == (BatchStatus.IN_PROGRESS, False)
    assert (second.status, second.results_ready) == (BatchStatus.ENDED, True)
    assert second.batch_id == batch_id
    assert sorted(results) == ["section-0", "section-1"]
    for request in requests:
        result = results[request.custom_id]
        assert result.ok
        assert result.text == f"Fake summary of: {request.prompt}"
        assert result.input_tokens == fake_tokens(SYSTEM + request.prompt)
        assert result.output_tokens == fake_tokens(result.text)
    assert len(scene.fake.calls(scene.create)) == 1


def test_openai_batches_are_a_jsonl_file_of_chat_completions_tagged_with_the_key() -> None:
    with FakeOpenAI() as fake:
        provider = OpenAIBatchProvider(fake.client(), "gpt-4.1-mini")

        batch_id = provider.submit(prompts(1, max_tokens=300), idempotency_key=KEY)

        upload = fake.calls("files.create")[0]
        create = fake.calls("batches.create")[0].json
        [line] = fake.input_lines(batch_id)
    assert b'name="purpose"' in upload.body and b"batch" in upload.body
    assert create["endpoint"] == "/v1/chat/completions"
    assert create["completion_window"] == "24h"
    assert create["metadata"] == {KEY_METADATA_FIELD: KEY}
    assert line["custom_id"] == "section-0"
    assert (line["method"], line["url"]) == ("POST", "/v1/chat/completions")
    assert line["body"] == {
        "model": "gpt-4.1-mini",
        "messages": [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": "Summarise week 7, part 0."},
        ],
        "max_completion_tokens": 300,
    }


def test_anthropic_requests_carry_the_key_in_their_ids_and_come_back_unwrapped() -> None:
    with FakeAnthropic() as fake:
        provider = AnthropicBatchProvider(fake.client(), "claude-haiku-4-5")

        batch_id = provider.submit(prompts(2, max_tokens=300), idempotency_key=KEY)
        fake.complete(batch_id)
        results = provider.results(batch_id)

        request = fake.calls("messages.batches.create")[0].json["requests"][0]
        wire_ids = fake.custom_ids(batch_id)
    assert all(CUSTOM_ID_PATTERN.fullmatch(i) for i in wire_ids)
    assert len({i.removesuffix("section-0").removesuffix("section-1") for i in wire_ids}) == 1
    assert request["params"] == {
        "model": "claude-haiku-4-5",
        "max_tokens": 300,
        "system": SYSTEM,
        "messages": [{"role": "user", "content": "Summarise week 7, part 0."}],
    }
    assert sorted(r.custom_id for r in results) == ["section-0", "section-1"]


def test_results_are_not_ready_until_the_batch_ends(scene: Scene) -> None:
    scene.fake.polls_to_complete = None
    batch_id = scene.provider.submit(prompts(1), idempotency_key=KEY)

    for _ in range(3):
        assert scene.provider.poll(batch_id).status is BatchStatus.IN_PROGRESS
    with pytest.raises(ResultsNotReady):
        scene.provider.results(batch_id)

    scene.fake.complete(batch_id)
    assert scene.provider.poll(batch_id).status is BatchStatus.ENDED
    assert [r.ok for r in scene.provider.results(batch_id)] == [True]


def test_some_requests_error_and_the_rest_still_have_texts(scene: Scene) -> None:
    scene.fake.outcome = "partial"  # every second request errors
    batch_id = scene.provider.submit(prompts(3), idempotency_key=KEY)
    scene.fake.complete(batch_id)

    info = scene.provider.poll(batch_id)
    results = by_id(scene.provider.results(batch_id))

    assert (info.status, info.results_ready) == (BatchStatus.ENDED, True)
    assert results["section-0"].ok and results["section-2"].ok
    failed = results["section-1"]
    assert failed.text is None
    assert failed.error is not None and "Injected request failure" in failed.error
    assert (failed.input_tokens, failed.output_tokens) == (0, 0)


def test_an_expired_batch_keeps_the_results_it_finished(scene: Scene) -> None:
    batch_id = scene.provider.submit(prompts(4), idempotency_key=KEY)
    scene.fake.complete(batch_id, "expired")  # the first half ran

    info = scene.provider.poll(batch_id)
    results = by_id(scene.provider.results(batch_id))

    assert (info.status, info.results_ready) == (BatchStatus.EXPIRED, True)
    assert [results[f"section-{n}"].ok for n in range(4)] == [True, True, False, False]
    assert all("expired" in (results[f"section-{n}"].error or "") for n in (2, 3))


def test_a_cancelled_batch_is_final_with_partial_results(scene: Scene) -> None:
    batch_id = scene.provider.submit(prompts(2), idempotency_key=KEY)
    scene.fake.complete(batch_id, "cancelled")

    info = scene.provider.poll(batch_id)
    results = by_id(scene.provider.results(batch_id))

    assert info.status is BatchStatus.CANCELLED and info.status.is_final
    assert results["section-0"].ok
    assert "cancel" in (results["section-1"].error or "")


def test_a_failed_openai_batch_has_a_reason_and_no_results() -> None:
    with FakeOpenAI(outcome="failed") as fake:
        provider = OpenAIBatchProvider(fake.client(), "gpt-4.1-mini")
        batch_id = provider.submit(prompts(2), idempotency_key=KEY)
        fake.complete(batch_id)

        info = provider.poll(batch_id)
        assert (info.status, info.results_ready, info.raw_status) == (
            BatchStatus.FAILED,
            False,
            "failed",
        )
        assert info.error == "Injected batch failure."
        with pytest.raises(ResultsNotReady):
            provider.results(batch_id)


def test_an_anthropic_batch_whose_every_request_errored_counts_as_failed() -> None:
    with FakeAnthropic(outcome="failed") as fake:
        provider = AnthropicBatchProvider(fake.client(), "claude-haiku-4-5")
        batch_id = provider.submit(prompts(2), idempotency_key=KEY)
        fake.complete(batch_id)

        info = provider.poll(batch_id)
        results = provider.results(batch_id)

    assert (info.status, info.results_ready, info.raw_status) == (BatchStatus.FAILED, True, "ended")
    assert info.error == "all 2 requests errored"
    assert [r.ok for r in results] == [False, False]


def test_reply_text_comes_from_the_request() -> None:
    def shout(body: dict[str, object]) -> str:
        return default_reply(body).upper()

    with FakeOpenAI(reply=shout, polls_to_complete=1) as fake:
        provider = OpenAIBatchProvider(fake.client(), "gpt-4.1-mini")
        batch_id = provider.submit(prompts(1), idempotency_key=KEY)
        provider.poll(batch_id)
        [result] = provider.results(batch_id)
    assert result.text == "FAKE SUMMARY OF: SUMMARISE WEEK 7, PART 0."


# -- limits and validation --------------------------------------------------------------


def test_requests_are_split_at_the_providers_count_limit(scene: Scene) -> None:
    provider = scene.with_limits(BatchLimits(max_requests=2, max_bytes=10_000_000))

    chunks = split_requests(prompts(5), provider)
    ids = [provider.submit(chunk, idempotency_key=f"{KEY}#{n}") for n, chunk in enumerate(chunks)]

    assert [len(c) for c in chunks] == [2, 2, 1]
    assert [r.custom_id for c in chunks for r in c] == [f"section-{n}" for n in range(5)]
    assert len(set(ids)) == 3
    assert scene.fake.batch_ids == ids


def test_requests_are_split_at_the_providers_byte_limit(scene: Scene) -> None:
    requests = prompts(5)
    size = scene.provider.request_size(requests[0])
    # Just room for two requests and the JSON around them (16 bytes are set aside for it).
    provider = scene.with_limits(BatchLimits(max_requests=100, max_bytes=2 * size + 16))

    chunks = split_requests(requests, provider)

    assert [len(c) for c in chunks] == [2, 2, 1]
    for chunk in chunks:  # each chunk is accepted whole
        provider.submit(chunk, idempotency_key=f"{KEY}#{chunk[0].custom_id}")
    assert len(scene.fake.batch_ids) == 3


def test_a_batch_over_the_limit_is_refused_before_anything_is_sent(scene: Scene) -> None:
    provider = scene.with_limits(BatchLimits(max_requests=2, max_bytes=10_000_000))

    with pytest.raises(BatchTooLarge, match="split_requests"):
        provider.submit(prompts(3), idempotency_key=KEY)
    assert scene.fake.calls() == []


def test_a_single_request_over_the_byte_limit_cannot_be_split(scene: Scene) -> None:
    provider = scene.with_limits(BatchLimits(max_requests=10, max_bytes=50))

    with pytest.raises(BatchTooLarge, match="section-0"):
        split_requests(prompts(1), provider)


def test_the_real_limits_are_the_providers() -> None:
    with FakeOpenAI() as openai_fake, FakeAnthropic() as anthropic_fake:
        openai_limits = _provider("openai", openai_fake).limits
        anthropic_limits = _provider("anthropic", anthropic_fake).limits
    assert (openai_limits.max_requests, openai_limits.max_bytes) == (50_000, 200_000_000)
    assert (anthropic_limits.max_requests, anthropic_limits.max_bytes) == (100_000, 256_000_000)


@pytest.mark.parametrize(
    "custom_id",
    ["", "has space", "colon:inside", "x" * (MAX_CUSTOM_ID_LENGTH + 1), "émile"],
)
def test_custom_ids_every_provider_accepts(custom_id: str) -> None:
    with pytest.raises(ValueError, match="custom_id"):
        BatchRequest(custom_id, SYSTEM, "prompt", 100)
    assert BatchRequest("A-z_0" + "9" * (MAX_CUSTOM_ID_LENGTH - 5), "", "p", 1)


def test_a_batch_needs_unique_ids_and_at_least_one_request(scene: Scene) -> None:
    twice = [*prompts(2), prompts(1)[0]]
    with pytest.raises(ValueError, match=r"unique.*section-0"):
        scene.provider.submit(twice, idempotency_key=KEY)
    with pytest.raises(ValueError, match="at least one"):
        scene.provider.submit([], idempotency_key=KEY)
    with pytest.raises(ValueError, match="idempotency key"):
        scene.provider.submit(prompts(1), idempotency_key="")
    assert scene.fake.calls() == []


# -- never two batches for one submission -------------------------------------------------


def test_a_create_that_fails_with_500_is_not_retried(scene: Scene) -> None:
    scene.fake.fail_create(status=500, times=3)

    with pytest.raises(SubmitOutcomeUnknown):
        scene.provider.submit(prompts(1), idempotency_key=KEY)

    assert [c.status for c in scene.fake.calls(scene.create)] == [500]
    assert scene.fake.batch_ids == []
    assert scene.provider.find_by_key(KEY) is None


def test_a_rate_limited_create_is_refused_outright_and_not_retried(scene: Scene) -> None:
    scene.fake.fail_create(status=429)

    with pytest.raises(BatchSubmitError) as refused:
        scene.provider.submit(prompts(1), idempotency_key=KEY)

    assert not isinstance(refused.value, SubmitOutcomeUnknown)
    assert [c.status for c in scene.fake.calls(scene.create)] == [429]


def test_polls_retry_through_a_transient_server_error(scene: Scene) -> None:
    retrieve = scene.create.replace("create", "retrieve")
    batch_id = scene.provider.submit(prompts(1), idempotency_key=KEY)
    scene.fake.fail(retrieve, status=503)

    info = scene.provider.poll(batch_id)

    assert info.status is BatchStatus.IN_PROGRESS
    assert [c.status for c in scene.fake.calls(retrieve)] == [503, 200]


def test_a_poll_that_keeps_failing_raises_a_provider_error(scene: Scene) -> None:
    retrieve = scene.create.replace("create", "retrieve")
    batch_id = scene.provider.submit(prompts(1), idempotency_key=KEY)
    scene.fake.fail(retrieve, status=500, times=5)

    with pytest.raises(ProviderCallError):
        scene.provider.poll(batch_id)
    assert len(scene.fake.calls(retrieve)) == 3  # the SDKs' default: two retries


def test_openai_finds_a_batch_whose_create_answer_was_lost() -> None:
    with FakeOpenAI() as fake:
        provider = OpenAIBatchProvider(fake.client(), "gpt-4.1-mini")
        fake.drop_create()

        with pytest.raises(SubmitOutcomeUnknown):
            provider.submit(prompts(2), idempotency_key=KEY)
        # After the crash, the job reconciles before submitting again.
        found = provider.find_by_key(KEY)

        assert len(fake.calls("batches.create")) == 1
        assert found is not None and fake.batch_ids == [found]
        assert provider.poll(found).status is BatchStatus.IN_PROGRESS
        assert provider.poll(found).results_ready
        assert sorted(r.custom_id for r in provider.results(found)) == ["section-0", "section-1"]


def test_anthropic_finds_a_lost_batch_once_it_has_ended() -> None:
    with FakeAnthropic(polls_to_complete=None) as fake:
        provider = AnthropicBatchProvider(fake.client(), "claude-haiku-4-5")
        fake.drop_create()

        with pytest.raises(SubmitOutcomeUnknown):
            provider.submit(prompts(2), idempotency_key=KEY)
        [created] = fake.batch_ids
        # In progress, its requests cannot be read: no batch is adopted on a guess.
        assert provider.find_by_key(KEY) is None

        fake.complete(created)
        found = provider.find_by_key(KEY)

        assert len(fake.calls("messages.batches.create")) == 1
        assert found == created
        assert sorted(r.custom_id for r in provider.results(found)) == ["section-0", "section-1"]


def test_reconciliation_tells_keys_apart(scene: Scene) -> None:
    mine = scene.provider.submit(prompts(1), idempotency_key=KEY)
    theirs = scene.provider.submit(prompts(1), idempotency_key=KEY.replace("C0TEST", "C0OTHER"))
    for batch_id in (mine, theirs):
        scene.fake.complete(batch_id)

    assert scene.provider.find_by_key(KEY) == mine
    assert scene.provider.find_by_key(KEY.replace("C0TEST", "C0OTHER")) == theirs
    assert scene.provider.find_by_key(KEY.replace("C0TEST", "C0NONE")) is None


def test_reconciliation_looks_back_only_so_far(scene: Scene) -> None:
    scene.fake.clock = lambda: time.time() - timedelta(days=3).total_seconds()
    old = scene.provider.submit(prompts(1), idempotency_key=KEY)
    scene.fake.clock = time.time
    scene.fake.complete(old)

    assert scene.provider.find_by_key(KEY) is None
    week = _provider(scene.name, scene.fake, lookback=timedelta(days=7))
    assert week.find_by_key(KEY) == old


def test_listing_pages_through_every_batch_newest_first(scene: Scene) -> None:
    ids = [scene.provider.submit(prompts(1), idempotency_key=f"{KEY}#{n}") for n in range(5)]
    fake = scene.fake

    if isinstance(fake, FakeOpenAI):
        listed = [b.id for b in fake.client().batches.list(limit=2)]
        pages = fake.calls("batches.list")
    else:
        assert isinstance(fake, FakeAnthropic)
        listed = [b.id for b in fake.client().messages.batches.list(limit=2)]
        pages = fake.calls("messages.batches.list")

    assert listed == ids[::-1]
    assert len(pages) == 3


# -- money, settings, logs --------------------------------------------------------------


def test_batch_cost_is_below_the_synchronous_price(scene: Scene) -> None:
    batch_id = scene.provider.submit(prompts(3), idempotency_key=KEY)
    scene.fake.complete(batch_id)
    results = scene.provider.results(batch_id)

    on_batch, on_sync = batch_cost(scene.name, scene.provider.model, results)

    assert Decimal(0) < on_batch < on_sync
    prices = [
        quote(
            provider=Provider(scene.name),
            model=scene.provider.model,
            input_tokens=r.input_tokens,
            output_tokens=r.output_tokens,
            cost_per_request=None,
        )
        for r in results
    ]
    assert on_batch == sum((p.batch_per_request for p in prices), Decimal(0))
    assert on_sync == sum((p.sync_per_request for p in prices), Decimal(0))


def test_errored_requests_cost_nothing() -> None:
    errored = [BatchResult("a", None, "invalid_request_error: nope")]
    assert batch_cost("anthropic", "claude-haiku-4-5", errored) == (Decimal(0), Decimal(0))


def llm_settings(provider: str, **values: str) -> Settings:
    """Settings from these values only (no environment variable or .env of the machine)."""
    keys = {"openai_api_key": None, "anthropic_api_key": None}
    return Settings(_env_file=None, batchscout_llm_provider=provider, **{**keys, **values})  # type: ignore[call-arg, arg-type]


@pytest.mark.parametrize("name", ["openai", "anthropic"])
def test_no_provider_without_a_key(name: str) -> None:
    assert provider_from_settings(llm_settings(name)) is None
    assert provider_from_settings(llm_settings(name, **{f"{name}_api_key": ""})) is None
    assert provider_from_settings(llm_settings("none", openai_api_key="sk-x")) is None
    other = "anthropic" if name == "openai" else "openai"  # the other provider's key is no key
    assert provider_from_settings(llm_settings(name, **{f"{other}_api_key": "sk-x"})) is None


def test_an_unknown_provider_is_an_error() -> None:
    with pytest.raises(ValidationError, match="batchscout_llm_provider"):
        llm_settings("gemini")


@pytest.mark.parametrize("name", PROVIDERS)
def test_the_provider_comes_from_the_sdks_own_variables(name: str) -> None:
    fake: FakeBatchServer = FakeOpenAI() if name == "openai" else FakeAnthropic()
    with fake:
        base = fake.base_url + ("/v1" if name == "openai" else "")
        values = {f"{name}_api_key": "sk-from-env", f"{name}_base_url": base}

        default = provider_from_settings(llm_settings(name, **values))
        chosen = provider_from_settings(
            llm_settings(name, batchscout_digest_model="cheaper-model", **values)
        )
        assert default is not None and chosen is not None
        default.submit(prompts(1), idempotency_key=KEY)

        create = fake.calls(fake.create_operation)[0]
    assert (default.name, default.model, chosen.model) == (
        name,
        DEFAULT_MODELS[name],
        "cheaper-model",
    )
    assert "sk-from-env" in (create.header("Authorization") or create.header("x-api-key") or "")


def test_default_models_are_in_the_price_catalog() -> None:
    for name, model in DEFAULT_MODELS.items():
        assert (
            quote(
                provider=Provider(name),
                model=model,
                input_tokens=1000,
                output_tokens=100,
                cost_per_request=None,
            ).priced_model
            == model
        )


def test_logs_name_batches_and_never_the_key(scene: Scene, log_lines: LogLines) -> None:
    batch_id = scene.provider.submit(prompts(1), idempotency_key=KEY)
    scene.fake.complete(batch_id)
    scene.provider.poll(batch_id)
    scene.provider.results(batch_id)

    events = {e["event"]: e for e in log_lines.events("batchscout.jobs.llm_batch")}
    assert events["batch submitted"]["batch_id"] == batch_id
    assert events["batch submitted"]["provider"] == scene.name
    read = events["batch results read"]
    assert (read["provider"], read["batch_id"], read["succeeded"], read["errored"]) == (
        scene.name,
        batch_id,
        1,
        0,
    )
    assert "sk-" not in log_lines.text  # the SDKs' own debug lines included
