"""The weekly digest's facts, its deterministic template, and the check that LLM prose states
no figure the facts do not hold.

Pure: callers turn stored workflows into :class:`DigestItem` values and the previous digest's
facts into a :class:`DigestFacts`; everything the digest says comes from here.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, NamedTuple

from batchscout.audit.latency import LatencyClass, Mode
from batchscout.audit.money import format_monthly, format_usd
from batchscout.audit.savings import (
    LANE_OF_MODE,
    LANES,
    REALISED_SOURCES,
    Bucket,
    WorkflowFigures,
    portfolio,
    realised_wording,
)
from batchscout.audit.text import plural
from batchscout.defaults import NOISE_FLOOR

TOP_LIMIT = 5
LIST_LIMIT = 15


class DigestItem(NamedTuple):
    """One workflow as the digest needs it (a named tuple, made once per workflow: see
    :class:`~batchscout.audit.savings.WorkflowFigures`)."""

    name: str
    owner: str | None
    latency_class: LatencyClass
    disguised: bool
    mode: Mode
    figures: WorkflowFigures
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Line:
    """A workflow named in the digest, with the money that matters for it."""

    name: str
    owner: str | None
    monthly_savings: Decimal
    disguised: bool = False
    flex_now: Decimal = Decimal(0)
    """What flex saves it now, on the same synchronous call (near-real-time on sync with a
    flex price)."""
    on_flex: bool = False
    """A realised line whose workflow runs on the flex service tier (not a batch API)."""


@dataclass(frozen=True, slots=True)
class DigestFacts:
    """Everything a digest states. Serialisable with :meth:`to_dict` for storage."""

    monthly_spend: Decimal
    migrate_now: Decimal
    to_challenge: Decimal
    realised: Decimal
    spend_after: Decimal
    eligible_share: Decimal
    workflow_count: int
    top: tuple[Line, ...]
    challenge: tuple[Line, ...]
    realised_lines: tuple[Line, ...]
    new: tuple[str, ...]
    changed: tuple[str, ...]
    hidden_below_floor: int
    noise_floor: Decimal
    previous_migrate_now: Decimal | None = None
    spend_by_class: dict[str, Decimal] = field(default_factory=dict)
    flex_now: Decimal = Decimal(0)
    """Flex savings of near-real-time workflows on sync: an alternative to ``to_challenge``."""
    new_count: int = 0
    """How many workflows are new (``new`` lists at most ``LIST_LIMIT`` of them)."""
    changed_count: int = 0
    """How many workflows changed (``changed`` is capped likewise)."""

    @property
    def new_total(self) -> int:
        """New workflows, counted (facts stored before the count was kept: the list's length)."""
        return max(self.new_count, len(self.new))

    @property
    def changed_total(self) -> int:
        """Changed workflows, counted like :attr:`new_total`."""
        return max(self.changed_count, len(self.changed))

    priority_waste: Decimal = Decimal(0)
    """The premium paid for priority on work nobody waits for (SPEC.md, "Every lane")."""
    cache_now: Decimal = Decimal(0)
    """What a warm prompt cache would save the real-time workflows not caching yet."""
    spend_by_lane: dict[str, Decimal] = field(default_factory=dict)
    """Monthly spend by the lane workflows run on today (``standard``, ``batch``, ``flex``,
    ``priority``)."""
    realised_from: tuple[str, ...] = ()
    """Where ``realised`` comes from (:attr:`~batchscout.audit.savings.Portfolio.realised_from`)."""

    @property
    def migrate_now_change(self) -> Decimal | None:
        """How much the migrate-now figure moved since the last digest."""
        if self.previous_migrate_now is None:
            return None
        return self.migrate_now - self.previous_migrate_now

    def shown_names(self) -> frozenset[str]:
        """The workflows the digest names (top, to challenge, realised, new and changed):
        a knowledge check posted with it must not ask about them, the digest would answer."""
        lines = (*self.top, *self.challenge, *self.realised_lines)
        return frozenset((*(line.name for line in lines), *self.new, *self.changed))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (money as strings)."""
        data: dict[str, Any] = _jsonable(asdict(self))
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DigestFacts:
        """Rebuild facts stored with :meth:`to_dict`."""

        def lines(key: str) -> tuple[Line, ...]:
            return tuple(
                Line(
                    item["name"],
                    item["owner"],
                    Decimal(item["monthly_savings"]),
                    item["disguised"],
                    Decimal(item.get("flex_now", 0)),
                    bool(item.get("on_flex", False)),
                )
                for item in data[key]
            )

        previous = data.get("previous_migrate_now")
        return cls(
            monthly_spend=Decimal(data["monthly_spend"]),
            migrate_now=Decimal(data["migrate_now"]),
            to_challenge=Decimal(data["to_challenge"]),
            realised=Decimal(data["realised"]),
            spend_after=Decimal(data["spend_after"]),
            eligible_share=Decimal(data["eligible_share"]),
            workflow_count=int(data["workflow_count"]),
            top=lines("top"),
            challenge=lines("challenge"),
            realised_lines=lines("realised_lines"),
            new=tuple(data["new"]),
            changed=tuple(data["changed"]),
            hidden_below_floor=int(data["hidden_below_floor"]),
            noise_floor=Decimal(data["noise_floor"]),
            previous_migrate_now=None if previous is None else Decimal(previous),
            spend_by_class={k: Decimal(v) for k, v in data.get("spend_by_class", {}).items()},
            flex_now=Decimal(data.get("flex_now", 0)),
            new_count=int(data.get("new_count", 0)),
            changed_count=int(data.get("changed_count", 0)),
            priority_waste=Decimal(data.get("priority_waste", 0)),
            cache_now=Decimal(data.get("cache_now", 0)),
            spend_by_lane={k: Decimal(v) for k, v in data.get("spend_by_lane", {}).items()},
            realised_from=tuple(data.get("realised_from", ())),
        )


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def build_facts(
    items: Iterable[DigestItem],
    *,
    since: datetime | None,
    previous: DigestFacts | None = None,
    noise_floor: Decimal = NOISE_FLOOR,
) -> DigestFacts:
    """Compute a digest's facts from a workspace's workflows.

    ``since`` is when the previous digest was posted (``None`` for the first): workflows
    created after it are new, those updated after it are changed. Opportunities below the
    ``noise_floor`` (monthly savings) are left out and counted.
    """
    rows = list(items)
    totals = portfolio(item.figures for item in rows)

    def line(item: DigestItem) -> Line:
        figures = item.figures
        return Line(
            item.name, item.owner, figures.monthly_savings, item.disguised, figures.flex_now,
            on_flex=item.mode is Mode.FLEX,
        )  # fmt: skip

    # One pass over the workflows (100,000 of them, some inventories): each to its bucket,
    # its spend to its latency class and lane (summed in the workflows' order, as before).
    buckets: dict[Bucket, list[DigestItem]] = {bucket: [] for bucket in Bucket}
    by_class = dict.fromkeys(LatencyClass, Decimal(0))
    by_lane = dict.fromkeys(LANES, Decimal(0))
    for item in rows:
        figures = item.figures
        buckets[figures.bucket].append(item)
        by_class[item.latency_class] += figures.monthly_cost
        by_lane[LANE_OF_MODE[item.mode]] += figures.monthly_cost
    migrate = buckets[Bucket.MIGRATE_NOW]
    challenge = buckets[Bucket.TO_CHALLENGE]
    shown_migrate = [i for i in migrate if i.figures.monthly_savings >= noise_floor]
    shown_challenge = [i for i in challenge if i.figures.monthly_savings >= noise_floor]
    hidden = len(migrate) - len(shown_migrate) + len(challenge) - len(shown_challenge)
    # Disguised streams first among those to challenge: they are the likeliest to move.
    first_challenge = _largest([i for i in shown_challenge if i.disguised], LIST_LIMIT)
    first_challenge += _largest(
        [i for i in shown_challenge if not i.disguised], LIST_LIMIT - len(first_challenge)
    )
    new = [i.name for i in rows if since is not None and i.created_at > since]
    changed = [
        i.name for i in rows if since is not None and i.created_at <= since and i.updated_at > since
    ]
    return DigestFacts(
        monthly_spend=totals.monthly_spend,
        migrate_now=totals.migrate_now,
        to_challenge=totals.to_challenge,
        realised=totals.realised,
        spend_after=totals.spend_after,
        eligible_share=totals.eligible_share,
        workflow_count=len(rows),
        top=tuple(line(i) for i in _largest(shown_migrate, TOP_LIMIT)),
        challenge=tuple(line(i) for i in first_challenge),
        realised_lines=tuple(line(i) for i in _largest(buckets[Bucket.REALISED], LIST_LIMIT)),
        new=tuple(sorted(new, key=str.casefold)[:LIST_LIMIT]),
        changed=tuple(sorted(changed, key=str.casefold)[:LIST_LIMIT]),
        new_count=len(new),
        changed_count=len(changed),
        hidden_below_floor=hidden,
        noise_floor=noise_floor,
        previous_migrate_now=previous.migrate_now if previous else None,
        realised_from=totals.realised_from,
        spend_by_class={str(latency_class): spend for latency_class, spend in by_class.items()},
        flex_now=totals.flex_now,
        priority_waste=totals.priority_waste,
        cache_now=totals.cache_now,
        spend_by_lane=by_lane,
    )


def _by_savings(item: DigestItem) -> tuple[Decimal, str]:
    return -item.figures.monthly_savings, item.name.casefold()


def _largest(items: list[DigestItem], limit: int) -> list[DigestItem]:
    """The first ``limit`` of ``items`` by monthly savings, largest first, then by name: the
    same as sorting them all, without sorting 100,000 workflows for a top five (only those
    saving at least the ``limit``-th largest amount are sorted)."""
    if limit <= 0:
        return []
    if len(items) > limit:
        cut = heapq.nlargest(limit, (i.figures.monthly_savings for i in items))[-1]
        items = [i for i in items if i.figures.monthly_savings >= cut]
    return sorted(items, key=_by_savings)[:limit]


def percent(share: Decimal) -> str:
    """A share (0–1) as a whole percentage: ``80%``."""
    return f"{(share * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)}%"


def savings_share(facts: DigestFacts) -> Decimal:
    """What moving scheduled work saves, as a share of all monthly spend (0 to 1)."""
    return facts.migrate_now / facts.monthly_spend if facts.monthly_spend else Decimal(0)


def headline(facts: DigestFacts) -> str:
    """The digest's headline: one figure, named (the money scheduled work would save on a
    batch API; where none is left, the flex savings, else the monthly spend)."""
    if facts.migrate_now > 0:
        return (
            f"{format_monthly(facts.migrate_now)} can be saved by moving scheduled work to a "
            "batch API"
        )
    if facts.flex_now > 0:
        return (
            f"{format_monthly(facts.flex_now)} can be saved by moving near-real-time work to flex"
        )
    return f"No scheduled work is left on synchronous APIs; AI spend is {format_monthly(facts.monthly_spend)}"


def realised_where(facts: DigestFacts) -> str:
    """Where the realised savings were made, in :func:`~batchscout.audit.savings.realised_wording`'s
    words (facts stored before ``realised_from`` was kept: from their realised lines)."""
    found = facts.realised_from
    if not found and facts.realised_lines:
        lanes = {"flex" if line.on_flex else "batch" for line in facts.realised_lines}
        found = tuple(s for s in REALISED_SOURCES if s in lanes)
    return realised_wording(found)


def change_sentence(facts: DigestFacts) -> str:
    """One line on what changed since the last digest."""
    delta = facts.migrate_now_change
    parts: list[str] = []
    if delta is None:
        parts.append("This is the first digest for this channel.")
    elif delta > 0:
        parts.append(f"Savings available rose by {format_monthly(delta)} since the last digest.")
    elif delta < 0:
        parts.append(f"Savings available fell by {format_monthly(-delta)} since the last digest.")
    else:
        parts.append("Savings available are unchanged since the last digest.")
    if facts.new or facts.changed:
        parts.append(workflow_changes(facts.new_total, facts.changed_total))
    return " ".join(parts)


def workflow_changes(new: int, changed: int) -> str:
    """``1 new workflow and no changed ones.``, ``No new workflows and 2 changed ones.``"""
    first = plural(new, "new workflow") if new else "No new workflows"
    second = (
        "no changed ones"
        if not changed
        else f"{changed:,} changed {'one' if changed == 1 else 'ones'}"
    )
    return f"{first} and {second}."


def template_prose(facts: DigestFacts) -> str:
    """The deterministic summary posted when no LLM prose is ready: what the headline's figure
    is a share of, and what else could be saved. It never repeats the headline's figure or an
    opportunity's (the lines below it name those)."""
    if facts.workflow_count == 0:
        return "No workflows are registered yet: register one with /batchscout register."
    sentences = []
    if facts.migrate_now > 0:
        sentences.append(
            f"That is {percent(savings_share(facts))} of the {format_monthly(facts.monthly_spend)} "
            "spent on AI, at the same quality."
        )
        if facts.flex_now > 0:
            sentences.append(
                f"Near-real-time work could save {format_monthly(facts.flex_now)} more on flex "
                f"now, or up to {format_monthly(facts.to_challenge)} on a batch API if its "
                "requirement is relaxed."
            )
        elif facts.to_challenge > 0:
            sentences.append(
                f"Near-real-time work could save up to {format_monthly(facts.to_challenge)} "
                "more if its requirement is relaxed."
            )
    elif facts.flex_now > 0 and format_monthly(facts.flex_now) == format_monthly(
        facts.to_challenge
    ):
        sentences.append(
            "A batch API would save the same if the requirement were relaxed; flex keeps the "
            "same synchronous call, so prefer it."
        )
    elif facts.flex_now > 0:
        sentences.append(
            f"Flex keeps the same synchronous call; a batch API would save up to "
            f"{format_monthly(facts.to_challenge)} if the requirement is relaxed."
        )
    elif facts.to_challenge > 0:
        sentences.append(
            f"Near-real-time work could save up to {format_monthly(facts.to_challenge)} if its "
            "requirement is relaxed."
        )
    return " ".join(sentences[:3])


