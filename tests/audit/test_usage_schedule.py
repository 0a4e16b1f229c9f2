"""The schedule detector on generated hourly traffic (SPEC: "looks_scheduled")."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from batchscout.audit.usage import detect_schedule

START = datetime(2026, 10, 26, tzinfo=UTC)  # a Monday
DAYS = 28
END = START + timedelta(days=DAYS)


def traffic(volume: Callable[[datetime], float]) -> dict[datetime, float]:
    """Requests per hour over the window, from a function of the hour."""
    hours = (START + timedelta(hours=n) for n in range(DAYS * 24))
    return {h: v for h in hours if (v := volume(h)) > 0}


def noisy(seed: int) -> random.Random:
    return random.Random(seed)


def test_nightly_job_looks_scheduled_and_names_its_hour() -> None:
    rng = noisy(1)
    verdict = detect_schedule(
        traffic(lambda h: 5000 + rng.randint(-50, 50) if h.hour == 2 else 0), START, END
    )
    assert verdict.looks_scheduled
    assert "02:00 UTC" in verdict.reason and "28 of 28 days" in verdict.reason


def test_hourly_job_looks_scheduled() -> None:
    rng = noisy(2)
    verdict = detect_schedule(traffic(lambda h: 120 + rng.randint(-5, 5)), START, END)
    assert verdict.looks_scheduled
    assert "every hour" in verdict.reason


def test_weekly_job_looks_scheduled_and_names_the_day() -> None:
    verdict = detect_schedule(
        traffic(lambda h: 20_000 if h.weekday() == 0 and h.hour == 6 else 0), START, END
    )
    assert verdict.looks_scheduled
    assert "Mondays" in verdict.reason and "06:00 UTC" in verdict.reason
    assert "4 of 4" in verdict.reason


def test_office_hours_chat_does_not_look_scheduled() -> None:
    rng = noisy(3)

    def chat(h: datetime) -> float:
        if h.weekday() >= 5 or not 8 <= h.hour < 18:
            return 0
        busy = math.sin(math.pi * (h.hour - 8) / 10)  # quiet mornings, busy afternoons
        return max(0, int(200 * busy + rng.randint(-40, 40)))

    verdict = detect_schedule(traffic(chat), START, END)
    assert not verdict.looks_scheduled
    assert "UTC" in verdict.reason and "working hours" in verdict.reason


def test_short_office_day_does_not_look_scheduled() -> None:
    rng = noisy(4)
    verdict = detect_schedule(
        traffic(lambda h: rng.randint(5, 60) if h.weekday() < 5 and 9 <= h.hour < 13 else 0),
        START,
        END,
    )
    assert not verdict.looks_scheduled
    assert "09:00–13:00 UTC" in verdict.reason


def test_round_the_clock_service_does_not_look_scheduled() -> None:
    rng = noisy(5)

    def service(h: datetime) -> float:
        daily = 1 + 0.8 * math.sin(2 * math.pi * (h.hour - 9) / 24)
        return max(1, int(400 * daily + rng.randint(-20, 20)))

    verdict = detect_schedule(traffic(service), START, END)
    assert not verdict.looks_scheduled
    assert "round the clock" in verdict.reason and "busiest at" in verdict.reason


def test_job_that_moved_its_hour_mid_window_looks_scheduled() -> None:
    moved = START + timedelta(days=14)

    def job(h: datetime) -> float:
        return 3000 if h.hour == (2 if h < moved else 4) else 0

    verdict = detect_schedule(traffic(job), START, END)
    assert verdict.looks_scheduled
    assert "02:00 UTC until 08 Nov" in verdict.reason
    assert "04:00 UTC from 09 Nov" in verdict.reason


def test_weekday_job_looks_scheduled() -> None:
    verdict = detect_schedule(
        traffic(lambda h: 800 if h.weekday() < 5 and h.hour == 22 else 0), START, END
    )
    assert verdict.looks_scheduled
    assert "every weekday at 22:00 UTC" in verdict.reason


@pytest.mark.parametrize("hours", [[], [START + timedelta(days=3, hours=14)]])
def test_no_or_one_off_traffic_does_not_look_scheduled(hours: list[datetime]) -> None:
    verdict = detect_schedule(dict.fromkeys(hours, 10.0), START, END)
    assert not verdict.looks_scheduled
