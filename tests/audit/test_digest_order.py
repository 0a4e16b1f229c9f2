"""The digest's lists pick their first few of many workflows without sorting them all: the
result is the same as sorting every one (largest saving first, then by name; among those to
challenge, disguised streams first), ties and the noise floor included."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from batchscout.audit.digest import LIST_LIMIT, TOP_LIMIT, DigestItem, build_facts
from batchscout.audit.latency import LatencyClass, Mode
from batchscout.audit.savings import Bucket, Per, workflow_figures

T0 = datetime(2026, 11, 1, tzinfo=UTC)
CLASSES = [LatencyClass.SCHEDULED, LatencyClass.NEAR_REAL_TIME]


def item(
    n: int, requests: int, latency_class: LatencyClass, disguised: bool, mode: Mode
) -> DigestItem:
    return DigestItem(
        name=f"{'AbC'[n % 3]}flow {n % 7}-{n}", owner=None, latency_class=latency_class,
        disguised=disguised, mode=mode,
        figures=workflow_figures(
            sync_per_request=Decimal("0.01"), batch_per_request=Decimal("0.005"),
            requests=Decimal(requests), per=Per.DAY, latency_class=latency_class, mode=mode,
        ),
        created_at=T0, updated_at=T0,
    )  # fmt: skip


def sorted_reference(items: list[DigestItem], bucket: Bucket, floor: Decimal) -> list[str]:
    found = [i for i in items if i.figures.bucket is bucket]
    found.sort(key=lambda i: (-i.figures.monthly_savings, i.name.casefold()))
    if bucket is Bucket.TO_CHALLENGE:
        found.sort(key=lambda i: not i.disguised)
    if bucket is not Bucket.REALISED:
        found = [i for i in found if i.figures.monthly_savings >= floor]
    return [i.name for i in found]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([1, 2, 3, 50, 400, 401, 5000]),  # few amounts: many ties
            st.sampled_from(CLASSES),
            st.booleans(),
            st.sampled_from([Mode.SYNC, Mode.SYNC, Mode.BATCH]),
        ),
        max_size=60,
    ),
    st.sampled_from([Decimal(0), Decimal(1), Decimal(100)]),
)
def test_the_first_few_are_those_a_full_sort_gives(
    specs: list[tuple[int, LatencyClass, bool, Mode]], floor: Decimal
) -> None:
    items = [item(n, *spec) for n, spec in enumerate(specs)]
    facts = build_facts(items, since=None, noise_floor=floor)
    assert [line.name for line in facts.top] == sorted_reference(items, Bucket.MIGRATE_NOW, floor)[
        :TOP_LIMIT
    ]
    assert [line.name for line in facts.challenge] == sorted_reference(
        items, Bucket.TO_CHALLENGE, floor
    )[:LIST_LIMIT]
    assert [line.name for line in facts.realised_lines] == sorted_reference(
        items, Bucket.REALISED, floor
    )[:LIST_LIMIT]
