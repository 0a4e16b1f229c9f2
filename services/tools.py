"""The read-only tools an assistant may call: one registry for the MCP server
(``batchscout mcp``) and for questions asked in the bot's DM (SPEC.md, "Batchscout for
assistants").

Each tool returns the same JSON document as the matching command's ``--json`` (the
serialisers are shared, never copied): ``savings`` is :func:`~batchscout.services.reports.
savings_document`, ``usage_report`` is :func:`~batchscout.services.usage.usage_document`.
The workspace is bound by the caller (the MCP server's ``--team``, the Slack event's team):
it is never a tool argument, so no prompt can make a tool read another workspace's rows.
Nothing here writes: every tool reads in its own session.

A tool that cannot answer (an unknown workflow or model, a bad argument) raises
:class:`ToolError` with one sentence for the person or the model; never a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from batchscout.audit.ledger import DEFAULT_WEEKS, MAX_WEEKS
from batchscout.audit.numbers import MAX_TOKENS
from batchscout.audit.opportunities import OpportunityStatus
from batchscout.audit.pricing import (
    MILLION,
    AmbiguousModelError,
    PricingError,
    ServiceTier,
    find_catalog_price,
    quote,
    search_models,
)
from batchscout.audit.pricing import Provider as PriceProvider
from batchscout.audit.savings import portfolio
from batchscout.services import ledger
from batchscout.services.opportunities import opportunities_report
from batchscout.services.reports import savings_document
from batchscout.services.usage import usage_document, usage_report
from batchscout.storage import queries
from batchscout.storage.db import session_scope
from batchscout.storage.queries import WorkflowRow

#: A tool's arguments after validation: names from its input schema.
Arguments = Mapping[str, Any]

#: What a tool computes: ``(session, team_id, arguments) -> JSON document``.
ToolFunction = Callable[[Session, str, Arguments], Any]

#: The request shape ``prices`` quotes when none is given (as ``batchscout prices``).
DEFAULT_INPUT_TOKENS = 1000
DEFAULT_OUTPUT_TOKENS = 500


class ToolError(ValueError):
    """A tool could not answer: one sentence, shown as it is (MCP: a result with ``isError``)."""


@dataclass(frozen=True, slots=True)
class AssistantTool:
    """A read-only tool: its name, what it does (for a model choosing tools), the JSON Schema of
    its arguments, and the function that computes its JSON document."""

    name: str
    description: str
    input_schema: dict[str, Any]
    run: ToolFunction


def _schema(
    properties: dict[str, Any] | None = None, required: tuple[str, ...] = ()
) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties or {},
        "additionalProperties": False,
    }
    if required:
        schema["required"] = list(required)
    return schema


# -- the tools ----------------------------------------------------------------------------------


def _savings(session: Session, team_id: str, _arguments: Arguments) -> dict[str, Any]:
    figures, rows = queries.workspace_portfolio(session=session, team_id=team_id)
    return savings_document(figures, rows)


def _list_workflows(session: Session, team_id: str, arguments: Arguments) -> list[dict[str, Any]]:
    figures, rows = queries.workspace_portfolio(session=session, team_id=team_id)
    owner = arguments.get("owner")
    if owner:
        rows = [row for row in rows if row[0].owner == owner]
    workflows: list[dict[str, Any]] = savings_document(figures, rows)["workflows"]
    return workflows


def _show_workflow(session: Session, team_id: str, arguments: Arguments) -> dict[str, Any]:
    name = str(arguments["name"])
    workflow = queries.get_workflow(session=session, team_id=team_id, name=name)
    if workflow is None:
        names = [w.name for w in queries.list_workflows(session=session, team_id=team_id)]
        known = f" (known: {', '.join(names[:10])})" if names else " (it has none yet)"
        raise ToolError(f"No workflow named “{name}” in this workspace{known}.")
    figures = queries.figures_of(workflow)
    row = WorkflowRow(
        workflow.name,
        workflow.owner,
        workflow.latency_class,
        workflow.batch_disguised_as_stream,
        workflow.mode,
        workflow.rationale,
    )
    document: dict[str, Any] = savings_document(portfolio([figures]), [(row, figures)])[
        "workflows"
    ][0]
    return document | {
        "trigger": str(workflow.trigger),
        "reader": str(workflow.reader),
        "freshness": str(workflow.freshness),
        "owner": workflow.owner,
        "provider": None if workflow.provider is None else str(workflow.provider),
        "model": workflow.model,
    }


def _usage_report(session: Session, team_id: str, _arguments: Arguments) -> dict[str, Any]:
    return usage_document(usage_report(session=session, team_id=team_id))


def plain_decimal(value: Decimal) -> str:
    """A price as a plain decimal string, never in exponent form (``"0.000375"``)."""
    return format(value.normalize(), "f")


def _prices(_session: Session, _team_id: str, arguments: Arguments) -> dict[str, Any]:
    return prices_document(
        str(arguments["model"]),
        input_tokens=int(arguments.get("input_tokens", DEFAULT_INPUT_TOKENS)),
        output_tokens=int(arguments.get("output_tokens", DEFAULT_OUTPUT_TOKENS)),
    )


def prices_document(model: str, *, input_tokens: int, output_tokens: int) -> dict[str, Any]:
    """A model priced by the catalog (``genai-prices``), the provider inferred from its name:
    ``model``, ``provider``, the request shape, and per lane (``standard``, ``batch``, then
    ``flex`` and ``priority`` where the catalog prices them) ``input_per_million`` and
    ``output_per_million`` (US dollars per 1M tokens) and ``cost_per_request`` (US dollars),
    as plain decimal strings. Raises :class:`ToolError` for a model the catalog does not know.
    """
    try:
        price = find_catalog_price(None, model)
        per_request = quote(
            provider=price.provider,
            model=price.model,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cost_per_request=None,
        )
    except PricingError as error:
        close = [m for p in PriceProvider if p is not PriceProvider.OTHER
                 for m in search_models(p, model, limit=3)][:5]  # fmt: skip
        hint = f" (close: {', '.join(close)})" if close else ""
        if isinstance(error, AmbiguousModelError):
            raise ToolError(f"Several providers price a model named “{model}”; name it "
                            f"as the provider spells it{hint}.") from error  # fmt: skip
        raise ToolError(f"The price catalog has no model named “{model}”{hint}.") from error
    quoted = {
        ServiceTier.STANDARD: per_request.sync_per_request,
        ServiceTier.BATCH: per_request.batch_per_request,
        ServiceTier.FLEX: per_request.flex_per_request,
    }
    lanes = {
        str(tier): {
            "input_per_million": plain_decimal(per_in),
            "output_per_million": plain_decimal(per_out),
            "cost_per_request": plain_decimal(
                quoted.get(tier) or (per_in * input_tokens + per_out * output_tokens) / MILLION
            ),
        }
        for tier, per_in, per_out in price.by_tier()
    }
    return {
        "model": price.model,
        "provider": str(price.provider),
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "lanes": lanes,
        "basis": per_request.basis_note,
    }


def _opportunities(session: Session, team_id: str, arguments: Arguments) -> dict[str, Any]:
    status = arguments.get("status")
    return opportunities_report(
        session=session,
        team_id=team_id,
        status=None if status is None else OpportunityStatus(status),
    )


def _history(session: Session, team_id: str, arguments: Arguments) -> dict[str, Any]:
    weeks = int(arguments.get("weeks", DEFAULT_WEEKS))
    return ledger.history_document(ledger.history(session=session, team_id=team_id, weeks=weeks))


_TOKENS = {"type": "integer", "minimum": 0, "maximum": MAX_TOKENS}

TOOLS: dict[str, AssistantTool] = {
    tool.name: tool
    for tool in (
        AssistantTool(
            "savings",
            "The workspace's portfolio figures, per 30-day month in US dollars (two-decimal "
            "strings): monthly_spend, migrate_now (scheduled work still synchronous: move it to "
            "a batch API now), to_challenge (near-real-time work that batch would save if the "
            "latency requirement were relaxed), flex_now, realised (already saved on batch or flex, "
            "or by prompt caching; realised_from says which), "
            "spend_after; and every workflow's class, mode, monthly cost and savings. The same "
            "JSON as `batchscout savings --json`.",
            _schema(),
            _savings,
        ),
        AssistantTool(
            "list_workflows",
            "The workspace's AI workflows (the `workflows` list of `batchscout savings --json`): "
            "name, latency_class (real-time, near-real-time, scheduled), "
            "batch_disguised_as_stream, mode (sync, batch, flex), monthly_cost, "
            "monthly_savings, advice_tier and rationale. Give `owner` (a Slack user id like "
            "U0123ABCD) for one person's workflows.",
            _schema({"owner": {"type": "string", "description": "Slack user id of the owner."}}),
            _list_workflows,
        ),
        AssistantTool(
            "show_workflow",
            "One workflow by name (case does not matter): its figures as in list_workflows, and "
            "the answers it was classified from (trigger, reader, freshness), its owner (a "
            "Slack user id), provider and model.",
            _schema({"name": {"type": "string", "description": "The workflow's name."}}, ("name",)),
            _show_workflow,
        ),
        AssistantTool(
            "usage_report",
            "What the providers' own usage and cost reports say (imported with an organisation "
            "admin key): per provider the billed monthly spend and the share on batch; per "
            "linked workflow the estimated and observed monthly cost and a status (verified, "
            "not_migrated, matches, drift, no_traffic); traffic no workflow links to. The same "
            "JSON as `batchscout usage report --json`.",
            _schema(),
            _usage_report,
        ),
        AssistantTool(
            "prices",
            "A model's prices from the price catalog (provider inferred from the name, e.g. "
            "gpt-5-mini, claude-haiku-4-5): per lane (standard, batch, flex, priority where "
            "priced) the input and output price per 1M tokens and the cost of one request of "
            "input_tokens in and output_tokens out (default 1,000 and 500), in US dollars.",
            _schema(
                {
                    "model": {
                        "type": "string",
                        "description": "Model name as the provider spells it.",
                    },
                    "input_tokens": _TOKENS | {"description": "Input tokens per request."},
                    "output_tokens": _TOKENS | {"description": "Output tokens per request."},
                },
                ("model",),
            ),
            _prices,
        ),
        AssistantTool(
            "opportunities",
            "Each workflow's cheapest open action (batch: move to the batch API; flex: add the "
            "flex tier; challenge: question the latency requirement) with its owner, monthly "
            "savings, status (open, accepted, snoozed, dismissed, done, verified, not_migrated), "
            "due date and history; and the monthly savings per status. The same JSON as "
            "`batchscout opportunities --json`. Give `status` for one status only.",
            _schema(
                {
                    "status": {
                        "type": "string",
                        "enum": [str(s) for s in OpportunityStatus],
                        "description": "Only opportunities with this status.",
                    }
                }
            ),
            _opportunities,
        ),
        AssistantTool(
            "history",
            "The weekly ledger, oldest first: per ISO week the portfolio figures (monthly_spend, "
            "migrate_now, to_challenge, flex_now, realised, spend_after), verified_savings and "
            "the opportunity totals per status. The same JSON as `batchscout history --json`.",
            _schema(
                {
                    "weeks": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": MAX_WEEKS,
                        "description": f"How many weeks (default {DEFAULT_WEEKS}).",
                    }
                }
            ),
            _history,
        ),
    )
}


def register(tool: AssistantTool) -> None:
    """Add a tool to the registry (a capability that lives in its own module adds itself)."""
    TOOLS[tool.name] = tool


# -- calling ------------------------------------------------------------------------------------


def _validated(tool: AssistantTool, arguments: Mapping[str, Any] | None) -> dict[str, Any]:
    """``arguments`` checked against the tool's (flat) input schema; :class:`ToolError` names the
    first problem."""
    given = dict(arguments or {})
    properties: dict[str, Any] = tool.input_schema.get("properties", {})
    for name in given:
        if name not in properties:
            allowed = ", ".join(properties) or "none"
            raise ToolError(f"{tool.name} takes no argument “{name}” (it takes: {allowed}).")
    for name in tool.input_schema.get("required", []):
        if given.get(name) in (None, ""):
            raise ToolError(f"{tool.name} needs “{name}”.")
    for name, value in given.items():
        spec = properties[name]
        if value is None:
            continue
        if spec["type"] == "string" and not isinstance(value, str):
            raise ToolError(f"{tool.name}: “{name}” must be a string.")
        if spec["type"] == "integer":
            if isinstance(value, bool) or not isinstance(value, int):
                raise ToolError(f"{tool.name}: “{name}” must be a whole number.")
            low, high = spec.get("minimum"), spec.get("maximum")
            if (low is not None and value < low) or (high is not None and value > high):
                raise ToolError(f"{tool.name}: “{name}” must be between {low:,} and {high:,}.")
        if "enum" in spec and value not in spec["enum"]:
            raise ToolError(f"{tool.name}: “{name}” must be one of {', '.join(spec['enum'])}.")
    return {name: value for name, value in given.items() if value is not None}


def call_tool(
    *, engine: Engine, team_id: str, name: str, arguments: Mapping[str, Any] | None
) -> Any:
    """Run tool ``name`` for workspace ``team_id`` (bound by the caller, never an argument):
    its JSON document. Raises :class:`ToolError` for an unknown tool, bad arguments, or an
    unknown workflow or model."""
    tool = TOOLS.get(name)
    if tool is None:
        raise ToolError(f"There is no tool named “{name}” (tools: {', '.join(TOOLS)}).")
    checked = _validated(tool, arguments)
    with session_scope(engine) as session:
        return tool.run(session, team_id, checked)


def tool_text(document: Any) -> str:
    """A tool's document as the JSON text a tool result carries."""
    return json.dumps(document, indent=2, ensure_ascii=False)
