"""Figures read right: each percentage says what it is of, counts agree with their nouns."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from batchscout.audit.digest import (
    DigestItem,
    build_facts,
    headline,
    prose_matches_facts,
    template_prose,
    workflow_changes,
)
from batchscout.audit.latency import LatencyClass, Mode
from batchscout.audit.savings import Per, workflow_figures
from batchscout.audit.text import and_list, plural

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def item(name: str, cost: str, latency_class: LatencyClass, created: datetime = T0) -> DigestItem:
    return DigestItem(
        name=name, owner=None, latency_class=latency_class, disguised=False, mode=Mode.SYNC,
        figures=workflow_figures(
            sync_per_request=Decimal(cost), batch_per_request=Decimal(cost) / 2,
            requests=Decimal(1000), per=Per.MONTH, latency_class=latency_class, mode=Mode.SYNC,
        ),
        created_at=created, updated_at=created,
    )  # fmt: skip


# $1,000 a month scheduled (saves $500) and $1,000 real-time: scheduled is 50% of spend,
# savings are 25% of it.
FACTS = build_facts(
    [item("Nightly", "1", LatencyClass.SCHEDULED), item("Chat", "1", LatencyClass.REAL_TIME)],
    since=None,
)


def test_the_headline_has_one_named_figure() -> None:
    """Two percentages ("31% of the monthly spend", "62% of monthly spend") opened the digest
    and the next paragraph said them again: now one figure, named."""
    text = headline(FACTS)
    assert text == "$500/month can be saved by moving scheduled work to a batch API"
    assert len(re.findall(r"\$[\d,.]+|\d+%", text)) == 1


def test_the_template_prose_says_what_the_figure_is_a_share_of_and_never_repeats_it() -> None:
    prose = template_prose(FACTS)
    assert prose == "That is 25% of the $2,000/month spent on AI, at the same quality."
    assert "$500" not in prose  # the headline's figure, said once
    for share in re.findall(r"\d+%", prose):
        # Every percentage is followed by what it is a share of.
        assert re.search(rf"{share} of the \$[\d,]+/month spent on AI", prose), share
    assert prose_matches_facts(prose, FACTS)


@pytest.mark.parametrize(
    ("new", "changed", "sentence"),
    [
        (1, 0, "1 new workflow and no changed ones."),
        (2, 1, "2 new workflows and 1 changed one."),
        (0, 3, "No new workflows and 3 changed ones."),
    ],
)
def test_what_changed_agrees_with_its_counts(new: int, changed: int, sentence: str) -> None:
    assert workflow_changes(new, changed) == sentence


def test_plural_and_lists() -> None:
    assert plural(1, "smaller opportunity") == "1 smaller opportunity"
    assert plural(3, "smaller opportunity") == "3 smaller opportunities"
    assert plural(2, "day") == "2 days"
    assert plural(1200, "workflow") == "1,200 workflows"
    assert plural(0, "point") == "0 points"
    assert and_list(["a"]) == "a"
    assert and_list(["a", "b", "c"]) == "a, b and c"
