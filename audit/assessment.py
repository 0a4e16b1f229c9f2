"""A workflow assessed: its class, prices per request and monthly figures, in one place."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from batchscout.audit.advice import Advice, advice_for
from batchscout.audit.inventory import InventoryError, Problem, WorkflowSpec
from batchscout.audit.latency import Classification, classify
from batchscout.audit.money import format_unit_price
from batchscout.audit.numbers import (
    MAX_COST_PER_REQUEST,
    cost_problem,
    tokens_problem,
    volume_problem,
)
from batchscout.audit.pricing import PriceBook, PriceQuote, PricingError, UnknownModelError, quote
from batchscout.audit.savings import WorkflowFigures, monthly_requests, workflow_figures


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


class OutOfBoundsError(PricingError):
    """A workflow's numbers are outside SPEC.md's bounds ("Bad input"); ``column`` says which."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


def _check_bounds(spec: WorkflowSpec) -> None:
    """Raise :class:`OutOfBoundsError` for a spec that no input path should have let through."""
    # The count alone first: a poisoned 1E+999999 would overflow when converted to a month.
    problem = volume_problem(spec.requests) or volume_problem(
        monthly_requests(spec.requests, spec.per)
    )
    if problem is not None:
        raise OutOfBoundsError("requests", f"The request volume {problem}.")
    for column in ("input_tokens", "output_tokens"):
        tokens = getattr(spec, column)
        problem = None if tokens is None else tokens_problem(tokens)
        if problem is not None:
            raise OutOfBoundsError(column, f"The {column.replace('_', ' ')} {problem}.")
    if spec.cost_per_request is not None:
        problem = cost_problem(spec.cost_per_request)
        if problem is not None:
            raise OutOfBoundsError("cost_per_request", f"The cost per request {problem}.")


QuoteKey = tuple[object, ...]
"""What a price quote depends on: provider, model, input and output tokens, cost per request."""


def assess(
    spec: WorkflowSpec,
    book: PriceBook | None = None,
    *,
    quotes: dict[QuoteKey, PriceQuote] | None = None,
) -> Assessment:
    """Classify and price a workflow.

    ``quotes``, when given, remembers each distinct quote for the caller (one import asks the
    catalog once per provider, model and tokens; the book must stay the same meanwhile).
    Raises :class:`PricingError` when it cannot be priced, and :class:`OutOfBoundsError` (a
    ``PricingError``) when its volume, tokens or price per request are outside SPEC.md's bounds
    — whatever path the spec came in by, nothing out of bounds is ever assessed or stored.
    """
    _check_bounds(spec)
    classification = classify(spec.trigger, spec.reader, spec.freshness)
    key: QuoteKey = (spec.provider, spec.model, spec.input_tokens, spec.output_tokens,
        spec.cost_per_request)  # fmt: skip
    price = quotes.get(key) if quotes is not None else None
    if price is None:
        price = quote(
            provider=spec.provider,
            model=spec.model,
            input_tokens=spec.input_tokens,
            output_tokens=spec.output_tokens,
            cost_per_request=spec.cost_per_request,
            book=book,
        )
        if quotes is not None:
            quotes[key] = price
    if cost_problem(price.sync_per_request) is not None:
        raise OutOfBoundsError(
            "cost_per_request",
            f"This prices at {format_unit_price(price.sync_per_request)} a request, more than the "
            f"${MAX_COST_PER_REQUEST:,} Batchscout takes; check the token counts and rates.",
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
            problems.append(pricing_problem(spec, error))
    if problems:
        raise InventoryError(problems)
    return assessments


def pricing_problem(spec: WorkflowSpec, error: PricingError) -> Problem:
    """Why ``spec`` cannot be priced, as a problem on its line and column."""
    column = "model" if isinstance(error, UnknownModelError) else "cost_per_request"
    column = error.column if isinstance(error, OutOfBoundsError) else column
    return Problem(spec.line or 0, column, str(error))
