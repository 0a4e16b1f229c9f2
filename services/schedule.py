"""When a subscription's digest is due: APScheduler cron triggers in the subscriber's zone.

The same trigger object drives the live scheduler and the "which period is this?" questions
the jobs ask with an explicit ``now``, so tests and production agree about daylight saving.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True, slots=True)
class Schedule:
    """A weekly slot: ``weekday`` 0 = Monday, local ``hour:minute`` in ``timezone``."""

    weekday: int
    hour: int
    minute: int
    timezone: str

    def trigger(self) -> CronTrigger:
        """The cron trigger for this slot, in its own time zone."""
        return CronTrigger(
            day_of_week=WEEKDAYS[self.weekday],
            hour=self.hour,
            minute=self.minute,
            timezone=ZoneInfo(self.timezone),
        )

    def describe(self) -> str:
        """``Mondays at 09:00 (Europe/Paris)``."""
        return (
            f"{WEEKDAY_NAMES[self.weekday]}s at {self.hour:02d}:{self.minute:02d} ({self.timezone})"
        )

    def next_due(self, after: datetime) -> datetime:
        """The first due time strictly after ``after``, in UTC."""
        fire = self.trigger().get_next_fire_time(
            None, after.astimezone(UTC) + timedelta(microseconds=1)
        )
        assert isinstance(fire, datetime)  # a weekly cron always fires again
        utc: datetime = fire.astimezone(UTC)
        return utc

    def last_due(self, now: datetime) -> datetime:
        """The latest due time at or before ``now``, in UTC."""
        probe = now.astimezone(UTC) - timedelta(days=8)
        due = self.next_due(probe)
        while True:
            following = self.next_due(due)
            if following > now:
                return due
            due = following

    def period(self, due: datetime) -> str:
        """The period a due time belongs to: its local date (``2026-11-30``)."""
        return due.astimezone(ZoneInfo(self.timezone)).date().isoformat()


def parse_time(text: str) -> tuple[int, int]:
    """``9:00``, ``09:30``, ``17h``, ``5pm`` → (hour, minute); ``ValueError`` with a hint otherwise."""
    cleaned = text.strip().lower().replace(".", ":").replace("h", ":")
    suffix = None
    for marker in ("am", "pm"):
        if cleaned.endswith(marker):
            suffix, cleaned = marker, cleaned[: -len(marker)].strip()
    hour_text, _, minute_text = cleaned.partition(":")
    if minute_text and len(minute_text) != 2:  # "9:3" is not 09:03: say so
        raise ValueError(f"“{text}” is not a time; write minutes with two digits, like 09:30")
    try:
        hour, minute = int(hour_text), int(minute_text or 0)
    except ValueError:
        raise ValueError(f"“{text}” is not a time; use HH:MM, like 09:00 or 17:30") from None
    if suffix:
        if not 1 <= hour <= 12:
            raise ValueError(f"“{text}” is not a time; use HH:MM, like 09:00 or 17:30")
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise ValueError(f"“{text}” is not a time; use HH:MM, like 09:00 or 17:30")
    return hour, minute


def parse_weekday(text: str) -> int:
    """``mon``, ``Monday``, ``tuesdays`` → 0..6; ``ValueError`` with a hint otherwise."""
    cleaned = text.strip().lower().rstrip("s")
    if cleaned in ("weekday", "daily", "everyday", "day", "workday"):
        raise ValueError(
            f"the digest is weekly, so “{text}” does not fit: pick one day, like `subscribe monday 9am`"
        )
    for index, name in enumerate(WEEKDAY_NAMES):
        if len(cleaned) >= 3 and name.lower().startswith(cleaned):
            return index
    raise ValueError(f"“{text}” is not a day; use Monday … Sunday (or mon … sun)")


def check_timezone(name: str) -> str:
    """An IANA zone name, validated."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"“{name}” is not a time zone (like Europe/Paris)") from None
    return name
