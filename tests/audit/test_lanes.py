"""Every lane (SPEC.md, "Every lane"): each figure against a hand calculation from the price
catalog's own prices per million tokens, read here straight from genai-prices' data (the
model's price on each price context), never from the code under test."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from genai_prices.data import providers as catalog
from genai_prices.types import TieredPrices

from batchscout.audit.assessment import assess, assess_all
from batchscout.audit.inventory import InventoryError, WorkflowSpec, parse_csv, parse_yaml
from batchscout.audit.latency import Freshness, Mode, Reader, Trigger
from batchscout.audit.pricing import ModelRate, PriceBook, Provider
from batchscout.audit.savings import Per, portfolio

MILLION = Decimal(1_000_000)
NOW = datetime.now(UTC)
CONTEXTS = {
    "standard": None,
    "batch": {"processing": "batch"},
    "flex": {"service_tier": "flex"},
    "priority": {"service_tier": "priority"},
}


def mtok(provider: str, model: str, lane: str) -> dict[str, Decimal | None]:
    """The catalog's input, cache-read and output prices per million tokens on a lane."""
    info = next(m for p in catalog if p.id == provider for m in p.models if m.id == model)
    price = info.get_prices(NOW, CONTEXTS[lane])  # type: ignore[arg-type]

    def base(value: object) -> Decimal | None:
        return value.base if isinstance(value, TieredPrices) else value  # type: ignore[return-value]

    return {
        "input": base(price.input_mtok),
        "cache_read": base(price.cache_read_mtok),
        "output": base(price.output_mtok),
    }


def by_hand(provider: str, model: str, lane: str, tokens_in: int, tokens_out: int) -> Decimal:
    """One request's price on a lane: (input × in + output × out) / 1M."""
    p = mtok(provider, model, lane)
    assert p["input"] is not None and p["output"] is not None
    return (p["input"] * tokens_in + p["output"] * tokens_out) / MILLION


