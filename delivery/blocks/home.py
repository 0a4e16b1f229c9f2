"""The App Home tab: portfolio figures, top opportunities, the caller's own workflows and the
"Register a workflow" button."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from batchscout.audit.ledger import Trend
from batchscout.audit.savings import Portfolio
from batchscout.delivery.blocks import Block, actions, button, context, divider, header, section
from batchscout.delivery.blocks import ledger as ledger_blocks
from batchscout.delivery.blocks.workflows import (
    lane_summary,
    opportunity_lines,
    portfolio_fields,
    workflow_line,
)
from batchscout.storage.queries import Row

HOME_OPPORTUNITIES = 5
HOME_OWN_WORKFLOWS = 25  # the tab stays well under its 100 blocks


def home_view(
    figures: Portfolio,
    rows: Sequence[Row],
    own: Sequence[Row],
    trend: Trend | None = None,
) -> dict[str, Any]:
    """The Home tab view for one person (``own``: the workflows they own; ``trend``: the
    ledger's weeks and the comparison with the typical ranges)."""
    blocks: list[Block] = [
        header("Batchscout"),
        section(
            "Finds the AI spend that does not need to stream: register your AI workflows and "
            "see which ones can move to a provider batch API at about half the price."
        ),
        actions(
            button("Register a workflow", action_id="home_register", style="primary"),
        ),
        divider(),
    ]
    if rows:
        blocks += [section("*This workspace, per 30-day month*"), portfolio_fields(figures)]
        top = opportunity_lines(rows, HOME_OPPORTUNITIES)
        if top:
            blocks += [divider(), section("*Top opportunities*"), *top]
        if trend is not None:
            blocks += [divider(), *ledger_blocks.home_blocks(trend.weeks, trend.benchmarks)]
    else:
        blocks.append(section("No workflows are registered in this workspace yet."))
    blocks += [divider(), section(f"*Your workflows* ({len(own)})")]
    if own:
        for workflow, item in own[:HOME_OWN_WORKFLOWS]:
            blocks.append(
                section(
                    f"{workflow_line(workflow, item)}\n{lane_summary(workflow, item)}",
                    accessory=button("Edit", action_id="workflow_edit", value=workflow.name),
                )
            )
        if len(own) > HOME_OWN_WORKFLOWS:
            blocks.append(
                context(f"And {len(own) - HOME_OWN_WORKFLOWS} more: `/batchscout list` shows all.")
            )
    else:
        blocks.append(context("Workflows you own show up here. `/batchscout register` adds one."))
    blocks.append(context("`/batchscout help` lists every command."))
    return {"type": "home", "blocks": blocks}
