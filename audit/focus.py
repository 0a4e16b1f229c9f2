"""The FOCUS export: one row per workflow and month in the FinOps Open Cost and Usage
Specification's columns, plus Batchscout's extension columns (SPEC.md, "Progress over time").

Pure: the rows are built from values the services computed; this module names the columns,
their types, and writes the CSV with the csv module.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Final

from batchscout.audit.money import cents_str

#: FOCUS columns and their FOCUS data types, in the order written.
FOCUS_COLUMNS: Final[dict[str, str]] = {
    "BillingPeriodStart": "DateTime",
    "BillingPeriodEnd": "DateTime",
    "ChargePeriodStart": "DateTime",
    "ChargePeriodEnd": "DateTime",
    "BilledCost": "Decimal",
    "EffectiveCost": "Decimal",
    "ListCost": "Decimal",
    "BillingCurrency": "String",
    "ChargeCategory": "String",
    "ServiceCategory": "String",
    "ServiceName": "String",
    "ProviderName": "String",
    "PublisherName": "String",
    "ResourceId": "String",
    "ResourceName": "String",
    "SkuId": "String",
}
#: Batchscout's extension columns (FOCUS names custom columns ``x_…``).
EXTENSION_COLUMNS: Final[dict[str, str]] = {
    "x_LatencyClass": "String",
    "x_ProcessingTier": "String",
    "x_Opportunity": "String",
    "x_OpportunityStatus": "String",
    "x_MonthlySavings": "Decimal",
    "x_Owner": "String",
    "x_CostSource": "String",
}
COLUMNS: Final = (*FOCUS_COLUMNS, *EXTENSION_COLUMNS)

#: The provider's name (who bills) and its service, by the inventory's ``provider``.
PROVIDER_NAMES: Final = {
    "openai": ("OpenAI", "OpenAI API"),
    "anthropic": ("Anthropic", "Claude API"),
    "google": ("Google Cloud", "Vertex AI"),
    "bedrock": ("AWS", "Amazon Bedrock"),
    "other": ("Other", "Other"),
}
#: Who publishes a model, by a word in its name (Bedrock and Vertex AI resell others' models:
#: ``regional.anthropic.claude-3-5-haiku…`` is Anthropic's).
PUBLISHERS: Final = (
    (("claude", "anthropic"), "Anthropic"),
    (("gpt", "openai", "text-embedding", "davinci"), "OpenAI"),
    (("gemini", "gemma"), "Google"),
    (("llama", "meta."), "Meta"),
    (("mistral", "mixtral"), "Mistral AI"),
    (("amazon.", "titan", "nova"), "Amazon"),
    (("cohere",), "Cohere"),
)
#: Cells a spreadsheet would read as a formula: written with a leading ``'``.
_FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class FocusLine:
    """One workflow's month, with the values ``savings --json`` computes (US dollars a month).

    ``cost`` is the monthly cost on the lane it runs on today (observed where a usage import
    has it), ``list_cost`` the same work at the standard tier; ``cost_source`` is ``billed``,
    ``priced`` or ``estimate``. ``tier`` is ``standard``, ``batch``, ``flex`` or ``priority``;
    ``opportunity`` and ``opportunity_status`` are empty without an opportunity.
    """

    resource_id: str
    name: str
    provider: str | None
    model: str | None
    latency_class: str
    tier: str
    cost: Decimal
    list_cost: Decimal
    cost_source: str
    monthly_savings: Decimal
    opportunity: str
    opportunity_status: str
    owner: str | None


def month_bounds(moment: datetime) -> tuple[datetime, datetime]:
    """The calendar month (UTC) containing ``moment``: its first instant and the next month's."""
    utc = moment.astimezone(UTC)
    start = datetime(utc.year, utc.month, 1, tzinfo=UTC)
    end = datetime(utc.year + utc.month // 12, utc.month % 12 + 1, 1, tzinfo=UTC)
    return start, end


def focus_datetime(moment: datetime) -> str:
    """A FOCUS date-time: ISO 8601 in UTC, ``2026-12-01T00:00:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def publisher_of(provider: str | None, model: str | None) -> str:
    """Who made the model: by its name where Bedrock or Vertex AI resell it, else the provider."""
    lowered = (model or "").lower()
    for words, publisher in PUBLISHERS:
        if any(word in lowered for word in words):
            return publisher
    return PROVIDER_NAMES.get(provider or "other", PROVIDER_NAMES["other"])[0]


def safe_cell(value: str) -> str:
    """A cell a spreadsheet shows as text: one starting with ``=``, ``+``, ``-``, ``@``, a tab
    or a carriage return gets a leading ``'`` (SPEC.md, "Untrusted files")."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def focus_row(line: FocusLine, *, period: tuple[datetime, datetime]) -> dict[str, str]:
    """One CSV row: money as two-decimal strings (never negative), dates ISO 8601 UTC."""
    start, end = (focus_datetime(moment) for moment in period)
    provider_name, service = PROVIDER_NAMES.get(line.provider or "other", PROVIDER_NAMES["other"])
    sku = "/".join(part for part in (line.provider, line.model, line.tier) if part)
    cells = {
        "BillingPeriodStart": start,
        "BillingPeriodEnd": end,
        "ChargePeriodStart": start,
        "ChargePeriodEnd": end,
        "BilledCost": cents_str(line.cost),
        "EffectiveCost": cents_str(line.cost),
        "ListCost": cents_str(line.list_cost),
        "BillingCurrency": "USD",
        "ChargeCategory": "Usage",
        "ServiceCategory": "AI and Machine Learning",
        "ServiceName": service,
        "ProviderName": provider_name,
        "PublisherName": publisher_of(line.provider, line.model),
        "ResourceId": line.resource_id,
        "ResourceName": line.name,
        "SkuId": sku,
        "x_LatencyClass": line.latency_class,
        "x_ProcessingTier": line.tier,
        "x_Opportunity": line.opportunity,
        "x_OpportunityStatus": line.opportunity_status,
        "x_MonthlySavings": cents_str(line.monthly_savings),
        "x_Owner": line.owner or "",
        "x_CostSource": line.cost_source,
    }
    return {column: safe_cell(value) for column, value in cells.items()}


def to_focus_csv(lines: Iterable[FocusLine], *, period: tuple[datetime, datetime]) -> str:
    """The FOCUS CSV: a header of :data:`COLUMNS`, then one row per line."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for line in lines:
        writer.writerow(focus_row(line, period=period))
    return out.getvalue()