def llm_prompt(facts: DigestFacts) -> tuple[str, str]:
    """The system text and prompt asking a model for two or three sentences of digest prose."""
    system = (
        "You write the opening summary of a weekly Slack digest about moving AI workloads to "
        "provider batch APIs, which cost about half of synchronous APIs. Write two or three "
        "plain sentences for engineers. Use only the figures given, written exactly as given; "
        "state no other number. The headline above your text already states the savings "
        "available now and the list below it names each opportunity: do not repeat those "
        "figures. No markdown, no lists, no mentions, no links, no greeting."
    )
    lines = [
        f"Monthly AI spend: {format_usd(facts.monthly_spend)}",
        f"Savings available now by moving scheduled workflows to batch: {format_monthly(facts.migrate_now)}",
        "Share of monthly spend that is scheduled work still on synchronous APIs (eligible "
        f"now): {percent(facts.eligible_share)}",
        f"Savings available now as a share of all monthly spend: {percent(savings_share(facts))}",
        f"Spend after migrating: {format_monthly(facts.spend_after)}",
        f"Near-real-time workflows worth challenging could save up to: {format_monthly(facts.to_challenge)}",
        f"Savings already realised on batch: {format_monthly(facts.realised)}",
    ]
    if facts.flex_now > 0:
        lines.append(
            "The same near-real-time workflows on the flex service tier now (same endpoint, "
            f"model and prompt, answers in seconds to minutes) would save: {format_monthly(facts.flex_now)}"
        )
    lines += [
        f"Opportunity: {line.name}, saving {format_monthly(line.monthly_savings)}"
        for line in facts.top[:3]
    ]
    return system, "Facts for this week's digest:\n" + "\n".join(f"- {line}" for line in lines)


