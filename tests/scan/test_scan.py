"""``batchscout scan`` on the fixture repositories: what it finds, where each call runs from,
the advice, and every output format (SPEC.md, "Finding the AI calls in code")."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest

from batchscout.audit.inventory import parse_inventory
from batchscout.scan import Advice, Context, Finding, ScanResult, scan
from batchscout.scan.cadence import runs_per_month
from batchscout.scan.commands import Target, TargetKind, command_targets
from batchscout.scan.report import to_github, to_json, to_sarif, to_text, to_yaml

FIXTURES = Path(__file__).parent / "fixtures"
SCHEMA = Path(__file__).parent / "sarif-schema-2.1.0.json"
JSON_FIELDS = [
    "path",
    "line",
    "language",
    "provider",
    "call",
    "model",
    "streaming",
    "already_batch",
    "context",
    "schedule",
    "advice",
    "fingerprint",
]


def scanned(name: str) -> ScanResult:
    return scan(FIXTURES / name)


def by_place(result: ScanResult) -> dict[tuple[str, int], Finding]:
    return {(f.call.path, f.call.line): f for f in result.findings}


def summary(finding: Finding) -> tuple[object, ...]:
    schedule = finding.schedule
    return (
        finding.context.value,
        None if schedule is None else schedule.where,
        None if schedule is None else schedule.cron,
        None if schedule is None else schedule.runs_per_month,
        finding.advice.value,
    )


# -- the "Done when" ------------------------------------------------------------------


def test_a_nightly_github_actions_job_calling_openai_is_found_with_its_schedule() -> None:
    result = scanned("nightly_openai")

    (finding,) = result.findings
    call = finding.call
    assert (call.path, call.line, call.language) == ("scripts/summarize_tickets.py", 15, "python")
    # The client and the model constant come from the repository's own module support/llm.py.
    assert (call.provider, call.call, call.model) == (
        "openai",
        "chat.completions.create",
        "gpt-4o-mini",
    )
    assert summary(finding) == (
        "scheduled",
        ".github/workflows/nightly.yml:5",
        "0 2 * * *",
        Decimal(30),
        "batch",
    )
    text = to_text(result)
    assert "Move to the batch API (batch): 1" in text
    assert "scripts/summarize_tickets.py:15  openai chat.completions.create (gpt-4o-mini)" in text
    assert (
        "scheduled by .github/workflows/nightly.yml:5 (summarize-tickets): 0 2 * * *, "
        "30 runs a month" in text
    )


# -- every SDK shape ----------------------------------------------------------------------------

SDK_SHAPES = {
    ("app/anthropic_calls.py", 9): ("anthropic", "messages.create", "claude-sonnet-4-5", False),
    ("app/anthropic_calls.py", 17): ("anthropic", "messages.stream", "claude-haiku-4-5", True),
    ("app/bedrock_calls.py", 11): (
        "bedrock",
        "invoke_model",
        "anthropic.claude-3-haiku-20240307-v1:0",
        False,
    ),
    ("app/bedrock_calls.py", 15): ("bedrock", "converse", "amazon.nova-lite-v1:0", False),
    ("app/bedrock_calls.py", 23): ("bedrock", "converse_stream", "amazon.nova-lite-v1:0", True),
    ("app/google_calls.py", 9): ("google", "models.generate_content", "gemini-2.5-flash", False),
    ("app/google_calls.py", 13): ("google", "models.embed_content", "text-embedding-004", False),
    ("app/google_calls.py", 17): (
        "google",
        "GenerativeModel.generate_content",
        "gemini-1.5-pro",
        False,
    ),
    ("app/langchain_calls.py", 10): ("langchain", "invoke", "gpt-4o-mini", False),
    ("app/langchain_calls.py", 14): ("langchain", "ainvoke", "claude-3-5-haiku-latest", False),
    ("app/langchain_calls.py", 19): ("langchain", "batch", "gpt-4o-mini", False),
    ("app/litellm_calls.py", 6): ("litellm", "completion", "gpt-4o-mini", False),
    ("app/litellm_calls.py", 10): (
        "litellm",
        "acompletion",
        "anthropic/claude-3-5-haiku-20241022",
        False,
    ),
    ("app/litellm_calls.py", 14): ("litellm", "embedding", "text-embedding-3-small", False),
    ("app/openai_calls.py", 10): ("openai", "responses.create", "gpt-4.1-mini", False),
    ("app/openai_calls.py", 15): ("openai", "embeddings.create", "text-embedding-3-small", False),
    ("app/openai_calls.py", 19): ("openai", "completions.create", "gpt-3.5-turbo-instruct", False),
    ("app/openai_calls.py", 23): ("openai", "chat.completions.create", "gpt-4o", True),
    ("app/openai_calls.py", 31): ("openai", "chat.completions.create", "gpt-4o-mini", False),
}


def test_every_python_sdk_shape_is_found_by_its_shape_not_its_name() -> None:
    result = scanned("python_sdks")

    found = {
        place: (f.call.provider, f.call.call, f.call.model, f.call.streaming)
        for place, f in by_place(result).items()
    }
    # Exactly these: ``cache.create(model=…)`` on a dict and ``s3.put_object`` are not calls.
    assert found == SDK_SHAPES
    # Nothing runs them: no schedule, no handler.
    assert {(f.context, f.advice) for f in result.findings} == {(Context.UNKNOWN, Advice.REVIEW)}


# -- every schedule source ----------------------------------------------------------------------

SCHEDULES = {
    "k8s_cronjob": {
        ("reports/llm.py", 7): (
            "scheduled",
            "deploy/cronjob.yaml:13",
            "0 6 * * 1",
            Decimal("4.29"),
            "batch",
        ),
    },
    "crontab_flex": {
        ("jobs/digest.py", 3): ("scheduled", "crontab:6", "@daily", Decimal(30), "batch"),
        # Every 15 minutes, a model with a flex price: flex. Every 10, none: review.
        ("jobs/poll_inbox.py", 6): (
            "scheduled",
            "crontab:4",
            "*/15 * * * *",
            Decimal(2880),
            "flex",
        ),
        ("jobs/triage.py", 7): ("scheduled", "crontab:5", "*/10 * * * *", Decimal(4320), "review"),
        ("jobs/weekly.py", 5): (
            "scheduled",
            "etc/cron.d/reports:1",
            "0 6 * * 1",
            Decimal("4.29"),
            "batch",
        ),
    },
    "celery_beat": {
        ("proj/legacy.py", 9): (
            "scheduled",
            "proj/legacy.py:7",
            "every 12 hours",
            Decimal(60),
            "batch",
        ),
        ("proj/tasks.py", 11): ("scheduled", "proj/celery.py:7", "0 7 * * *", Decimal(30), "batch"),
        ("proj/tasks.py", 16): (
            "scheduled",
            "proj/celery.py:11",
            "every 1 hour",
            Decimal(720),
            "batch",
        ),
        ("proj/tasks.py", 21): (
            "scheduled",
            "proj/celery.py:22",
            "30 3 * * 1",
            Decimal("4.29"),
            "batch",
        ),
        ("proj/tasks.py", 26): ("unknown", None, None, None, "review"),
    },
    "apscheduler_jobs": {
        ("jobs.py", 10): ("scheduled", "jobs.py:22", "every 6 hours", Decimal(120), "batch"),
        ("jobs.py", 14): ("scheduled", "jobs.py:23", "*/5 * * * *", Decimal(8640), "flex"),
        ("jobs.py", 19): ("scheduled", "jobs.py:17", "0 8 * * mon-fri", Decimal("21.43"), "batch"),
    },
    "airflow": {
        ("dags/weekly_taskflow.py", 11): (
            "scheduled",
            "dags/weekly_taskflow.py:7",
            "0 6 * * 1",
            Decimal("4.29"),
            "batch",
        ),
        # Reached through the DAG's python_callable, then a helper in the same module.
        ("pipelines/summaries.py", 7): (
            "scheduled",
            "dags/daily_summaries.py:8",
            "@daily",
            Decimal(30),
            "batch",
        ),
    },
    "vercel": {
        ("app/api/chat/route.ts", 7): ("request", None, None, None, "none"),
        ("app/api/cron/digest/route.ts", 9): (
            "scheduled",
            "vercel.json:4",
            "0 8 * * *",
            Decimal(30),
            "batch",
        ),
    },
    "wrangler": {
        ("src/index.ts", 11): ("request", None, None, None, "none"),  # the worker's fetch
        ("src/summarize.ts", 5): (
            "scheduled",
            "wrangler.toml:6",
            "0 */6 * * *",
            Decimal(120),
            "batch",
        ),
    },
    "serverless": {
        ("handler.py", 7): ("scheduled", "serverless.yml:12", "rate(1 day)", Decimal(30), "batch"),
        ("handler.py", 11): ("request", None, None, None, "none"),  # an httpApi event
    },
    "sam": {
        ("src/app.py", 7): (
            "scheduled",
            "template.yaml:23",
            "cron(0 3 ? * MON-FRI *)",
            Decimal("21.43"),
            "batch",
        ),
    },
    "go_cron": {
        ("internal/llm/client.go", 12): (
            "scheduled",
            "crontab:1",
            "0 5 * * *",
            Decimal(30),
            "batch",
        ),
        ("internal/web/handler.go", 12): ("request", None, None, None, "none"),
    },
    "ts_script": {  # npm run changelog → tsx scripts/changelog.ts → ../src/draft.js (draft.ts)
        ("src/draft.ts", 9): (
            "scheduled",
            ".github/workflows/weekly.yml:4",
            "0 9 * * 1",
            Decimal("4.29"),
            "batch",
        ),
    },
    "langchain_batch": {
        ("etl/enrich.py", 8): (
            "scheduled",
            ".github/workflows/enrich.yml:4",
            "30 1 * * *",
            Decimal(30),
            "batch",
        ),
    },
}


@pytest.mark.parametrize("fixture", sorted(SCHEDULES))
def test_each_schedule_source_is_traced_to_the_calls_it_runs(fixture: str) -> None:
    result = scanned(fixture)

    assert {place: summary(f) for place, f in by_place(result).items()} == SCHEDULES[fixture]
    assert not result.skipped


def test_languages_and_calls_of_go_and_typescript() -> None:
    go = by_place(scanned("go_cron"))
    ts = by_place(scanned("ts_script"))

    openai_go = go[("internal/llm/client.go", 12)].call
    assert (openai_go.language, openai_go.provider, openai_go.call, openai_go.model) == (
        "go",
        "openai",
        "Chat.Completions.New",
        "gpt-4o-mini",
    )
    assert openai_go.max_output == 400
    anthropic_go = go[("internal/web/handler.go", 12)].call
    assert (anthropic_go.provider, anthropic_go.call, anthropic_go.model) == (
        "anthropic",
        "Messages.New",
        None,  # a Go SDK constant, not a literal
    )
    draft = ts[("src/draft.ts", 9)].call
    # The model is a constant of the file; the client a class field.
    assert (draft.language, draft.provider, draft.call, draft.model) == (
        "typescript",
        "anthropic",
        "messages.create",
        "claude-sonnet-4-5",
    )


def test_langchain_batch_is_parallel_synchronous_calls_not_a_batch_api() -> None:
    (finding,) = scanned("langchain_batch").findings

    assert (finding.call.provider, finding.call.call) == ("langchain", "batch")
    assert finding.call.already_batch is False
    assert finding.advice is Advice.BATCH
    assert finding.synchronous_scheduled


def test_code_already_on_a_batch_api_is_left_alone() -> None:
    result = scanned("already_batch")

    assert {(f.call.path, f.call.already_batch, f.context, f.advice) for f in result.findings} == {
        ("jobs/openai_batch.py", True, Context.SCHEDULED, Advice.NONE),
        ("jobs/anthropic_batch.py", True, Context.SCHEDULED, Advice.NONE),
    }
    assert not any(f.synchronous_scheduled for f in result.findings)


def test_request_handlers_are_never_scheduled_even_when_a_scheduled_script_imports_them() -> None:
    result = scanned("handlers")

    contexts = {place: (f.context, f.advice) for place, f in by_place(result).items()}
    helper = contexts.pop(("web/support/helpers.py", 7))
    assert helper == (Context.SCHEDULED, Advice.BATCH)  # the nightly script calls it
    assert set(contexts) == {
        ("bolt_js/app.js", 9),
        ("express/server.js", 8),
        ("next/app/api/ask/route.ts", 7),
        ("web/bolt_app.py", 11),
        ("web/bolt_app.py", 16),
        ("web/fastapi_app.py", 12),
        ("web/fastapi_app.py", 22),  # a helper only a handler calls
        ("web/flask_app.py", 10),
        ("web/shop/views.py", 9),
        ("web/shop/views.py", 15),
    }
    assert set(contexts.values()) == {(Context.REQUEST, Advice.NONE)}


# -- fingerprints -------------------------------------------------------------------------------


def test_fingerprints_are_stable_across_runs_and_line_moves_and_change_with_the_call(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "nightly_openai", repo)
    script = repo / "scripts" / "summarize_tickets.py"
    (before,) = scan(repo).findings
    assert scan(repo).findings[0].fingerprint == before.fingerprint

    original = script.read_text()
    script.write_text(
        '"""Moved down."""\n\n\nimport os\n\n' + original.replace("        ", "        ", 1)
    )
    (moved,) = scan(repo).findings
    assert moved.call.line == before.call.line + 5
    assert moved.fingerprint == before.fingerprint

    script.write_text(original.replace("max_tokens=200", "max_tokens=300"))
    (changed,) = scan(repo).findings
    assert changed.fingerprint != before.fingerprint


# -- formats ------------------------------------------------------------------------------------


def test_json_has_the_spec_fields_sorted_by_path_and_line() -> None:
    document = json.loads(to_json(scanned("crontab_flex")))

    assert list(document) == ["findings"]
    findings = document["findings"]
    assert [list(f) for f in findings] == [JSON_FIELDS] * len(findings)
    assert [(f["path"], f["line"]) for f in findings] == sorted(
        (f["path"], f["line"]) for f in findings
    )
    poll = next(f for f in findings if f["path"] == "jobs/poll_inbox.py")
    assert poll["schedule"] == {
        "source": "crontab:4",
        "cron": "*/15 * * * *",
        "runs_per_month": 2880,
    }
    assert poll["advice"] == "flex" and poll["context"] == "scheduled"
    assert len({f["fingerprint"] for f in findings}) == len(findings)


@pytest.mark.parametrize("fixture", ["nightly_openai", "handlers", "crontab_flex", "python_sdks"])
def test_sarif_validates_against_the_sarif_2_1_0_schema(fixture: str) -> None:
    result = scanned(fixture)
    document = json.loads(to_sarif(result))

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(document)
    (run,) = document["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [
        f"batchscout/{a}" for a in ("batch", "flex", "review", "none")
    ]
    assert len(run["results"]) == len(result.findings)
    for sarif, finding in zip(run["results"], result.findings, strict=True):
        location = sarif["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == finding.call.path
        assert location["region"]["startLine"] == finding.call.line
        assert sarif["partialFingerprints"] == {"batchscoutFingerprint/v1": finding.fingerprint}
        assert rules[sarif["ruleIndex"]]["id"] == sarif["ruleId"] == f"batchscout/{finding.advice}"


def test_sarif_fails_the_schema_when_it_is_wrong() -> None:
    """The schema check can fail: a result without a message is refused."""
    document = json.loads(to_sarif(scanned("nightly_openai")))
    del document["runs"][0]["results"][0]["message"]

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(schema).validate(document)


def test_github_annotations_are_workflow_commands() -> None:
    lines = to_github(scanned("vercel")).splitlines()

    assert lines == [
        "::notice file=app/api/chat/route.ts,line=7,title=batchscout%3A none::openai "
        "chat.completions.create (gpt-4o) in a request handler: a person is waiting, keep it "
        "synchronous.",
        "::warning file=app/api/cron/digest/route.ts,line=9,title=batchscout%3A batch::openai "
        "chat.completions.create (gpt-4o-mini) runs on a schedule (vercel.json:4, 0 8 * * *, "
        "30 runs a month): move it to the batch API.",
    ]


@pytest.mark.parametrize("fixture", [*sorted(SCHEDULES), "nightly_openai", "already_batch"])
def test_the_inventory_yaml_passes_the_import_format_unchanged(fixture: str) -> None:
    result = scanned(fixture)
    text = to_yaml(result)

    specs = parse_inventory(text, "found.yaml")
    scheduled = [f for f in result.findings if f.context is Context.SCHEDULED]
    assert len(specs) == len(scheduled)
    for spec, finding in zip(specs, scheduled, strict=True):
        assert spec.trigger.value == "schedule" and spec.reader.value == "system"
        assert spec.requests == finding.schedule.runs_per_month  # type: ignore[union-attr]
        assert f"{finding.call.path}:{finding.call.line}" in spec.description


def test_the_inventory_estimates_tokens_or_marks_placeholders() -> None:
    nightly = to_yaml(scanned("nightly_openai"))
    assert "input_tokens: 12  # the literal prompt's 47 characters ÷ 4" in nightly
    assert "output_tokens: 200  # the call's max_tokens" in nightly
    assert "requests: 30  # runs per month: counts one call per run" in nightly
    assert "freshness: day" in nightly
    (spec,) = parse_inventory(nightly, "found.yaml")
    assert (spec.name, spec.provider, spec.model) == ("summarize-tickets", "openai", "gpt-4o-mini")

    apscheduler = to_yaml(scanned("apscheduler_jobs"))
    assert "input_tokens: 1000  # placeholder" in apscheduler
    assert "output_tokens: 500  # placeholder" in apscheduler
    assert "freshness: hour" in apscheduler  # every 5 minutes
    assert "freshness: week" in apscheduler  # weekdays at 08:00: fewer than 30 runs a month


def test_two_workflows_sharing_a_name_are_told_apart_by_file() -> None:
    names = [s.name for s in parse_inventory(to_yaml(scanned("already_batch")), "x.yaml")]

    assert names == ["submit (anthropic_batch.py)", "submit (openai_batch.py)"]


# -- cadence and commands -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "runs"),
    [
        ("0 2 * * *", Decimal(30)),
        ("*/5 * * * *", Decimal(8640)),
        ("0 * * * *", Decimal(720)),
        ("* * * * *", Decimal(43200)),
        ("@hourly", Decimal(720)),
        ("@weekly", Decimal("4.29")),
        ("@monthly", Decimal("0.99")),
        ("0 9 * * 1-5", Decimal("21.43")),
        ("rate(1 hour)", Decimal(720)),
        ("rate(5 minutes)", Decimal(8640)),
        ("rate(1 day)", Decimal(30)),
        ("cron(0 12 * * ? *)", Decimal(30)),  # AWS: six fields, ? for any
        ("cron(0 2 ? * MON-FRI *)", Decimal("21.43")),
        ("cron(0 8 ? * 2 *)", Decimal("4.29")),  # AWS day 2 is Monday
        ("cron(0 8 ? * 1W *)", None),  # W has no five-field translation
        ("not a cron", None),
    ],
)
def test_cadence_in_runs_per_30_day_month(expression: str, runs: Decimal | None) -> None:
    assert runs_per_month(expression) == runs


@pytest.mark.parametrize(
    ("command", "targets"),
    [
        ("python scripts/x.py --since yesterday", [Target(TargetKind.FILE, "scripts/x.py")]),
        ("python3 -u -m pkg.mod", [Target(TargetKind.MODULE, "pkg.mod")]),
        ("uv run python -m etl.enrich", [Target(TargetKind.MODULE, "etl.enrich")]),
        ("cd jobs && FOO=1 python run.py", [Target(TargetKind.FILE, "jobs/run.py")]),
        ("npx tsx scripts/a.ts", [Target(TargetKind.FILE, "scripts/a.ts")]),
        ("node dist/cron.js", [Target(TargetKind.FILE, "dist/cron.js")]),
        ("npm run digest", [Target(TargetKind.NPM_SCRIPT, "digest")]),
        ("go run ./cmd/digest", [Target(TargetKind.FILE, "cmd/digest")]),
        ("echo hello", []),
    ],
)
def test_what_a_scheduled_command_runs(command: str, targets: list[Target]) -> None:
    assert command_targets(command) == targets
