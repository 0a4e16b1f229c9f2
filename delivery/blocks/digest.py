"""The weekly digest: a short top-level message and its thread. Every figure comes from
``audit.digest.DigestFacts``; every typed name is escaped."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from batchscout.audit.advice import TIER_ADVICE, options_sentence
from batchscout.audit.digest import (
    DigestFacts,
    Line,
    change_sentence,
    headline,
    realised_where,
)
from batchscout.audit.money import format_monthly, format_usd
from batchscout.audit.savings import AdviceTier
from batchscout.audit.text import plural
from batchscout.delivery.blocks import (
    Block,
    Message,
    actions,
    button,
    context,
    divider,
    header,
    plain,
    section,
)
from batchscout.delivery.blocks.workflows import SHOW_ACTION
from batchscout.delivery.lanes import digest_lane_lines
from batchscout.delivery.mrkdwn import escape

#: Per thread message: a header plus lines, comfortably under 50 blocks and 3,000 characters.
LINES_PER_SECTION = 10


@dataclass(frozen=True, slots=True)
class WritingCost:
    """What writing the prose cost on the batch API, and what it would have cost synchronously."""

    provider: str
    batch: Decimal
    sync: Decimal


OwnerNames = Mapping[str, str]
"""Owners' names by Slack user id, as Slack shows them (``users.info``): the digest names
owners without pinging them every week. ``None`` where names were not looked up (a preview
only its reader sees): owners are then mentions."""

OPEN_HOME_ACTION = "digest_open_home"


def _owner(line: Line, names: OwnerNames | None) -> str:
    if not line.owner:
        return ""
    if names is None:
        # Owners are validated Slack user ids, so the mention is safe to build.
        return f" · <@{line.owner}>"
    name = names.get(line.owner)
    return f" · {escape(name)}" if name else ""


def _line(
    line: Line, names: OwnerNames | None, *, flag_disguised: bool = False, rank: int | None = None
) -> str:
    flag = " _(batch disguised as stream)_" if flag_disguised and line.disguised else ""
    money = format_monthly(line.monthly_savings)
    if line.flex_now > 0:
        money = options_sentence(line.flex_now, line.monthly_savings)
    bullet = f"{rank}." if rank is not None else "•"
    return f"{bullet} *{escape(line.name)}* — {money}{_owner(line, names)}{flag}"


#: The digest's flex line: what the flex service tier saves now, beside batch if relaxed.
FLEX_NOW_HEADING = "Or flex now, on the same synchronous call:"


def flex_summary(facts: DigestFacts) -> str:
    """``flex now: $X/month, answers in seconds to minutes · batch if the requirement is
    relaxed: $Y/month`` (or one line when both save the same),
    and what to change (SPEC.md, "Service tiers")."""
    flex = TIER_ADVICE[AdviceTier.FLEX]
    return f"{options_sentence(facts.flex_now, facts.to_challenge)}. {flex.change}"


def _chunks(lines: Sequence[str]) -> list[str]:
    return [
        "\n".join(lines[i : i + LINES_PER_SECTION]) for i in range(0, len(lines), LINES_PER_SECTION)
    ]


def footer(source: str, cost: WritingCost | None) -> str:
    """Who wrote the summary, and what it cost."""
    if source == "llm" and cost is not None:
        return (
            f"Summary written through the {cost.provider} batch API for {format_usd(cost.batch)} "
            f"(synchronously: {format_usd(cost.sync)}). Batchscout practises what it preaches."
        )
    return "Summary from Batchscout's template."


def top_buttons(facts: DigestFacts) -> Block:
    """What a reader can do from the digest: open App Home, show the top workflow, say it was
    moved (one actions block, so more can be added)."""
    elements = [button("Open App Home", action_id=OPEN_HOME_ACTION, style="primary")]
    if facts.top:
        name = facts.top[0].name
        elements += [
            button("Show the top workflow", action_id=SHOW_ACTION, value=name),
            button("I moved it", action_id="workflow_migrated", value=name),
        ]
    return actions(*elements)


def top_message(
    facts: DigestFacts,
    *,
    prose: str,
    source: str,
    schedule: str | None,
    cost: WritingCost | None,
    names: OwnerNames | None = None,
) -> Message:
    """The top-level digest, one phone screen: one headline with one named figure, a short
    summary that does not repeat it, the top opportunities (owners named, not pinged), buttons
    to act, and what changed. ``schedule`` is for a weekly digest only (an ad-hoc one has
    none)."""
    title = headline(facts)
    blocks: list[Block] = [
        header("Batchscout weekly digest" if schedule else "Batchscout digest"),
        section(f"*{title}.*"),
    ]
    if prose:
        # Model prose (and names in the template) escaped, as plain text: shown as written,
        # never a mention, a link or formatting (`_`, `*`), and no character deleted.
        blocks.append({"type": "section", "text": plain(escape(prose))})
    if facts.top:
        lines = [_line(line, names, rank=rank) for rank, line in enumerate(facts.top, start=1)]
        blocks.append(section("*Top opportunities*\n" + "\n".join(lines)))
    if facts.workflow_count:
        blocks.append(top_buttons(facts))
    notes = [change_sentence(facts)]
    if facts.hidden_below_floor:
        notes.append(
            f"{plural(facts.hidden_below_floor, 'smaller opportunity')} under "
            f"{format_monthly(facts.noise_floor)} "
            f"{'is' if facts.hidden_below_floor == 1 else 'are'} not listed."
        )
    notes.append(
        f"{footer(source, cost)} "
        + (f"Posted {schedule}. " if schedule else "")
        + "More in the thread."
    )
    blocks.append(context(*notes))
    text = f"Batchscout digest: {title}."
    return Message(text=text, blocks=blocks)


def thread_messages(facts: DigestFacts, names: OwnerNames | None = None) -> list[Message]:
    """The thread: near-real-time to challenge, realised savings, new and changed workflows."""
    messages: list[Message] = []
    if facts.challenge:
        lines = [_line(line, names, flag_disguised=True) for line in facts.challenge]
        blocks: list[Block] = [
            section(
                f"*Near-real-time workflows to challenge* — up to {format_monthly(facts.to_challenge)}. "
                "Who reads the result, and when? If it can wait an hour, it can be a batch."
            )
        ]
        if facts.flex_now > 0:
            blocks.append(section(f"*{FLEX_NOW_HEADING}* {flex_summary(facts)}"))
        blocks += [section(chunk) for chunk in _chunks(lines)]
        messages.append(Message(text="Near-real-time workflows to challenge", blocks=blocks))
    realised_text = (
        f"*Realised savings:* {format_monthly(facts.realised)} already saved "
        f"{realised_where(facts)}."
    )
    realised: list[Block] = [section(realised_text)]
    if facts.realised_lines:
        realised += [
            section(chunk)
            for chunk in _chunks([_line(line, names) for line in facts.realised_lines])
        ]
    messages.append(Message(text="Realised savings", blocks=realised))
    lanes = digest_lane_lines(facts)
    if lanes:
        messages.append(
            Message(text="Lanes", blocks=[section("\n".join(f"{line}." for line in lanes))])
        )
    if facts.new or facts.changed:
        parts = []
        if facts.new:
            more = facts.new_total - len(facts.new)
            parts.append(
                "*New:* "
                + ", ".join(escape(name) for name in facts.new)
                + (f" and {more:,} more" if more else "")
            )
        if facts.changed:
            more = facts.changed_total - len(facts.changed)
            parts.append(
                "*Changed:* "
                + ", ".join(escape(name) for name in facts.changed)
                + (f" and {more:,} more" if more else "")
            )
        messages.append(
            Message(text="New and changed workflows", blocks=[section("\n".join(parts))])
        )
    return messages


def preview(
    facts: DigestFacts, *, prose: str, source: str, schedule: str | None, cost: WritingCost | None
) -> Message:
    """The whole digest in one message, for an ephemeral preview."""
    top = top_message(facts, prose=prose, source=source, schedule=schedule, cost=cost)
    blocks = [*top.blocks]
    for message in thread_messages(facts):
        blocks += [divider(), *message.blocks]
    return Message(text=top.text, blocks=blocks[:50])
