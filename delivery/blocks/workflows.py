"""Messages about the inventory: the paged list, one workflow's card, the remove
confirmation, the savings report and a model's prices."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from batchscout.audit.advice import (
    advice_for,
    flex_or_batch,
    options_sentence,
    tier_advice,
    tier_options,
)
from batchscout.audit.digest import percent
from batchscout.audit.latency import BATCH_TIMING_NOTE, Freshness, LatencyClass, Mode, classify
from batchscout.audit.money import format_count, format_monthly, format_unit_price, format_usd
from batchscout.audit.pricing import CatalogPrice, PriceQuote, provider_name
from batchscout.audit.savings import (
    AdviceTier,
    Bucket,
    Portfolio,
    WorkflowFigures,
    opportunities,
    realised_wording,
)
from batchscout.audit.text import plural
from batchscout.audit.usage import link_text
from batchscout.delivery import messages
from batchscout.delivery.blocks import (
    Block,
    Message,
    actions,
    button,
    context,
    divider,
    fields,
    header,
    note,
    section,
)
from batchscout.delivery.lanes import (
    CACHE_LABEL,
    LANES_LABEL,
    WASTE_LABEL,
    advice_steps,
    cache_text,
    lanes_text,
    portfolio_lines,
    waste_text,
    workflow_lane_rows,
)
from batchscout.delivery.mrkdwn import escape
from batchscout.storage.models import Workflow
from batchscout.storage.queries import Page, Row, WorkflowRow

#: Workflows per page of ``/batchscout list``: 20 sections plus a few framing blocks.
PAGE_SIZE = 20
TOP_OPPORTUNITIES = 10

CLASS_BADGE = {
    LatencyClass.REAL_TIME: ":red_circle: real-time",
    LatencyClass.NEAR_REAL_TIME: ":large_yellow_circle: near-real-time",
    LatencyClass.SCHEDULED: ":large_green_circle: scheduled",
}


def class_badge(workflow: Workflow | WorkflowRow) -> str:
    """The latency class with its colour, flagged when it is batch disguised as stream."""
    badge = CLASS_BADGE[LatencyClass(workflow.latency_class)]
    if workflow.batch_disguised_as_stream:
        badge += " · :warning: batch disguised as stream"
    return badge


def savings_phrase(item: WorkflowFigures) -> str:
    """``saves $250/month``, ``already saves $250/month``, ``no savings: someone is waiting``,
    or for near-real-time work that flex serves now, ``flex now: $X/month, … · batch …``."""
    if item.flex_now > 0:
        return options_sentence(item.flex_now, item.monthly_savings)
    if item.bucket is Bucket.REALISED:
        return f"already saves {format_monthly(item.monthly_savings)}"
    if item.bucket is Bucket.NONE:
        return "no savings: someone is waiting"
    return f"saves {format_monthly(item.monthly_savings)}"


#: How each mode reads in a sentence.
MODE_WORDS = {
    Mode.SYNC: "synchronous",
    Mode.BATCH: "on a batch API",
    Mode.FLEX: "on flex",
    Mode.PRIORITY: "on the priority tier",
}


def workflow_line(workflow: Workflow | WorkflowRow, item: WorkflowFigures) -> str:
    """One workflow in one mrkdwn line: name, class, mode, cost and savings."""
    return (
        f"*{escape(workflow.name)}*\n{class_badge(workflow)} · {MODE_WORDS[Mode(workflow.mode)]}"
        f" · costs {format_monthly(item.monthly_cost)} · {savings_phrase(item)}"
    )


def portfolio_fields(figures: Portfolio) -> Block:
    """The five portfolio figures as fields, each money per month."""
    return fields(
        [
            ("Spend", format_monthly(figures.monthly_spend)),
            ("Migrate now", f"{format_monthly(figures.migrate_now)} (scheduled work)"),
            ("To challenge", f"{format_monthly(figures.to_challenge)} (near-real-time work)"),
            (
                "Already saved",
                f"{format_monthly(figures.realised)} ({realised_wording(figures.realised_from)})",
            ),
            ("Spend after migrating", format_monthly(figures.spend_after)),
            *flex_fields(figures),
            *lane_fields(figures),
        ]
    )


def lane_fields(figures: Portfolio) -> list[tuple[str, str]]:
    """The premium paid for priority on work nobody waits for, and what prompt caching would
    save the real-time bucket (SPEC.md, "Every lane"), where there is any."""
    rows = []
    if figures.priority_waste > 0:
        rows.append((WASTE_LABEL, waste_text(figures.priority_waste)))
    if figures.cache_now > 0:
        rows.append((CACHE_LABEL, f"{format_monthly(figures.cache_now)} in the real-time bucket"))
    return rows


def lane_summary(workflow: Workflow | WorkflowRow, item: WorkflowFigures) -> str:
    """A workflow's lanes in one compact line, with its waste and cache saving where it has
    them: ``Per month by lane: standard $5,520 · batch $2,760 · priority $9,660 (now)``."""
    parts = [f"{LANES_LABEL}: {lanes_text(item.lanes, workflow.mode)}"]
    if item.priority_waste > 0:
        parts.append(waste_text(item.priority_waste))
    cache = cache_text(item)
    if cache is not None:
        parts.append(f"caching {cache}")
    return " · ".join(parts)


def flex_fields(figures: Portfolio) -> list[tuple[str, str]]:
    """Flex now beside batch if the requirement is relaxed: two options for the near-real-time
    workflows on sync (SPEC.md, "Service tiers"), shown where flex saves anything."""
    if figures.flex_now <= 0:
        return []
    return flex_or_batch(figures.flex_now, figures.to_challenge)


SHOW_ACTION = "workflow_show"
UNDO_ACTION = "workflow_undo_move"


def opportunity_text(rank: int, workflow: Workflow | WorkflowRow, item: WorkflowFigures) -> str:
    """``1. *Name* saves *$X/month*`` then its class and what to do, on a second line."""
    action = advice_for(workflow.latency_class).action
    money = f"saves *{format_monthly(item.monthly_savings)}*"
    if item.flex_now > 0:
        money = options_sentence(item.flex_now, item.monthly_savings)
    return f"{rank}. *{escape(workflow.name)}* {money}\n{class_badge(workflow)} · _{action}_"


def opportunity_buttons(workflow: Workflow | WorkflowRow, item: WorkflowFigures) -> list[Block]:
    """What can be done about one opportunity, where it is shown: show it in full, and mark it
    as moved. One list, so more actions (an owner's decision) can be added beside them."""
    buttons = [button("Show", action_id=SHOW_ACTION, value=workflow.name)]
    if workflow.mode is Mode.SYNC and item.advice_tier is AdviceTier.FLEX:
        buttons.append(
            button("Mark as moved to flex", action_id="workflow_flex", value=workflow.name)
        )
    elif workflow.mode is Mode.SYNC and workflow.latency_class is not LatencyClass.REAL_TIME:
        buttons.append(
            button("Mark as moved to batch", action_id="workflow_migrated", value=workflow.name)
        )
    return buttons


def opportunity_lines(
    rows: Sequence[Row], limit: int, *, with_buttons: bool = False
) -> list[Block]:
    """The largest savings still to be had, one section each, with what to do (and, where the
    reader can act, its buttons under it)."""
    blocks: list[Block] = []
    for rank, (workflow, item) in enumerate(opportunities(rows)[:limit], start=1):
        blocks.append(section(opportunity_text(rank, workflow, item)))
        if with_buttons:
            blocks.append(actions(*opportunity_buttons(workflow, item)))
    return blocks


def moved_note(text: str, *, name: str, previous: Mode | None) -> Message:
    """A workflow marked as moved, with an Undo that puts it back on ``previous``."""
    if previous is None:
        return note(text)
    undo = button("Undo", action_id=UNDO_ACTION, value=f"{previous.value}:{name}")
    return Message(text=text, blocks=[section(text, accessory=undo)])


def workflow_list(page: Page) -> Message:
    """One page of the inventory, with Previous/Next buttons when there is more."""
    if not page.total:
        return note(messages.NO_WORKFLOWS_YET)
    shown, total = page.rows, page.total
    blocks: list[Block] = [
        header(f"Workflows ({total})"),
        context(
            f"{page.first + 1}–{page.first + len(shown)} of {total}, by name. "
            "`/batchscout show NAME` for one in full."
        ),
    ]
    blocks += [section(workflow_line(w, item)) for w, item in shown]
    if page.pages > 1:
        navigation = []
        if page.page > 0:
            navigation.append(
                button("◀ Previous", action_id="list_page:previous", value=str(page.page - 1))
            )
        if page.page < page.pages - 1:
            navigation.append(
                button("Next ▶", action_id="list_page:next", value=str(page.page + 1))
            )
        blocks.append(divider())
        blocks.append(actions(*navigation))
    return Message(
        text=f"{plural(total, 'workflow')}, page {page.page + 1} of {page.pages}", blocks=blocks
    )


def workflow_card(workflow: Workflow, item: WorkflowFigures) -> Message:
    """One workflow in full: class, rationale, prices, savings, advice, and what to do next."""
    advice = advice_for(workflow.latency_class)
    name = escape(workflow.name)
    blocks: list[Block] = [
        header(workflow.name),
        # The rationale as it reads today, from the answers (a row stored before it was a
        # plain sentence says it in words too).
        section(f"{class_badge(workflow)}\n{escape(_rationale(workflow))}"),
    ]
    if workflow.freshness in (Freshness.HOUR, Freshness.DAY) and workflow.mode is not Mode.SYNC:
        blocks.append(context(BATCH_TIMING_NOTE))  # the advice below says it for sync ones
    if workflow.description:
        blocks.append(section(f"_{escape(workflow.description)}_"))
    priced = escape(workflow.priced_model or workflow.model or "cost per request given")
    if workflow.provider:
        priced = f"{provider_name(workflow.provider)} · {priced}"
    per_request = PriceQuote(
        workflow.sync_per_request, workflow.batch_per_request, None, workflow.batch_basis
    )
    savings_label = "Already saves" if item.bucket is Bucket.REALISED else "Saves"
    savings = tier_options(item) or [(savings_label, format_monthly(item.monthly_savings))]
    per_request_text = (
        f"{format_unit_price(workflow.sync_per_request)} sync · "
        f"{format_unit_price(workflow.batch_per_request)} batch"
    )
    if workflow.flex_per_request is not None:
        per_request_text += f" · {format_unit_price(workflow.flex_per_request)} flex"
    if workflow.priority_per_request is not None:
        per_request_text += f" · {format_unit_price(workflow.priority_per_request)} priority"
    blocks.append(
        fields(
            [
                ("Owner", f"<@{workflow.owner}>" if workflow.owner else "—"),
                ("Runs", MODE_WORDS[Mode(workflow.mode)]),
                (
                    "Volume",
                    f"{format_count(workflow.requests)} per {workflow.per} "
                    f"({format_count(item.monthly_requests.to_integral_value())} a month)",
                ),
                ("Priced as", priced),
                ("Per request", per_request_text),
                ("Costs", format_monthly(item.monthly_cost)),
                *savings,
            ]
        )
    )
    blocks.append(
        section(
            "\n".join(
                f"*{label}:* {value}" for label, value in workflow_lane_rows(workflow.mode, item)
            )
        )
    )
    blocks.append(context(per_request.basis_note))
    flex = tier_advice(item.advice_tier) if item.flex_now > 0 else None
    if flex is not None:
        points = "\n".join(f"• {point}" for point in flex.points)
        blocks.append(section(f"*{flex.headline}*\n{points}"))
    usage_link = link_text(workflow.usage_project, workflow.usage_api_key)
    if usage_link:
        blocks.append(context(f"Usage link: {escape(usage_link)}"))
    steps = advice_steps(advice, item)
    blocks.append(section(f"*{advice.headline}*\n" + "\n".join(f"• {s}" for s in steps)))
    buttons = [button("Edit", action_id="workflow_edit", value=workflow.name)]
    if workflow.mode is Mode.SYNC and item.advice_tier is AdviceTier.FLEX:
        buttons.append(
            button("Mark as moved to flex", action_id="workflow_flex", value=workflow.name)
        )
    if workflow.mode in (Mode.SYNC, Mode.PRIORITY):
        buttons.append(
            button("Mark as moved to batch", action_id="workflow_migrated", value=workflow.name)
        )
    buttons.append(
        button("Remove", action_id="workflow_remove_ask", value=workflow.name, style="danger")
    )
    blocks.append(actions(*buttons))
    return Message(text=f"{name}: {workflow.latency_class}", blocks=blocks)


def _rationale(workflow: Workflow) -> str:
    return classify(workflow.trigger, workflow.reader, workflow.freshness).rationale


def remove_confirmation(workflow: Workflow) -> Message:
    """Are you sure? Remove or Keep."""
    text = messages.REMOVE_QUESTION.format(name=escape(workflow.name))
    return Message(
        text=text,
        blocks=[
            section(text),
            actions(
                button(
                    "Remove",
                    action_id="workflow_remove_confirm",
                    value=workflow.name,
                    style="danger",
                ),
                button(
                    f"Keep {workflow.name}", action_id="workflow_remove_cancel", value=workflow.name
                ),
            ),
        ],
    )


def savings_report(figures: Portfolio, rows: Sequence[Row]) -> Message:
    """The portfolio figures and the top opportunities."""
    if not rows:
        return note(messages.NO_WORKFLOWS_YET)
    blocks: list[Block] = [header("Savings, per 30-day month"), portfolio_fields(figures)]
    top = opportunity_lines(rows, TOP_OPPORTUNITIES)
    if top:
        blocks += [divider(), section("*Top opportunities*"), *top]
    text = (
        f"Migrate now: {format_monthly(figures.migrate_now)}; to challenge: "
        f"{format_monthly(figures.to_challenge)}; already saved: {format_monthly(figures.realised)}"
    )
    if figures.flex_now > 0:
        text += f"; {options_sentence(figures.flex_now, figures.to_challenge)}"
    for line in portfolio_lines(figures):
        text += f"; {line[0].lower()}{line[1:]}"
    return Message(text=text, blocks=blocks)


def _lane_table(rows: list[tuple[str, str, str, str]]) -> str:
    """A monospaced table that fits a phone (about 40 characters a line)."""
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
             for row in rows]  # fmt: skip
    return "```\n" + "\n".join(lines) + "\n```"


