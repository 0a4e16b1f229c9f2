"""A team's four weeks of provider traffic, served by the fake usage APIs, with figures simple
enough to check by hand (see docs/usage.md and the closing note of issue 14).

Window: 26 Oct 2026 (a Monday) to 23 Nov 2026, 28 whole UTC days; monthly = × 30 / 28.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tests.fakes.usage_api import CostRow, FakeAnthropicUsage, FakeOpenAIUsage, UsageRow

START = datetime(2026, 10, 26, tzinfo=UTC)
DAYS = 28
END = START + timedelta(days=DAYS)
SONNET = "claude-sonnet-4-20250514"

INVENTORY = """name,provider,model,requests,per,cost_per_request,trigger,reader,freshness,mode,usage_project,usage_api_key
nightly-summaries,openai,gpt-4o-mini,1000,day,0.005,schedule,report,day,sync,proj_support01,key_nightly0001
ticket-enrichment,openai,gpt-4o-mini,600,day,0.002,schedule,system,day,batch,,key_enrich00001
weekly-digest,anthropic,,1,week,13.50,schedule,report,week,batch,wrkspc_digest01,
orphan-link,openai,,10,day,0.01,schedule,report,day,sync,proj_gone0001,
"""


def days() -> list[datetime]:
    return [START + timedelta(days=n) for n in range(DAYS)]


def load_openai(fake: FakeOpenAIUsage) -> None:
    """OpenAI: two linked workflows, a weekly cron and an office-hours chat nobody registered."""
    for day in days():
        fake.add_usage(UsageRow(day.replace(hour=2), "proj_support01", "key_nightly0001",
                                "gpt-4o-mini", requests=1000, input_tokens=1_000_000,
                                output_tokens=200_000))  # fmt: skip
        fake.add_cost(CostRow(day, "proj_support01", "key_nightly0001", None, Decimal("5.00")))
        fake.add_usage(UsageRow(day.replace(hour=3), "proj_support01", "key_enrich00001",
                                "gpt-4o-mini", "batch", requests=500, input_tokens=400_000,
                                output_tokens=100_000))  # fmt: skip
        fake.add_usage(UsageRow(day.replace(hour=3), "proj_support01", "key_enrich00001",
                                "gpt-4o-mini", "standard", requests=100, input_tokens=80_000,
                                output_tokens=20_000))  # fmt: skip
        fake.add_cost(CostRow(day, "proj_support01", "key_enrich00001", None, Decimal("1.00")))
        if day.weekday() == 0:  # Mondays 06:00: a weekly job
            fake.add_usage(UsageRow(day.replace(hour=6), "proj_growth01", "key_cron000001",
                                    "gpt-4o-mini", requests=20_000, input_tokens=20_000_000,
                                    output_tokens=4_000_000))  # fmt: skip
            fake.add_cost(CostRow(day, "proj_growth01", "key_cron000001", None, Decimal("5.40")))
        if day.weekday() < 5:  # office hours 09:00-17:00
            for hour in range(9, 17):
                fake.add_usage(UsageRow(day.replace(hour=hour), "proj_chat0001", "key_chat00001",
                                        "gpt-4o-mini", requests=50, input_tokens=50_000,
                                        output_tokens=10_000))  # fmt: skip
            fake.add_cost(CostRow(day, "proj_chat0001", "key_chat00001", None, Decimal("2.00")))


def load_anthropic(fake: FakeAnthropicUsage) -> None:
    """Anthropic: a verified weekly batch and an unregistered nightly job (default workspace)."""
    for day in days():
        if day.weekday() == 4:  # Fridays 05:00, on the batch tier
            fake.add_usage(UsageRow(day.replace(hour=5), "wrkspc_digest01", "apikey_digest001",
                                    SONNET, "batch", input_tokens=2_000_000,
                                    output_tokens=500_000))  # fmt: skip
            # Anthropic bills in cents: 675 is $6.75.
            fake.add_cost(CostRow(day, "wrkspc_digest01", None, "Claude Sonnet 4 Usage",
                                  Decimal("675")))  # fmt: skip
        fake.add_usage(UsageRow(day.replace(hour=1), None, "apikey_ops00001", SONNET,
                                "standard", input_tokens=1_000_000, output_tokens=100_000))  # fmt: skip
        fake.add_cost(CostRow(day, None, None, "Claude Sonnet 4 Usage", Decimal("450")))


EXPECTED = {
    "days": 28,
    "providers": [
        # 140 + 28 + 21.60 + 40 = 229.60 billed → × 30/28 = 246.00; 132,800 requests → 142,286;
        # batch: 14,000 of 132,800 requests.
        {
            "provider": "openai",
            "monthly_spend": "246.00",
            "monthly_requests": 142286,
            "batch_share": "0.1054",
        },
        # 4 × $6.75 + 28 × $4.50 = 153.00 billed → 163.93; no request counts; batch by tokens:
        # 10M of 40.8M.
        {
            "provider": "anthropic",
            "monthly_spend": "163.93",
            "monthly_requests": None,
            "batch_share": "0.2451",
        },
    ],
    "workflows": [
        # 1000/day × $0.005 × 30 = $150 estimated; billed 28 × $5 = $140 → $150.00: matches.
        {
            "name": "nightly-summaries",
            "mode": "sync",
            "estimated_monthly_cost": "150.00",
            "observed_monthly_cost": "150.00",
            "observed_batch_share": "0.0000",
            "cost_source": "billed",
            "status": "matches",
        },
        {
            "name": "orphan-link",
            "mode": "sync",
            "estimated_monthly_cost": "3.00",
            "observed_monthly_cost": "0.00",
            "observed_batch_share": "0.0000",
            "cost_source": "billed",  # a project: the cost report splits by it (SPEC)
            "status": "no_traffic",
        },
        # 600/day × $0.001 (batch price) × 30 = $18; billed 28 × $1 → $30.00; 500 of 600 on batch.
        {
            "name": "ticket-enrichment",
            "mode": "batch",
            "estimated_monthly_cost": "18.00",
            "observed_monthly_cost": "30.00",
            "observed_batch_share": "0.8333",
            "cost_source": "billed",
            "status": "not_migrated",
        },
        # 1/week × $6.75 (batch) × 30/7 = $28.93; billed 4 × $6.75 = $27 → $28.93; all batch.
        {
            "name": "weekly-digest",
            "mode": "batch",
            "estimated_monthly_cost": "28.93",
            "observed_monthly_cost": "28.93",
            "observed_batch_share": "1.0000",
            "cost_source": "billed",
            "status": "verified",
        },
    ],
}
