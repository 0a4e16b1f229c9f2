"""Advice for a found call (SPEC.md, "Finding the AI calls in code": Advice).

``batch`` for a synchronous call on a schedule that runs once an hour or less often; ``flex``
for one that runs more often where the catalog has a flex price for the model (the batch
window is too loose for it); ``none`` for code already on a batch API or in a request handler
(a person is waiting); ``review`` for an unknown context, or a frequent schedule with no flex
price. The flex price comes from :mod:`batchscout.audit.pricing` (the genai-prices catalog).
"""

from __future__ import annotations

from functools import cache

from batchscout.audit.pricing import (
    PricingError,
    Provider,
    ServiceTier,
    catalog_price,
    infer_provider,
)
from batchscout.scan.cadence import HOURLY
from batchscout.scan.model import Advice, Call, Context, Schedule

#: The finding's provider names that are the inventory's providers too.
INVENTORY_PROVIDERS = {
    p.value: p for p in (Provider.OPENAI, Provider.ANTHROPIC, Provider.GOOGLE, Provider.BEDROCK)
}


def inventory_provider(provider: str, model: str | None) -> Provider | None:
    """The inventory's provider for a finding: its own, or (LiteLLM, LangChain) the one the
    model's name gives; ``None`` when neither says."""
    if provider in INVENTORY_PROVIDERS:
        return INVENTORY_PROVIDERS[provider]
    if model is None:
        return None
    try:
        return infer_provider(model.split("/")[-1])
    except PricingError:
        return None


@cache
def has_flex_price(provider: str, model: str | None) -> bool:
    """Whether the catalog has a flex price for the model (``False`` when it cannot tell)."""
    if model is None:
        return False
    priced = inventory_provider(provider, model)
    if priced is None:
        return False
    try:
        return ServiceTier.FLEX in catalog_price(priced, model.split("/")[-1]).tiers
    except PricingError:
        return False


def advise(call: Call, context: Context, schedule: Schedule | None) -> Advice:
    """The advice for one call in its context."""
    if call.already_batch or context is Context.REQUEST:
        return Advice.NONE
    if context is Context.UNKNOWN or schedule is None or schedule.runs_per_month is None:
        return Advice.REVIEW
    if schedule.runs_per_month <= HOURLY:
        return Advice.BATCH
    return Advice.FLEX if has_flex_price(call.provider, call.model) else Advice.REVIEW
