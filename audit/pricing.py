"""Prices per request, synchronous, batch and flex, from the `genai-prices` catalog.

Workspaces may override the catalog: a negotiated batch discount, or their own per-model
prices. A model the catalog does not know is an error listing close matches; the model that
was actually priced (the catalog's id) is always returned so it can be stored and shown.

Service tiers (SPEC.md, "Service tiers"): a flex (or priority) price exists only where the
catalog has one for that provider and model, read through its ``service_tier`` price context;
it is never derived from the batch discount. A workspace's negotiated rate for a model replaces
the catalog for that model, flex included: such a model has a flex price only when the rate
gives one. A workspace's batch discount changes batch prices only, never flex.

The catalog is read through genai-prices' public API only: :func:`genai_prices.calc_price`
prices a request, its ``price_context`` selects a tier's price (:data:`TIER_CONTEXTS`), and
the bundled ``genai_prices.data.providers`` list (what the package's own ``list`` command
reads) names the models for search and suggestions.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from functools import cache

import genai_prices
from genai_prices.data import providers as catalog_providers
from genai_prices.types import ModelPrice, PriceCalculation, PriceContext, TieredPrices

from batchscout.audit.savings import DEFAULT_BATCH_RATIO

MILLION = Decimal(1_000_000)
#: The usage priced when only a tier's prices per million tokens are wanted.
_ONE_TOKEN_EACH = genai_prices.Usage(input_tokens=1, output_tokens=1)


class ServiceTier(StrEnum):
    """How a request is processed and billed: SPEC.md's tiers, the catalog's price contexts.

    ``standard`` is the synchronous default; ``batch`` the provider batch API (answers within
    24 h); ``flex`` the batch price on the synchronous endpoint (OpenAI ``service_tier="flex"``:
    seconds to minutes, occasional "resource unavailable"); ``priority`` a premium for speed.
    """

    STANDARD = "standard"
    BATCH = "batch"
    FLEX = "flex"
    PRIORITY = "priority"


#: The catalog's price context for each tier other than standard.
TIER_CONTEXTS: dict[ServiceTier, PriceContext] = {
    ServiceTier.BATCH: {"processing": "batch"},
    ServiceTier.FLEX: {"service_tier": "flex"},
    ServiceTier.PRIORITY: {"service_tier": "priority"},
}


class Provider(StrEnum):
    """Providers a workflow can run on (SPEC.md's inventory column ``provider``)."""

    OPENAI = "openai"
    ANTHROPIC = "anthropic"
    GOOGLE = "google"
    BEDROCK = "bedrock"
    OTHER = "other"


#: How people read a provider's name, the one way every surface writes it.
PROVIDER_NAMES: dict[Provider, str] = {
    Provider.OPENAI: "OpenAI",
    Provider.ANTHROPIC: "Anthropic",
    Provider.GOOGLE: "Google",
    Provider.BEDROCK: "AWS Bedrock",
    Provider.OTHER: "another provider",
}


def provider_name(provider: Provider | str) -> str:
    """``OpenAI``, ``Anthropic``, ``Google``, ``AWS Bedrock``: a provider as people write it;
    a name the enum does not know is shown as given."""
    try:
        return PROVIDER_NAMES[Provider(provider)]
    except ValueError:
        return str(provider)


#: Our provider names → the catalog's provider ids. ``other`` has no catalog entry.
CATALOG_IDS: dict[Provider, str] = {
    Provider.OPENAI: "openai",
    Provider.ANTHROPIC: "anthropic",
    Provider.GOOGLE: "google",
    Provider.BEDROCK: "aws",
}


class BatchBasis(StrEnum):
    """Where a batch price came from."""

    CATALOG = "catalog"
    DEFAULT_DISCOUNT = "default-discount"
    WORKSPACE_DISCOUNT = "workspace-discount"
    WORKSPACE_PRICE = "workspace-price"


class PricingError(ValueError):
    """A workflow cannot be priced; the message says why and what would work."""


class UnknownModelError(PricingError):
    """The catalog has no such model for that provider."""

    def __init__(self, provider: Provider, model: str, suggestions: list[str]) -> None:
        self.provider = provider
        self.model = model
        self.suggestions = suggestions
        hint = (
            f" Did you mean: {', '.join(suggestions)}?"
            if suggestions
            else " Give a cost per request instead."
        )
        super().__init__(f"The price catalog has no {provider} model “{model}”.{hint}")


class AmbiguousModelError(PricingError):
    """Several providers price a model of that name: the provider must be named."""


@dataclass(frozen=True, slots=True)
class ModelRate:
    """Prices in US dollars per million tokens."""

    input_per_mtok: Decimal
    output_per_mtok: Decimal
    batch_input_per_mtok: Decimal | None = None
    batch_output_per_mtok: Decimal | None = None
    flex_input_per_mtok: Decimal | None = None
    flex_output_per_mtok: Decimal | None = None


@dataclass(frozen=True, slots=True)
class PriceBook:
    """A workspace's overrides of the catalog.

    ``batch_discount`` is the share saved by batch (0.5 means batch costs half);
    ``rates`` maps ``(provider, model)`` (model lower-cased) to negotiated prices.
    """

    batch_discount: Decimal | None = None
    rates: Mapping[tuple[Provider, str], ModelRate] = field(default_factory=dict)

    def rate_for(self, provider: Provider, model: str) -> ModelRate | None:
        """Return the workspace's own price for a model, if it has one."""
        return self.rates.get((Provider(provider), model.strip().lower()))


@dataclass(frozen=True, slots=True)
class PriceQuote:
    """What one request costs in US dollars: synchronously, on the batch API and on flex.

    ``flex_per_request`` is ``None`` where there is no flex price: the catalog has none for the
    model, the workspace's negotiated rate gives none, or the cost was given per request.
    """

    sync_per_request: Decimal
    batch_per_request: Decimal
    priced_model: str | None
    batch_basis: BatchBasis
    flex_per_request: Decimal | None = None
    priority_per_request: Decimal | None = None
    """The premium tier's price per request (OpenAI, Google ``service_tier="priority"``);
    ``None`` where the catalog has none for the model, under a negotiated rate, or for a cost
    given per request."""
    cache_saving_per_request: Decimal | None = None
    """What reading the cached share of the input from a warm prompt cache saves on one request
    at the lane asked for (:func:`quote`'s ``lane``), in US dollars; ``None`` where no cached
    share was given or the catalog has no cache-read price (cache writes not counted)."""

    @property
    def basis_note(self) -> str:
        """One line saying which batch price was used."""
        return {
            BatchBasis.CATALOG: "batch price from the price catalog",
            BatchBasis.DEFAULT_DISCOUNT: "batch price assumed at 50% of the synchronous price",
            BatchBasis.WORKSPACE_DISCOUNT: "batch price from this workspace's batch discount",
            BatchBasis.WORKSPACE_PRICE: "prices from this workspace's negotiated rates",
        }[self.batch_basis]


@dataclass(frozen=True, slots=True)
class CatalogPrice:
    """A catalog model's synchronous and batch prices per million tokens."""

    provider: Provider
    model: str
    name: str
    input_per_mtok: Decimal
    output_per_mtok: Decimal
    batch_input_per_mtok: Decimal
    batch_output_per_mtok: Decimal
    batch_basis: BatchBasis
    tiers: Mapping[ServiceTier, tuple[Decimal, Decimal]] = field(default_factory=dict)
    """Flex and priority (input, output) prices per million tokens, where the catalog has them."""
    cache_read: Mapping[ServiceTier, Decimal] = field(default_factory=dict)
    """The cache-read price per million input tokens on each lane whose catalog price has one
    (batch only where the catalog prices batch itself)."""

    def by_tier(self) -> list[tuple[ServiceTier, Decimal, Decimal]]:
        """(tier, input, output) per million tokens: standard, batch, then flex and priority
        where the catalog prices them."""
        rows = [
            (ServiceTier.STANDARD, self.input_per_mtok, self.output_per_mtok),
            (ServiceTier.BATCH, self.batch_input_per_mtok, self.batch_output_per_mtok),
        ]
        return rows + [
            (tier, *self.tiers[tier])
            for tier in (ServiceTier.FLEX, ServiceTier.PRIORITY)
            if tier in self.tiers
        ]


def _catalog_id(provider: Provider) -> str:
    catalog_id = CATALOG_IDS.get(Provider(provider))
    if catalog_id is None:
        raise PricingError(
            f"The price catalog does not cover provider “{provider}”: give a cost per request."
        )
    return catalog_id


@cache
def catalog_models(provider: Provider) -> tuple[str, ...]:
    """Every model id the catalog prices for a provider, sorted."""
    catalog_id = _catalog_id(provider)
    return tuple(sorted(m.id for p in catalog_providers if p.id == catalog_id for m in p.models))


def _calc(
    provider: Provider,
    model: str,
    usage: genai_prices.Usage,
    *,
    at: datetime,
    tier: ServiceTier = ServiceTier.STANDARD,
) -> PriceCalculation:
    """The catalog's price of ``usage`` on ``tier`` (``calc_price`` with the tier's price
    context). A context the catalog has no price for gives the standard price. Raises
    :class:`UnknownModelError` (with close matches, never another model's price) or
    :class:`PricingError` for a provider the catalog does not cover."""
    try:
        return genai_prices.calc_price(
            usage,
            model.strip(),
            provider_id=_catalog_id(provider),
            genai_request_timestamp=at,
            price_context=TIER_CONTEXTS.get(tier),
        )
    except LookupError as error:
        raise UnknownModelError(provider, model, suggest_models(provider, model)) from error


@cache
def flex_models(provider: Provider) -> tuple[str, ...]:
    """The catalog's models of a provider that have a flex price today, sorted."""
    return tuple(m.model for m in _priced_models(provider) if ServiceTier.FLEX in m.tiers)


@cache
def priority_models(provider: Provider) -> tuple[str, ...]:
    """The catalog's models of a provider that have a priority price today, sorted."""
    return tuple(m.model for m in _priced_models(provider) if ServiceTier.PRIORITY in m.tiers)


@cache
def cache_models(provider: Provider) -> tuple[str, ...]:
    """The catalog's models of a provider that price a cache read below a plain input token
    today, on standard and on the batch API alike (both from the catalog), sorted."""
    return tuple(
        m.model
        for m in _priced_models(provider)
        if m.batch_basis is BatchBasis.CATALOG
        and all(
            lane in m.cache_read and m.cache_read[lane] < price
            for lane, price in (
                (ServiceTier.STANDARD, m.input_per_mtok),
                (ServiceTier.BATCH, m.batch_input_per_mtok),
            )
        )
    )


@cache
def _priced_models(provider: Provider) -> tuple[CatalogPrice, ...]:
    """Every catalog model of a provider that prices tokens today (read once per process)."""
    priced: list[CatalogPrice] = []
    for model in catalog_models(provider):
        try:
            priced.append(catalog_price(provider, model))
        except PricingError:
            continue
    return tuple(priced)


def suggest_models(provider: Provider, model: str, limit: int = 5) -> list[str]:
    """Catalog models whose ids are close to ``model`` (for error messages and search)."""
    wanted = model.strip().lower()
    ids = catalog_models(provider)
    close = difflib.get_close_matches(wanted, ids, n=limit, cutoff=0.6)
    contains = [i for i in ids if wanted and wanted in i and i not in close]
    return (close + contains)[:limit]


def search_models(provider: Provider, query: str, limit: int = 100) -> list[str]:
    """Catalog models matching a typed query: substring matches first, then close ones."""
    wanted = query.strip().lower()
    ids = catalog_models(provider)
    if not wanted:
        return list(ids[:limit])
    hits = [i for i in ids if wanted in i]
    hits += [i for i in suggest_models(provider, wanted, limit) if i not in hits]
    return hits[:limit]


def _base(price: Decimal | TieredPrices | None) -> Decimal:
    if price is None:
        return Decimal(0)
    return price.base if isinstance(price, TieredPrices) else price


def _rates(model_price: ModelPrice) -> tuple[Decimal, Decimal]:
    return _base(model_price.input_mtok), _base(model_price.output_mtok)


def _ratio(book: PriceBook) -> tuple[Decimal, BatchBasis]:
    if book.batch_discount is not None:
        return Decimal(1) - book.batch_discount, BatchBasis.WORKSPACE_DISCOUNT
    return DEFAULT_BATCH_RATIO, BatchBasis.DEFAULT_DISCOUNT


def catalog_price(provider: Provider, model: str) -> CatalogPrice:
    """Synchronous and batch prices in US dollars per million tokens for a catalog model, and
    its flex and priority prices where the catalog has them.

    Where the catalog has no batch price, batch is the default 50% and ``batch_basis`` says
    so. Raises :class:`UnknownModelError`, or :class:`PricingError` for a provider the
    catalog does not cover.
    """
    now = datetime.now(UTC)
    sync = _calc(provider, model, _ONE_TOKEN_EACH, at=now)
    sync_in, sync_out = _rates(sync.model_price)
    batch = _tier_calc(provider, sync, _ONE_TOKEN_EACH, now, ServiceTier.BATCH)
    if batch is None:
        batch_in, batch_out = sync_in * DEFAULT_BATCH_RATIO, sync_out * DEFAULT_BATCH_RATIO
        basis = BatchBasis.DEFAULT_DISCOUNT
    else:
        batch_in, batch_out = _rates(batch.model_price)
        basis = BatchBasis.CATALOG
    calcs = {
        tier: calc
        for tier in (ServiceTier.FLEX, ServiceTier.PRIORITY)
        if (calc := _tier_calc(provider, sync, _ONE_TOKEN_EACH, now, tier)) is not None
    }
    tiers = {tier: _rates(calc.model_price) for tier, calc in calcs.items()}
    calcs[ServiceTier.STANDARD] = sync
    if batch is not None:
        calcs[ServiceTier.BATCH] = batch
    cache_read = {
        tier: _base(calc.model_price.cache_read_mtok)
        for tier, calc in calcs.items()
        if calc.model_price.cache_read_mtok is not None
    }
    return CatalogPrice(
        Provider(provider),
        sync.model.id,
        sync.model.name or sync.model.id,
        sync_in,
        sync_out,
        batch_in,
        batch_out,
        basis,
        tiers,
        cache_read,
    )


def _tier_calc(
    provider: Provider,
    standard: PriceCalculation,
    usage: genai_prices.Usage,
    when: datetime,
    tier: ServiceTier,
) -> PriceCalculation | None:
    """The catalog's price of ``usage`` on a service tier, or ``None`` where it has no price.

    ``standard`` is the model's standard price at ``when``; a tier "has a price" only when its
    context changes the model's price (the catalog returns the standard price for a context
    it does not know, which must never pass for a flex or batch price).
    """
    priced = _calc(provider, standard.model.id, usage, at=when, tier=tier)
    if priced.model.id != standard.model.id or priced.model_price == standard.model_price:
        return None
    return priced


def infer_provider(model: str) -> Provider:
    """The provider of a model named without one, when the name is unambiguous.

    First the catalog's own inference (genai-prices' ``calc_price`` with no provider: the
    provider whose model names match, e.g. ``claude-…`` → Anthropic); else the one provider of
    ours whose catalog lists the model. Raises :class:`PricingError` when none or several do.
    """
    wanted = model.strip()
    ours = {catalog_id: ours for ours, catalog_id in CATALOG_IDS.items()}
    try:
        found = genai_prices.calc_price(_ONE_TOKEN_EACH, wanted)
    except LookupError:
        found = None
    if found is not None and found.provider.id in ours:
        return ours[found.provider.id]
    listing = [provider for provider in CATALOG_IDS if _lists(provider, wanted)]
    if len(listing) == 1:
        return listing[0]
    if listing:
        names = ", ".join(str(p) for p in listing)
        raise AmbiguousModelError(
            f"“{wanted}” is priced by several providers ({names}): name one, "
            f"like `{listing[0]} {wanted}`."
        )
    close = [m for p in CATALOG_IDS for m in suggest_models(p, wanted, limit=3)][:5]
    hint = (
        f" Did you mean: {', '.join(close)}?"
        if close
        else " Check the spelling, or name the provider."
    )
    raise PricingError(f"The price catalog has no model “{wanted}”.{hint}")


def _lists(provider: Provider, model: str) -> bool:
    """Whether the provider's own catalog lists ``model`` (not another provider's it falls
    back to, as AWS does to Anthropic's)."""
    try:
        calc = _calc(provider, model, _ONE_TOKEN_EACH, at=datetime.now(UTC))
    except PricingError:
        return False
    return any(listed is calc.model for listed in calc.provider.models)


def find_catalog_price(provider: Provider | None, model: str) -> CatalogPrice:
    """:func:`catalog_price`, inferring the provider from the model's name when none is given.

    Raises :class:`PricingError` (:class:`AmbiguousModelError` when several providers price
    a model of that name).
    """
    return catalog_price(provider or infer_provider(model), model)


def _per_request(
    per_mtok_in: Decimal, per_mtok_out: Decimal, tokens_in: int, tokens_out: int
) -> Decimal:
    return (per_mtok_in * tokens_in + per_mtok_out * tokens_out) / MILLION


def quote(
    *,
    provider: Provider | None,
    model: str | None,
    input_tokens: int | None,
    output_tokens: int | None,
    cost_per_request: Decimal | None,
    book: PriceBook | None = None,
    cached_share: Decimal | None = None,
    lane: ServiceTier = ServiceTier.STANDARD,
) -> PriceQuote:
    """Price one request of a workflow, synchronously and on the batch API, flex and priority
    where the catalog prices them (SPEC.md, "Every lane").

    With ``cached_share`` (0 to 1: the share of the input tokens that is a repeated prefix) the
    quote also says what a warm prompt cache saves per request on ``lane`` (the lane the
    workflow runs on), priced with the catalog's cache-read price there: (price of the request
    − price with that share of its input read from cache). Linear in the share, it is priced
    once with every input token cached and scaled, so no token count is ever rounded. No
    cache-read price in the catalog, a negotiated rate or a cost per request: ``None``.

    With ``cost_per_request`` given it is the synchronous price and batch takes the
    workspace's discount, or 50%. Otherwise provider, model and token counts are priced with
    the workspace's negotiated rates when it has them, else with the catalog; where the
    catalog has no batch price, batch is 50% of synchronous and the basis says so.
    """
    book = book or PriceBook()
    if cost_per_request is not None:
        ratio, basis = _ratio(book)
        priced = None
        if provider is not None and model and provider is not Provider.OTHER:
            rate = book.rate_for(provider, model)
            if rate is None:
                try:
                    priced = _calc(provider, model, _ONE_TOKEN_EACH, at=datetime.now(UTC)).model.id
                except PricingError:
                    priced = None
        return PriceQuote(
            cost_per_request, cost_per_request * ratio, priced or model or None, basis
        )

    if provider is None or not model:
        raise PricingError("Give either a cost per request, or a provider and a model to price.")
    if input_tokens is None or output_tokens is None:
        raise PricingError("Give the average input and output tokens per request to price a model.")
    rate = book.rate_for(provider, model)
    if rate is not None:
        sync = _per_request(rate.input_per_mtok, rate.output_per_mtok, input_tokens, output_tokens)
        if rate.batch_input_per_mtok is not None and rate.batch_output_per_mtok is not None:
            batch = _per_request(
                rate.batch_input_per_mtok, rate.batch_output_per_mtok, input_tokens, output_tokens
            )
        else:
            batch = sync * _ratio(book)[0]
        flex = None
        if rate.flex_input_per_mtok is not None and rate.flex_output_per_mtok is not None:
            flex = _per_request(
                rate.flex_input_per_mtok, rate.flex_output_per_mtok, input_tokens, output_tokens
            )
        return PriceQuote(sync, batch, model.strip(), BatchBasis.WORKSPACE_PRICE, flex)

    usage = genai_prices.Usage(input_tokens=input_tokens, output_tokens=output_tokens)
    now = datetime.now(UTC)
    sync_calc = _calc(provider, model, usage, at=now)
    sync, priced = sync_calc.total_price, sync_calc.model.id
    tiers = {
        tier: calc
        for tier in (ServiceTier.BATCH, ServiceTier.FLEX, ServiceTier.PRIORITY)
        if (calc := _tier_calc(provider, sync_calc, usage, now, tier)) is not None
    }
    flex, priority = (
        None if tier not in tiers else tiers[tier].total_price
        for tier in (ServiceTier.FLEX, ServiceTier.PRIORITY)
    )
    if book.batch_discount is not None:
        ratio, basis = _ratio(book)
        batch = sync * ratio
    elif ServiceTier.BATCH not in tiers:
        ratio, basis = DEFAULT_BATCH_RATIO, BatchBasis.DEFAULT_DISCOUNT
        batch = sync * ratio
    else:
        ratio, basis = Decimal(1), BatchBasis.CATALOG
        batch = tiers[ServiceTier.BATCH].total_price
    cache = None
    if cached_share is not None:
        priced_tiers = {t: c for t, c in tiers.items() if t is not ServiceTier.BATCH or ratio == 1}
        cache = _cache_saving(provider, sync_calc, usage, now, lane, priced_tiers, ratio)
        cache = None if cache is None else cache * cached_share
    return PriceQuote(sync, batch, priced, basis, flex, priority, cache)


def _cache_saving(
    provider: Provider,
    standard: PriceCalculation,
    usage: genai_prices.Usage,
    when: datetime,
    lane: ServiceTier,
    tiers: Mapping[ServiceTier, PriceCalculation],
    batch_ratio: Decimal,
) -> Decimal | None:
    """What a warm cache saves on one request at ``lane`` when every input token is read from
    it (US dollars), or ``None`` where the lane's catalog price has no cache-read price.

    Batch without a catalog batch price (the 50% fallback, or a workspace discount) saves the
    standard lane's cache saving times the same ratio as its price.
    """
    lane = ServiceTier(lane)
    priced = tiers.get(lane, standard) if lane is not ServiceTier.BATCH else tiers.get(lane)
    scale = Decimal(1)
    if priced is None:  # batch priced by a ratio of standard
        priced, scale = standard, batch_ratio
    if priced.model_price.cache_read_mtok is None:
        return None
    cached = genai_prices.Usage(
        input_tokens=usage.input_tokens,
        cache_read_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
    )
    context = TIER_CONTEXTS.get(lane) if lane in tiers else None
    with_cache = genai_prices.calc_price(
        cached,
        priced.model.id,
        provider_id=_catalog_id(provider),
        genai_request_timestamp=when,
        price_context=context,
    )
    return (priced.total_price - with_cache.total_price) * scale


def price_tokens(
    *,
    provider: Provider,
    model: str,
    tier: str,
    input_tokens: int,
    cache_read_tokens: int,
    cache_write_tokens: int,
    output_tokens: int,
) -> Decimal:
    """What a usage bucket's tokens cost on the catalog at the tier they ran on (US dollars).

    ``tier`` is a usage report's ``batch`` / ``standard`` / ``flex`` / ``priority``; where the
    catalog has no batch price, batch is 50% of the synchronous price (as in :func:`quote`).
    Raises :class:`UnknownModelError` for a model the catalog does not know.
    """
    usage = genai_prices.Usage(
        input_tokens=input_tokens + cache_read_tokens + cache_write_tokens,
        cache_read_tokens=cache_read_tokens,
        cache_write_tokens=cache_write_tokens,
        output_tokens=output_tokens,
    )
    now = datetime.now(UTC)
    sync = _calc(provider, model, usage, at=now)
    if tier not in TIER_CONTEXTS:
        return sync.total_price
    tiered = _calc(provider, model, usage, at=now, tier=ServiceTier(tier))
    if tier == "batch" and tiered.model_price == sync.model_price:
        return sync.total_price * DEFAULT_BATCH_RATIO
    return tiered.total_price
