"""Latency classification: three answers in, one class and a quoted rationale out.

The class never comes from a workflow's name, only from who triggers it, who reads the
result and how fresh the result must be (SPEC.md, "Latency classes").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Trigger(StrEnum):
    """What starts a request."""

    USER = "user"
    EVENT = "event"
    SCHEDULE = "schedule"


class Reader(StrEnum):
    """Who, or what, consumes the result."""

    ON_SCREEN = "on-screen"
    LATER = "later"
    REPORT = "report"
    SYSTEM = "system"


class Freshness(StrEnum):
    """How soon the result must exist."""

    SECONDS = "seconds"
    MINUTES = "minutes"
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"


class LatencyClass(StrEnum):
    """The three latency classes of SPEC.md."""

    REAL_TIME = "real-time"
    NEAR_REAL_TIME = "near-real-time"
    SCHEDULED = "scheduled"


class Mode(StrEnum):
    """Which API, or service tier, a workflow calls today.

    ``flex`` is the synchronous endpoint on the flex service tier (SPEC.md, "Service tiers"):
    like ``batch`` it already pays the discounted price, so its savings are realised.
    ``priority`` is the synchronous endpoint on a premium tier (OpenAI or Google
    ``service_tier="priority"``, SPEC.md "Every lane"): synchronous for the portfolio, at the
    priority price.
    """

    SYNC = "sync"
    BATCH = "batch"
    FLEX = "flex"
    PRIORITY = "priority"


#: Short descriptions used in rationales, questions and help texts.
TRIGGER_LABELS: dict[Trigger, str] = {
    Trigger.USER: "a person asks",
    Trigger.EVENT: "a webhook, message or call",
    Trigger.SCHEDULE: "a schedule (cron)",
}
READER_LABELS: dict[Reader, str] = {
    Reader.ON_SCREEN: "a person watches it arrive on screen",
    Reader.LATER: "read later (notification, email, queue)",
    Reader.REPORT: "a report or dashboard",
    Reader.SYSTEM: "another program consumes it",
}
FRESHNESS_LABELS: dict[Freshness, str] = {
    Freshness.SECONDS: "within seconds",
    Freshness.MINUTES: "within minutes",
    Freshness.HOUR: "within the hour",
    Freshness.DAY: "within the day",
    Freshness.WEEK: "within the week",
}

BATCH_TIMING_NOTE = (
    "Batch jobs usually complete in 15 min–2 h but are only promised within 24 h, "
    "so never promise results in under 15 minutes."
)


@dataclass(frozen=True, slots=True)
class Classification:
    """The outcome of :func:`classify`."""

    latency_class: LatencyClass
    rationale: str
    batch_disguised_as_stream: bool
    notes: tuple[str, ...] = ()


#: The answers as a person would say them in the rationale's sentence.
TRIGGER_WORDS: dict[Trigger, str] = {
    Trigger.USER: "a person starts it",
    Trigger.EVENT: "an event (a webhook, message or call) starts it",
    Trigger.SCHEDULE: "it runs on a schedule",
}
READER_WORDS: dict[Reader, str] = {
    Reader.ON_SCREEN: "a person watches the answer arrive on screen",
    Reader.LATER: "people read the result later (a notification, email or queue)",
    Reader.REPORT: "the result goes into a report or dashboard",
    Reader.SYSTEM: "another program consumes the result",
}


def classify(trigger: Trigger, reader: Reader, freshness: Freshness) -> Classification:
    """Classify a workflow from its trigger, reader and freshness answers.

    Rules (SPEC.md): real-time iff freshness is seconds, the reader is on-screen and the
    trigger is a user or an event; scheduled iff freshness is hour, day or week;
    near-real-time otherwise, flagged batch-disguised-as-stream when nobody reads the result
    on screen. The rationale is one sentence quoting the answers it used, in words
    (``it runs on a schedule``, ``within the day``), never as codes.
    """
    trigger, reader, freshness = Trigger(trigger), Reader(reader), Freshness(freshness)
    started, read, needed = (
        TRIGGER_WORDS[trigger],
        READER_WORDS[reader],
        FRESHNESS_LABELS[freshness],
    )
    if (
        freshness is Freshness.SECONDS
        and reader is Reader.ON_SCREEN
        and trigger in (Trigger.USER, Trigger.EVENT)
    ):
        return Classification(
            LatencyClass.REAL_TIME,
            f"Real-time: {started} and {read} {needed}, so someone is waiting.",
            batch_disguised_as_stream=False,
        )
    if freshness in (Freshness.HOUR, Freshness.DAY, Freshness.WEEK):
        notes = (BATCH_TIMING_NOTE,) if freshness is not Freshness.WEEK else ()
        return Classification(
            LatencyClass.SCHEDULED,
            f"Scheduled: {started}, {read}, and it is needed {needed}, so nobody needs it "
            "sooner than a batch API delivers it.",
            batch_disguised_as_stream=False,
            notes=notes,
        )
    disguised = reader is not Reader.ON_SCREEN
    if disguised:
        rationale = (
            f"Near-real-time: {started} and it is needed {needed}, but {read}, not a person "
            "on screen, so it looks like batch disguised as stream."
        )
    elif freshness is Freshness.SECONDS:
        rationale = (
            f"Near-real-time: {read} {needed}, but {started}, so nobody asked for it and "
            "nobody is waiting."
        )
    else:
        rationale = (
            f"Near-real-time: {started} and {read}, but it is needed {needed}, so it can "
            "wait a little and need not stream."
        )
    return Classification(
        LatencyClass.NEAR_REAL_TIME, rationale, batch_disguised_as_stream=disguised
    )
