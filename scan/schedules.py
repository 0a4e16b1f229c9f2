"""Schedules written in configuration files, and what each runs.

GitHub Actions (``on: schedule`` and each step's ``run:``), Kubernetes ``CronJob``
(the containers' ``command`` and ``args``), crontab files (``crontab``, ``*.cron``,
``cron.d/*``), Vercel's ``vercel.json`` crons (the route each calls), Cloudflare's
``wrangler.toml`` triggers (the worker's ``main``, its ``scheduled`` handler), Serverless
Framework ``serverless.yml`` and AWS SAM templates (a function's schedule events and its
handler). Schedules written in Python (Celery beat, APScheduler, Airflow) are read with the
code (:mod:`batchscout.scan.python`).

YAML is read with PyYAML's safe loader. YAML 1.1 reads a bare ``on:`` key as ``True``: a
workflow's triggers are looked up under both. CloudFormation's tags (``!Ref``, ``!Sub``…)
are read as plain values.
"""

from __future__ import annotations

import json
import posixpath
import re
import shlex
import tomllib
from collections.abc import Iterator
from typing import Any

import yaml

from batchscout.scan.cadence import runs_per_month
from batchscout.scan.commands import Target, TargetKind, command_targets
from batchscout.scan.files import SourceFile
from batchscout.scan.model import Schedule

Found = tuple[Schedule, list[Target]]
_CRON_LINE = re.compile(
    r"^\s*((?:@(?:hourly|daily|midnight|weekly|monthly|yearly|annually))|(?:\S+\s+){4}\S+)\s+(.+)$"
)
_ENV_LINE = re.compile(r"^\s*[A-Za-z_][A-Za-z0-9_]*\s*=")
_HANDLER_SUFFIXES = (".py", ".js", ".mjs", ".cjs", ".ts")


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader (libyaml's when PyYAML has it: many times faster), with
    CloudFormation's short tags read as their plain value."""


def _any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    assert isinstance(node, yaml.MappingNode)
    return loader.construct_mapping(node)


_Loader.add_multi_constructor("!", _any_tag)


def _documents(text: str) -> list[Any]:
    try:
        return [d for d in yaml.load_all(text, Loader=_Loader) if d is not None]
    except yaml.YAMLError:
        return []


def _line_of(text: str, needle: str, start: int = 0) -> int:
    """The first line (1-based) at or after ``start`` that holds ``needle``, else ``start+1``."""
    lines = text.splitlines()
    for number in range(start, len(lines)):
        if needle in lines[number]:
            return number + 1
    return start + 1


def _schedule(file: SourceFile, expression: str, name: str | None, start: int = 0) -> Schedule:
    line = _line_of(file.text, expression, start)
    return Schedule(file.path, line, expression, runs_per_month(expression), name)


def config_schedules(files: list[SourceFile]) -> Iterator[Found]:
    """Every schedule written in the repository's configuration files."""
    for file in files:
        name = posixpath.basename(file.path)
        suffix = file.suffix
        if suffix in {".yml", ".yaml"}:
            if file.path.startswith(".github/workflows/") or "/.github/workflows/" in file.path:
                yield from _github(file)
                continue
            for document in _documents(file.text):
                if not isinstance(document, dict):
                    continue
                if document.get("kind") == "CronJob":
                    yield from _cronjob(file, document)
                elif "functions" in document and "provider" in document:
                    yield from _serverless(file, document)
                elif isinstance(document.get("Resources"), dict):
                    yield from _sam(file, document)
        elif name == "vercel.json":
            yield from _vercel(file)
        elif name == "wrangler.toml":
            yield from _wrangler(file)
        elif (
            name in {"crontab", "Crontab"}
            or suffix in {".cron", ".crontab"}
            or posixpath.basename(posixpath.dirname(file.path)) in {"cron.d", "crontabs"}
        ):
            yield from _crontab(file, user_field="cron.d" in file.path)


def _github(file: SourceFile) -> Iterator[Found]:
    for document in _documents(file.text):
        if not isinstance(document, dict):
            continue
        triggers = document.get("on", document.get(True))
        if not isinstance(triggers, dict) or not isinstance(triggers.get("schedule"), list):
            continue
        crons = [
            str(item["cron"])
            for item in triggers["schedule"]
            if isinstance(item, dict) and item.get("cron")
        ]
        jobs = document.get("jobs") if isinstance(document.get("jobs"), dict) else {}
        assert isinstance(jobs, dict)
        defaults = (document.get("defaults") or {}).get("run") or {}
        for job_id, job in jobs.items():
            if not isinstance(job, dict):
                continue
            targets: list[Target] = []
            job_defaults = (job.get("defaults") or {}).get("run") or {}
            for step in job.get("steps") or []:
                if isinstance(step, dict) and isinstance(step.get("run"), str):
                    where = str(
                        step.get("working-directory")
                        or job_defaults.get("working-directory")
                        or defaults.get("working-directory")
                        or ""
                    )
                    targets += command_targets(step["run"], where.removeprefix("./"))
            name = str(job.get("name") or job_id)
            for cron in crons:
                yield _schedule(file, cron, name), targets


def _cronjob(file: SourceFile, document: dict[str, Any]) -> Iterator[Found]:
    spec = document.get("spec") or {}
    expression = spec.get("schedule")
    if not isinstance(expression, str):
        return
    name = (document.get("metadata") or {}).get("name")
    pod = ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}
    containers = (pod.get("spec") or {}).get("containers") or []
    targets: list[Target] = []
    for container in containers:
        if not isinstance(container, dict):
            continue
        words = [
            str(w) for w in [*(container.get("command") or []), *(container.get("args") or [])]
        ]
        if words[:2] in (["sh", "-c"], ["/bin/sh", "-c"], ["bash", "-c"], ["/bin/bash", "-c"]):
            targets += command_targets(" ".join(words[2:]), "")
        else:
            targets += command_targets(shlex.join(words), "")
    start = _line_of(file.text, str(name)) - 1 if name else 0
    yield _schedule(file, expression, str(name) if name else None, start), targets


