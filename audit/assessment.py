"""A workflow assessed: its class, prices per request and monthly figures, in one place."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from batchscout.audit.advice import Advice, advice_for
from batchscout.audit.inventory import InventoryError, Problem, WorkflowSpec
from batchscout.audit.latency import Classification, Mode, classify
from batchscout.audit.money import format_unit_price
from batchscout.audit.numbers import (
    MAX_COST_PER_REQUEST,
    cost_problem,
    tokens_problem,
    volume_problem,
)
from batchscout.audit.pricing import (
    PriceBook,
    PriceQuote,
    PricingError,
    ServiceTier,
    UnknownModelError,
    quote,
)
from batchscout.audit.savings import (
    LANE_OF_MODE,
    WorkflowFigures,
    monthly_requests,
    workflow_figures,
)


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


class NoLanePriceError(OutOfBoundsError):
    """A workflow's mode names a lane that has no price for its model (mode ``priority`` or
    ``flex`` where neither the catalog nor the workspace's negotiated rate prices it, or a
    workflow given as a ``cost_per_request``): a problem on ``mode``."""


#: The lane each mode runs on (SPEC.md, "Every lane").
MODE_LANES: dict[Mode, ServiceTier] = {
    mode: ServiceTier(lane) for mode, lane in LANE_OF_MODE.items()
}

QuoteMemo = dict[tuple[object, ...], PriceQuote]
"""Quotes already priced, by what priced them: one per call site (an import, a re-price), so
rows that repeat a provider, model, tokens and lane are priced by the catalog once."""


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


def _quote(spec: WorkflowSpec, book: PriceBook | None, memo: QuoteMemo | None) -> PriceQuote:
    lane = MODE_LANES[Mode(spec.mode)]
    key = (
        spec.provider,
        spec.model,
        spec.input_tokens,
        spec.output_tokens,
        spec.cost_per_request,
        spec.cached_share,
        lane,
    )
    found = None if memo is None else memo.get(key)
    if found is not None:
        return found
    price = quote(
        provider=spec.provider,
        model=spec.model,
        input_tokens=spec.input_tokens,
        output_tokens=spec.output_tokens,
        cost_per_request=spec.cost_per_request,
        book=book,
        cached_share=spec.cached_share,
        lane=lane,
    )
    if memo is not None:
        memo[key] = price
    return price


def _check_lane(spec: WorkflowSpec, price: PriceQuote, book: PriceBook | None) -> None:
    """Refuse mode ``priority`` or ``flex`` where the workflow has no price on that lane
    (never assumed: SPEC.md, "Service tiers: flex" and "Every lane"), saying why."""
    if spec.mode is Mode.PRIORITY:
        lane, priced = "priority", price.priority_per_request
        sold = "priority is sold by OpenAI and Google for some models"
        instead = "use `sync`"
    elif spec.mode is Mode.FLEX:
        lane, priced = "flex", price.flex_per_request
        sold = "flex is sold by OpenAI for some models"
        instead = "use `batch` or `sync`"
    else:
        return
    if priced is not None:
        return
    if spec.cost_per_request is not None:
        reason = f"a workflow given as a cost per request has no {lane} price"
        advice = f"give provider, model and tokens instead, or {instead}"
    elif (
        book is not None
        and spec.provider
        and spec.model
        and book.rate_for(spec.provider, spec.model)
    ):
        reason = f"this workspace's negotiated rate for {spec.model} has no {lane} price"
        advice = instead
    else:
        reason = f"the price catalog has no {lane} price for {spec.provider} {price.priced_model}"
        advice = f"{instead} ({sold})"
    raise NoLanePriceError("mode", f"Mode `{lane}` is refused: {reason}; {advice}.")


def assess(
    spec: WorkflowSpec, book: PriceBook | None = None, *, memo: QuoteMemo | None = None
) -> Assessment:
    """Classify and price a workflow.

    Raises :class:`PricingError` when it cannot be priced, :class:`OutOfBoundsError` (a
    ``PricingError``) when its volume, tokens or price per request are outside SPEC.md's bounds
    — whatever path the spec came in by, nothing out of bounds is ever assessed or stored —
    and :class:`NoLanePriceError` for mode ``priority`` or ``flex`` without a price on that
    lane. ``memo``
    (one per call site) reuses quotes already priced for the same inputs.
    """
    _check_bounds(spec)
    classification = classify(spec.trigger, spec.reader, spec.freshness)
    price = _quote(spec, book, memo)
    _check_lane(spec, price, book)
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
        priority_per_request=price.priority_per_request,
        cache_saving_per_request=price.cache_saving_per_request,
    )
    return Assessment(spec, classification, price, figures)


def assess_all(specs: Iterable[WorkflowSpec], book: PriceBook | None = None) -> list[Assessment]:
    """Assess every spec, or raise :class:`InventoryError` listing each one that cannot be priced."""
    assessments: list[Assessment] = []
    problems: list[Problem] = []
    memo: QuoteMemo = {}
    for spec in specs:
        try:
            assessments.append(assess(spec, book, memo=memo))
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
