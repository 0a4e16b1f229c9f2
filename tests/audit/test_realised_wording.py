"""Realised savings say where they come from: batch, flex or prompt caching (one wording for
every surface), so caching marked done is never labelled "on batch or flex"."""

from __future__ import annotations

from decimal import Decimal

import pytest

from batchscout.audit.latency import LatencyClass, Mode
from batchscout.audit.savings import (
    Per,
    WorkflowFigures,
    portfolio,
    realised_wording,
    workflow_figures,
)
from batchscout.delivery.blocks.answers import savings_answer
from batchscout.services.reports import savings_document


def _figures(latency: LatencyClass, mode: Mode, *, caching: bool = False) -> WorkflowFigures:
    return workflow_figures(
        sync_per_request=Decimal("0.01"),
        batch_per_request=Decimal("0.005"),
        requests=Decimal(1000),
        per=Per.DAY,
        latency_class=latency,
        mode=mode,
        flex_per_request=Decimal("0.005"),
        cache_saving_per_request=Decimal("0.004"),
        caching=caching,
    )


BATCH = _figures(LatencyClass.SCHEDULED, Mode.BATCH)
FLEX = _figures(LatencyClass.NEAR_REAL_TIME, Mode.FLEX)
CACHING = _figures(LatencyClass.REAL_TIME, Mode.SYNC, caching=True)
NOT_YET = _figures(LatencyClass.SCHEDULED, Mode.SYNC)


@pytest.mark.parametrize(
    ("figures", "said"),
    [
        ([BATCH], "on batch"),
        ([BATCH, FLEX], "on batch and flex"),
        ([CACHING], "from prompt caching"),
        ([BATCH, CACHING], "on batch and from prompt caching"),
        ([FLEX, BATCH, CACHING], "on batch and flex and from prompt caching"),
        ([NOT_YET], "on batch or flex, or from prompt caching"),
    ],
)
def test_the_realised_wording_names_its_sources(figures: list[WorkflowFigures], said: str) -> None:
    assert realised_wording(portfolio(figures).realised_from) == said


def test_the_assistants_savings_answer_says_caching_when_caching_is_realised() -> None:
    figures = portfolio([BATCH, CACHING])
    document = savings_document(figures, [])
    document["workflows"] = [
        {"name": "x", "mode": "batch", "monthly_savings": "0.00"}
    ]  # an inventory, so the answer is the portfolio's

    text = savings_answer(document).text

    assert "$270/month is already saved on batch and from prompt caching." in text
