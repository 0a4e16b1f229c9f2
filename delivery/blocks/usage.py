"""Provider usage in Slack: ``/batchscout usage`` and the digest thread's "Seen in your usage".

Every figure comes from :class:`batchscout.audit.usage.UsageReport`; ids and reasons are
escaped (they come from the providers' reports).
"""

from __future__ import annotations

import json

from batchscout.audit.money import format_monthly, format_usd
from batchscout.audit.pricing import provider_name
from batchscout.audit.usage import (
    UnregisteredScope,
    UsageReport,
    UsageStatus,
    describe_project,
)
from batchscout.delivery.blocks import Block, Message, actions, button, context, header, section
from batchscout.delivery.mrkdwn import escape

REGISTER_SCOPE = "usage_register_scope"
"""The action id of the button that registers an unregistered scope."""
MAX_SCOPES = 8  # unregistered scopes listed in Slack, largest savings first

STATUS_LABELS = {
    UsageStatus.VERIFIED: ":white_check_mark: verified on batch",
    UsageStatus.NOT_MIGRATED: ":warning: marked migrated, still synchronous",
    UsageStatus.MATCHES: "matches the estimate",
    UsageStatus.DRIFT: ":chart_with_upwards_trend: drifts from the estimate",
    UsageStatus.NO_TRAFFIC: "no traffic seen",
}

NO_USAGE = (
    "No provider usage imported for this workspace yet. Whoever runs Batchscout (and holds "
    "an OpenAI or Anthropic organisation admin key) imports it once from a terminal:\n"
    "`batchscout usage import --team {team} --provider openai` (or `--provider anthropic`).\n"
    "After that the worker re-imports it every day, and this shows what you really spend."
)


def _scope(scope: UnregisteredScope) -> str:
    where = escape(describe_project(scope.provider, scope.usage_project))
    key = f" · key `{escape(scope.usage_api_key)}`" if scope.usage_api_key else ""
    return f"{provider_name(scope.provider)} · {where}{key}"


def scope_value(scope: UnregisteredScope) -> str:
    """What the register button carries: the scope's identity only (never a figure)."""
    return json.dumps([scope.provider.value, scope.usage_project, scope.usage_api_key])


def _pct(share: object) -> str:
    return f"{share:.0%}"


def usage_report(report: UsageReport, *, team_id: str) -> Message:
    """``/batchscout usage``: spend and batch share per provider, linked workflows against
    their estimates, and unregistered traffic (a Register button where it looks scheduled)."""
    if not report.providers:
        text = NO_USAGE.format(team=escape(team_id))
        return Message(text=text, blocks=[section(text)])
    blocks: list[Block] = [header("What the providers say you spend")]
    lines = [
        f"*{provider_name(p.provider)}*: {format_monthly(p.monthly_spend)} billed, "
        f"{_pct(p.batch_share)} on batch"
        for p in report.providers
    ]
    blocks.append(section("\n".join(lines)))
    blocks.append(context(f"Over the {report.days} days imported; a month is 30 days."))
    if report.workflows:
        rows = []
        for w in report.workflows:
            shared = (
                f" _(traffic shared with {escape(', '.join(w.shared_with))}: counted once in the totals)_"
                if w.shared_with
                else ""
            )
            rows.append(
                f"• *{escape(w.link.name)}* ({w.link.mode.value}): "
                f"{format_usd(w.observed_monthly_cost)} observed ({w.cost_source.value}) against "
                f"{format_usd(w.link.estimated_monthly_cost)} estimated, "
                f"{_pct(w.observed_batch_share)} on batch — {STATUS_LABELS[w.status]}{shared}"
            )
        blocks.append(section("*Linked workflows*\n" + "\n".join(rows)))
    scopes = sorted(report.unregistered, key=lambda u: u.monthly_batch_savings, reverse=True)
    if scopes:
        blocks.append(section("*Traffic no workflow links to*"))
        for scope in scopes[:MAX_SCOPES]:
            text = (
                f"{_scope(scope)}: {format_monthly(scope.monthly_spend)}, "
                f"{_pct(scope.batch_share)} on batch\n_{escape(scope.verdict.reason)}_"
            )
            if scope.verdict.looks_scheduled and scope.monthly_batch_savings > 0:
                text += f"\nBatch would save about {format_monthly(scope.monthly_batch_savings)}."
                blocks.append(
                    section(
                        text,
                        accessory=button(
                            "Register", action_id=REGISTER_SCOPE, value=scope_value(scope)
                        ),
                    )
                )
            else:
                blocks.append(section(text))
        if len(scopes) > MAX_SCOPES:
            blocks.append(
                context(f"And {len(scopes) - MAX_SCOPES} more: `batchscout usage report`.")
            )
    if report.unpriced_models:
        blocks.append(
            context(
                "Not priced (unknown to the catalog): " + escape(", ".join(report.unpriced_models))
            )
        )
    return Message(text="Provider usage", blocks=blocks)


def seen_in_usage(report: UsageReport) -> Message | None:
    """The digest thread's "Seen in your usage": unregistered traffic that looks scheduled
    (with what batch would save), workflows marked migrated that still run synchronously, and
    the share of spend already on batch. ``None`` when no usage was imported."""
    if not report.providers:
        return None
    lines = [
        f"*Seen in your usage* — {_pct(report.batch_spend_share)} of "
        f"{format_monthly(report.monthly_spend)} already runs on batch."
    ]
    scheduled = [u for u in report.scheduled_unregistered if u.monthly_batch_savings > 0]
    for scope in scheduled[:5]:
        lines.append(
            f"• Unregistered, looks scheduled: {_scope(scope)} — batch would save about "
            f"{format_monthly(scope.monthly_batch_savings)}. _{escape(scope.verdict.reason)}_"
        )
    for w in report.not_migrated:
        lines.append(
            f"• *{escape(w.link.name)}* is marked as migrated but only "
            f"{_pct(w.observed_batch_share)} of its traffic ran on batch."
        )
    if not scheduled and not report.not_migrated:
        lines.append("Nothing unregistered looks scheduled, and every migration checks out.")
    blocks: list[Block] = [section("\n".join(lines))]
    if scheduled:
        blocks.append(
            actions(
                *(
                    button(
                        f"Register {scope.usage_api_key or scope.usage_project or 'default'}"[:75],
                        action_id=REGISTER_SCOPE,
                        value=scope_value(scope),
                    )
                    for scope in scheduled[:5]
                )
            )
        )
    return Message(text="Seen in your usage", blocks=blocks)
