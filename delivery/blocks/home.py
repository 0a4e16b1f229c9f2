"""The App Home tab: portfolio figures, the workspace's top opportunities with buttons to act,
every workflow (filterable by owner and latency class, paged) and "Register a workflow"."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from batchscout.audit.latency import LatencyClass
from batchscout.audit.ledger import Trend
from batchscout.audit.savings import Portfolio
from batchscout.audit.text import plural
from batchscout.delivery.blocks import (
    Block,
    Message,
    actions,
    button,
    context,
    divider,
    header,
    option,
    section,
)
from batchscout.delivery.blocks import ledger as ledger_blocks
from batchscout.delivery.blocks.workflows import (
    CLASS_BADGE,
    lane_summary,
    opportunity_lines,
    portfolio_fields,
    workflow_line,
)
from batchscout.storage.queries import Row

HOME_OPPORTUNITIES = 5
HOME_PAGE_SIZE = 10  # workflows per page: the tab stays well under its 100 blocks

FILTER_OWNER_ACTION = "home_filter_owner"
FILTER_CLASS_ACTION = "home_filter_class"
FILTER_CLEAR_ACTION = "home_filter_clear"
PAGE_ACTION = "home_page"
ANY_CLASS = "any"


@dataclass(frozen=True, slots=True)
class HomeFilter:
    """Which workflows the tab lists: an owner (a Slack user id), a latency class, a page
    (from 0). Kept in the view's ``private_metadata`` between clicks."""

    owner: str | None = None
    latency_class: LatencyClass | None = None
    page: int = 0

    def encode(self) -> str:
        return json.dumps(
            {"owner": self.owner, "class": self.latency_class, "page": self.page},
            separators=(",", ":"),
        )

    @classmethod
    def decode(cls, text: str | None) -> HomeFilter:
        """The filter a view was drawn with; the default for anything unreadable."""
        try:
            data = json.loads(text or "{}")
            latency_class = LatencyClass(data["class"]) if data.get("class") else None
            owner = data.get("owner")
            return cls(
                owner=str(owner) if owner else None,
                latency_class=latency_class,
                page=max(0, int(data.get("page") or 0)),
            )
        except (ValueError, TypeError, AttributeError, KeyError):
            return cls()

    def with_owner(self, owner: str | None) -> HomeFilter:
        return replace(self, owner=owner, page=0)

    def with_class(self, latency_class: LatencyClass | None) -> HomeFilter:
        return replace(self, latency_class=latency_class, page=0)

    def matches(self, row: Row) -> bool:
        workflow, _ = row
        return (self.owner is None or workflow.owner == self.owner) and (
            self.latency_class is None or workflow.latency_class == self.latency_class
        )


def _filters(view_filter: HomeFilter) -> Block:
    owner: dict[str, Any] = {
        "type": "users_select",
        "action_id": FILTER_OWNER_ACTION,
        "placeholder": {"type": "plain_text", "text": "Any owner"},
    }
    if view_filter.owner:
        owner["initial_user"] = view_filter.owner
    classes = [option("Any latency class", ANY_CLASS)] + [
        option(str(c), str(c)) for c in LatencyClass
    ]
    latency: dict[str, Any] = {
        "type": "static_select",
        "action_id": FILTER_CLASS_ACTION,
        "placeholder": {"type": "plain_text", "text": "Any latency class"},
        "options": classes,
    }
    if view_filter.latency_class is not None:
        latency["initial_option"] = option(
            str(view_filter.latency_class), str(view_filter.latency_class)
        )
    elements = [owner, latency]
    if view_filter.owner or view_filter.latency_class:
        elements.append(button("Show all", action_id=FILTER_CLEAR_ACTION))
    return actions(*elements, block_id="home_filters")


def _workflow_page(rows: Sequence[Row], view_filter: HomeFilter) -> list[Block]:
    chosen = [row for row in rows if view_filter.matches(row)]
    pages = max(1, -(-len(chosen) // HOME_PAGE_SIZE))
    page = min(view_filter.page, pages - 1)
    first = page * HOME_PAGE_SIZE
    shown = chosen[first : first + HOME_PAGE_SIZE]
    who = f" owned by <@{view_filter.owner}>" if view_filter.owner else ""
    kind = f" {CLASS_BADGE[view_filter.latency_class]}" if view_filter.latency_class else ""
    blocks: list[Block] = [
        section(f"*Workflows*{kind}{who} ({len(chosen):,})"),
        _filters(view_filter),
    ]
    if not shown:
        blocks.append(context("No workflow matches these filters."))
    for workflow, item in shown:
        blocks.append(
            section(
                f"{workflow_line(workflow, item)}\n{lane_summary(workflow, item)}",
                accessory=button("Edit", action_id="workflow_edit", value=workflow.name),
            )
        )
    if pages > 1:
        navigation = []
        if page > 0:
            navigation.append(button("◀ Previous", action_id=f"{PAGE_ACTION}:previous", value=str(page - 1)))  # fmt: skip
        if page < pages - 1:
            navigation.append(button("Next ▶", action_id=f"{PAGE_ACTION}:next", value=str(page + 1)))  # fmt: skip
        blocks.append(
            context(f"{first + 1}–{first + len(shown)} of {plural(len(chosen), 'workflow')}")
        )
        blocks.append(actions(*navigation))
    return blocks


def home_view(
    figures: Portfolio,
    rows: Sequence[Row],
    view_filter: HomeFilter | None = None,
    trend: Trend | None = None,
    own_opportunities: Sequence[Block] = (),
) -> dict[str, Any]:
    """The Home tab: the workspace's figures and top opportunities (with buttons), the viewer's
    own opportunities to decide (``own_opportunities``, built with their buttons), the ledger's
    trend in words (``trend``: its weeks and the comparison with the typical ranges), then every
    workflow, filtered by ``view_filter`` (owner, latency class) and paged."""
    view_filter = view_filter or HomeFilter()
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
        top = opportunity_lines(rows, HOME_OPPORTUNITIES, with_buttons=True)
        if top:
            blocks += [divider(), section("*Top opportunities*"), *top]
        blocks += own_opportunities
        if trend is not None:
            blocks += [divider(), *ledger_blocks.home_blocks(trend.weeks, trend.benchmarks)]
        blocks += [divider(), *_workflow_page(rows, view_filter)]
    else:
        blocks.append(section("No workflows are registered in this workspace yet."))
    blocks.append(context("`/batchscout help` lists every command."))
    return {"type": "home", "blocks": blocks, "private_metadata": view_filter.encode()}


def home_link(*, team_id: str, app_id: str) -> Message:
    """A button that opens Batchscout's Home tab (Slack's app deep link)."""
    text = "Your Home tab is up to date: the top opportunities and every workflow, to act on."
    url = f"slack://app?team={team_id}&id={app_id}&tab=home"
    link = {**button("Open the Home tab", action_id="home_link"), "url": url}
    return Message(text=text, blocks=[section(text, accessory=link)])
