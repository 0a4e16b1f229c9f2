"""A scan's result as text for people, JSON, SARIF 2.1.0, GitHub annotations or an inventory.

Every writer takes a :class:`~batchscout.scan.model.ScanResult` and returns text. The JSON
fields are SPEC.md's ("Finding the AI calls in code"); the inventory is the import format
(:mod:`batchscout.audit.inventory`) and ``batchscout import`` takes it unchanged.
"""

from __future__ import annotations

import json
import math
import posixpath
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from batchscout import __version__
from batchscout.audit.inventory import MAX_DESCRIPTION, MAX_NAME
from batchscout.audit.pricing import PricingError, find_catalog_price
from batchscout.scan.advice import inventory_provider
from batchscout.scan.cadence import DAILY, HOURLY
from batchscout.scan.model import Advice, Context, Finding, ScanResult, Schedule

#: Per advice kind: the heading people read, the SARIF level and the rule's description.
RULES: dict[Advice, tuple[str, str, str]] = {
    Advice.BATCH: (
        "Move to the batch API",
        "warning",
        "A synchronous LLM call on a schedule that runs once an hour or less often: the "
        "provider's batch API runs it at about half the price, within 24 hours.",
    ),
    Advice.FLEX: (
        "Use the flex service tier",
        "warning",
        "A synchronous LLM call on a schedule that runs more often than once an hour: the "
        "batch window is too loose for it, and the catalog has a flex price for the model.",
    ),
    Advice.REVIEW: (
        "Review",
        "note",
        "An LLM call whose context is unknown (no schedule or handler reaches it), or a "
        "frequent schedule with no flex price for the model: decide whether it can wait.",
    ),
    Advice.NONE: (
        "Leave as it is",
        "note",
        "An LLM call that already uses a batch API, or sits in a request handler where a "
        "person is waiting.",
    ),
}
PLACEHOLDER_INPUT = 1000
PLACEHOLDER_OUTPUT = 500
PLACEHOLDER_COST = Decimal("0.01")


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _schedule_json(schedule: Schedule | None) -> dict[str, Any] | None:
    if schedule is None:
        return None
    runs = schedule.runs_per_month
    return {
        "source": schedule.where,
        "cron": schedule.cron,
        "runs_per_month": None if runs is None else _number(runs),
    }


def finding_json(finding: Finding) -> dict[str, Any]:
    """One finding as SPEC.md's JSON object (its fields, in its order)."""
    call = finding.call
    return {
        "path": call.path,
        "line": call.line,
        "language": call.language,
        "provider": call.provider,
        "call": call.call,
        "model": call.model,
        "streaming": call.streaming,
        "already_batch": call.already_batch,
        "context": finding.context.value,
        "schedule": _schedule_json(finding.schedule),
        "advice": finding.advice.value,
        "fingerprint": finding.fingerprint,
    }


def to_json(result: ScanResult) -> str:
    """``{"findings": [...]}``, sorted by path and line."""
    return json.dumps({"findings": [finding_json(f) for f in result.findings]}, indent=2) + "\n"


def _runs(schedule: Schedule) -> str:
    runs = schedule.runs_per_month
    if runs is None:
        return "cadence unread"
    return f"{runs:,} run{'s' if runs != 1 else ''} a month"


def _what(finding: Finding) -> str:
    call = finding.call
    model = f" ({call.model})" if call.model else ""
    return f"{call.provider} {call.call}{model}"


def message(finding: Finding) -> str:
    """One sentence on a finding: what it is, where it runs from, and what to do."""
    call = finding.call
    what = _what(finding)
    schedule = finding.schedule
    if call.already_batch:
        return f"{what}: this code already uses the provider's batch API."
    if finding.context is Context.REQUEST:
        return f"{what} in a request handler: a person is waiting, keep it synchronous."
    if schedule is None:
        return f"{what}: no schedule or request handler reaches it; review whether it can wait."
    runs = f"{schedule.where}, {schedule.cron}, {_runs(schedule)}"
    if finding.advice is Advice.BATCH:
        return f"{what} runs on a schedule ({runs}): move it to the batch API."
    if finding.advice is Advice.FLEX:
        return f"{what} runs more often than hourly ({runs}): use the flex service tier."
    return f"{what} runs on a schedule ({runs}): review it (no flex price, or cadence unread)."


