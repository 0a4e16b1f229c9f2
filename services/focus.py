"""The FOCUS export's rows: each workflow's month with the figures ``savings --json`` computes,
its observed cost where a usage import has one, and its opportunity (SPEC.md, "FOCUS export")."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlmodel import Session

from batchscout.audit.focus import FocusLine, month_bounds, to_focus_csv
from batchscout.audit.latency import Mode
from batchscout.audit.savings import LANE_OF_MODE
from batchscout.services.opportunities import list_opportunities
from batchscout.services.usage import usage_report
from batchscout.storage import queries

#: The processing tier a mode runs on (FOCUS extension ``x_ProcessingTier``): its lane.
TIERS = LANE_OF_MODE


def focus_lines(*, session: Session, team_id: str, now: datetime) -> list[FocusLine]:
    """One line per active workflow, by name. ``cost`` is the observed monthly cost where a
    usage import has it (``billed`` or ``priced``), else the inventory's (``estimate``);
    ``list_cost`` scales it by the standard-to-current price ratio of the workflow's lane;
    ``monthly_savings`` (US dollars a month) is the opportunity's, as ``opportunities --json``
    gives it, else (no opportunity) the workflow's."""
    report = usage_report(session=session, team_id=team_id, today=now.date())
    # Each workflow's opportunity as ``opportunities --json`` lists it: its action, status and
    # monthly savings (a ``cache`` or ``standard`` one saves what the workflow's batch figure
    # does not show).
    opportunity = {
        v.workflow: v for v in list_opportunities(session=session, team_id=team_id, now=now)
    }
    observed = {w.link.name: w for w in report.workflows if w.observed_monthly_cost > 0}
    lines: list[FocusLine] = []
    for workflow in queries.list_workflows(session=session, team_id=team_id):
        item = queries.figures_of(workflow)
        usage = observed.get(workflow.name)
        cost, source, list_cost = item.monthly_cost, "estimate", item.sync_monthly
        if usage is not None:
            cost, source = usage.observed_monthly_cost, usage.cost_source.value
            ratio = item.sync_monthly / item.monthly_cost if item.monthly_cost else Decimal(1)
            list_cost = cost * ratio
        view = opportunity.get(workflow.name)
        lines.append(
            FocusLine(
                resource_id=f"batchscout:{team_id}:workflow/{workflow.id}",
                name=workflow.name,
                provider=workflow.provider.value if workflow.provider else None,
                model=workflow.priced_model or workflow.model,
                latency_class=str(workflow.latency_class),
                tier=TIERS.get(Mode(workflow.mode), str(workflow.mode)),
                cost=cost,
                list_cost=list_cost,
                cost_source=source,
                monthly_savings=item.monthly_savings if view is None else view.monthly_savings,
                opportunity=view.action.value if view else "",
                opportunity_status=view.status.value if view else "",
                owner=workflow.owner,
            )
        )
    return lines


def focus_csv(*, session: Session, team_id: str, now: datetime) -> tuple[str, int]:
    """The FOCUS CSV for the calendar month (UTC) containing ``now``, and its row count."""
    lines = focus_lines(session=session, team_id=team_id, now=now)
    return to_focus_csv(lines, period=month_bounds(now)), len(lines)
