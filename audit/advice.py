"""What to do about each latency class, as data rather than scattered strings."""

from __future__ import annotations

from dataclasses import dataclass

from batchscout.audit.latency import LatencyClass


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
