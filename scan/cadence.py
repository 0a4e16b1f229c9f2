"""A schedule's cadence as runs per month (a month is 30 days), counted with ``croniter``.

Accepted: five-field cron lines (``0 2 * * *``), the presets (``@hourly``, ``@daily``,
``@weekly``, ``@monthly``, ``@yearly``), AWS EventBridge's ``cron(...)`` and ``rate(...)``,
and plain intervals in seconds. AWS's ``cron()`` has six fields (minutes, hours,
day-of-month, month, day-of-week, year) with day-of-week 1-7 for Sunday-Saturday and ``?``
for "any": it is translated to a five-field line by dropping the year, reading ``?`` as ``*``
and moving day-of-week numbers down by one (``#`` kept, as croniter reads ``6#3`` too);
``W`` has no translation and gives ``None``. ``rate(5 minutes)`` is an interval.

Counting runs is deterministic: from a fixed Monday, 2025-01-06 00:00 UTC, over seven days
for anything that runs at least daily (weekday-only schedules average out), else over 52
weeks (every weekday and day of the month alike), scaled to 30 days.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from croniter import croniter

MONTH = timedelta(days=30)
#: Once an hour: the most often a schedule can run and still suit the batch API.
HOURLY = Decimal(720)
DAILY = Decimal(30)
_START = datetime(2025, 1, 6, tzinfo=UTC)
_PRESETS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$", re.I)
_AWS_CRON = re.compile(r"^cron\((.*)\)$", re.I)
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
#: More runs than this in a week are counted over one day and scaled (every minute: 1,440).
_DAY_COUNT_ABOVE = 10_000


def _quantize(value: Decimal) -> Decimal:
    rounded = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return rounded.to_integral_value() if rounded == rounded.to_integral_value() else rounded


def per_interval(seconds: float) -> Decimal | None:
    """Runs per 30-day month of something that runs every ``seconds`` (``None`` if not > 0)."""
    if seconds <= 0:
        return None
    return _quantize(Decimal(int(MONTH.total_seconds())) / Decimal(str(seconds)))


def aws_to_cron(fields: str) -> str | None:
    """AWS's six-field ``cron()`` body as a five-field cron line, or ``None`` when it has
    no translation (``W``, or the wrong number of fields)."""
    parts = fields.split()
    if len(parts) != 6 or "W" in parts[2].upper():
        return None
    minute, hour, day, month, weekday, _year = parts
    day = "*" if day == "?" else day
    if weekday == "?":
        weekday = "*"
    else:

        def down(match: re.Match[str]) -> str:
            return str((int(match.group(0)) - 1) % 7)

        head, sharp, nth = weekday.partition("#")
        weekday = re.sub(r"\d+", down, head) + sharp + nth
    return f"{minute} {hour} {day} {month} {weekday}"


def _count(line: str, span: timedelta, cap: int) -> int:
    iterator = croniter(line, _START - timedelta(seconds=1))
    end = _START + span
    count = 0
    while count <= cap:
        if iterator.get_next(datetime) >= end:
            break
        count += 1
    return count


def cron_runs(line: str) -> Decimal | None:
    """Runs per 30-day month of a five-field cron line or preset; ``None`` if croniter
    cannot read it."""
    line = _PRESETS.get(line.strip().lower(), line.strip())
    if len(line.split()) != 5 or not croniter.is_valid(line):
        return None
    week = _count(line, timedelta(days=7), _DAY_COUNT_ABOVE)
    if week > _DAY_COUNT_ABOVE:
        return _quantize(Decimal(_count(line, timedelta(days=1), 100_000)) * 30)
    if week >= 7:
        return _quantize(Decimal(week) * 30 / 7)
    return _quantize(Decimal(_count(line, timedelta(days=364), 100_000)) * 30 / 364)


def runs_per_month(expression: str) -> Decimal | None:
    """Runs per 30-day month of any accepted expression (see the module's docstring)."""
    text = expression.strip()
    rate = _RATE.match(text)
    if rate:
        return per_interval(int(rate.group(1)) * _UNIT_SECONDS[rate.group(2).lower().rstrip("s")])
    aws = _AWS_CRON.match(text)
    if aws:
        translated = aws_to_cron(aws.group(1))
        return None if translated is None else cron_runs(translated)
    return cron_runs(text)


def interval_text(seconds: float) -> str:
    """An interval for people: ``every 30 minutes``, ``every 1 hour``, ``every 90 seconds``."""
    whole = int(seconds)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if whole and whole % size == 0:
            count = whole // size
            return f"every {count} {unit}{'s' if count != 1 else ''}"
    return f"every {seconds:g} seconds"