def to_text(result: ScanResult) -> str:
    """For people: a summary, then the findings grouped by advice with file:line."""
    findings = result.findings
    files = len({f.call.path for f in findings})
    counts = {c: sum(1 for f in findings if f.context is c) for c in Context}
    lines = [
        f"{len(findings)} AI call{'s' if len(findings) != 1 else ''} in {files} "
        f"file{'s' if files != 1 else ''} ({result.files_read:,} files read): "
        f"{counts[Context.SCHEDULED]} scheduled, {counts[Context.REQUEST]} in request "
        f"handlers, {counts[Context.UNKNOWN]} unknown."
    ]
    for advice, (heading, _level, _description) in RULES.items():
        group = [f for f in findings if f.advice is advice]
        if not group:
            continue
        lines += ["", f"{heading} ({advice.value}): {len(group)}"]
        for finding in group:
            call = finding.call
            flags = [
                flag
                for flag, on in (
                    ("streaming", call.streaming),
                    ("already batch", call.already_batch),
                )
                if on
            ]
            extra = f" [{', '.join(flags)}]" if flags else ""
            lines.append(f"  {call.path}:{call.line}  {_what(finding)}{extra}")
            schedule = finding.schedule
            if schedule is not None:
                name = f" ({schedule.name})" if schedule.name else ""
                lines.append(
                    f"      scheduled by {schedule.where}{name}: {schedule.cron}, {_runs(schedule)}"
                )
            elif finding.context is Context.REQUEST:
                lines.append("      in a request handler")
    if result.skipped:
        lines += [
            "",
            f"Skipped {len(result.skipped)} file{'s' if len(result.skipped) != 1 else ''}:",
        ]
        lines += [f"  {s.path}: {s.reason}" for s in result.skipped]
    if any(f.context is Context.SCHEDULED for f in findings):
        lines += [
            "",
            "Register the scheduled ones: batchscout scan PATH --format yaml --output found.yaml, "
            "then batchscout import found.yaml --team T…",
        ]
    return "\n".join(lines) + "\n"


# -- SARIF -----------------------------------------------------------------------------------

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _rule_id(advice: Advice) -> str:
    return f"batchscout/{advice.value}"


def to_sarif(result: ScanResult) -> str:
    """SARIF 2.1.0 for code scanning: one rule per advice kind, a physical location and
    ``partialFingerprints`` on every result."""
    order = list(RULES)
    rules = [
        {
            "id": _rule_id(advice),
            "name": heading.title().replace(" ", ""),
            "shortDescription": {"text": f"{heading} ({advice.value})"},
            "fullDescription": {"text": description},
            "defaultConfiguration": {"level": level},
            "help": {"text": description},
        }
        for advice, (heading, level, description) in RULES.items()
    ]
    results = [
        {
            "ruleId": _rule_id(finding.advice),
            "ruleIndex": order.index(finding.advice),
            "level": RULES[finding.advice][1],
            "message": {"text": message(finding)},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {
                            "uri": quote(finding.call.path),
                            "uriBaseId": "%SRCROOT%",
                        },
                        "region": {"startLine": finding.call.line},
                    }
                }
            ],
            "partialFingerprints": {"batchscoutFingerprint/v1": finding.fingerprint},
            "properties": {
                k: v for k, v in finding_json(finding).items() if k not in {"path", "line"}
            },
        }
        for finding in result.findings
    ]
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "batchscout",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": rules,
                    }
                },
                "columnKind": "utf16CodeUnits",
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2) + "\n"


# -- GitHub annotations ----------------------------------------------------------------------


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def to_github(result: ScanResult) -> str:
    """Workflow commands: ``::warning`` for batch and flex advice, ``::notice`` otherwise."""
    lines = []
    for finding in result.findings:
        command = "warning" if finding.advice in {Advice.BATCH, Advice.FLEX} else "notice"
        properties = ",".join(
            [
                f"file={_escape_property(finding.call.path)}",
                f"line={finding.call.line}",
                f"title={_escape_property('batchscout: ' + finding.advice.value)}",
            ]
        )
        lines.append(f"::{command} {properties}::{_escape_data(message(finding))}")
    return "".join(line + "\n" for line in lines)


# -- the inventory ---------------------------------------------------------------------------


def _scalar(value: object) -> str:
    """A YAML scalar: JSON's double-quoted strings are YAML's too."""
    if isinstance(value, Decimal):
        return str(_number(value))
    if isinstance(value, int):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)


