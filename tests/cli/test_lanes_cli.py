"""``savings --json`` with every lane (SPEC.md, "Every lane"), through the real console script:
an inventory with a priority scheduled, a cached real-time and a flex near-real-time workflow,
each figure checked against the catalog's own prices per million tokens."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from genai_prices.data import providers as catalog
from genai_prices.types import TieredPrices

from tests.conftest import run_cli

INVENTORY = """name,provider,model,requests,per,input_tokens,output_tokens,trigger,reader,freshness,mode,cached_share
Nightly enrichment,openai,gpt-4.1,20000,day,3000,400,schedule,report,day,priority,
Support chat,anthropic,claude-sonnet-4-5,100000,day,4000,300,user,on-screen,seconds,sync,80%
Ticket triage,openai,gpt-5-mini,5000,day,2000,300,event,later,minutes,flex,
"""
MILLION = Decimal(1_000_000)
LANES = {
    "standard": None,
    "batch": {"processing": "batch"},
    "flex": {"service_tier": "flex"},
    "priority": {"service_tier": "priority"},
}


def price(provider: str, model: str, lane: str, key: str) -> Decimal:
    info = next(m for p in catalog if p.id == provider for m in p.models if m.id == model)
    value = getattr(info.get_prices(datetime.now(UTC), LANES[lane]), key)  # type: ignore[arg-type]
    return value.base if isinstance(value, TieredPrices) else value  # type: ignore[no-any-return]


def monthly(provider: str, model: str, lane: str, tin: int, tout: int, per_day: int) -> Decimal:
    per_request = (
        price(provider, model, lane, "input_mtok") * tin
        + price(provider, model, lane, "output_mtok") * tout
    ) / MILLION
    return per_request * per_day * 30


def cents(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):.2f}"


def test_savings_json_has_every_lane_the_waste_and_the_cache_saving(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'lanes.db'}"
    path = tmp_path / "inventory.csv"
    path.write_text(INVENTORY, encoding="utf-8")
    run_cli("import", str(path), "--team", "T0LANE", database_url=db, check=True)
    report = json.loads(
        run_cli("savings", "--team", "T0LANE", "--json", database_url=db, check=True).stdout
    )
    nightly, chat, triage = report["workflows"]
    assert set(nightly) >= {"lanes", "priority_waste", "cache_monthly_savings"}
    assert set(nightly["lanes"]) == {"standard", "batch", "flex", "priority"}

    # A scheduled workflow on priority: gpt-4.1 has standard, batch and priority, no flex.
    lanes = {lane: monthly("openai", "gpt-4.1", lane, 3000, 400, 20_000) for lane in LANES}
    assert nightly["lanes"] == {
        "standard": cents(lanes["standard"]),
        "batch": cents(lanes["batch"]),
        "flex": None,
        "priority": cents(lanes["priority"]),
    }
    assert nightly["monthly_cost"] == cents(lanes["priority"])
    assert nightly["priority_waste"] == cents(lanes["priority"] - lanes["batch"])
    assert nightly["cache_monthly_savings"] is None

    # A real-time workflow with 80% of its input a repeated prefix, on Anthropic (no priority).
    read = price("anthropic", "claude-sonnet-4-5", "standard", "cache_read_mtok")
    full = price("anthropic", "claude-sonnet-4-5", "standard", "input_mtok")
    cache = Decimal("0.8") * 4000 * (full - read) / MILLION * 100_000 * 30
    assert chat["cache_monthly_savings"] == cents(cache)
    assert chat["lanes"]["priority"] is None and chat["lanes"]["flex"] is None
    assert chat["priority_waste"] == "0.00"

    # A near-real-time workflow already on flex: its cost is the flex lane.
    flex = monthly("openai", "gpt-5-mini", "flex", 2000, 300, 5000)
    assert triage["lanes"]["flex"] == triage["monthly_cost"] == cents(flex)
    assert triage["lanes"]["priority"] == cents(
        monthly("openai", "gpt-5-mini", "priority", 2000, 300, 5000)
    )

    assert report["priority_waste"] == nightly["priority_waste"]
    assert report["cache_now"] == cents(cache)
    spend = (
        lanes["priority"]
        + monthly("anthropic", "claude-sonnet-4-5", "standard", 4000, 300, 100_000)
        + flex
    )
    assert report["monthly_spend"] == cents(spend)
    assert report["migrate_now"] == cents(lanes["priority"] - lanes["batch"])

    exported = run_cli("export", "--team", "T0LANE", database_url=db, check=True).stdout
    assert exported.splitlines()[0].endswith(",cached_share")
    assert "Support chat," in exported and exported.count(",0.8\n") == 1
    assert ",priority," in exported