def prices_card(
    price: CatalogPrice, per_request: PriceQuote, *, input_tokens: int, output_tokens: int
) -> Message:
    """A model's four lanes (standard, batch, flex, priority, where the catalog prices them)
    as a table per million tokens and per request, then what each cheaper lane saves."""
    title = f"{price.name} ({provider_name(price.provider)} · {price.model})"
    million = Decimal(1_000_000)
    lanes = [
        (str(tier), per_in, per_out, (input_tokens * per_in + output_tokens * per_out) / million)
        for tier, per_in, per_out in price.by_tier()
    ]
    rows = [("Lane", "In/1M", "Out/1M", "Request")] + [
        (lane, format_unit_price(per_in), format_unit_price(per_out), format_unit_price(request))
        for lane, per_in, per_out, request in lanes
    ]
    standard = lanes[0][3]
    savings = []
    for lane, _in, _out, request in lanes[1:]:
        if not standard:
            break
        share = percent(abs(standard - request) / standard)
        if request < standard:
            thousand = format_usd((standard - request) * Decimal(1000))
            savings.append(f"• *{lane}* saves {share}: {thousand} per 1,000 requests")
        elif request > standard:
            savings.append(f"• *{lane}* costs {share} more than standard")
    no_flex = "" if per_request.flex_per_request is not None else f" {messages.PRICES_NO_FLEX}"
    blocks: list[Block] = [
        header(title),
        section(_lane_table(rows)),
        context(
            f"Per request: {format_count(input_tokens)} tokens in, "
            f"{format_count(output_tokens)} out."
        ),
    ]
    if savings:
        blocks.append(section("\n".join(savings)))
    blocks.append(context(escape(per_request.basis_note) + no_flex))
    return Message(text=escape(title), blocks=blocks)


def not_found(name: str, suggestions: Sequence[str]) -> Message:
    """No such workflow, with the closest names."""
    text = messages.NO_SUCH_WORKFLOW.format(name=escape(name))
    if suggestions:
        text += " " + messages.DID_YOU_MEAN.format(
            names=", ".join(f"*{escape(s)}*" for s in suggestions)
        )
    else:
        text += " " + messages.SEE_THE_LIST
    return note(text)
