"""The FOCUS export's columns, types and cells."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from batchscout.audit.focus import (
    COLUMNS,
    EXTENSION_COLUMNS,
    FOCUS_COLUMNS,
    FocusLine,
    month_bounds,
    publisher_of,
    to_focus_csv,
)

#: FOCUS 1.x column names and data types for the columns SPEC.md lists (FinOps Foundation,
#: "FOCUS Specification", Columns), and the extension columns SPEC.md names.
SPEC_FOCUS = {
    "BillingPeriodStart": "DateTime", "BillingPeriodEnd": "DateTime",
    "ChargePeriodStart": "DateTime", "ChargePeriodEnd": "DateTime",
    "BilledCost": "Decimal", "EffectiveCost": "Decimal", "ListCost": "Decimal",
    "BillingCurrency": "String", "ChargeCategory": "String", "ServiceCategory": "String",
    "ServiceName": "String", "ProviderName": "String", "PublisherName": "String",
    "ResourceId": "String", "ResourceName": "String", "SkuId": "String",
}  # fmt: skip
SPEC_EXTENSIONS = [
    "x_LatencyClass", "x_ProcessingTier", "x_Opportunity", "x_OpportunityStatus",
    "x_MonthlySavings", "x_Owner", "x_CostSource",
]  # fmt: skip


def line(name: str, cost: str) -> FocusLine:
    return FocusLine(
        resource_id="batchscout:T0TEST:workflow/1", name=name, provider="bedrock",
        model="regional.anthropic.claude-3-5-haiku-20241022-v1:0", latency_class="scheduled",
        tier="standard", cost=Decimal(cost), list_cost=Decimal(cost), cost_source="estimate",
        monthly_savings=Decimal(cost) / 2, opportunity="batch", opportunity_status="open",
        owner="U0123ABCD",
    )  # fmt: skip


def test_the_columns_are_exactly_the_spec_s_with_their_types() -> None:
    assert FOCUS_COLUMNS == SPEC_FOCUS
    assert list(EXTENSION_COLUMNS) == SPEC_EXTENSIONS
    assert list(COLUMNS) == [*SPEC_FOCUS, *SPEC_EXTENSIONS]


def test_a_month_runs_to_the_next_month_s_first_instant_in_utc() -> None:
    assert month_bounds(datetime(2026, 12, 31, 23, 0, tzinfo=UTC)) == (
        datetime(2026, 12, 1, tzinfo=UTC),
        datetime(2027, 1, 1, tzinfo=UTC),
    )


def test_cells_are_typed_and_formula_safe() -> None:
    text = to_focus_csv(
        [line('=HYPERLINK("http://x")', "1234.565"), line("-1+1", "0.004")],
        period=month_bounds(datetime(2026, 12, 7, tzinfo=UTC)),
    )
    rows = list(csv.DictReader(io.StringIO(text)))

    assert rows[0]["ResourceName"] == '\'=HYPERLINK("http://x")'
    assert rows[1]["ResourceName"] == "'-1+1"
    for row in rows:
        for column, kind in {**FOCUS_COLUMNS, **EXTENSION_COLUMNS}.items():
            if kind == "DateTime":
                moment = datetime.fromisoformat(row[column])
                assert row[column].endswith("Z") and moment.utcoffset() == timedelta(0)
            elif kind == "Decimal":
                assert Decimal(row[column]) >= 0 and row[column].count(".") == 1
    assert rows[0]["BilledCost"] == "1234.57" and rows[1]["BilledCost"] == "0.00"
    assert rows[0]["BillingCurrency"] == "USD" and rows[0]["ChargeCategory"] == "Usage"
    assert rows[0]["ServiceCategory"] == "AI and Machine Learning"
    assert (rows[0]["ProviderName"], rows[0]["ServiceName"]) == ("AWS", "Amazon Bedrock")
    assert rows[0]["PublisherName"] == "Anthropic"  # Bedrock resells Claude
    assert publisher_of("openai", "o3-mini") == "OpenAI"
