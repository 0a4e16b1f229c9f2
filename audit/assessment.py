"""A workflow assessed: its class, prices per request and monthly figures, in one place."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from batchscout.audit.advice import Advice, advice_for
from batchscout.audit.inventory import InventoryError, Problem, WorkflowSpec
from batchscout.audit.latency import Classification, classify
from batchscout.audit.pricing import PriceBook, PriceQuote, PricingError, UnknownModelError, quote
from batchscout.audit.savings import WorkflowFigures, workflow_figures


@dataclass(frozen=True, slots=True)
class Assessment:
    """Everything Batchscout concludes about one workflow spec."""

    spec: WorkflowSpec
    classification: Classification
    quote: PriceQuote
    figures: WorkflowFigures

    @property
    def advice(self) -> Advice:
        """What to do about this workflow."""
        return advice_for(self.classification.latency_class)


def assess(spec: WorkflowSpec, book: PriceBook | None = None) -> Assessment:
    """Classify and price a workflow. Raises :class:`PricingError` when it cannot be priced."""
    classification = classify(spec.trigger, spec.reader, spec.freshness)
    price = quote(
        provider=spec.provider,
        model=spec.model,
        input_tokens=spec.input_tokens,
        output_tokens=spec.output_tokens,
        cost_per_request=spec.cost_per_request,
        book=book,
    )
    figures = workflow_figures(
        sync_per_request=price.sync_per_request,
        batch_per_request=price.batch_per_request,
        requests=spec.requests,
        per=spec.per,
        latency_class=classification.latency_class,
        mode=spec.mode,
        flex_per_request=price.flex_per_request,
    )
    return Assessment(spec, classification, price, figures)


def assess_all(specs: Iterable[WorkflowSpec], book: PriceBook | None = None) -> list[Assessment]:
    """Assess every spec, or raise :class:`InventoryError` listing each one that cannot be priced."""
    assessments: list[Assessment] = []
    problems: list[Problem] = []
    for spec in specs:
        try:
            assessments.append(assess(spec, book))
        except PricingError as error:
            column = "model" if isinstance(error, UnknownModelError) else "cost_per_request"
            problems.append(Problem(spec.line or 0, column, str(error)))
    if problems:
        raise InventoryError(problems)
    return assessments
