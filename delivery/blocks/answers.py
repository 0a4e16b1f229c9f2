"""Answers to questions asked in the bot's DM: the plain answer of each read-only tool (from
the same JSON documents an MCP client gets), what can be asked, and the model's answer.

Every name a person typed is escaped; a model's text is escaped whole, so it can never
mention, link or format beyond what :func:`model_answer` puts back (mentions of people a tool
named).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from decimal import Decimal
from typing import Any

from batchscout.audit.money import format_monthly, format_unit_price, format_usd
from batchscout.audit.savings import realised_wording
from batchscout.audit.text import plural
from batchscout.delivery.blocks import Message, context, note, section
from batchscout.delivery.mrkdwn import escape

#: Questions the Messages tab suggests, and the "you can ask" list.
SUGGESTED_QUESTIONS: tuple[str, ...] = (
    "How much could we save per month?",
    "Which workflows should we move to batch first?",
    "What does @someone own?",
    "What would gpt-5-mini cost on batch?",
    "Show Nightly ticket summaries",
    "Is our usage verified?",
)

ASK_INTRO = "I answer questions about your AI workflows and their spend. You can ask:"
ASK_OUTRO = "Type `register` to add a workflow; `/batchscout help` lists the commands."
ONE_MOMENT = (
    "One moment: you have asked a few questions in the last minute. "
    "Ask again in a minute and I will answer."
)
GREETING = "Hi! Ask me about your team's AI spend in plain words, for example:"
NO_WORKFLOWS = (
    "No workflows are registered here yet: type `register`, or send me a CSV or YAML inventory."
)
NO_USAGE = (
    "No provider usage has been imported for this workspace yet "
    "(`batchscout usage import`, with an organisation admin key)."
)
NO_HISTORY = "No weekly history yet: the worker takes a snapshot every Monday."
MODEL_FOOTER = (
    "Answered by {model} from Batchscout's figures; every figure was checked against them."
)
TOP_SHOWN = 5


def _usd(value: str | None) -> str:
    return "—" if value is None else format_usd(Decimal(value))


def _monthly(value: str | None) -> str:
    return "—" if value is None else format_monthly(Decimal(value))


def _saving(workflow: Mapping[str, Any]) -> str:
    """What moving a workflow saves, in the words of its latency class and advice tier."""
    saving = _monthly(workflow["monthly_savings"])
    if workflow["mode"] != "sync":
        return f"already on {workflow['mode']}, saving {saving}"
    if Decimal(workflow["monthly_savings"]) <= 0:
        return "nothing to save"
    if workflow["latency_class"] == "scheduled":
        return f"saves {saving} on batch"
    relaxed = f"up to {saving} on batch if the latency requirement is relaxed"
    if workflow["advice_tier"] == "flex":
        return f"saves {_monthly(workflow['flex_monthly_savings'])} on flex now, {relaxed}"
    return relaxed


def _line(workflow: Mapping[str, Any]) -> str:
    what = _saving(workflow)
    return (
        f"• *{escape(workflow['name'])}*: {workflow['latency_class']}, "
        f"{_monthly(workflow['monthly_cost'])}, {what}"
    )


def ask_list() -> Message:
    """What can be asked (a question no keyword matched, with no model set)."""
    lines = "\n".join(f"• “{escape(q)}”" for q in SUGGESTED_QUESTIONS)
    return note(f"{ASK_INTRO}\n{lines}\n{ASK_OUTRO}")


def greeting() -> Message:
    """The Messages tab's first message: suggested questions."""
    lines = "\n".join(f"• “{escape(q)}”" for q in SUGGESTED_QUESTIONS)
    return note(f"{GREETING}\n{lines}\n{ASK_OUTRO}")


def one_moment() -> Message:
    """Too many questions in a minute."""
    return note(ONE_MOMENT)


def savings_answer(document: Mapping[str, Any]) -> Message:
    """``savings``: the portfolio in three sentences and the top opportunities."""
    if not document["workflows"]:
        return note(NO_WORKFLOWS)
    text = (
        f"You could save *{_monthly(document['migrate_now'])}* now by moving scheduled "
        f"workflows to a batch API: spend {_monthly(document['monthly_spend'])} today, "
        f"{_monthly(document['spend_after'])} after. Challenging the near-real-time workflows could "
        f"save up to {_usd(document['to_challenge'])} more"
    )
    if Decimal(document.get("flex_now", "0")) > 0:
        text += f" ({_usd(document['flex_now'])} on the flex tier with no UX change)"
    where = realised_wording(document.get("realised_from", ()))
    text += f"; {_monthly(document['realised'])} is already saved {where}."
    top = opportunity_lines(document["workflows"])
    return Message(text=text, blocks=[section(text), *([section(top)] if top else [])])


def opportunity_lines(workflows: Sequence[Mapping[str, Any]]) -> str:
    """The largest savings still open, as bullet lines (empty when there are none)."""
    open_ = [w for w in workflows if w["mode"] == "sync" and Decimal(w["monthly_savings"]) > 0]
    open_.sort(key=lambda w: Decimal(w["monthly_savings"]), reverse=True)
    if not open_:
        return ""
    more = len(open_) - TOP_SHOWN
    lines = [_line(w) for w in open_[:TOP_SHOWN]]
    if more > 0:
        lines.append(f"…and {more} more.")
    return "*Top opportunities*\n" + "\n".join(lines)


