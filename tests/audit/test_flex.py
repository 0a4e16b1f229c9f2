"""Service tiers (SPEC.md, "Service tiers"): flex where the catalog prices it, never assumed.

Expected figures are the catalog's own: priced here with genai-prices' public ``calc_price``
and its ``service_tier`` price context, independently of Batchscout's pricing code.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import genai_prices
import pytest

from batchscout.audit.advice import TIER_ADVICE, tier_advice
from batchscout.audit.assessment import NoLanePriceError, assess
from batchscout.audit.inventory import WorkflowSpec, parse_inventory
from batchscout.audit.latency import Freshness, LatencyClass, Mode, Reader, Trigger
from batchscout.audit.money import cents_str
from batchscout.audit.pricing import ModelRate, PriceBook, Provider, ServiceTier, catalog_price
from batchscout.audit.savings import AdviceTier, Bucket, Per, portfolio

FLEX_MODEL = "gpt-5-mini"  # OpenAI prices flex for it in the installed catalog
NO_FLEX_MODEL = "gpt-4o-mini"  # OpenAI: standard, batch and priority, no flex
TOKENS_IN, TOKENS_OUT = 1500, 400
PER_DAY = Decimal(200_000)


def catalog_per_request(model: str, context: dict[str, str] | None = None) -> Decimal:
    usage = genai_prices.Usage(input_tokens=TOKENS_IN, output_tokens=TOKENS_OUT)
    return genai_prices.calc_price(
        usage,
        model,
        provider_id="openai",
        genai_request_timestamp=datetime.now(UTC),
        price_context=context,
    ).total_price


def triage(model: str = FLEX_MODEL, **changes: object) -> WorkflowSpec:
    """A near-real-time ticket triage: an event, read later from a queue, within minutes."""
    spec = WorkflowSpec(
        name="Ticket triage",
        provider=Provider.OPENAI,
        model=model,
        requests=PER_DAY,
        per=Per.DAY,
        input_tokens=TOKENS_IN,
        output_tokens=TOKENS_OUT,
        trigger=Trigger.EVENT,
        reader=Reader.LATER,
        freshness=Freshness.MINUTES,
    )
    return replace(spec, **changes)  # type: ignore[arg-type]


def test_near_real_time_on_a_flex_model_gets_flex_to_the_cent() -> None:
    standard = catalog_per_request(FLEX_MODEL)
    flex = catalog_per_request(FLEX_MODEL, {"service_tier": "flex"})
    assert flex < standard  # the catalog really has a flex price for the model

    result = assess(triage())
    figures = result.figures

    monthly = PER_DAY * 30
    assert result.classification.latency_class is LatencyClass.NEAR_REAL_TIME
    assert result.quote.flex_per_request == flex
    assert figures.advice_tier is AdviceTier.FLEX
    assert cents_str(figures.flex_monthly_savings) == cents_str((standard - flex) * monthly)
    assert figures.flex_monthly_savings > 0
    total = portfolio([figures])
    assert total.flex_now == figures.flex_monthly_savings
    # to_challenge keeps its meaning: what batch would save if the requirement were relaxed.
    batch = catalog_per_request(FLEX_MODEL, {"processing": "batch"})
    assert cents_str(total.to_challenge) == cents_str((standard - batch) * monthly)
    assert total.monthly_spend == standard * monthly


def test_no_flex_price_means_no_flex_advice_never_an_assumed_half() -> None:
    figures = assess(triage(NO_FLEX_MODEL)).figures

    assert figures.advice_tier is AdviceTier.STANDARD
    assert figures.flex_monthly is None and figures.flex_monthly_savings == 0
    assert portfolio([figures]).flex_now == 0
    assert figures.bucket is Bucket.TO_CHALLENGE and figures.monthly_savings > 0


@pytest.mark.parametrize(
    ("provider", "model"),
    [(Provider.ANTHROPIC, "claude-haiku-4-5"), (Provider.GOOGLE, "gemini-2.5-flash")],
)
def test_providers_without_a_flex_tier_get_none(provider: Provider, model: str) -> None:
    figures = assess(triage(model, provider=provider)).figures

    assert figures.advice_tier is AdviceTier.STANDARD and figures.flex_monthly_savings == 0


def test_real_time_is_never_offered_flex() -> None:
    live = triage(reader=Reader.ON_SCREEN, freshness=Freshness.SECONDS, trigger=Trigger.USER)
    result = assess(live)

    assert result.classification.latency_class is LatencyClass.REAL_TIME
    assert result.quote.flex_per_request is not None  # the price exists ...
    assert result.figures.advice_tier is AdviceTier.STANDARD  # ... but is never advised
    assert result.figures.flex_monthly_savings == 0
    assert portfolio([result.figures]).flex_now == 0


def test_scheduled_work_is_advised_batch_and_not_counted_in_flex_now() -> None:
    nightly = assess(triage(trigger=Trigger.SCHEDULE, reader=Reader.REPORT, freshness="day"))

    assert nightly.figures.advice_tier is AdviceTier.BATCH
    total = portfolio([nightly.figures])
    assert total.flex_now == 0 and total.migrate_now > 0


def test_a_cost_per_request_has_no_flex_price() -> None:
    spec = triage(
        provider=None,
        model=None,
        input_tokens=None,
        output_tokens=None,
        cost_per_request=Decimal("0.01"),
    )
    result = assess(spec)

    assert result.quote.flex_per_request is None
    assert result.figures.advice_tier is AdviceTier.STANDARD
    assert result.figures.monthly_savings == Decimal(30_000)  # batch, as before


def test_a_workflow_on_flex_counts_as_realised_at_the_flex_price() -> None:
    standard = catalog_per_request(FLEX_MODEL)
    flex = catalog_per_request(FLEX_MODEL, {"service_tier": "flex"})
    figures = assess(triage(mode=Mode.FLEX)).figures
    total = portfolio([figures])

    monthly = PER_DAY * 30
    assert figures.bucket is Bucket.REALISED and figures.advice_tier is AdviceTier.FLEX
    assert figures.monthly_cost == flex * monthly
    assert cents_str(total.realised) == cents_str((standard - flex) * monthly)
    assert total.flex_now == 0 and total.to_challenge == 0


def test_flex_mode_without_a_flex_price_is_refused_on_the_mode_column() -> None:
    with pytest.raises(NoLanePriceError, match="no flex price") as refused:
        assess(triage(NO_FLEX_MODEL, mode=Mode.FLEX))

    assert refused.value.column == "mode"


def test_a_negotiated_rate_replaces_the_catalog_flex_price_too() -> None:
    key = (Provider.OPENAI, FLEX_MODEL)
    without = PriceBook(rates={key: ModelRate(Decimal("0.2"), Decimal("1.6"))})
    with_flex = PriceBook(
        rates={
            key: ModelRate(
                Decimal("0.2"),
                Decimal("1.6"),
                flex_input_per_mtok=Decimal("0.1"),
                flex_output_per_mtok=Decimal("0.9"),
            )
        }
    )

    assert assess(triage(), without).figures.advice_tier is AdviceTier.STANDARD
    quoted = assess(triage(), with_flex).quote
    assert quoted.flex_per_request == (Decimal("0.1") * 1500 + Decimal("0.9") * 400) / 10**6


def test_a_batch_discount_leaves_the_flex_price_alone() -> None:
    plain = assess(triage()).quote
    discounted = assess(triage(), PriceBook(batch_discount=Decimal("0.6"))).quote

    assert discounted.flex_per_request == plain.flex_per_request
    assert discounted.batch_per_request != plain.batch_per_request


def test_the_inventory_accepts_mode_flex() -> None:
    text = (
        "name,provider,model,requests,per,input_tokens,output_tokens,trigger,reader,freshness,mode\n"
        "Triage,openai,gpt-5-mini,100,day,1000,200,event,later,minutes,flex\n"
    )
    (spec,) = parse_inventory(text, "inventory.csv")
    assert spec.mode is Mode.FLEX


def test_catalog_prices_list_flex_and_priority_only_where_priced() -> None:
    flex_model = catalog_price(Provider.OPENAI, FLEX_MODEL)
    no_flex = catalog_price(Provider.OPENAI, NO_FLEX_MODEL)
    haiku = catalog_price(Provider.ANTHROPIC, "claude-haiku-4-5")

    assert flex_model.tiers[ServiceTier.FLEX] == (Decimal("0.125"), Decimal("1"))
    assert ServiceTier.FLEX not in no_flex.tiers and ServiceTier.PRIORITY in no_flex.tiers
    assert haiku.tiers == {}


def test_flex_advice_says_what_to_change_expect_and_avoid() -> None:
    advice = tier_advice(AdviceTier.FLEX)
    assert advice is not None
    assert 'service_tier="flex"' in advice.change
    assert any("429" in line and "backoff" in line for line in advice.expect)
    assert any("timeout" in line for line in advice.expect)
    assert "on screen" in advice.not_when
    assert tier_advice(AdviceTier.STANDARD) is None and AdviceTier.BATCH in TIER_ADVICE


def test_the_digest_states_flex_now_and_keeps_it_when_stored() -> None:
    from batchscout.audit.digest import (
        DigestFacts,
        DigestItem,
        build_facts,
        headline,
        llm_prompt,
        prose_matches_facts,
        template_prose,
    )
    from batchscout.audit.money import format_usd

    now = datetime.now(UTC)
    result = assess(triage())
    item = DigestItem("Ticket triage", None, LatencyClass.NEAR_REAL_TIME, True, Mode.SYNC,
                      result.figures, now, now)  # fmt: skip
    facts = build_facts([item], since=None)
    flex_now = format_usd(result.figures.flex_monthly_savings)

    assert facts.flex_now == result.figures.flex_monthly_savings > 0
    assert facts.challenge[0].flex_now == facts.flex_now
    prose = template_prose(facts)
    assert f"{flex_now}/month can be saved by moving near-real-time work to flex" == headline(facts)
    assert prose == (
        "A batch API would save the same if the requirement were relaxed; flex keeps the "
        "same synchronous call, so prefer it."
    )
    assert prose_matches_facts(prose, facts)
    assert flex_now in llm_prompt(facts)[1]
    assert DigestFacts.from_dict(facts.to_dict()) == facts
    # Facts stored before service tiers still load, with no flex figure.
    old = facts.to_dict()
    del old["flex_now"]
    for line in old["challenge"]:
        del line["flex_now"]
    assert DigestFacts.from_dict(old).flex_now == 0
