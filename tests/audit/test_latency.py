"""Every trigger × reader × freshness combination against SPEC.md's rules, written out as a table."""

from __future__ import annotations

import itertools

import pytest

from batchscout.audit.advice import ADVICE, advice_for
from batchscout.audit.latency import (
    BATCH_TIMING_NOTE,
    FRESHNESS_LABELS,
    READER_WORDS,
    Freshness,
    LatencyClass,
    Reader,
    Trigger,
    classify,
)

RT, NRT, SCH = LatencyClass.REAL_TIME, LatencyClass.NEAR_REAL_TIME, LatencyClass.SCHEDULED

# Rows are freshness; per (trigger, reader) the expected class, spelled out rather than derived.
#                 user×on-screen later report system | event×on-screen later report system | schedule×...
EXPECTED = {
    "seconds": [RT, NRT, NRT, NRT, RT, NRT, NRT, NRT, NRT, NRT, NRT, NRT],
    "minutes": [NRT] * 12,
    "hour": [SCH] * 12,
    "day": [SCH] * 12,
    "week": [SCH] * 12,
}
COMBINATIONS = [
    (trigger, reader, freshness, EXPECTED[freshness.value][t * 4 + r])
    for freshness in Freshness
    for (t, trigger), (r, reader) in itertools.product(enumerate(Trigger), enumerate(Reader))
]


def test_the_table_covers_every_combination() -> None:
    assert len(COMBINATIONS) == len(Trigger) * len(Reader) * len(Freshness) == 60


@pytest.mark.parametrize(("trigger", "reader", "freshness", "expected"), COMBINATIONS)
def test_classification(
    trigger: Trigger, reader: Reader, freshness: Freshness, expected: LatencyClass
) -> None:
    result = classify(trigger, reader, freshness)

    assert result.latency_class is expected
    # The rationale quotes the answers it used, in words, and is one sentence with no codes.
    assert FRESHNESS_LABELS[freshness] in result.rationale
    assert "`" not in result.rationale
    assert result.rationale.count(". ") == 0 and result.rationale.endswith(".")
    disguised = expected is NRT and reader is not Reader.ON_SCREEN
    assert result.batch_disguised_as_stream is disguised
    if disguised:
        assert "disguised" in result.rationale and READER_WORDS[reader] in result.rationale
    if freshness in (Freshness.HOUR, Freshness.DAY):
        assert result.notes == (BATCH_TIMING_NOTE,)
        assert "15 min" in BATCH_TIMING_NOTE and "24 h" in BATCH_TIMING_NOTE
    else:
        assert result.notes == ()


def test_real_time_rationale_quotes_all_three_answers_in_words() -> None:
    result = classify(Trigger.EVENT, Reader.ON_SCREEN, Freshness.SECONDS)

    assert result.latency_class is RT
    assert result.rationale == (
        "Real-time: an event (a webhook, message or call) starts it and a person watches the "
        "answer arrive on screen within seconds, so someone is waiting."
    )


def test_scheduled_rationale_names_each_answer_once() -> None:
    result = classify(Trigger.SCHEDULE, Reader.REPORT, Freshness.DAY)

    assert result.rationale == (
        "Scheduled: it runs on a schedule, the result goes into a report or dashboard, and it "
        "is needed within the day, so nobody needs it sooner than a batch API delivers it."
    )
    assert result.rationale.count("within the day") == 1


def test_plain_strings_are_accepted_and_bad_ones_refused() -> None:
    assert classify("schedule", "report", "day").latency_class is SCH  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        classify("cron", "report", "day")  # type: ignore[arg-type]


def test_advice_is_data_for_every_class() -> None:
    assert set(ADVICE) == set(LatencyClass)
    assert advice_for(SCH).action == "migrate now"
    assert advice_for(NRT).action == "challenge the requirement"
    real_time = " ".join(advice_for(RT).steps).lower()
    for technique in ("prefix", "speculative decoding", "smaller model"):
        assert technique in real_time
