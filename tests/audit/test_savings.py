"""SPEC.md's reference figures, exactly, and properties that hold for any workflow."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from batchscout.audit.assessment import assess
from batchscout.audit.inventory import WorkflowSpec
from batchscout.audit.latency import Freshness, LatencyClass, Mode, Reader, Trigger
from batchscout.audit.money import cents_str
from batchscout.audit.savings import Bucket, Per, monthly_requests, portfolio, workflow_figures


def test_nightly_tickets_reference_case() -> None:
    """50,000 tickets nightly at $0.01: $500/night today, $250 on batch, $7,500/month saved."""
    spec = WorkflowSpec(
        name="Nightly ticket summaries",
        requests=Decimal(50_000),
        per=Per.DAY,
        cost_per_request=Decimal("0.01"),
        trigger=Trigger.SCHEDULE,
        reader=Reader.REPORT,
        freshness=Freshness.DAY,
    )
    result = assess(spec)

    assert result.quote.sync_per_request * 50_000 == Decimal(500)
    assert result.quote.batch_per_request * 50_000 == Decimal(250)
    assert result.classification.latency_class is LatencyClass.SCHEDULED
    assert cents_str(result.figures.monthly_savings) == "7500.00"
    assert result.figures.monthly_savings == Decimal(7500)


def test_platform_reference_case() -> None:
    """12M calls/month for $120,000, 80% eligible: $48,000 saved, about $72,000 after."""

    def platform(name: str, calls: int, reader: Reader, freshness: Freshness) -> WorkflowSpec:
        return WorkflowSpec(
            name=name,
            requests=Decimal(calls),
            per=Per.MONTH,
            cost_per_request=Decimal("0.01"),
            trigger=Trigger.EVENT,
            reader=reader,
            freshness=freshness,
        )

    waiting = assess(platform("live", 2_400_000, Reader.ON_SCREEN, Freshness.SECONDS))
    eligible = assess(platform("background", 9_600_000, Reader.SYSTEM, Freshness.DAY))
    figures = portfolio([waiting.figures, eligible.figures])

    assert figures.monthly_spend == Decimal(120_000)
    assert figures.migrate_now == Decimal(48_000)
    assert figures.spend_after == Decimal(72_000)
    assert figures.eligible_share == Decimal("0.8")


def test_a_month_is_thirty_days() -> None:
    assert monthly_requests(Decimal(1), Per.HOUR) == 720
    assert monthly_requests(Decimal(1), Per.DAY) == 30
    assert monthly_requests(Decimal(7), Per.WEEK) == 30
    assert monthly_requests(Decimal(5), Per.MONTH) == 5


def test_batch_workflows_count_as_realised() -> None:
    item = workflow_figures(
        sync_per_request=Decimal("0.02"),
        batch_per_request=Decimal("0.01"),
        requests=Decimal(1000),
        per=Per.DAY,
        latency_class=LatencyClass.SCHEDULED,
        mode=Mode.BATCH,
    )
    figures = portfolio([item])

    assert item.monthly_cost == Decimal(300)  # what it pays today: the batch price
    assert item.bucket is Bucket.REALISED and item.monthly_savings == Decimal(300)
    assert figures.realised == Decimal(300) and figures.migrate_now == 0
    assert figures.spend_after == figures.monthly_spend


def test_near_real_time_savings_are_to_challenge() -> None:
    item = workflow_figures(
        sync_per_request=Decimal("0.02"),
        batch_per_request=Decimal("0.01"),
        requests=Decimal(10),
        per=Per.HOUR,
        latency_class=LatencyClass.NEAR_REAL_TIME,
        mode=Mode.SYNC,
    )
    assert portfolio([item]).to_challenge == Decimal(72)


money = st.decimals(min_value=0, max_value=10, places=6, allow_nan=False, allow_infinity=False)
volumes = st.decimals(
    min_value=Decimal("0.001"), max_value=10**9, places=3, allow_nan=False, allow_infinity=False
)
ratios = st.decimals(min_value=0, max_value=1, places=3, allow_nan=False, allow_infinity=False)
figures_strategy = st.builds(
    lambda sync, ratio, flex_ratio, requests, per, latency_class, mode: workflow_figures(
        sync_per_request=sync,
        batch_per_request=sync * ratio,
        requests=requests,
        per=per,
        latency_class=latency_class,
        mode=mode,
        flex_per_request=None if flex_ratio is None else sync * flex_ratio,
    ),
    money,
    ratios,
    st.none() | ratios,
    volumes,
    st.sampled_from(Per),
    st.sampled_from(LatencyClass),
    st.sampled_from(Mode),
)


@given(figures_strategy)
def test_savings_are_never_negative_nor_exceed_cost(item: object) -> None:
    from batchscout.audit.savings import WorkflowFigures

    assert isinstance(item, WorkflowFigures)
    assert item.monthly_savings >= 0
    assert item.monthly_savings <= item.sync_monthly
    assert 0 <= item.flex_monthly_savings <= item.sync_monthly
    if item.bucket is not Bucket.REALISED:
        assert item.monthly_savings <= item.monthly_cost


@given(figures_strategy.filter(lambda f: f.bucket is Bucket.NONE))
def test_real_time_saves_nothing(item: object) -> None:
    from batchscout.audit.savings import WorkflowFigures

    assert isinstance(item, WorkflowFigures)
    assert item.monthly_savings == 0
    assert item.flex_monthly_savings == 0 and item.advice_tier == "standard"


@given(st.lists(figures_strategy, max_size=30))
def test_totals_equal_the_sum_of_parts(items: list[object]) -> None:
    from batchscout.audit.savings import WorkflowFigures

    parts = [i for i in items if isinstance(i, WorkflowFigures)]
    total = portfolio(parts)
    assert total.monthly_spend == sum((i.monthly_cost for i in parts), Decimal(0))
    for bucket, figure in [
        (Bucket.MIGRATE_NOW, total.migrate_now),
        (Bucket.TO_CHALLENGE, total.to_challenge),
        (Bucket.REALISED, total.realised),
    ]:
        assert figure == sum((i.monthly_savings for i in parts if i.bucket is bucket), Decimal(0))
    flex_now = [i.flex_monthly_savings for i in parts if i.bucket is Bucket.TO_CHALLENGE]
    assert total.flex_now == sum(flex_now, Decimal(0))
    assert total.spend_after == total.monthly_spend - total.migrate_now
    assert total.spend_after >= 0
