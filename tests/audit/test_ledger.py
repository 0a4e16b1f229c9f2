"""The ledger's pure rules: ISO weeks, what moved, and the comparison with typical ranges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from batchscout.audit.latency import LatencyClass, Mode
from batchscout.audit.ledger import (
    LedgerFigures,
    LedgerWeek,
    Position,
    benchmarks,
    iso_week,
    previous_week,
    week_over_week,
    week_start,
)
from batchscout.audit.savings import Per, workflow_figures
from batchscout.delivery.blocks.ledger import benchmark_sentences, ledger_line, movement_line


def figures(realised: str, migrate_now: str, verified: str = "0") -> LedgerFigures:
    zero = Decimal(0)
    return LedgerFigures(
        monthly_spend=Decimal(100_000), migrate_now=Decimal(migrate_now), to_challenge=zero,
        flex_now=zero, realised=Decimal(realised), spend_after=Decimal(100_000) - Decimal(migrate_now),
        verified_savings=Decimal(verified),
    )  # fmt: skip


def test_iso_weeks_start_monday_at_midnight_utc() -> None:
    sunday_night = datetime(2026, 12, 13, 23, 59, 59, tzinfo=UTC)
    assert iso_week(sunday_night) == "2026-W50"
    assert iso_week(sunday_night + timedelta(seconds=1)) == "2026-W51"
    # 00:30 on Monday in Paris is still Sunday in UTC: the week is UTC's.
    assert iso_week(datetime(2026, 12, 14, 0, 30, tzinfo=ZoneInfo("Europe/Paris"))) == "2026-W50"
    assert week_start("2026-W50") == datetime(2026, 12, 7, tzinfo=UTC)
    assert iso_week(datetime(2027, 1, 1, tzinfo=UTC)) == "2026-W53"  # ISO years differ
    assert previous_week("2027-W01") == "2026-W53"
    with pytest.raises(ValueError):
        week_start("2026-50")
    with pytest.raises(ValueError):
        iso_week(datetime(2026, 12, 7))  # noqa: DTZ001 (naive: no zone, no week)


def test_week_over_week_states_the_move_in_one_line() -> None:
    w49 = LedgerWeek("2026-W49", datetime(2026, 11, 30, tzinfo=UTC), figures("3060", "56562.77"))
    w50 = LedgerWeek("2026-W50", datetime(2026, 12, 7, tzinfo=UTC), figures("10560", "49062.77"))

    moved = week_over_week([w49, w50])

    assert moved is not None and moved.realised_change == Decimal(7500)
    assert moved.available_change == Decimal(-7500)
    assert movement_line(moved) == "Realised +$7,500/month this week, now $10,560/month."
    assert week_over_week([w50]) is None
    # Nothing moved yet: the top message has no ledger line (the thread says it is the first).
    assert ledger_line([w50], None) is None and ledger_line([], None) is None
    w46 = LedgerWeek("2026-W46", w49.taken_at, w49.figures)
    gap = week_over_week([w46, w50])
    assert gap is not None and "since 2026-W46" in movement_line(gap)


def _item(latency: LatencyClass, mode: Mode, per_request: str = "0.01"):  # type: ignore[no-untyped-def]
    return workflow_figures(
        sync_per_request=Decimal(per_request), batch_per_request=Decimal(per_request) / 2,
        requests=Decimal(100_000), per=Per.MONTH, latency_class=latency, mode=mode,
    )  # fmt: skip


def test_benchmarks_compare_shares_with_the_typical_ranges_never_grade() -> None:
    # $1,000 each at standard prices: scheduled on sync, scheduled on batch, real-time x2.
    found = benchmarks(
        [
            _item(LatencyClass.SCHEDULED, Mode.SYNC),
            _item(LatencyClass.SCHEDULED, Mode.BATCH),
            _item(LatencyClass.REAL_TIME, Mode.SYNC),
            _item(LatencyClass.REAL_TIME, Mode.SYNC),
        ]
    )

    assert found is not None and found.list_spend == Decimal(4000)
    assert found.eligible.share == Decimal("0.5") and found.eligible.position is Position.WITHIN
    assert found.realised.share == Decimal("0.125")  # $500 of $4,000
    assert found.realised.position is Position.BELOW
    sentences = benchmark_sentences(found)
    assert sentences == [
        "Batch-eligible work is 50% of your spend at standard prices, within the typical "
        "30–60% for AI workloads.",
        "Realised savings are 13% of your inference spend at standard prices, below the "
        "typical 20–30% once eligible work has moved.",
    ]
    assert not any(
        word in " ".join(sentences).lower() for word in ("good", "bad", "grade", "score")
    )
    assert benchmarks([]) is None
    assert benchmark_sentences(None) == ["Nothing to compare yet: no spend is registered."]