def _crontab(file: SourceFile, *, user_field: bool) -> Iterator[Found]:
    for number, raw in enumerate(file.text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#") or _ENV_LINE.match(line):
            continue
        match = _CRON_LINE.match(line)
        if match is None:
            continue
        expression, command = match.group(1), match.group(2)
        if user_field:
            command = command.split(None, 1)[1] if " " in command else ""
        runs = runs_per_month(expression)
        yield Schedule(file.path, number, expression, runs, None), command_targets(command)


def _vercel(file: SourceFile) -> Iterator[Found]:
    try:
        document = json.loads(file.text)
    except ValueError:
        return
    crons = document.get("crons") if isinstance(document, dict) else None
    base = posixpath.dirname(file.path)
    for item in crons if isinstance(crons, list) else []:
        if isinstance(item, dict) and item.get("path") and item.get("schedule"):
            route = str(item["path"]).split("?")[0]
            expression = str(item["schedule"])
            schedule = _schedule(file, expression, route.strip("/").replace("/", "-"))
            yield schedule, [Target(TargetKind.ROUTE, route, base)]


def _wrangler(file: SourceFile) -> Iterator[Found]:
    try:
        document = tomllib.loads(file.text)
    except tomllib.TOMLDecodeError:
        return
    triggers = document.get("triggers") or {}
    main = document.get("main")
    base = posixpath.dirname(file.path)
    name = document.get("name")
    for expression in triggers.get("crons") or []:
        targets = (
            [
                Target(
                    TargetKind.FILE,
                    posixpath.normpath(posixpath.join(base, main)),
                    function="scheduled",
                )
            ]
            if isinstance(main, str)
            else []
        )
        yield _schedule(file, str(expression), str(name) if name else None), targets


def _handler_target(base: str, handler: str, code_uri: str = "") -> list[Target]:
    """``app.lambda_handler`` (or ``src/app.handler``) as the function a Lambda runs."""
    module, _, function = handler.rpartition(".")
    if not module:
        return []
    folder = posixpath.normpath(posixpath.join(base, code_uri)) if code_uri else base
    folder = "" if folder == "." else folder
    path = posixpath.join(folder, module) if folder else module
    return [Target(TargetKind.FUNCTION, path, function=function)]


def _aws_expressions(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, dict):
        return _aws_expressions(value.get("rate") or value.get("schedule"))
    return []


def _serverless(file: SourceFile, document: dict[str, Any]) -> Iterator[Found]:
    base = posixpath.dirname(file.path)
    functions = document.get("functions")
    for name, function in (functions or {}).items() if isinstance(functions, dict) else []:
        if not isinstance(function, dict) or not isinstance(function.get("handler"), str):
            continue
        for event in function.get("events") or []:
            if isinstance(event, dict) and "schedule" in event:
                for expression in _aws_expressions(event["schedule"]):
                    start = _line_of(file.text, f"{name}:") - 1
                    yield (
                        _schedule(file, expression, str(name), start),
                        _handler_target(base, function["handler"]),
                    )


def _sam(file: SourceFile, document: dict[str, Any]) -> Iterator[Found]:
    base = posixpath.dirname(file.path)
    globals_ = (
        ((document.get("Globals") or {}).get("Function") or {})
        if isinstance(document.get("Globals"), dict)
        else {}
    )
    for name, resource in document["Resources"].items():
        if not isinstance(resource, dict):
            continue
        if resource.get("Type") not in {"AWS::Serverless::Function", "AWS::Lambda::Function"}:
            continue
        properties = resource.get("Properties") or {}
        handler = properties.get("Handler") or globals_.get("Handler")
        code_uri = properties.get("CodeUri") or globals_.get("CodeUri") or ""
        events = properties.get("Events") or {}
        for event in events.values() if isinstance(events, dict) else []:
            if not isinstance(event, dict) or event.get("Type") not in {"Schedule", "ScheduleV2"}:
                continue
            event_properties = event.get("Properties") or {}
            expression = event_properties.get("Schedule") or event_properties.get(
                "ScheduleExpression"
            )
            if isinstance(expression, str) and isinstance(handler, str):
                start = _line_of(file.text, f"{name}:") - 1
                yield (
                    _schedule(file, expression, str(name), start),
                    _handler_target(
                        base, handler, str(code_uri) if isinstance(code_uri, str) else ""
                    ),
                )


_HTTP_EVENTS = frozenset({"http", "httpApi", "alb", "websocket"})
_SAM_HTTP_EVENTS = frozenset({"Api", "HttpApi"})


def config_handlers(files: list[SourceFile]) -> Iterator[Target]:
    """Lambda functions that answer HTTP requests (Serverless ``http``/``httpApi`` events,
    SAM ``Api``/``HttpApi`` events): request handlers, whoever else calls them."""
    for file in files:
        if file.suffix not in {".yml", ".yaml"} or "/.github/" in f"/{file.path}":
            continue
        base = posixpath.dirname(file.path)
        for document in _documents(file.text):
            if not isinstance(document, dict):
                continue
            functions = document.get("functions") if "provider" in document else None
            for function in functions.values() if isinstance(functions, dict) else []:
                if not isinstance(function, dict) or not isinstance(function.get("handler"), str):
                    continue
                events = [e for e in function.get("events") or [] if isinstance(e, dict)]
                if any(_HTTP_EVENTS & set(event) for event in events):
                    yield from _handler_target(base, function["handler"])
            resources = document.get("Resources")
            for resource in resources.values() if isinstance(resources, dict) else []:
                properties = resource.get("Properties") if isinstance(resource, dict) else None
                if not isinstance(properties, dict) or not isinstance(
                    properties.get("Handler"), str
                ):
                    continue
                sam_events = properties.get("Events")
                kinds: set[object] = (
                    {e.get("Type") for e in sam_events.values() if isinstance(e, dict)}
                    if isinstance(sam_events, dict)
                    else set()
                )
                if kinds & _SAM_HTTP_EVENTS:
                    code_uri = properties.get("CodeUri")
                    yield from _handler_target(
                        base, properties["Handler"], code_uri if isinstance(code_uri, str) else ""
                    )


def package_scripts(files: dict[str, SourceFile]) -> dict[str, dict[str, str]]:
    """Each folder's ``package.json`` scripts (``npm run NAME`` → its command)."""
    found: dict[str, dict[str, str]] = {}
    for path, file in files.items():
        if posixpath.basename(path) != "package.json":
            continue
        try:
            document = json.loads(file.text)
        except ValueError:
            continue
        scripts = document.get("scripts") if isinstance(document, dict) else None
        if isinstance(scripts, dict):
            found[posixpath.dirname(path)] = {str(k): str(v) for k, v in scripts.items()}
    return found