def spec(**changes: object) -> WorkflowSpec:
    base = WorkflowSpec(
        name="W",
        requests=Decimal(20_000),
        per=Per.DAY,
        trigger=Trigger.SCHEDULE,
        reader=Reader.REPORT,
        freshness=Freshness.DAY,
        provider=Provider.OPENAI,
        model="gpt-4.1",
        input_tokens=3000,
        output_tokens=400,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_scheduled_priority_workflow_shows_every_lane_and_its_waste() -> None:
    figures = assess(spec(mode=Mode.PRIORITY)).figures
    month = Decimal(20_000 * 30)
    lanes = {lane: by_hand("openai", "gpt-4.1", lane, 3000, 400) * month for lane in CONTEXTS}
    assert figures.lanes["standard"] == lanes["standard"]
    assert figures.lanes["batch"] == lanes["batch"]
    assert figures.lanes["priority"] == lanes["priority"]
    assert figures.lanes["flex"] is None  # gpt-4.1 has no flex price in the catalog
    assert figures.monthly_cost == lanes["priority"]
    # Scheduled: the cheapest lane its class allows is batch; the batch saving starts at priority.
    assert figures.priority_waste == lanes["priority"] - lanes["batch"]
    assert figures.monthly_savings == lanes["priority"] - lanes["batch"]
    totals = portfolio([figures])
    assert totals.monthly_spend == lanes["priority"]
    assert totals.migrate_now == lanes["priority"] - lanes["batch"]
    assert totals.priority_waste == figures.priority_waste
    assert totals.spend_after == lanes["batch"]


def test_a_near_real_time_priority_workflow_wastes_the_premium_over_flex_where_priced() -> None:
    nrt = {"trigger": Trigger.EVENT, "reader": Reader.LATER, "freshness": Freshness.MINUTES}
    with_flex = assess(spec(model="gpt-5-mini", mode=Mode.PRIORITY, **nrt)).figures
    month = Decimal(20_000 * 30)
    priority = by_hand("openai", "gpt-5-mini", "priority", 3000, 400) * month
    flex = by_hand("openai", "gpt-5-mini", "flex", 3000, 400) * month
    batch = by_hand("openai", "gpt-5-mini", "batch", 3000, 400) * month
    assert with_flex.priority_waste == priority - flex
    assert with_flex.monthly_savings == priority - batch  # counts in to_challenge, from priority
    assert portfolio([with_flex]).to_challenge == priority - batch

    without_flex = assess(spec(mode=Mode.PRIORITY, **nrt)).figures  # gpt-4.1: no flex price
    standard = by_hand("openai", "gpt-4.1", "standard", 3000, 400) * month
    assert without_flex.priority_waste == (
        by_hand("openai", "gpt-4.1", "priority", 3000, 400) * month - standard
    )


def test_real_time_priority_wastes_nothing() -> None:
    figures = assess(
        spec(
            mode=Mode.PRIORITY,
            trigger=Trigger.USER,
            reader=Reader.ON_SCREEN,
            freshness=Freshness.SECONDS,
        )
    ).figures
    assert figures.priority_waste == 0
    assert figures.monthly_savings == 0
    assert figures.monthly_cost == figures.lanes["priority"]


def test_the_cache_saving_is_priced_with_the_catalogs_cache_read_price() -> None:
    figures = assess(
        spec(
            provider=Provider.ANTHROPIC,
            model="claude-sonnet-4-5",
            requests=Decimal(100_000),
            input_tokens=4000,
            output_tokens=300,
            trigger=Trigger.USER,
            reader=Reader.ON_SCREEN,
            freshness=Freshness.SECONDS,
            cached_share=Decimal("0.8"),
        )
    ).figures
    p = mtok("anthropic", "claude-sonnet-4-5", "standard")
    assert p["input"] is not None and p["cache_read"] is not None
    cached_tokens = Decimal("0.8") * 4000
    hand = cached_tokens * (p["input"] - p["cache_read"]) / MILLION * 100_000 * 30
    assert figures.cache_monthly_savings == hand
    assert portfolio([figures]).cache_now == hand
    assert portfolio([figures._replace(caching=True)]).cache_now == 0
    assert portfolio([figures._replace(caching=True)]).realised == hand


def test_the_cache_saving_follows_the_lane_the_workflow_runs_on() -> None:
    # OpenAI's gpt-4.1 batch price halves input but not the cache-read price: on batch, a cache
    # saves (batch input − cache read) per token, less than on standard.
    batch = assess(spec(mode=Mode.BATCH, cached_share=Decimal("0.5"))).figures
    standard = assess(spec(cached_share=Decimal("0.5"))).figures
    on_batch = mtok("openai", "gpt-4.1", "batch")
    on_standard = mtok("openai", "gpt-4.1", "standard")
    assert on_batch["input"] and on_batch["cache_read"] and on_standard["input"]
    assert on_standard["cache_read"] is not None
    cached = Decimal(1500) * 20_000 * 30 / MILLION
    assert batch.cache_monthly_savings == cached * (on_batch["input"] - on_batch["cache_read"])
    assert standard.cache_monthly_savings == cached * (
        on_standard["input"] - on_standard["cache_read"]
    )
    assert batch.cache_monthly_savings < standard.cache_monthly_savings


def test_no_cached_share_or_no_cache_read_price_is_null() -> None:
    assert assess(spec()).figures.cache_monthly_savings is None
    no_cache_price = next(
        m.id
        for p in catalog
        if p.id == "openai"
        for m in p.models
        if not isinstance(m.prices, list)
        and m.prices.cache_read_mtok is None
        and m.prices.input_mtok is not None
        and m.prices.output_mtok is not None
        and m.id.startswith("gpt")
    )
    figures = assess(spec(model=no_cache_price, cached_share=Decimal("0.5"))).figures
    assert figures.cache_monthly_savings is None


def test_a_cost_per_request_workflow_has_standard_and_batch_only() -> None:
    figures = assess(
        spec(provider=None, model=None, cost_per_request=Decimal("0.01"), requests=Decimal(50_000))
    ).figures
    assert figures.lanes == {
        "standard": Decimal("15000.00"),
        "batch": Decimal("7500.000"),
        "flex": None,
        "priority": None,
    }
    assert figures.monthly_savings == Decimal(7500)  # the reference case, unchanged


def test_a_negotiated_rate_replaces_the_catalog_so_it_has_no_priority_or_cache_price() -> None:
    book = PriceBook(
        rates={(Provider.OPENAI, "gpt-4.1"): ModelRate(Decimal(1), Decimal(4))},
    )
    figures = assess(spec(cached_share=Decimal("0.5")), book).figures
    assert figures.lanes["standard"] == (Decimal(3000) + Decimal(1600)) / MILLION * 600_000
    assert figures.lanes["priority"] is None
    assert figures.cache_monthly_savings is None
    with pytest.raises(InventoryError) as error:
        assess_all([spec(mode=Mode.PRIORITY, line=2)], book)
    (problem,) = error.value.problems
    assert (problem.line, problem.column) == (2, "mode")
    assert "negotiated rate" in problem.message


HEADER = "name,provider,model,requests,per,input_tokens,output_tokens,cost_per_request,trigger,reader,freshness,mode,cached_share\n"


def test_cached_share_in_csv_accepts_shares_and_percentages() -> None:
    specs = parse_csv(
        HEADER
        + "A,openai,gpt-4.1,10,day,100,10,,user,on-screen,seconds,sync,80%\n"
        + "B,openai,gpt-4.1,10,day,100,10,,user,on-screen,seconds,sync,0.25\n"
        + "C,openai,gpt-4.1,10,day,100,10,,user,on-screen,seconds,priority,\n"
    )
    assert [s.cached_share for s in specs] == [Decimal("0.8"), Decimal("0.25"), None]
    assert specs[2].mode is Mode.PRIORITY


def test_bad_cached_share_and_priority_are_problems_on_their_line_and_column() -> None:
    with pytest.raises(InventoryError) as error:
        parse_csv(
            HEADER
            + "A,openai,gpt-4.1,10,day,100,10,,user,on-screen,seconds,sync,80\n"
            + "B,openai,gpt-4.1,10,day,100,10,,user,on-screen,seconds,sync,1.5\n"
            + "C,,,10,day,,,0.01,user,on-screen,seconds,priority,\n"
            + "D,openai,gpt-4.1,10,day,100,10,,user,on-screen,seconds,sync,-0.2\n"
        )
    where = {(p.line, p.column): p.message for p in error.value.problems}
    assert set(where) == {
        (2, "cached_share"),
        (3, "cached_share"),
        (4, "mode"),
        (5, "cached_share"),
    }
    assert "0.8 or 80%" in where[(2, "cached_share")]
    assert "cost_per_request" in where[(4, "mode")]
    assert "nothing was stored" in str(error.value)


def test_bad_cached_share_in_yaml_is_a_problem_on_its_line() -> None:
    text = (
        "workflows:\n"
        "  - name: A\n    requests: 10\n    cost_per_request: 0.01\n"
        "    trigger: user\n    reader: on-screen\n    freshness: seconds\n    cached_share: 80\n"
        "  - name: B\n    requests: 10\n    cost_per_request: 0.01\n"
        "    trigger: user\n    reader: on-screen\n    freshness: seconds\n    cached_share: 0.8\n"
        "  - name: C\n    requests: 10\n    cost_per_request: 0.01\n"
        "    trigger: user\n    reader: on-screen\n    freshness: seconds\n    cached_share: '80%'\n"
    )
    with pytest.raises(InventoryError) as error:
        parse_yaml(text)
    assert [(p.line, p.column) for p in error.value.problems] == [(2, "cached_share")]
    good = parse_yaml(text.replace("cached_share: 80\n", "cached_share: 0.5\n", 1))
    assert [s.cached_share for s in good] == [Decimal("0.5"), Decimal("0.8"), Decimal("0.8")]


def test_priority_where_the_catalog_has_no_priority_price_is_refused_on_mode() -> None:
    assert mtok("anthropic", "claude-sonnet-4-5", "priority") == mtok(
        "anthropic", "claude-sonnet-4-5", "standard"
    )  # Anthropic sells no priority tier in the catalog
    with pytest.raises(InventoryError) as error:
        assess_all(
            [
                spec(
                    provider=Provider.ANTHROPIC,
                    model="claude-sonnet-4-5",
                    mode=Mode.PRIORITY,
                    line=7,
                )
            ]
        )
    (problem,) = error.value.problems
    assert (problem.line, problem.column) == (7, "mode")
    assert "no priority price" in problem.message


# --- The registration conversation ---------------------------------------------------------

from batchscout.audit.registration import Conversation, StepKind, summary_lines  # noqa: E402

ASK_UNTIL_MODE = [
    "Chat panel",  # name
    "skip",  # description
    "",  # owner: the invoker
    "anthropic",
    "claude-sonnet-4-5",
    "100k/day",
    "4000",
    "300",
    "user",
    "on screen",
    "seconds",
]


def converse(*answers: str) -> tuple[Conversation, list[object]]:
    conversation = Conversation.start(invoker="U0ME0001")
    steps = [conversation.answer(text) for text in answers]
    return conversation, steps


def test_the_conversation_asks_for_the_cached_share_explaining_a_repeated_prefix() -> None:
    conversation, _ = converse(*ASK_UNTIL_MODE, "sync")
    prompt = conversation.current_step().prompt
    assert prompt is not None and prompt.key == "cached_share"
    help_text = conversation.answer("help").message or ""
    assert "repeated prefix" in help_text and "system prompt" in help_text

    for typed in ("80", "1.5", "lots"):
        step = conversation.answer(typed)
        assert step.prompt is not None and step.prompt.key == "cached_share"
        assert step.prompt.error is not None and "80%" in step.prompt.error
    step = conversation.answer("80%")
    assert step.prompt is not None and step.prompt.key == "usage_project"
    step = conversation.answer("skip")
    assert step.kind is StepKind.SUMMARY and step.assessment is not None
    assert step.assessment.spec.cached_share == Decimal("0.8")
    p = mtok("anthropic", "claude-sonnet-4-5", "standard")
    assert p["input"] is not None and p["cache_read"] is not None
    hand = Decimal("0.8") * 4000 * (p["input"] - p["cache_read"]) / MILLION * 100_000 * 30
    assert step.assessment.figures.cache_monthly_savings == hand
    assert summary_lines(step.assessment)  # the card renders


def test_priority_on_a_model_without_a_priority_price_goes_back_to_the_mode() -> None:
    conversation, steps = converse(*ASK_UNTIL_MODE, "priority", "skip", "skip")
    step = steps[-1]  # instead of the summary: the mode again, with the reason
    assert isinstance(step, type(conversation.current_step()))
    assert step.kind is not StepKind.SUMMARY
    assert step.prompt is not None and step.prompt.key == "mode"
    assert step.prompt.error is not None and "no priority price" in step.prompt.error
    step = conversation.answer("sync")
    assert step.kind is StepKind.SUMMARY


# --- Knowledge checks on the new lanes ---------------------------------------------------------

from batchscout.audit.quiz import scenario_question  # noqa: E402


def test_priority_waste_checks_use_the_catalogs_priority_and_batch_prices() -> None:
    for seed in range(30):
        instance = scenario_question("scenario-priority-waste", seed)
        params = instance.params
        model = str(params["model"])
        tin, tout = int(str(params["input_tokens"])), int(str(params["output_tokens"]))
        priority = by_hand("openai", model, "priority", tin, tout)
        standard = by_hand("openai", model, "standard", tin, tout)
        batch = by_hand("openai", model, "batch", tin, tout)
        if mtok("openai", model, "batch") == mtok("openai", model, "standard"):
            batch = standard / 2  # no catalog batch price: SPEC.md's 50% fallback
        assert priority > standard  # a real premium
        assert instance.question.numeric is not None
        hand = (priority - batch) * Decimal(str(params["requests"])) * 30
        assert instance.question.numeric.value == hand
        assert 'service_tier="priority"' in instance.question.prompt


def test_cache_checks_use_the_catalogs_cache_read_price_on_each_lane() -> None:
    stacking = set()
    for template, lane in (
        ("scenario-cache-savings", "standard"),
        ("scenario-batch-cache-stack", "batch"),
    ):
        for seed in range(40):
            instance = scenario_question(template, seed)
            params = instance.params
            provider = "aws" if params["provider"] == "bedrock" else str(params["provider"])
            prices = mtok(provider, str(params["model"]), lane)
            assert prices["input"] is not None and prices["cache_read"] is not None
            assert Decimal(str(params["input_per_mtok"])) == prices["input"]
            assert Decimal(str(params["cache_read_per_mtok"])) == prices["cache_read"]
            hand = (
                Decimal(str(params["cached_tokens"]))
                * (prices["input"] - prices["cache_read"])
                / MILLION
                * Decimal(str(params["requests"]))
                * 30
            )
            assert instance.question.numeric is not None
            assert instance.question.numeric.value == hand
            if lane == "batch":
                standard = mtok(provider, str(params["model"]), "standard")["cache_read"]
                stacking.add("stack" if prices["cache_read"] < standard else "overlap")
                assert ("stack" in instance.question.explanation) == (
                    prices["cache_read"] < (standard or 0)
                )
    assert stacking == {"stack", "overlap"}  # providers and models differ, from the catalog
