"""The weekly digest: a short top-level message and its thread. Every figure comes from
``audit.digest.DigestFacts``; every typed name is escaped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from batchscout.audit.advice import TIER_ADVICE, options_sentence
from batchscout.audit.digest import (
    DigestFacts,
    Line,
    change_sentence,
    eligible_sentence,
    headline,
)
from batchscout.audit.money import format_monthly, format_usd
from batchscout.audit.savings import AdviceTier
from batchscout.audit.text import plural
from batchscout.delivery.blocks import Block, Message, context, divider, header, plain, section
from batchscout.delivery.mrkdwn import escape

#: Per thread message: a header plus lines, comfortably under 50 blocks and 3,000 characters.
LINES_PER_SECTION = 10


@dataclass(frozen=True, slots=True)
class WritingCost:
    """What writing the prose cost on the batch API, and what it would have cost synchronously."""

    provider: str
    batch: Decimal
    sync: Decimal


def _owner(line: Line) -> str:
    # Owners are validated Slack user ids, so the mention is safe to build.
    return f" · <@{line.owner}>" if line.owner else ""


def _line(line: Line, *, flag_disguised: bool = False) -> str:
    flag = " _(batch disguised as stream)_" if flag_disguised and line.disguised else ""
    money = f"{format_monthly(line.monthly_savings)}"
    if line.flex_now > 0:
        money = options_sentence(line.flex_now, line.monthly_savings)
    return f"• *{escape(line.name)}* — {money}{_owner(line)}{flag}"


#: The digest's flex line: what the flex service tier saves now, beside batch if relaxed.
FLEX_NOW_HEADING = "Or flex now, no UX change:"


def flex_summary(facts: DigestFacts) -> str:
    """``flex now: $X/month, no UX change · batch if the requirement is relaxed: $Y/month``,
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


def top_message(
    facts: DigestFacts, *, prose: str, source: str, schedule: str | None, cost: WritingCost | None
) -> Message:
    """The top-level digest: headline, summary, top opportunities, what changed."""
    title = headline(facts)
    blocks: list[Block] = [
        header("Batchscout weekly digest"),
        section(f"*{title}.*" + (f" {eligible_sentence(facts)}" if facts.migrate_now > 0 else "")),
        # Model prose (and names in the template) escaped, as plain text: shown as written,
        # never a mention, a link or formatting (`_`, `*`), and no character deleted.
        {"type": "section", "text": plain(escape(prose))},
    ]
    if facts.top:
        blocks.append(
            section("*Top opportunities*\n" + "\n".join(_line(line) for line in facts.top))
        )
    if facts.flex_now > 0:
        blocks.append(section(f"*Near-real-time:* {flex_summary(facts)}"))
    if facts.hidden_below_floor:
        blocks.append(
            context(
                f"{plural(facts.hidden_below_floor, 'smaller opportunity')} under "
                f"{format_monthly(facts.noise_floor)} "
                f"{'is' if facts.hidden_below_floor == 1 else 'are'} not listed."
            )
        )
    blocks.append(section(change_sentence(facts)))
    notes = [footer(source, cost)]
    if schedule:
        notes.append(f"Posted {schedule}. More in the thread.")
    blocks.append(context(*notes))
    text = f"Batchscout weekly digest: {title}."
    return Message(text=text, blocks=blocks)


def thread_messages(facts: DigestFacts) -> list[Message]:
    """The thread: near-real-time to challenge, realised savings, new and changed workflows."""
    messages: list[Message] = []
    if facts.challenge:
        lines = [_line(line, flag_disguised=True) for line in facts.challenge]
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
        f"*Realised savings:* {format_monthly(facts.realised)} already saved on batch APIs."
    )
    realised: list[Block] = [section(realised_text)]
    if facts.realised_lines:
        realised += [
            section(chunk) for chunk in _chunks([_line(line) for line in facts.realised_lines])
        ]
    messages.append(Message(text="Realised savings", blocks=realised))
    if facts.new or facts.changed:
        parts = []
        if facts.new:
            parts.append("*New:* " + ", ".join(escape(name) for name in facts.new))
        if facts.changed:
            parts.append("*Changed:* " + ", ".join(escape(name) for name in facts.changed))
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