_FIGURE = re.compile(
    r"(?<![\w.])\$?\s?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s?(k|K|m|M|%|percent)?(?![\w])"
)


def stated_figures(text: str) -> list[tuple[Decimal, bool]]:
    """Every figure a text states, as ``(value, is_percent)``; thousands suffixes expanded."""
    found: list[tuple[Decimal, bool]] = []
    for match in _FIGURE.finditer(text[:5000]):
        whole, fraction, suffix = match.groups()
        try:
            value = Decimal(whole.replace(",", "") + (fraction or ""))
        except InvalidOperation:  # pragma: no cover - the pattern admits digits only
            continue
        suffix = (suffix or "").lower()
        if suffix == "k":
            value *= 1000
        elif suffix == "m":
            value *= 1_000_000
        found.append((value, suffix in ("%", "percent")))
    return found


def figure_pools(
    money: Iterable[Decimal], *, counts: Iterable[Decimal | int], shares: Iterable[Decimal]
) -> tuple[set[Decimal], set[Decimal]]:
    """The figures a text may state, as ``(amounts, percents)``: each amount of ``money`` as
    shown (to the cent, to the dollar, and "$7.5k" roundings), each of ``counts`` exactly, and
    each share (0–1) of ``shares`` as a percentage to the unit or the tenth."""
    amounts: set[Decimal] = set()
    for value in money:
        amounts.add(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
        amounts.add(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        # "$7.5k" style roundings of the same figure.
        amounts.add((value / 1000).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) * 1000)
        amounts.add((value / 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP) * 1000)
    amounts.update(Decimal(n) for n in counts)
    percents = {
        (share * 100).quantize(places, rounding=ROUND_HALF_UP)
        for share in shares
        for places in (Decimal(1), Decimal("0.1"))
    }
    return amounts, percents


def states_only(text: str, amounts: set[Decimal], percents: set[Decimal]) -> bool:
    """True when every figure ``text`` states (:func:`stated_figures`) is in ``amounts``, or in
    ``percents`` for a percentage: the check LLM-written text must pass before it is shown."""
    normal_amounts = {a.normalize() for a in amounts}
    normal_percents = {p.normalize() for p in percents}
    for value, is_percent in stated_figures(text):
        pool, normal = (percents, normal_percents) if is_percent else (amounts, normal_amounts)
        if value not in pool and value.normalize() not in normal:
            return False
    return True


def _allowed(facts: DigestFacts) -> tuple[set[Decimal], set[Decimal]]:
    money = [
        facts.monthly_spend,
        facts.migrate_now,
        facts.to_challenge,
        facts.realised,
        facts.spend_after,
        facts.flex_now,
        facts.priority_waste,
        facts.cache_now,
        *facts.spend_by_lane.values(),
        *(line.flex_now for line in facts.challenge),
        *(line.monthly_savings for line in facts.top),
        *(line.monthly_savings for line in facts.challenge),
        *(line.monthly_savings for line in facts.realised_lines),
    ]
    return figure_pools(
        money,
        counts=(facts.workflow_count, len(facts.top), len(facts.challenge)),
        shares=(facts.eligible_share, savings_share(facts)),
    )


def prose_matches_facts(text: str, facts: DigestFacts) -> bool:
    """True when every figure ``text`` states is one of the facts (as shown, rounded).

    LLM prose that states anything else is discarded in favour of the template.
    """
    return states_only(text, *_allowed(facts))


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean_prose(text: str, limit: int = 700) -> str | None:
    """Model output as one bounded paragraph; ``None`` if empty.

    Nothing the model wrote is deleted but control and bidi characters (a workflow called
    ``nightly_ticket_summary`` keeps its underscores): it is made inert where it is shown,
    as Slack plain text, so ``<!channel>``, ``<@U…>``, ``<https://evil|click>``, ``*`` and
    ``_`` are shown as written and never ping, link or format.
    """
    flat = " ".join(_CONTROL.sub("", text).split())
    if not flat:
        return None
    return flat if len(flat) <= limit else flat[: limit - 1].rsplit(" ", 1)[0] + "…"


def owners_named(facts: DigestFacts) -> frozenset[str]:
    """Every owner the digest would @-mention."""
    lines = (*facts.top, *facts.challenge, *facts.realised_lines)
    return frozenset(line.owner for line in lines if line.owner)


def without_owners(facts: DigestFacts, gone: frozenset[str]) -> DigestFacts:
    """The facts with the ``gone`` owners (deactivated in Slack) treated as no owner."""
    if not gone:
        return facts

    def keep(lines: tuple[Line, ...]) -> tuple[Line, ...]:
        return tuple(replace(line, owner=None) if line.owner in gone else line for line in lines)

    return replace(
        facts,
        top=keep(facts.top),
        challenge=keep(facts.challenge),
        realised_lines=keep(facts.realised_lines),
    )
