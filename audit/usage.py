"""Provider usage: what the providers' own usage and cost reports say a team spends.

Pure domain (SPEC.md, "What you actually spend: provider usage"): the records the readers
return, the import window, the scopes workflows claim, the schedule detector and the report.
No network and no database here; the readers live in :mod:`batchscout.jobs.usage`, the
tables in :mod:`batchscout.storage.usage`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from batchscout.audit.latency import Mode

DEFAULT_DAYS = 30
"""``usage import`` reads the last 30 whole UTC days unless told otherwise (SPEC)."""
MAX_DAYS = 90
"""The longest window ``usage import`` accepts (SPEC)."""
REIMPORT_DAYS = 3
"""The worker re-reads the last three days: providers revise recent buckets (SPEC)."""
VERIFIED_SHARE = Decimal("0.90")
"""A ``batch`` workflow is verified when at least this share of its traffic ran on batch."""
MATCH_TOLERANCE = Decimal("0.25")
"""A ``sync`` workflow matches when its observed cost is within ±25% of the estimate."""
MONTH_DAYS = Decimal(30)

#: Tiers on which a request ran at the batch price: OpenAI's batch API, Anthropic's
#: Message Batches (``service_tier: batch``).
BATCH_TIERS = frozenset({"batch"})

PROJECT_ID = re.compile(r"^(proj_[A-Za-z0-9]{4,64}|wrkspc_[A-Za-z0-9]{4,64})$")
"""An OpenAI project id (``proj_…``) or an Anthropic workspace id (``wrkspc_…``)."""
API_KEY_ID = re.compile(r"^(key_[A-Za-z0-9]{4,64}|apikey_[A-Za-z0-9]{4,64})$")
"""An OpenAI API key id (``key_…``) or an Anthropic API key id (``apikey_…``)."""


class UsageProvider(StrEnum):
    """Providers whose organisation usage and cost reports Batchscout reads."""

    OPENAI = "openai"
    ANTHROPIC = "anthropic"


NEEDS_ADMIN_KEY = "needs an organisation admin key"
"""What a refused or missing key means (SPEC): the reports need an organisation admin key."""


class AdminKeyError(RuntimeError):
    """The provider refused the key (401/403), or none is set: an organisation admin key is
    needed to read usage and cost reports."""


class UsageReadError(RuntimeError):
    """A usage or cost report could not be read (rate limited past the retries, unreachable,
    or an answer that is not the documented shape). Nothing read so far is stored."""


def provider_of_id(identifier: str) -> UsageProvider:
    """The provider a project/workspace or API key id belongs to, from its prefix."""
    if identifier.startswith(("wrkspc_", "apikey_")):
        return UsageProvider.ANTHROPIC
    return UsageProvider.OPENAI


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """One hourly usage bucket of one scope × model × tier.

    ``project`` is the OpenAI project or Anthropic workspace id, ``""`` for Anthropic's
    default workspace (the API's ``workspace_id: null``); ``api_key`` is ``""`` when the
    provider reports none. ``requests`` is ``None`` for Anthropic, whose usage report counts
    tokens only. Token counts: ``input_tokens`` uncached input, ``cache_read_tokens`` and
    ``cache_write_tokens`` cached input, ``output_tokens`` output.
    """

    provider: UsageProvider
    start: datetime
    project: str
    api_key: str
    model: str
    tier: str
    requests: int | None
    input_tokens: int
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    output_tokens: int = 0

    @property
    def key(self) -> tuple[object, ...]:
        """What makes a bucket unique: importing it again replaces it."""
        return (self.provider, self.start, self.project, self.api_key, self.model, self.tier)

    @property
    def tokens(self) -> int:
        """Every token of the bucket, input (cached or not) and output."""
        return (
            self.input_tokens
            + self.cache_read_tokens
            + self.cache_write_tokens
            + self.output_tokens
        )

    @property
    def activity(self) -> int:
        """How busy the bucket was: requests where counted, else tokens (Anthropic)."""
        return self.requests if self.requests is not None else self.tokens

    @property
    def on_batch(self) -> bool:
        """Whether the bucket's requests ran at the batch price."""
        return self.tier in BATCH_TIERS


@dataclass(frozen=True, slots=True)
class CostRecord:
    """One daily cost line in US dollars (Anthropic's cents already divided by 100).

    ``api_key`` is ``""`` where the report cannot split by key (Anthropic never can);
    ``description`` is Anthropic's cost description, ``""`` for OpenAI.
    """

    provider: UsageProvider
    day: date
    project: str
    api_key: str
    description: str
    amount: Decimal

    @property
    def key(self) -> tuple[object, ...]:
        """What makes a cost line unique: importing it again replaces it."""
        return (self.provider, self.day, self.project, self.api_key, self.description)


@dataclass(frozen=True, slots=True)
class UsageWindow:
    """What a reader returns for ``[start, end)``: every usage bucket and cost line."""

    provider: UsageProvider
    start: datetime
    end: datetime
    usage: list[UsageRecord]
    costs: list[CostRecord]

    @property
    def days(self) -> list[date]:
        """The UTC days the window covers."""
        return [
            (self.start + timedelta(days=n)).date() for n in range((self.end - self.start).days)
        ]


def _added(first: UsageRecord, second: UsageRecord) -> UsageRecord:
    """Two buckets' counts summed, keeping the first one's key."""
    requests = (
        None
        if first.requests is None and second.requests is None
        else (first.requests or 0) + (second.requests or 0)
    )
    return replace(
        first,
        requests=requests,
        input_tokens=first.input_tokens + second.input_tokens,
        cache_read_tokens=first.cache_read_tokens + second.cache_read_tokens,
        cache_write_tokens=first.cache_write_tokens + second.cache_write_tokens,
        output_tokens=first.output_tokens + second.output_tokens,
    )


def merge_usage(records: Iterable[UsageRecord]) -> list[UsageRecord]:
    """Sum records that share a key (a provider may split a bucket on a dimension we do not
    keep), so each key appears once."""
    merged: dict[tuple[object, ...], UsageRecord] = {}
    for record in records:
        seen = merged.get(record.key)
        merged[record.key] = record if seen is None else _added(seen, record)
    return list(merged.values())


def merge_costs(records: Iterable[CostRecord]) -> list[CostRecord]:
    """Sum cost lines that share a key, so each key appears once."""
    merged: dict[tuple[object, ...], CostRecord] = {}
    for record in records:
        seen = merged.get(record.key)
        if seen is not None:
            record = replace(record, amount=seen.amount + record.amount)
        merged[record.key] = record
    return list(merged.values())


def import_window(days: int, now: datetime) -> tuple[datetime, datetime]:
    """The last ``days`` whole UTC days before ``now``: ``[start, end)``, end at today's 00:00
    UTC. Raises ``ValueError`` outside 1 to :data:`MAX_DAYS`."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"--days must be between 1 and {MAX_DAYS} (got {days})")
    end = datetime.combine(now.astimezone(UTC).date(), time(0), tzinfo=UTC)
    return end - timedelta(days=days), end


def per_month(amount: Decimal, days: int) -> Decimal:
    """A window's figure as a monthly one: × 30 / days (SPEC: a month is 30 days)."""
    return amount * MONTH_DAYS / Decimal(days) if days else Decimal(0)


def share_str(value: Decimal) -> str:
    """A share for machines: four decimals (``"0.2500"``)."""
    return f"{value.quantize(Decimal('0.0001'), rounding=ROUND_HALF_UP):.4f}"


def describe_project(provider: UsageProvider, project: str) -> str:
    """A scope's project or workspace for people (``""`` is Anthropic's default workspace)."""
    if project:
        return project
    return "default workspace" if provider is UsageProvider.ANTHROPIC else "no project"


def link_text(usage_project: str | None, usage_api_key: str | None) -> str | None:
    """A workflow's usage link for people (``project proj_… · API key key_…``), or ``None``."""
    parts = [
        f"{label} {value}"
        for label, value in (("project", usage_project), ("API key", usage_api_key))
        if value
    ]
    return " · ".join(parts) or None


# -- the schedule detector ---------------------------------------------------------------

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_COVERED = Decimal("0.90")  # the hours holding this share of the traffic are "its hours"
_MOST = Decimal("0.60")  # a pattern recurs when it shows on this share of days (or weeks)
_MAX_JOB_HOURS = 6  # a job runs in at most this many hours of the day
_STEADY = 0.2  # hourly volumes this even (coefficient of variation) are a metronome
_ROUND_THE_CLOCK = 0.9  # active in this share of all hours


@dataclass(frozen=True, slots=True)
class ScheduleVerdict:
    """Whether traffic looks scheduled, and one sentence quoting the hours it saw (UTC)."""

    looks_scheduled: bool
    reason: str
    period: str | None = None
    """How often a scheduled job runs: ``hour``, ``day`` or ``week`` (SPEC's freshness words)."""


def _hours(hours: Iterable[int]) -> str:
    shown = [f"{h:02d}:00" for h in sorted(hours)]
    if len(shown) == 1:
        return f"{shown[0]} UTC"
    return ", ".join(shown[:-1]) + f" and {shown[-1]} UTC"


def _span(hours: Sequence[int]) -> str:
    return f"{min(hours):02d}:00–{max(hours) + 1:02d}:00 UTC"


def _covering_hours(weights: Mapping[int, float]) -> list[int]:
    """The fewest hours of the day that hold 90% of the traffic."""
    total = sum(weights.values())
    chosen: list[int] = []
    held = 0.0
    for hour, weight in sorted(weights.items(), key=lambda item: (-item[1], item[0])):
        if total and held >= float(_COVERED) * total:
            break
        chosen.append(hour)
        held += weight
    return sorted(chosen)


def detect_schedule(
    activity: Mapping[datetime, float], start: datetime, end: datetime
) -> ScheduleVerdict:
    """Read an hourly profile (bucket start → requests or tokens) over ``[start, end)``.

    Traffic looks scheduled when it comes back at the same hours every day (a nightly job, or
    a job that moved its hour during the window), on the same day and hour every week (a weekly
    job), or every hour at a steady volume (an hourly job). It does not when it follows
    people: spread over a working day, or round the clock with the time of day's ups and
    downs. Hours are UTC: the usage reports have no time zone.
    """
    hours_in_window = max(int((end - start).total_seconds() // 3600), 1)
    busy = {t.astimezone(UTC): float(v) for t, v in activity.items() if v > 0}
    if not busy:
        return ScheduleVerdict(False, "No traffic in the window.")
    days_in_window = max(hours_in_window // 24, 1)

    # Every hour, around the clock: steady volume is a job, a daily curve is people.
    if len(busy) >= _ROUND_THE_CLOCK * hours_in_window:
        values = [busy.get(start + timedelta(hours=n), 0.0) for n in range(hours_in_window)]
        mean = sum(values) / len(values)
        spread = (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5 / mean
        if spread <= _STEADY:
            return ScheduleVerdict(
                True,
                f"Runs every hour around the clock at a steady volume (about {mean:,.0f} an hour).",
                "hour",
            )
        peak = max(range(24), key=lambda h: sum(v for t, v in busy.items() if t.hour == h))
        return ScheduleVerdict(
            False,
            f"Runs round the clock with volume following the time of day (busiest at "
            f"{peak:02d}:00 UTC), like a service people use.",
        )

    by_hour: dict[int, float] = defaultdict(float)
    for moment, value in busy.items():
        by_hour[moment.hour] += value
    hours = _covering_hours(by_hour)
    if len(hours) > _MAX_JOB_HOURS:
        weekday_share = sum(v for t, v in busy.items() if t.weekday() < 5) / sum(busy.values())
        when = "on weekdays " if weekday_share >= 0.85 else ""
        return ScheduleVerdict(
            False,
            f"Spread over {len(hours)} hours of the day {when}({_span(hours)}), "
            "following people's working hours rather than a clock.",
        )

    core = set(hours)
    days: dict[date, float] = defaultdict(float)
    for moment, value in busy.items():
        if moment.hour in core:
            days[moment.date()] += value
    active_days = sorted(days)

    # Weekly: the traffic sits on one or two days of the week, and comes back most weeks.
    by_weekday: dict[int, float] = defaultdict(float)
    for day, value in days.items():
        by_weekday[day.weekday()] += value
    weekdays = sorted(d for d, v in by_weekday.items() if v >= 0.1 * sum(by_weekday.values()))
    window_days = [start.date() + timedelta(days=n) for n in range(days_in_window)]
    possible = sum(1 for d in window_days if d.weekday() in weekdays)
    if len(weekdays) <= 2 and possible >= 2 and len(active_days) <= possible + 1:
        on_them = sum(1 for d in active_days if d.weekday() in weekdays)
        if len(active_days) < float(_MOST) * days_in_window and on_them >= float(_MOST) * possible:
            names = " and ".join(_WEEKDAYS[d] + "s" for d in weekdays)
            return ScheduleVerdict(
                True,
                f"Runs on {names} at {_hours(core)} ({on_them} of {possible} in the window): "
                "a weekly job.",
                "week",
            )

    # Daily: the same hours come back on most days (weekends too, or only on weekdays).
    if len(active_days) >= float(_MOST) * days_in_window or (
        len(active_days) >= float(_MOST) * days_in_window * 5 / 7
        and all(d.weekday() < 5 for d in active_days)
    ):
        weekends = sum(1 for d in active_days if d.weekday() >= 5)
        working_day_shape = (
            weekends == 0 and len(core) >= 3 and max(core) - min(core) == len(core) - 1
        )
        if working_day_shape:
            return ScheduleVerdict(
                False,
                f"Active on weekdays only, {_span(hours)}, a block of working hours: "
                "people, not a clock.",
            )
        return ScheduleVerdict(True, _daily_reason(busy, core, active_days, days_in_window), "day")

    return ScheduleVerdict(
        False,
        f"Irregular: active on {len(active_days)} of {days_in_window} days, around {_hours(core)}.",
    )


def _daily_reason(
    busy: Mapping[datetime, float], core: set[int], active_days: list[date], days_in_window: int
) -> str:
    """Quote the hours of a daily job, saying when it moved if it did."""
    main_hour: dict[date, int] = {}
    for day in active_days:
        that_day = {t.hour: v for t, v in busy.items() if t.date() == day and t.hour in core}
        main_hour[day] = min(that_day, key=lambda h: (-that_day[h], h))
    runs: list[tuple[int, date, date]] = []  # (hour, first day, last day)
    for day in active_days:
        hour = main_hour[day]
        if runs and runs[-1][0] == hour:
            runs[-1] = (hour, runs[-1][1], day)
        else:
            runs.append((hour, day, day))
    long_runs = [r for r in runs if (r[2] - r[1]).days >= 2]
    count = f"on {len(active_days)} of {days_in_window} days"
    every = "every weekday" if all(d.weekday() < 5 for d in active_days) else "every day"
    if len(long_runs) >= 2 and len(long_runs) <= 3 and len(runs) <= len(long_runs) + 2:
        parts = [f"at {long_runs[0][0]:02d}:00 UTC until {long_runs[0][2]:%d %b}"]
        parts += [
            f"then at {hour:02d}:00 UTC from {first:%d %b}" for hour, first, _ in long_runs[1:]
        ]
        return f"Runs {every} {', '.join(parts)} ({count}): a daily job that moved its hour."
    return f"Runs {every} at {_hours(core)} ({count}): a daily job."


# -- the report ----------------------------------------------------------------------------


class UsageStatus(StrEnum):
    """A linked workflow's status in the usage report (SPEC)."""

    VERIFIED = "verified"
    NOT_MIGRATED = "not_migrated"
    MATCHES = "matches"
    DRIFT = "drift"
    NO_TRAFFIC = "no_traffic"


class CostSource(StrEnum):
    """Where a workflow's observed cost comes from (SPEC)."""

    BILLED = "billed"
    PRICED = "priced"


@dataclass(frozen=True, slots=True)
class WorkflowLink:
    """A workflow as the report needs it: its usage link and its estimate (US dollars a
    month, the inventory's figure)."""

    name: str
    mode: Mode
    estimated_monthly_cost: Decimal
    usage_project: str | None
    usage_api_key: str | None

    @property
    def provider(self) -> UsageProvider | None:
        """The provider its link points at, from the ids' prefixes."""
        ident = self.usage_api_key or self.usage_project
        return provider_of_id(ident) if ident else None


#: Prices a usage record with the catalog at its tier: US dollars, or None when the catalog
#: does not know the model.
Pricer = Callable[[UsageRecord], Decimal | None]
Scope = tuple[UsageProvider, str, str]


@dataclass(frozen=True, slots=True)
class ProviderFigures:
    """A provider's observed month: billed spend, requests (None: not counted) and batch
    share (of requests; of tokens where requests are not counted)."""

    provider: UsageProvider
    days: int
    monthly_spend: Decimal
    monthly_requests: Decimal | None
    batch_share: Decimal


@dataclass(frozen=True, slots=True)
class WorkflowUsage:
    """A linked workflow's observed month against its estimate."""

    link: WorkflowLink
    observed_monthly_cost: Decimal
    observed_batch_share: Decimal
    cost_source: CostSource
    status: UsageStatus
    monthly_requests: Decimal | None
    shared_with: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class UnregisteredScope:
    """Traffic no workflow links to: a (provider, project/workspace, API key) scope."""

    provider: UsageProvider
    usage_project: str
    usage_api_key: str
    monthly_spend: Decimal
    cost_source: CostSource
    batch_share: Decimal
    monthly_batch_savings: Decimal
    monthly_requests: Decimal | None
    monthly_input_tokens: Decimal
    monthly_output_tokens: Decimal
    models: tuple[str, ...]
    verdict: ScheduleVerdict
    monthly_runs: Decimal = Decimal(0)
    """Hours with traffic, a month: the volume where requests are not counted (Anthropic)."""


@dataclass(frozen=True, slots=True)
class UsageReport:
    """The whole report (SPEC's ``usage report --json``)."""

    days: int
    providers: list[ProviderFigures]
    workflows: list[WorkflowUsage]
    unregistered: list[UnregisteredScope]
    unpriced_models: tuple[str, ...] = field(default=())

    @property
    def monthly_spend(self) -> Decimal:
        """Every provider's billed monthly spend, each bucket counted once."""
        return sum((p.monthly_spend for p in self.providers), Decimal(0))

    @property
    def batch_spend_share(self) -> Decimal:
        """The share of observed spend already on batch (weighted by each provider's spend)."""
        total = self.monthly_spend
        if not total:
            return Decimal(0)
        return sum((p.monthly_spend * p.batch_share for p in self.providers), Decimal(0)) / total

    @property
    def not_migrated(self) -> list[WorkflowUsage]:
        """Workflows marked as migrated whose traffic still runs synchronously."""
        return [w for w in self.workflows if w.status is UsageStatus.NOT_MIGRATED]

    @property
    def scheduled_unregistered(self) -> list[UnregisteredScope]:
        """Unregistered traffic that looks scheduled, most batch savings first."""
        found = [u for u in self.unregistered if u.verdict.looks_scheduled]
        return sorted(found, key=lambda u: u.monthly_batch_savings, reverse=True)


def _share(part: Decimal | int, whole: Decimal | int) -> Decimal:
    return Decimal(part) / Decimal(whole) if whole else Decimal(0)


def _batch_share(records: Iterable[UsageRecord]) -> Decimal:
    items = list(records)
    counted = all(r.requests is not None for r in items)
    weight: Callable[[UsageRecord], int] = (
        (lambda r: r.requests or 0) if counted else (lambda r: r.tokens)
    )
    return _share(sum(weight(r) for r in items if r.on_batch), sum(weight(r) for r in items))


def _requests(records: Sequence[UsageRecord]) -> int | None:
    if any(r.requests is None for r in records):
        return None
    return sum(r.requests or 0 for r in records)


def claims(
    links: Sequence[WorkflowLink], scopes: Iterable[Scope]
) -> dict[Scope, list[WorkflowLink]]:
    """Which workflows claim each scope (SPEC): a workflow with ``usage_api_key`` claims that
    key (in its project, when it names one too); a workflow with only ``usage_project`` owns
    the project's traffic that no API-key workflow claims."""
    scopes = set(scopes)
    by_scope: dict[Scope, list[WorkflowLink]] = {s: [] for s in scopes}
    keyed = [w for w in links if w.usage_api_key]
    for scope in scopes:
        provider, project, api_key = scope
        for link in keyed:
            if (
                link.provider is provider
                and link.usage_api_key == api_key
                and (not link.usage_project or link.usage_project == project)
            ):
                by_scope[scope].append(link)
        if by_scope[scope]:
            continue
        for link in links:
            if (
                not link.usage_api_key
                and link.usage_project == project
                and link.provider is provider
            ):
                by_scope[scope].append(link)
    return by_scope


def build_report(
    *,
    days: Mapping[UsageProvider, int],
    usage: Sequence[UsageRecord],
    costs: Sequence[CostRecord],
    links: Sequence[WorkflowLink],
    pricer: Pricer,
    window: tuple[datetime, datetime],
) -> UsageReport:
    """Build the usage report (SPEC, "What you actually spend").

    ``days`` is how many days each provider's imported window covers; money is US dollars,
    monthly = the window's figure × 30 / days. Traffic two workflows claim is shown under
    each and counted once in the provider totals (which are sums over buckets, not over
    workflows). ``cost_source`` is ``billed`` where the cost report splits by the scope
    (OpenAI: project × API key; Anthropic: whole workspaces only), else ``priced``.
    """
    unpriced: set[str] = set()

    def priced(records: Iterable[UsageRecord]) -> Decimal:
        # Prices are linear in tokens: price each model × tier once, on its summed tokens.
        summed: dict[tuple[UsageProvider, str, str], UsageRecord] = {}
        for record in records:
            key = (record.provider, record.model, record.tier)
            seen = summed.get(key)
            summed[key] = record if seen is None else _added(seen, record)
        total = Decimal(0)
        for record in summed.values():
            amount = pricer(record)
            if amount is None:
                unpriced.add(f"{record.provider}/{record.model or 'unknown model'}")
            else:
                total += amount
        return total

    providers: list[ProviderFigures] = []
    for provider in UsageProvider:
        if provider not in days:
            continue
        mine = [r for r in usage if r.provider is provider]
        requests = _requests(mine)
        billed = sum((c.amount for c in costs if c.provider is provider), Decimal(0))
        providers.append(
            ProviderFigures(
                provider,
                days[provider],
                per_month(billed, days[provider]),
                None if requests is None else per_month(Decimal(requests), days[provider]),
                _batch_share(mine),
            )
        )

    by_scope_records: dict[Scope, list[UsageRecord]] = defaultdict(list)
    for record in usage:
        by_scope_records[(record.provider, record.project, record.api_key)].append(record)
    scope_claims = claims(links, by_scope_records)

    def billed_for(provider: UsageProvider, scopes: set[Scope]) -> Decimal | None:
        """The billed cost of a set of scopes, when the cost report splits that way."""
        lines = [c for c in costs if c.provider is provider]
        if provider is UsageProvider.OPENAI:
            pairs = {(project, key) for _, project, key in scopes}
            found = [c for c in lines if (c.project, c.api_key) in pairs]
            return sum((c.amount for c in found), Decimal(0)) if found else None
        projects = {project for _, project, _ in scopes}
        # Anthropic splits costs by workspace only: billed when the scopes are whole workspaces.
        whole = all(
            {s for s in by_scope_records if s[0] is provider and s[1] == project} <= scopes
            for project in projects
        )
        found = [c for c in lines if c.project in projects]
        if not whole or not found:
            return None
        return sum((c.amount for c in found), Decimal(0))

    workflows: list[WorkflowUsage] = []
    for link in links:
        linked = link.provider
        if linked is None:
            continue
        scopes = {s for s, owners in scope_claims.items() if link in owners}
        records = [r for s in scopes for r in by_scope_records[s]]
        span = days.get(linked, 0)
        shared = sorted({o.name for s in scopes for o in scope_claims[s] if o.name != link.name})
        if not records or not span:
            # No traffic is still a figure from the bill where the cost report splits by the
            # link's scope: projects and workspaces always, API keys only on OpenAI.
            splits = link.usage_api_key is None or linked is UsageProvider.OPENAI
            source = CostSource.BILLED if splits else CostSource.PRICED
            workflows.append(
                WorkflowUsage(link, Decimal(0), Decimal(0), source, UsageStatus.NO_TRAFFIC, None)
            )
            continue
        link_billed = billed_for(linked, scopes)
        source = CostSource.PRICED if link_billed is None else CostSource.BILLED
        observed = per_month(link_billed if link_billed is not None else priced(records), span)
        batch_share = _batch_share(records)
        requests = _requests(records)
        workflows.append(
            WorkflowUsage(
                link,
                observed,
                batch_share,
                source,
                _status(link, observed, batch_share),
                None if requests is None else per_month(Decimal(requests), span),
                tuple(shared),
            )
        )

    unregistered: list[UnregisteredScope] = []
    start, end = window
    for scope, owners in sorted(scope_claims.items()):
        if owners:
            continue
        provider, project, api_key = scope
        records = by_scope_records[scope]
        span = days.get(provider, 0)
        if not span:
            continue
        scope_billed = billed_for(provider, {scope})
        spend = scope_billed if scope_billed is not None else priced(records)
        sync_records = [r for r in records if not r.on_batch]
        savings = priced(sync_records) - priced(_on_batch(r) for r in sync_records)
        requests = _requests(records)
        profile: dict[datetime, float] = defaultdict(float)
        for record in records:
            profile[record.start] += record.activity
        unregistered.append(
            UnregisteredScope(
                provider,
                project,
                api_key,
                per_month(spend, span),
                CostSource.PRICED if scope_billed is None else CostSource.BILLED,
                _batch_share(records),
                per_month(max(savings, Decimal(0)), span),
                None if requests is None else per_month(Decimal(requests), span),
                per_month(
                    Decimal(sum(r.input_tokens + r.cache_read_tokens for r in records)), span
                ),
                per_month(Decimal(sum(r.output_tokens for r in records)), span),
                tuple(sorted({r.model for r in records if r.model})),
                detect_schedule(profile, start, end),
                per_month(Decimal(sum(1 for v in profile.values() if v > 0)), span),
            )
        )
    return UsageReport(
        max(days.values(), default=0), providers, workflows, unregistered, tuple(sorted(unpriced))
    )


def _on_batch(record: UsageRecord) -> UsageRecord:
    """The same bucket, as if it had run on the batch API."""
    return replace(record, tier="batch")


def _status(link: WorkflowLink, observed: Decimal, batch_share: Decimal) -> UsageStatus:
    """SPEC's statuses: batch workflows by batch share, the others by cost against estimate."""
    if link.mode is Mode.BATCH:
        return UsageStatus.VERIFIED if batch_share >= VERIFIED_SHARE else UsageStatus.NOT_MIGRATED
    estimate = link.estimated_monthly_cost
    if abs(observed - estimate) <= MATCH_TOLERANCE * estimate:
        return UsageStatus.MATCHES
    return UsageStatus.DRIFT