def opportunities_answer(document: Mapping[str, Any]) -> Message:
    """``opportunities``: the largest few."""
    items = sorted(
        document["opportunities"], key=lambda o: Decimal(o["monthly_savings"]), reverse=True
    )
    if not items:
        return note("No opportunities yet: nothing left to move, or nothing registered.")
    lines = [
        f"• *{escape(o['workflow'])}*: {o['action']}, {_monthly(o['monthly_savings'])}, "
        f"{o['status']}" + (f", owner <@{o['owner']}>" if o.get("owner") else "")
        for o in items[:TOP_SHOWN]
    ]
    if len(items) > TOP_SHOWN:
        lines.append(f"…and {len(items) - TOP_SHOWN} more.")
    return note("*Opportunities*\n" + "\n".join(lines))


def workflows_answer(
    workflows: Sequence[Mapping[str, Any]], *, owner: str | None = None
) -> Message:
    """``list_workflows``: one line each (the first 15)."""
    whose = f" owned by <@{owner}>" if owner else ""
    if not workflows:
        return note(f"No workflows{whose} are registered here." if owner else NO_WORKFLOWS)
    lines = [_line(w) for w in workflows[:15]]
    if len(workflows) > 15:
        lines.append(f"…and {len(workflows) - 15} more (`/batchscout list`).")
    count = len(workflows)
    return note(f"*{plural(count, 'workflow')}{whose}*\n" + "\n".join(lines))


def workflow_answer(workflow: Mapping[str, Any], usage: Mapping[str, Any] | None = None) -> Message:
    """``show_workflow``, with its usage status when ``usage`` (a usage report) is given."""
    owner = f"owner <@{workflow['owner']}>" if workflow.get("owner") else "no owner"
    model = " · ".join(
        escape(str(v)) for v in (workflow.get("provider"), workflow.get("model")) if v
    )
    text = (
        f"*{escape(workflow['name'])}* is {workflow['latency_class']} ({owner}"
        + (f", {model}" if model else "")
        + f"): {_monthly(workflow['monthly_cost'])} on {workflow['mode']}, "
        + f"{_saving(workflow)}."
        + f"\n{escape(workflow['rationale'])}"
    )
    if usage is not None:
        seen = [w for w in usage.get("workflows", []) if w["name"] == workflow["name"]]
        if seen:
            w = seen[0]
            share = (Decimal(w["observed_batch_share"]) * 100).quantize(Decimal(1))
            text += (
                f"\nUsage: *{w['status'].replace('_', ' ')}*: {_usd(w['observed_monthly_cost'])}"
                f"/month observed ({w['cost_source']}), {share}% on batch."
            )
        else:
            text += "\nUsage: no provider usage is linked to it yet."
    return note(text)


def usage_answer(document: Mapping[str, Any]) -> Message:
    """``usage_report``: per provider, and the linked workflows' statuses."""
    if not document["providers"]:
        return note(NO_USAGE)
    lines = [
        f"• {p['provider']}: {_monthly(p['monthly_spend'])} billed, "
        f"{(Decimal(p['batch_share']) * 100).quantize(Decimal(1))}% on batch"
        for p in document["providers"]
    ]
    lines += [
        f"• *{escape(w['name'])}*: {w['status'].replace('_', ' ')}"
        for w in document["workflows"][:TOP_SHOWN]
    ]
    if document["unregistered"]:
        lines.append(f"• {len(document['unregistered'])} usage scopes no workflow links to.")
    return note(f"*What the providers report* (over {document['days']} days)\n" + "\n".join(lines))


def history_answer(document: Mapping[str, Any]) -> Message:
    """``history``: the latest weeks' realised and available savings."""
    weeks = document["weeks"]
    if not weeks:
        return note(NO_HISTORY)
    lines = [
        f"• {w['week']}: realised {_monthly(w['realised'])}, "
        f"verified {_usd(w['verified_savings'])}, available {_usd(w['migrate_now'])} now"
        for w in weeks[-6:]
    ]
    return note("*Weekly ledger*\n" + "\n".join(lines))


def prices_answer(document: Mapping[str, Any]) -> Message:
    """``prices``: per lane, per 1M tokens and per request."""
    lanes = document["lanes"]
    lines = [
        f"• {lane}: {format_unit_price(Decimal(p['input_per_million']))} in / "
        f"{format_unit_price(Decimal(p['output_per_million']))} out per 1M tokens, "
        f"{format_unit_price(Decimal(p['cost_per_request']))} a request"
        for lane, p in lanes.items()
    ]
    shape = f"{document['input_tokens']:,} tokens in, {document['output_tokens']:,} out"
    text = f"*{escape(document['model'])}* ({document['provider']}), a request of {shape}:\n"
    return Message(
        text=text, blocks=[section(text + "\n".join(lines)), context(escape(document["basis"]))]
    )


def tool_error(sentence: str) -> Message:
    """A tool could not answer (an unknown workflow or model): its one sentence."""
    return note(escape(sentence))


_USER = re.compile(r"(?<![A-Za-z0-9@])([UW][A-Z0-9]{6,20})(?![A-Za-z0-9])")


def model_answer(text: str, *, model: str, people: Collection[str]) -> Message:
    """The model's answer, escaped whole; the user ids in ``people`` (owners a tool returned)
    become mentions."""
    shown = _USER.sub(
        lambda m: f"<@{m.group(1)}>" if m.group(1) in people else m.group(1), escape(text)
    )
    return Message(
        text=shown,
        blocks=[section(shown), context(MODEL_FOOTER.format(model=escape(model)))],
    )