def _freshness(runs: Decimal | None) -> str:
    if runs is not None and runs >= HOURLY:
        return "hour"
    if runs is not None and runs >= DAILY:
        return "day"
    return "week"


def _names(findings: list[Finding]) -> list[str]:
    """Each workflow's name: the job's or function's, made unique with the file's name."""
    base = []
    for finding in findings:
        schedule = finding.schedule
        function = finding.call.function.rsplit(".", 1)[-1]
        own = (schedule.name if schedule and schedule.name else None) or (
            function if function != "<module>" else posixpath.basename(finding.call.path)
        )
        base.append(own)
    names: list[str] = []
    for index, (name, finding) in enumerate(zip(base, findings, strict=True)):
        if base.count(name) > 1:
            name = f"{name} ({posixpath.basename(finding.call.path)})"
            if (
                sum(
                    1
                    for n, f in zip(base, findings, strict=True)
                    if n == base[index] and f.call.path == finding.call.path
                )
                > 1
            ):
                name = f"{name[:-1]}:{finding.call.line})"
        names.append(name[:MAX_NAME])
    return names


def _priced(provider: str, model: str | None) -> str | None:
    """Why the catalog cannot price the call (a placeholder cost is written), or ``None``."""
    if model is None:
        return "the model is not a literal"
    priced = inventory_provider(provider, model)
    if priced is None:
        return f"no catalog provider for {provider} {model}"
    try:
        find_catalog_price(priced, model.split("/")[-1])
    except PricingError:
        return f"the catalog does not price {model}"
    return None


def to_yaml(result: ScanResult) -> str:
    """An inventory with one workflow per scheduled finding (SPEC.md's ``--format yaml``):
    ``batchscout import`` takes it unchanged."""
    scheduled = [f for f in result.findings if f.context is Context.SCHEDULED and f.schedule]
    out = [
        "# Workflows found by `batchscout scan`: one per scheduled LLM call.",
        "# Check the figures marked as placeholders, then: batchscout import FILE --team T…",
    ]
    if not scheduled:
        return "\n".join([*out, "# No scheduled LLM call was found.", "workflows: []"]) + "\n"
    out.append("workflows:")
    for name, finding in zip(_names(scheduled), scheduled, strict=True):
        call = finding.call
        schedule = finding.schedule
        assert schedule is not None
        description = (
            f"Found by batchscout scan: {call.path}:{call.line} ({call.provider} {call.call}), "
            f"run by {schedule.where} ({schedule.cron})."
        )[:MAX_DESCRIPTION]
        out.append(f"  - name: {_scalar(name)}")
        out.append(f"    description: {_scalar(description)}")
        provider = inventory_provider(call.provider, call.model)
        if provider is not None:
            out.append(f"    provider: {_scalar(provider.value)}")
        if call.model is not None:
            out.append(f"    model: {_scalar(call.model.split('/')[-1])}")
        runs = schedule.runs_per_month
        out.append(
            f"    requests: {_scalar(runs if runs is not None and runs > 0 else Decimal(1))}"
            "  # runs per month: counts one call per run; multiply by the calls each run makes"
            + ("" if runs is not None else " (the cadence could not be read: a placeholder)")
        )
        out.append("    per: month")
        if call.prompt_chars:
            tokens = max(1, math.ceil(call.prompt_chars / 4))
            out.append(
                f"    input_tokens: {tokens}  # the literal prompt's {call.prompt_chars} characters ÷ 4"
            )
        else:
            out.append(
                f"    input_tokens: {PLACEHOLDER_INPUT}  # placeholder: replace with the prompt's tokens"
            )
        if call.max_output:
            out.append(f"    output_tokens: {call.max_output}  # the call's max_tokens")
        else:
            out.append(
                f"    output_tokens: {PLACEHOLDER_OUTPUT}  # placeholder: replace with the answer's tokens"
            )
        unpriced = _priced(call.provider, call.model)
        if unpriced is not None:
            out.append(
                f"    cost_per_request: {PLACEHOLDER_COST}  # placeholder ({unpriced}): "
                "replace with one request's cost in dollars"
            )
        out += [
            "    trigger: schedule",
            "    reader: system",
            f"    freshness: {_freshness(runs)}",
        ]
        if call.already_batch:
            out.append("    mode: batch")
    return "\n".join(out) + "\n"


FORMATS = {
    "text": to_text,
    "json": to_json,
    "sarif": to_sarif,
    "github": to_github,
    "yaml": to_yaml,
}
