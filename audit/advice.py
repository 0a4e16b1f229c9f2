"""What to do about each latency class and each service tier, as data rather than scattered
strings."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from batchscout.audit.latency import LatencyClass
from batchscout.audit.money import format_monthly
from batchscout.audit.savings import AdviceTier, WorkflowFigures


@dataclass(frozen=True, slots=True)
class Advice:
    """The action Batchscout recommends for a latency class."""

    action: str
    headline: str
    steps: tuple[str, ...]


ADVICE: dict[LatencyClass, Advice] = {
    LatencyClass.SCHEDULED: Advice(
        action="migrate now",
        headline="Migrate to the provider batch API now: about a 50% line-item cut, same output.",
        steps=(
            "Collect the run's requests into one batch file (OpenAI Batch API, Anthropic "
            "Message Batches, Vertex AI batch prediction, Bedrock batch inference).",
            "Submit it ahead of the deadline: most batches finish in 15 min–2 h, the cap is 24 h.",
            "Keep the same model, prompt and temperature: quality does not change.",
        ),
    ),
    LatencyClass.NEAR_REAL_TIME: Advice(
        action="challenge the requirement",
        headline="Audit monthly: challenge the latency requirement before paying for streaming.",
        steps=(
            "Ask who reads the result and when: a Slack notification, an email or a queued "
            "ticket is read later, so it can usually wait for a batch.",
            "If the answer can wait an hour, move it to the batch API.",
            "If it truly cannot wait, keep it synchronous and trim its tokens.",
        ),
    ),
    LatencyClass.REAL_TIME: Advice(
        action="optimise streaming",
        headline="Do not batch: a person is waiting. Optimise the streaming path instead.",
        steps=(
            "Use prefix (prompt) caching for the shared part of the prompt.",
            "Use speculative decoding where the provider offers it.",
            "Try a smaller model for the easy cases.",
        ),
    ),
}


def advice_for(latency_class: LatencyClass) -> Advice:
    """Return the advice for a latency class."""
    return ADVICE[LatencyClass(latency_class)]


@dataclass(frozen=True, slots=True)
class TierAdvice:
    """How to move a workflow onto a cheaper service tier: what to change in the request, what
    to expect once it runs there, and when not to do it (SPEC.md, "Service tiers")."""

    tier: AdviceTier
    headline: str
    change: str
    expect: tuple[str, ...]
    not_when: str

    @property
    def points(self) -> tuple[str, ...]:
        """What to change, what to expect, when not to: as bullet points, in that order."""
        return (self.change, *self.expect, self.not_when)


#: Advice for each discounted tier. Flex facts: OpenAI's flex processing guide (slower
#: answers, 429 "resource unavailable" under load, a 15-minute client timeout suggested).
TIER_ADVICE: dict[AdviceTier, TierAdvice] = {
    AdviceTier.FLEX: TierAdvice(
        tier=AdviceTier.FLEX,
        headline="Flex now: the batch price on the same synchronous call.",
        change='Add `service_tier="flex"` to each request. Nothing else changes: same '
        "endpoint, same model, same prompt.",
        expect=(
            "What changes: answers take seconds to minutes instead of seconds.",
            "Now and then a 429 “resource unavailable”: retry it with exponential backoff "
            "(or resend on the standard tier when it cannot wait).",
            "A longer client timeout (up to 15 minutes), so slow answers are not cut off.",
        ),
        not_when="Not where a person waits on screen for the answer: keep that on standard.",
    ),
    AdviceTier.BATCH: TierAdvice(
        tier=AdviceTier.BATCH,
        headline=ADVICE[LatencyClass.SCHEDULED].headline,
        change="Send the run's requests as one file to the provider batch API.",
        expect=(
            "Most batches finish in 15 min–2 h; the promise is within 24 h.",
            "Same model, same weights, same output distribution.",
        ),
        not_when="Not for results someone needs within minutes: never promise < 15 minutes.",
    ),
}

#: Flex savings as every surface shows them (label, value), beside what the batch API would
#: save if the latency requirement were relaxed: two options for the same work, never a sum.
FLEX_NOW = ("Flex now", "{amount}, answers in seconds to minutes")
BATCH_IF_RELAXED = ("Batch if the requirement is relaxed", "{amount}")
#: When both options save the same: say so, and which to prefer.
SAME_EITHER_WAY = (
    "Flex now or batch",
    "{amount} either way; prefer flex, which keeps the synchronous call",
)


def tier_options(figures: WorkflowFigures) -> list[tuple[str, str]]:
    """The (label, value) lines for a near-real-time ``sync`` workflow that flex can serve now:
    flex now, then batch if the requirement is relaxed (one line when they save the same).
    Empty for any other workflow."""
    if figures.flex_now <= 0:
        return []
    return flex_or_batch(figures.flex_now, figures.monthly_savings)


def flex_or_batch(flex_now: Decimal, batch_if_relaxed: Decimal) -> list[tuple[str, str]]:
    """Flex now beside batch if the requirement is relaxed, as (label, value) lines; one line
    saying so, and to prefer flex, when both save the same money per month."""
    if format_monthly(flex_now) == format_monthly(batch_if_relaxed):
        return [(SAME_EITHER_WAY[0], SAME_EITHER_WAY[1].format(amount=format_monthly(flex_now)))]
    return [
        (label, value.format(amount=format_monthly(amount)))
        for (label, value), amount in ((FLEX_NOW, flex_now), (BATCH_IF_RELAXED, batch_if_relaxed))
    ]


def options_sentence(flex_now: Decimal, batch_if_relaxed: Decimal) -> str:
    """One line: ``flex now: $X/month, answers in seconds to minutes · batch if …: $Y/month``,
    or ``flex now or batch: $X/month either way; prefer flex, …`` when they save the same."""
    return " · ".join(
        f"{label.lower()}: {value}" for label, value in flex_or_batch(flex_now, batch_if_relaxed)
    )


def tier_advice(tier: AdviceTier) -> TierAdvice | None:
    """How to move to ``tier``; ``None`` for the standard tier (nothing to change)."""
    return TIER_ADVICE.get(AdviceTier(tier))
