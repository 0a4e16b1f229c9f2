"""The usage report's claims, statuses and money (SPEC, "What you actually spend")."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from batchscout.audit.latency import Mode
from batchscout.audit.usage import (
    CostRecord,
    CostSource,
    UsageProvider,
    UsageRecord,
    UsageStatus,
    WorkflowLink,
    build_report,
    import_window,
    per_month,
    share_str,
)

OPENAI, ANTHROPIC = UsageProvider.OPENAI, UsageProvider.ANTHROPIC
START = datetime(2026, 11, 1, tzinfo=UTC)
WINDOW = (START, START + timedelta(days=10))


def usage(provider: UsageProvider, project: str, key: str, requests: int | None = 100,
          tier: str = "standard", tokens: int = 1000) -> UsageRecord:  # fmt: skip
    return UsageRecord(provider, START, project, key, "m", tier, requests, tokens, 0, 0, 0)


def link(name: str, project: str | None = None, key: str | None = None,
         mode: Mode = Mode.SYNC, estimate: str = "30") -> WorkflowLink:  # fmt: skip
    return WorkflowLink(name, mode, Decimal(estimate), project, key)


def flat_pricer(record: UsageRecord) -> Decimal:
    """$1 per 1,000 tokens, half on batch."""
    price = Decimal(record.tokens) / 1000
    return price / 2 if record.on_batch else price


def report(records, costs=(), links=(), days=None):  # type: ignore[no-untyped-def]
    return build_report(
        days=days or {OPENAI: 10, ANTHROPIC: 10}, usage=list(records), costs=list(costs),
        links=list(links), pricer=flat_pricer, window=WINDOW,
    )  # fmt: skip


def test_traffic_two_workflows_claim_is_shown_under_each_and_counted_once() -> None:
    result = report(
        [usage(OPENAI, "proj_shared1", "key_shared01", requests=400)],
        [CostRecord(OPENAI, START.date(), "proj_shared1", "key_shared01", "", Decimal("10"))],
        [link("alpha", key="key_shared01"), link("beta", key="key_shared01")],
    )
    alpha, beta = result.workflows
    assert alpha.shared_with == ("beta",) and beta.shared_with == ("alpha",)
    assert alpha.observed_monthly_cost == beta.observed_monthly_cost == Decimal(30)
    (openai,) = [p for p in result.providers if p.provider is OPENAI]
    assert openai.monthly_spend == Decimal(30)  # $10 over 10 days, once
    assert openai.monthly_requests == Decimal(1200)
    assert result.unregistered == []


def test_a_project_workflow_owns_the_keys_no_other_workflow_claims() -> None:
    result = report(
        [
            usage(OPENAI, "proj_team001", "key_keyed001", requests=100),
            usage(OPENAI, "proj_team001", "key_other001", requests=300),
            usage(OPENAI, "proj_elsewhr", "key_stray001", requests=5),
        ],
        links=[link("whole-project", project="proj_team001"), link("keyed", key="key_keyed001")],
    )
    project_owner = next(w for w in result.workflows if w.link.name == "whole-project")
    keyed = next(w for w in result.workflows if w.link.name == "keyed")
    assert project_owner.monthly_requests == Decimal(900)  # only key_other001's 300 × 3
    assert keyed.monthly_requests == Decimal(300)
    assert project_owner.shared_with == () and keyed.shared_with == ()
    assert [(u.usage_project, u.usage_api_key) for u in result.unregistered] == [
        ("proj_elsewhr", "key_stray001")
    ]


def test_statuses_follow_the_spec() -> None:
    records = [
        usage(OPENAI, "proj_a0000001", "key_batch001", tier="batch", requests=95),
        usage(OPENAI, "proj_a0000001", "key_batch001", requests=5),
        usage(OPENAI, "proj_a0000001", "key_late0001", tier="batch", requests=89),
        usage(OPENAI, "proj_a0000001", "key_late0001", requests=11),
        usage(OPENAI, "proj_a0000001", "key_sync0001", tokens=10_000),  # $10 → $30/month
        usage(OPENAI, "proj_a0000001", "key_drift001", tokens=13_000),  # $13 → $39/month
    ]
    links = [
        link("on-batch", key="key_batch001", mode=Mode.BATCH),
        link("still-sync", key="key_late0001", mode=Mode.BATCH),
        link("as-said", key="key_sync0001", estimate="24"),  # 30 is +25%: matches
        link("drifted", key="key_drift001", estimate="31"),  # 39 is +25.8%: drift
        link("silent", key="key_silent01"),
    ]
    result = report(records, links=links)
    statuses = {w.link.name: w.status for w in result.workflows}
    assert statuses == {
        "on-batch": UsageStatus.VERIFIED,
        "still-sync": UsageStatus.NOT_MIGRATED,
        "as-said": UsageStatus.MATCHES,
        "drifted": UsageStatus.DRIFT,
        "silent": UsageStatus.NO_TRAFFIC,
    }
    as_said = next(w for w in result.workflows if w.link.name == "as-said")
    assert as_said.cost_source is CostSource.PRICED and as_said.observed_monthly_cost == 30
    assert [w.link.name for w in result.not_migrated] == ["still-sync"]


def test_anthropic_billed_only_for_whole_workspaces_and_tokens_share() -> None:
    records = [
        usage(ANTHROPIC, "wrkspc_whole01", "apikey_one0001", requests=None, tier="batch"),
        usage(ANTHROPIC, "wrkspc_split01", "apikey_two0001", requests=None, tokens=2000),
        usage(ANTHROPIC, "wrkspc_split01", "apikey_thr0001", requests=None, tokens=6000),
    ]
    costs = [
        CostRecord(ANTHROPIC, START.date(), "wrkspc_whole01", "", "Claude", Decimal("0.70")),
        CostRecord(ANTHROPIC, START.date(), "wrkspc_split01", "", "Claude", Decimal("8.00")),
    ]
    links = [
        link("whole", project="wrkspc_whole01", mode=Mode.BATCH),
        link("one-key", key="apikey_two0001"),
    ]
    result = report(records, costs, links)
    whole, one_key = result.workflows
    assert (whole.cost_source, whole.observed_monthly_cost) == (CostSource.BILLED, Decimal("2.1"))
    assert whole.status is UsageStatus.VERIFIED and whole.monthly_requests is None
    # The cost report cannot split a workspace by key: priced from tokens, $2 → $6 a month.
    assert (one_key.cost_source, one_key.observed_monthly_cost) == (CostSource.PRICED, Decimal(6))
    (anthropic,) = [p for p in result.providers if p.provider is ANTHROPIC]
    assert anthropic.monthly_requests is None
    assert share_str(anthropic.batch_share) == "0.1111"  # 1,000 of 9,000 tokens on batch
    (stray,) = result.unregistered
    assert stray.usage_api_key == "apikey_thr0001"
    assert stray.monthly_batch_savings == Decimal(9)  # $6 sync → $3 on batch, × 3


def test_window_and_month() -> None:
    now = datetime(2026, 11, 29, 21, 40, tzinfo=UTC)
    start, end = import_window(30, now)
    assert (start.date(), end) == (date(2026, 10, 30), datetime(2026, 11, 29, tzinfo=UTC))
    assert per_month(Decimal(7), 7) == Decimal(30)
    assert share_str(Decimal(1) / 3) == "0.3333"
