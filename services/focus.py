"""The FOCUS export's rows: each workflow's month with the figures ``savings --json`` computes,
its observed cost where a usage import has one, and its opportunity (SPEC.md, "FOCUS export")."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlmodel import Session

from batchscout.audit.focus import FocusLine, month_bounds, to_focus_csv
from batchscout.audit.latency import Mode
from batchscout.audit.savings import LANE_OF_MODE
from batchscout.services.opportunities import opportunities_report
from batchscout.services.usage import usage_report
from batchscout.storage import queries

#: The processing tier a mode runs on (FOCUS extension ``x_ProcessingTier``): its lane.
TIERS = LANE_OF_MODE


def focus_lines(*, session: Session, team_id: str, now: datetime) -> list[FocusLine]:
    """One line per active workflow, by name. ``cost`` is the observed monthly cost where a
    usage import has it (``billed`` or ``priced``), else the inventory's (``estimate``);
    ``list_cost`` scales it by the standard-to-current price ratio of the workflow's lane."""
    report = usage_report(session=session, team_id=team_id, today=now.date())
    # Each workflow's opportunity (action, status) as ``opportunities --json`` lists it.
    listed = opportunities_report(session=session, team_id=team_id, now=now)["opportunities"]
    opportunity = {o["workflow"]: (o["action"], o["status"]) for o in listed}
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
        action, status = opportunity.get(workflow.name, ("", ""))
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
                monthly_savings=item.monthly_savings,
                opportunity=action,
                opportunity_status=status,
                owner=workflow.owner,
            )
        )
    return lines


def focus_csv(*, session: Session, team_id: str, now: datetime) -> tuple[str, int]:
    """The FOCUS CSV for the calendar month (UTC) containing ``now``, and its row count."""
    lines = focus_lines(session=session, team_id=team_id, now=now)
    return to_focus_csv(lines, period=month_bounds(now)), len(lines)
