"""Pricing through the genai-prices catalog, with workspace overrides."""

from __future__ import annotations

from decimal import Decimal

import pytest

from batchscout.audit.pricing import (
    BatchBasis,
    ModelRate,
    PriceBook,
    PricingError,
    Provider,
    UnknownModelError,
    catalog_price,
    quote,
    search_models,
)


def price(
    provider: Provider,
    model: str,
    book: PriceBook | None = None,
    tokens: tuple[int, int] = (1000, 500),
):  # type: ignore[no-untyped-def]
    return quote(
        provider=provider,
        model=model,
        input_tokens=tokens[0],
        output_tokens=tokens[1],
        cost_per_request=None,
        book=book,
    )


def test_catalog_batch_price_is_used_where_the_catalog_has_one() -> None:
    result = price(Provider.OPENAI, "gpt-4o-mini")

    # gpt-4o-mini: $0.15 / $0.60 per 1M tokens sync, half on batch.
    assert result.sync_per_request == Decimal("0.00045")
    assert result.batch_per_request == Decimal("0.000225")
    assert result.batch_basis is BatchBasis.CATALOG
    assert result.priced_model == "gpt-4o-mini"
    assert "catalog" in result.basis_note


def test_without_a_catalog_batch_price_batch_is_half_and_says_so() -> None:
    result = price(Provider.OPENAI, "text-embedding-3-small", tokens=(400, 0))

    assert result.batch_per_request == result.sync_per_request * Decimal("0.5")
    assert result.batch_basis is BatchBasis.DEFAULT_DISCOUNT
    assert "50%" in result.basis_note


def test_bedrock_maps_to_the_catalogs_aws_provider() -> None:
    result = price(Provider.BEDROCK, "anthropic.claude-3-5-haiku-20241022-v1:0")

    assert result.sync_per_request > 0
    assert result.priced_model is not None and "claude-3-5-haiku" in result.priced_model


def test_the_model_actually_priced_is_reported() -> None:
    """A dated snapshot name is priced as the catalog's model, and that id is returned."""
    result = price(Provider.OPENAI, "gpt-4o-2024-08-06")

    assert result.priced_model == "gpt-4o"


def test_an_unknown_model_lists_close_matches_and_is_never_guessed() -> None:
    with pytest.raises(UnknownModelError) as caught:
        price(Provider.OPENAI, "gpt-4o-mimi")

    assert "gpt-4o-mini" in caught.value.suggestions
    assert "Did you mean" in str(caught.value) and "gpt-4o-mini" in str(caught.value)


def test_provider_other_needs_a_cost_per_request() -> None:
    with pytest.raises(PricingError, match="cost per request"):
        price(Provider.OTHER, "in-house-llama")
    given = quote(
        provider=Provider.OTHER,
        model="in-house-llama",
        input_tokens=None,
        output_tokens=None,
        cost_per_request=Decimal("0.002"),
    )
    assert given.batch_per_request == Decimal("0.001")


def test_tokens_are_needed_to_price_a_model() -> None:
    with pytest.raises(PricingError, match="tokens"):
        quote(
            provider=Provider.OPENAI,
            model="gpt-4o",
            input_tokens=None,
            output_tokens=100,
            cost_per_request=None,
        )


def test_a_workspace_batch_discount_overrides_the_default() -> None:
    book = PriceBook(batch_discount=Decimal("0.6"))

    from_cost = quote(
        provider=None,
        model=None,
        input_tokens=None,
        output_tokens=None,
        cost_per_request=Decimal("0.01"),
        book=book,
    )
    from_model = price(Provider.OPENAI, "gpt-4o-mini", book=book)

    assert from_cost.batch_per_request == Decimal("0.004")
    assert from_cost.batch_basis is BatchBasis.WORKSPACE_DISCOUNT
    assert from_model.batch_per_request == from_model.sync_per_request * Decimal("0.4")


def test_negotiated_model_rates_replace_the_catalog() -> None:
    book = PriceBook(
        rates={
            (Provider.OPENAI, "gpt-4o"): ModelRate(
                Decimal(2), Decimal(8), Decimal("0.8"), Decimal("3")
            )
        }
    )

    result = price(Provider.OPENAI, "GPT-4o", book=book)

    assert result.sync_per_request == Decimal("0.006")  # 1000 × $2 + 500 × $8 per 1M
    assert result.batch_per_request == Decimal("0.0023")
    assert result.batch_basis is BatchBasis.WORKSPACE_PRICE


def test_catalog_price_per_million_tokens() -> None:
    sonnet = catalog_price(Provider.ANTHROPIC, "claude-sonnet-4-5")

    assert (sonnet.input_per_mtok, sonnet.output_per_mtok) == (Decimal(3), Decimal(15))
    assert (sonnet.batch_input_per_mtok, sonnet.batch_output_per_mtok) == (
        Decimal("1.5"),
        Decimal("7.5"),
    )


def test_search_models_puts_substring_matches_first() -> None:
    found = search_models(Provider.ANTHROPIC, "haiku")

    assert found and all("haiku" in m for m in found[:3])
