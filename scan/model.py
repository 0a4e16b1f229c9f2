"""What a scan finds: calls, schedules, contexts and advice, as plain frozen data."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class Context(StrEnum):
    """Where a call runs: reached from a schedule, inside a web or chat handler, or unknown."""

    SCHEDULED = "scheduled"
    REQUEST = "request"
    UNKNOWN = "unknown"


class Advice(StrEnum):
    """What to do about a call (SPEC.md, "Finding the AI calls in code")."""

    BATCH = "batch"
    FLEX = "flex"
    REVIEW = "review"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Schedule:
    """One schedule that runs code: where it is written, its cadence and what it runs.

    ``cron`` is the expression as written (a five-field cron line, a preset like ``@daily``,
    AWS's ``cron(...)``/``rate(...)``, or an interval such as ``every 1 hour``);
    ``runs_per_month`` counts runs in a 30-day month, ``None`` when the cadence cannot be
    read. ``name`` is the job's name where the source gives one.
    """

    source: str
    line: int
    cron: str
    runs_per_month: Decimal | None
    name: str | None = None

    @property
    def where(self) -> str:
        """``path:line`` of the schedule's definition."""
        return f"{self.source}:{self.line}"


@dataclass(frozen=True, slots=True)
class Call:
    """One LLM call found in a file, before its context is known.

    ``function`` is the enclosing function's qualified name (``<module>`` at top level);
    ``text`` the call's source, normalised (it feeds the fingerprint). ``prompt_chars`` counts
    the literal prompt's characters, ``max_output`` the literal ``max_tokens`` (or
    ``max_output_tokens``), each ``None`` when the code does not give one.
    """

    path: str
    line: int
    language: str
    provider: str
    call: str
    model: str | None
    streaming: bool
    already_batch: bool
    function: str
    text: str
    request_handler: bool = False
    prompt_chars: int | None = None
    max_output: int | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """A call with its context, schedule, advice and stable fingerprint (the JSON finding)."""

    call: Call
    context: Context
    schedule: Schedule | None
    advice: Advice
    fingerprint: str

    @property
    def synchronous_scheduled(self) -> bool:
        """A synchronous call in a scheduled context: what ``--fail-on scheduled`` stops."""
        return self.context is Context.SCHEDULED and not self.call.already_batch


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file the scan did not read, and why (too large, binary, not UTF-8, unparsable)."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class ScanResult:
    """Every finding, sorted by path and line, and the files left unread."""

    findings: tuple[Finding, ...]
    skipped: tuple[Skipped, ...] = ()
    files_read: int = 0
    schedules: tuple[Schedule, ...] = field(default=())
