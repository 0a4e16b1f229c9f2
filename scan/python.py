"""Python sources read with :mod:`ast` (never imported, never run).

Two passes over the repository's modules. The first records what each module binds at its
top level (clients, string constants, functions that return a client); the second finds the
calls, following imports, aliases and client objects within a file and into the repository's
own modules, and records what each function refers to (for "reached"), which functions are
web or chat handlers, Celery tasks, and the schedules written in Python (Celery beat,
``periodic_task``, APScheduler, Airflow).
"""

from __future__ import annotations

import ast
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal

from batchscout.scan.cadence import interval_text, per_interval, runs_per_month
from batchscout.scan.commands import Target, TargetKind, command_targets
from batchscout.scan.model import Call, Schedule
from batchscout.scan.sdks import (
    BATCH_NAMES,
    BOTO3_SERVICES,
    CLIENT_WRAPPERS,
    KINDS,
    LANGCHAIN_MODELS,
    LANGCHAIN_WRAPPERS,
    METHOD_NAMES,
    PY_CONSTRUCTORS,
    PY_MODULES,
    RESPONSE_WRAPPERS,
)

MODULE = "<module>"
_HTTP_VERBS = frozenset(
    {"get", "post", "put", "delete", "patch", "route", "api_route", "websocket", "head", "options"}
)
_BOLT_LISTENERS = frozenset(
    {"event", "message", "action", "view", "shortcut", "options", "command", "function"}
)
_MAX_OUTPUT_KEYS = frozenset(
    {"max_tokens", "max_output_tokens", "max_completion_tokens", "maxTokens"}
)
_PROMPT_KEYWORDS = frozenset({"messages", "input", "prompt", "contents", "system", "body"})


@dataclass(frozen=True, slots=True)
class Binding:
    """What a name holds: an SDK object of ``kind``, made with ``model`` when it was given."""

    kind: str
    model: str | None = None


@dataclass
class PyModule:
    """One Python file's facts for the repository-wide steps."""

    path: str
    name: str
    tree: ast.Module
    imports: dict[str, str] = field(default_factory=dict)
    bindings: dict[str, Binding] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    factories: dict[str, Binding] = field(default_factory=dict)
    functions: set[str] = field(default_factory=lambda: {MODULE})
    defined: set[str] = field(default_factory=set)
    classes: dict[str, list[str]] = field(default_factory=dict)
    refs: dict[str, set[str]] = field(default_factory=dict)
    handlers: set[str] = field(default_factory=set)
    commands: set[str] = field(default_factory=set)
    tasks: dict[str, str] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    schedules: list[tuple[Schedule, list[Target]]] = field(default_factory=list)
    uses_batch: bool = False
    slack_bolt: bool = False


def module_name(path: str) -> str:
    """The dotted module name of a repository path (``src/`` layouts give both names)."""
    parts = path.removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def parse(path: str, text: str) -> PyModule:
    """The first pass over one file: imports and top-level bindings. Raises
    :class:`SyntaxError` (or :class:`ValueError` for a NUL byte) when it is not Python."""
    tree = ast.parse(text, filename=path)
    module = PyModule(path, module_name(path), tree)
    for statement in _top_statements(tree.body):
        if isinstance(statement, ast.Import | ast.ImportFrom):
            add_import(module, statement)
    module.slack_bolt = any(v.startswith("slack_bolt") for v in module.imports.values())
    for statement in tree.body:
        _top_level(module, statement)
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            module.defined.add(statement.name)
    return module


def _top_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """A module's top-level statements, and those inside its top-level ``if``, ``try`` and
    ``with`` blocks (``if TYPE_CHECKING:``, ``try: import …``); functions' own imports are
    added as the second pass meets them."""
    for statement in body:
        yield statement
        if isinstance(statement, ast.If | ast.With):
            yield from _top_statements(statement.body)
            if isinstance(statement, ast.If):
                yield from _top_statements(statement.orelse)
        elif isinstance(statement, ast.Try):
            for block in (statement.body, statement.orelse, statement.finalbody):
                yield from _top_statements(block)
            for handler in statement.handlers:
                yield from _top_statements(handler.body)


def add_import(module: PyModule, node: ast.Import | ast.ImportFrom) -> None:
    """Record what an import statement binds: local name → qualified dotted name."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                module.imports[alias.asname] = alias.name
            else:
                head = alias.name.split(".")[0]
                module.imports[head] = head
        return
    base = node.module or ""
    if node.level:
        package = module.name.split(".")
        if not module.path.endswith("__init__.py"):
            package = package[:-1]
        anchor = package[: len(package) - (node.level - 1)] if node.level > 1 else package
        base = ".".join([*anchor, *([base] if base else [])])
    for alias in node.names:
        module.imports[alias.asname or alias.name] = f"{base}.{alias.name}".lstrip(".")


def _top_level(module: PyModule, statement: ast.stmt) -> None:
    if isinstance(statement, ast.Assign | ast.AnnAssign):
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        value = statement.value
        for target in targets:
            if isinstance(target, ast.Name) and value is not None:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    module.constants[target.id] = value.value
                else:
                    binding = _ctor_binding(module, value, {}, None)
                    if binding is not None:
                        module.bindings[target.id] = binding
    elif isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
        # A factory returns the client it makes (``def get_client(): return OpenAI()``):
        # its own top-level returns are enough, and cheaper than walking the whole body.
        for node in statement.body:
            if isinstance(node, ast.Return) and node.value is not None:
                binding = _ctor_binding(module, node.value, {}, None)
                if binding is not None:
                    module.factories[statement.name] = binding
                    break


class Repository:
    """Every module by dotted name, for following imports into the repository's own code."""

    def __init__(self, modules: list[PyModule]) -> None:
        self.by_name: dict[str, PyModule] = {}
        packages = {m.path.rsplit("/", 1)[0] for m in modules if m.path.endswith("/__init__.py")}
        for module in modules:
            self.by_name.setdefault(module.name, module)
        for module in modules:
            # Also by the name Python imports it under: from the folder above its top package
            # (``backend/proj/tasks.py`` is ``proj.tasks``; ``scripts/x.py`` is ``x``).
            parts = module.path.removesuffix(".py").split("/")
            folders = parts[:-1]
            while folders and "/".join(folders) in packages:
                folders = folders[:-1]
            rooted = parts[len(folders) :]
            if rooted[-1] == "__init__":
                rooted = rooted[:-1]
            if rooted:
                self.by_name.setdefault(".".join(rooted), module)

    def symbol(self, dotted: str) -> tuple[PyModule, str] | None:
        """The repository module and the name in it that ``dotted`` refers to, if any."""
        module, _, name = dotted.rpartition(".")
        found = self.by_name.get(module)
        return (found, name) if found is not None and name else None

    def binding(self, dotted: str, depth: int = 0) -> Binding | None:
        """A client bound at the top of a repository module (``app.clients.openai_client``),
        following re-exports."""
        found = self.symbol(dotted)
        if found is None or depth > 5:
            return None
        module, name = found
        if name in module.bindings:
            return module.bindings[name]
        if name in module.imports:
            return self.binding(module.imports[name], depth + 1)
        return None

    def factory(self, dotted: str) -> Binding | None:
        found = self.symbol(dotted)
        return None if found is None else found[0].factories.get(found[1])

    def constant(self, dotted: str) -> str | None:
        found = self.symbol(dotted)
        return None if found is None else found[0].constants.get(found[1])


def _dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for a chain of names and attributes, else ``None``."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _qualify(module: PyModule, dotted: str) -> str:
    """A dotted name with its first part replaced by what it was imported as."""
    head, _, rest = dotted.partition(".")
    imported = module.imports.get(head)
    if imported is None:
        return dotted
    return f"{imported}.{rest}" if rest else imported


def _string(module: PyModule, repo: Repository | None, node: ast.expr | None) -> str | None:
    """A literal string, or a constant's value (in this module or imported from the repo)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in module.constants:
            return module.constants[node.id]
        if repo is not None and node.id in module.imports:
            return repo.constant(module.imports[node.id])
    if isinstance(node, ast.Attribute) and repo is not None:
        dotted = _dotted(node)
        if dotted:
            return repo.constant(_qualify(module, dotted))
    return None


def _keyword(call: ast.Call, *names: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg in names:
            return keyword.value
    return None


def _ctor_binding(
    module: PyModule, node: ast.expr, local: dict[str, Binding], repo: Repository | None
) -> Binding | None:
    """The SDK object an expression makes, if it makes one."""
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    dotted = _dotted(func)
    qualified = _qualify(module, dotted) if dotted else None
    if qualified is not None:
        kind = PY_CONSTRUCTORS.get(qualified)
        last = qualified.rsplit(".", 1)[-1]
        if kind is None and last in LANGCHAIN_MODELS and qualified.startswith("langchain"):
            kind = "langchain"
        if kind is None and last == "init_chat_model" and qualified.startswith("langchain"):
            kind = "langchain"
        if kind is not None:
            model = _string(module, repo, _keyword(node, "model", "model_name", "model_id"))
            if model is None and node.args:
                model = _string(module, repo, node.args[0])
            return Binding(kind, model)
        if last == "client" and (qualified.startswith("boto3") or "session" in qualified.lower()):
            service = _string(module, repo, node.args[0] if node.args else None) or _string(
                module, repo, _keyword(node, "service_name")
            )
            if service in BOTO3_SERVICES:
                return Binding(BOTO3_SERVICES[service])
        if repo is not None:
            if dotted and dotted in module.factories:
                return module.factories[dotted]
            factory = repo.factory(qualified)
            if factory is not None:
                return factory
    if isinstance(func, ast.Attribute) and func.attr in LANGCHAIN_WRAPPERS | CLIENT_WRAPPERS:
        inner = _expr_binding(module, func.value, local, repo)
        if inner is not None and (inner.kind == "langchain" or func.attr in CLIENT_WRAPPERS):
            return inner
    return None


def _expr_binding(
    module: PyModule, node: ast.expr, local: dict[str, Binding], repo: Repository | None
) -> Binding | None:
    """What an expression holds: a client named locally, at the top, in an import, or made
    on the spot."""
    if isinstance(node, ast.Call):
        return _ctor_binding(module, node, local, repo)
    dotted = _dotted(node)
    return None if dotted is None else _dotted_binding(module, dotted, local, repo)


def _dotted_binding(
    module: PyModule, dotted: str, local: dict[str, Binding], repo: Repository | None
) -> Binding | None:
    """What a dotted name holds (see :func:`_expr_binding`)."""
    if dotted in local:
        return local[dotted]
    if dotted in module.bindings:
        return module.bindings[dotted]
    qualified = _qualify(module, dotted)
    if qualified in PY_MODULES:
        return Binding(PY_MODULES[qualified])
    if repo is not None and qualified != dotted:
        return repo.binding(qualified)
    return None


class _Scope:
    """A function being read: its qualified name and its local client bindings."""

    def __init__(self, name: str, local: dict[str, Binding], cls: str | None) -> None:
        self.name = name
        self.local = local
        self.cls = cls


class _Reader(ast.NodeVisitor):
    """The second pass: calls, references, handlers, tasks and Python-written schedules."""

    def __init__(self, module: PyModule, repo: Repository) -> None:
        self.module = module
        self.repo = repo
        self.scopes: list[_Scope] = [_Scope(MODULE, {}, None)]
        self.class_bindings: dict[str, dict[str, Binding]] = {}
        self.class_stack: list[str] = []
        self.dag_schedules: list[tuple[Schedule, int]] = []
        self.callables: set[str] = set()
        self.airflow_tasks: set[str] = set()

    # -- scopes -----------------------------------------------------------------------------

    @property
    def scope(self) -> _Scope:
        return self.scopes[-1]

    def _qualname(self, name: str) -> str:
        outer = self.scope.name
        return name if outer == MODULE else f"{outer}.{name}"

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        name = self._qualname(node.name)
        self.module.classes[name] = [
            item.name
            for item in node.body
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
        ]
        bases = {(_dotted(b) or "").rsplit(".", 1)[-1] for b in node.bases}
        django_view = any(b.endswith(("View", "ViewSet")) for b in bases)
        self.class_bindings[name] = {}
        self.scopes.append(_Scope(name, dict(self.scope.local), name))
        # __init__ first: the clients it stores on self are known to every other method.
        body = sorted(node.body, key=lambda item: getattr(item, "name", "") != "__init__")
        for item in body:
            if django_view and isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                self.module.handlers.add(f"{name}.{item.name}")
            self.visit(item)
        self.scopes.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        name = self._qualname(node.name)
        self.module.functions.add(name)
        self._decorators(node, name)
        local = dict(self.scope.local)
        cls = self.scope.cls
        if cls is not None:
            local.update(self.class_bindings.get(cls, {}))
        for argument in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]:
            binding = _annotation_binding(self.module, argument.annotation)
            if binding is not None:  # def summarize(client: OpenAI, …)
                local[argument.arg] = binding
        # Decorators and defaults run where the function is defined, not inside it.
        for decorator in node.decorator_list:
            self.visit(decorator)
        for default in [*node.args.defaults, *node.args.kw_defaults]:
            if default is not None:
                self.visit(default)
        self.scopes.append(_Scope(name, local, cls))
        for statement in node.body:
            self.visit(statement)
        self.scopes.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    # -- what functions are ------------------------------------------------------------------

    def _decorators(self, node: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> None:
        module = self.module
        is_view_module = module.path.endswith("views.py") or "/views/" in module.path
        first = node.args.args[0].arg if node.args.args else None
        if is_view_module and first == "request" and self.scope.cls is None:
            module.handlers.add(name)  # a Django function view
        for decorator in node.decorator_list:
            call = decorator if isinstance(decorator, ast.Call) else None
            func = call.func if call is not None else decorator
            dotted = _dotted(func) or ""
            last = dotted.rsplit(".", 1)[-1]
            qualified = _qualify(module, dotted)
            first_arg = _string(module, self.repo, call.args[0]) if call and call.args else None
            if last in _HTTP_VERBS and "." in dotted and (first_arg or "").startswith("/"):
                module.handlers.add(name)
            elif last == "command" and (first_arg or "").startswith("/"):
                module.handlers.add(name)  # a Bolt slash command
            elif last in _BOLT_LISTENERS and "." in dotted and module.slack_bolt:
                module.handlers.add(name)
            elif last == "command" or qualified in {"click.command", "click.group"}:
                module.commands.add(name)  # a Typer or Click command: runs with its module
            if last == "task" and qualified.startswith("airflow"):
                self.airflow_tasks.add(name)  # @task in a DAG: runs on the DAG's schedule
            elif last == "shared_task" or (last == "task" and "." in dotted):
                # A Celery task (@app.task, @shared_task): beat schedules it by its name.
                task_name = _string(module, self.repo, call and _keyword(call, "name"))
                module.tasks[task_name or f"{module.name}.{node.name}"] = name
            if call is not None and last == "periodic_task":
                self._celery_schedule(
                    call, _keyword(call, "run_every"), [f"{module.name}.{name}"], node.name
                )
            if call is not None and last == "scheduled_job":
                trigger = call.args[0] if call.args else None
                self._apscheduler(call, trigger, [f"{module.name}.{name}"], node.name)
            if call is not None and last == "dag" and self._airflow():
                self._dag(call, node.name)

    def _airflow(self) -> bool:
        return any(v.startswith("airflow") for v in self.module.imports.values())

    # -- calls and references -----------------------------------------------------------------

    def visit_Import(self, node: ast.Import) -> None:
        add_import(self.module, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        add_import(self.module, node)

    def visit_Assign(self, node: ast.Assign) -> None:
        binding = _expr_binding(self.module, node.value, self.scope.local, self.repo)
        for target in node.targets:
            dotted = _dotted(target)
            if not dotted:
                continue
            if binding is not None:
                self.scope.local[dotted] = binding
                if dotted.startswith("self.") and self.scope.cls is not None:
                    self.class_bindings.setdefault(self.scope.cls, {})[dotted] = binding
            if dotted.rsplit(".", 1)[-1] == "beat_schedule":
                self.beat_schedule(node.value)
        self.generic_visit(node)

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            expr = item.context_expr
            if isinstance(expr, ast.Call) and (_dotted(expr.func) or "").endswith("DAG"):
                self._dag(expr, None)
        self.generic_visit(node)

    visit_AsyncWith = visit_With

    def visit_Name(self, node: ast.Name) -> None:
        self._refs(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if _dotted(node) is None:
            self.generic_visit(node)  # ``f(x).attr``: what is inside is read on its own
        else:
            self._refs(node)  # a plain ``a.b.c`` chain holds nothing else to read

    def _refs(self, node: ast.expr) -> None:
        dotted = _dotted(node)
        if dotted is None:
            return
        if not BATCH_NAMES.isdisjoint(dotted.split(".")):
            self.module.uses_batch = True
        head = dotted.split(".")[0]
        if head == "self" and self.scope.cls and dotted.count(".") == 1:
            ref = f"{self.module.name}.{self.scope.cls}.{dotted.split('.')[1]}"
        elif head in self.module.imports:
            ref = _qualify(self.module, dotted)
        elif head in self.module.defined:
            ref = f"{self.module.name}.{dotted}"
        else:
            return  # a local variable, a builtin: nothing of the repository's
        self.module.refs.setdefault(self.scope.name, set()).add(ref)

    def visit_Call(self, node: ast.Call) -> None:
        self._sdk_call(node)
        self._schedule_call(node)
        func = node.func
        if isinstance(func, ast.Attribute):
            dotted = _dotted(func) or ""
            if dotted.endswith(("conf.update", "config_from_object")):
                value = _keyword(node, "beat_schedule")
                if value is not None:
                    self.beat_schedule(value)
            head = dotted.split(".")[0]
            if head and head not in self.module.imports and head not in self.module.defined:
                # obj.method(): any method of that name in this module's or its imports' classes
                refs = self.module.refs.setdefault(self.scope.name, set())
                refs.add(f"*.{func.attr}")
        self.generic_visit(node)

    def _sdk_call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name):
            qualified = _qualify(self.module, func.id)
            module_name, _, function = qualified.rpartition(".")
            kind_name = PY_MODULES.get(module_name)
            if kind_name is not None:
                self._match(node, Binding(kind_name), [function])
            return
        if not isinstance(func, ast.Attribute) or func.attr not in METHOD_NAMES:
            return  # the cheap test first: most calls are no SDK method at all
        attrs: list[str] = []
        base: ast.expr = func
        while isinstance(base, ast.Attribute):
            attrs.append(base.attr)
            base = base.value
        attrs.reverse()
        if isinstance(base, ast.Call):  # OpenAI().chat.completions.create(…)
            binding = _ctor_binding(self.module, base, self.scope.local, self.repo)
            if binding is not None:
                self._match(node, binding, attrs)
            return
        if not isinstance(base, ast.Name):
            return
        # ``client.with_raw_response.chat.completions.create``: the same call, another return.
        names = [base.id, *(a for a in attrs if a not in RESPONSE_WRAPPERS)]
        # Each prefix of the chain as the object: ``self.client`` + ``messages.create``.
        for split in range(len(names) - 1, 0, -1):
            binding = _dotted_binding(
                self.module, ".".join(names[:split]), self.scope.local, self.repo
            )
            if binding is not None:
                self._match(node, binding, names[split:])
                return

    def _match(self, node: ast.Call, binding: Binding, suffix: list[str]) -> None:
        kind = KINDS.get(binding.kind)
        path = ".".join(suffix)
        if kind is None or not path:
            return
        if path in kind.batch:
            self.module.uses_batch = True
            return
        if path not in kind.calls:
            return
        model = _string(self.module, self.repo, _keyword(node, *kind.model_keywords))
        if model is None and binding.kind == "litellm" and node.args:
            model = _string(self.module, self.repo, node.args[0])
        stream = _keyword(node, "stream")
        streaming = path in kind.streaming or (
            isinstance(stream, ast.Constant) and stream.value is True
        )
        self.module.calls.append(
            Call(
                path=self.module.path,
                line=node.lineno,
                language="python",
                provider=kind.provider,
                call=kind.label + path,
                model=model or binding.model,
                streaming=streaming,
                already_batch=False,  # set once the whole module is read
                function=self.scope.name,
                text=ast.unparse(node),
                prompt_chars=_prompt_chars(node),
                max_output=_max_output(node),
            )
        )

    # -- schedules written in Python ----------------------------------------------------------

    def _schedule(self, line: int, cron: str, runs: object, name: str | None) -> Schedule:
        return Schedule(
            self.module.path, line, cron, runs if isinstance(runs, Decimal) else None, name
        )

    def _schedule_call(self, node: ast.Call) -> None:
        dotted = _dotted(node.func) or ""
        last = dotted.rsplit(".", 1)[-1]
        if last == "add_job" and node.args:
            trigger = node.args[1] if len(node.args) > 1 else _keyword(node, "trigger")
            func = node.args[0]
            targets = self._function_refs(func)
            job_id = _string(self.module, self.repo, _keyword(node, "id", "name"))
            self._apscheduler(node, trigger, targets, job_id or _ref_name(func))
        elif last == "add_periodic_task" and len(node.args) >= 2:
            signature = node.args[1]
            while isinstance(signature, ast.Call):
                signature = signature.func
            if isinstance(signature, ast.Attribute) and signature.attr in {"s", "si", "signature"}:
                signature = signature.value
            name = _string(self.module, self.repo, _keyword(node, "name"))
            self._celery_schedule(
                node, node.args[0], self._function_refs(signature), name or _ref_name(signature)
            )
        elif last == "PythonOperator" or (
            last.endswith("Operator") and _keyword(node, "python_callable")
        ):
            callable_ = _keyword(node, "python_callable")
            if callable_ is not None:
                self.callables.update(self._function_refs(callable_))
        if last == "BashOperator":
            command = _string(self.module, self.repo, _keyword(node, "bash_command"))
            if command:
                self.callables.add(f"cmd:{command}")

    def beat_schedule(self, node: ast.expr) -> None:
        """``beat_schedule = {"name": {"task": "pkg.tasks.x", "schedule": crontab(…)}}``."""
        if not isinstance(node, ast.Dict):
            return
        for key, value in zip(node.keys, node.values, strict=True):
            if not isinstance(value, ast.Dict):
                continue
            entry = {
                _string(self.module, self.repo, k): v
                for k, v in zip(value.keys, value.values, strict=True)
                if k is not None
            }
            task = _string(self.module, self.repo, entry.get("task"))
            if task is None:
                continue
            schedule = self._celery_cadence(entry.get("schedule"))
            if schedule is None:
                continue
            cron, runs = schedule
            name = _string(self.module, self.repo, key) if key is not None else None
            self.module.schedules.append(
                (
                    self._schedule(value.lineno, cron, runs, name or task),
                    [Target(TargetKind.TASK, task)],
                )
            )

    def _celery_cadence(self, node: ast.expr | None) -> tuple[str, object] | None:
        if node is None:
            return None
        seconds = _seconds(node)
        if seconds is not None:
            return interval_text(seconds), per_interval(seconds)
        if isinstance(node, ast.Call):
            last = (_dotted(node.func) or "").rsplit(".", 1)[-1]
            if last == "crontab":
                fields = {k.arg: _cron_field(k.value) for k in node.keywords if k.arg is not None}
                positional = ["minute", "hour", "day_of_week", "day_of_month", "month_of_year"]
                for index, arg in enumerate(node.args[:5]):
                    fields[positional[index]] = _cron_field(arg)
                line = " ".join(
                    fields.get(f) or "*"
                    for f in ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")
                )
                return line, runs_per_month(line)
            if last == "schedule":
                every = _keyword(node, "run_every") or (node.args[0] if node.args else None)
                return self._celery_cadence(every)
        return None

    def _celery_schedule(
        self, node: ast.Call, cadence: ast.expr | None, targets: list[str], name: str | None
    ) -> None:
        found = self._celery_cadence(cadence)
        if found is not None and targets:
            cron, runs = found
            self.module.schedules.append(
                (
                    self._schedule(node.lineno, cron, runs, name),
                    [Target(TargetKind.FUNCTION, t) for t in targets],
                )
            )

    def _apscheduler(
        self, node: ast.Call, trigger: ast.expr | None, targets: list[str], name: str | None
    ) -> None:
        trigger_name = _string(self.module, self.repo, trigger)
        cron: str | None = None
        runs: object = None
        if trigger_name == "cron":
            cron = _apscheduler_cron(node.keywords)
        elif trigger_name == "interval":
            seconds = _interval_seconds(node.keywords)
            if seconds:
                cron, runs = interval_text(seconds), per_interval(seconds)
        elif isinstance(trigger, ast.Call):
            last = (_dotted(trigger.func) or "").rsplit(".", 1)[-1]
            if last == "from_crontab" and trigger.args:
                cron = _string(self.module, self.repo, trigger.args[0])
            elif last == "CronTrigger":
                cron = _apscheduler_cron(trigger.keywords)
            elif last == "IntervalTrigger":
                seconds = _interval_seconds(trigger.keywords)
                if seconds:
                    cron, runs = interval_text(seconds), per_interval(seconds)
        if cron is None or not targets:
            return
        if runs is None:
            runs = runs_per_month(cron)
        self.module.schedules.append(
            (
                self._schedule(node.lineno, cron, runs, name),
                [Target(TargetKind.FUNCTION, t) for t in targets],
            )
        )

    def _dag(self, call: ast.Call, function: str | None) -> None:
        value = _keyword(call, "schedule", "schedule_interval")
        dag_id = _string(self.module, self.repo, _keyword(call, "dag_id")) or (
            _string(self.module, self.repo, call.args[0]) if call.args else None
        )
        cron = _string(self.module, self.repo, value)
        runs: object = None
        if cron is not None:
            runs = runs_per_month(cron)
        else:
            seconds = _seconds(value) if value is not None else None
            if seconds is None:
                return
            cron, runs = interval_text(seconds), per_interval(seconds)
        self.dag_schedules.append(
            (self._schedule(call.lineno, cron, runs, dag_id or function), call.lineno)
        )

    def _function_refs(self, node: ast.expr) -> list[str]:
        """A callable passed to a scheduler, as ``module.function`` names."""
        text = _string(self.module, self.repo, node)
        if text is not None:  # APScheduler's "pkg.mod:func" text reference
            return [text.replace(":", ".")]
        dotted = _dotted(node)
        if dotted is None:
            return []
        head = dotted.split(".")[0]
        if head in self.module.imports:
            return [_qualify(self.module, dotted)]
        return [f"{self.module.name}.{dotted}"]

    def finish(self) -> None:
        for schedule, _line in self.dag_schedules:
            targets = [
                Target(TargetKind.FUNCTION, f"{self.module.name}.{t}") for t in self.airflow_tasks
            ]
            for callable_ in sorted(self.callables):
                if callable_.startswith("cmd:"):
                    targets += command_targets(callable_[4:])
                else:
                    targets.append(Target(TargetKind.FUNCTION, callable_))
            if targets:
                self.module.schedules.append((schedule, targets))


def _annotation_binding(module: PyModule, annotation: ast.expr | None) -> Binding | None:
    """The SDK object a parameter's annotation names (``client: OpenAI``, ``"Anthropic"``)."""
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        dotted: str | None = annotation.value
    else:
        dotted = _dotted(annotation) if annotation is not None else None
    if dotted is None:
        return None
    kind = PY_CONSTRUCTORS.get(_qualify(module, dotted))
    return None if kind is None else Binding(kind)


def _ref_name(node: ast.expr) -> str | None:
    dotted = _dotted(node)
    return dotted.rsplit(".", 1)[-1] if dotted else None


def _number(node: ast.expr | None) -> float | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float | bool):
        return None if isinstance(node.value, bool) else float(node.value)
    return None


def _seconds(node: ast.expr) -> float | None:
    """A number of seconds, or ``timedelta(hours=1)``, as seconds."""
    number = _number(node)
    if number is not None:
        return number
    if isinstance(node, ast.Call) and (_dotted(node.func) or "").endswith("timedelta"):
        return _interval_seconds(node.keywords, node.args)
    return None


_UNITS = {"weeks": 604800, "days": 86400, "hours": 3600, "minutes": 60, "seconds": 1}


def _interval_seconds(keywords: list[ast.keyword], args: list[ast.expr] | None = None) -> float:
    total = 0.0
    for keyword in keywords:
        number = _number(keyword.value)
        if keyword.arg in _UNITS and number is not None:
            total += number * _UNITS[keyword.arg]
    if args:  # timedelta(days, seconds)
        for number, unit in zip((_number(a) for a in args), (86400, 1), strict=False):
            total += (number or 0) * unit
    return total


def _cron_field(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str | int):
        return str(node.value)
    return None


_APS_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _apscheduler_cron(keywords: list[ast.keyword]) -> str:
    """APScheduler's cron keywords as a five-field line (its day_of_week 0 is Monday)."""
    fields = {k.arg: _cron_field(k.value) for k in keywords if k.arg is not None}
    weekday = fields.get("day_of_week")
    if weekday is not None:
        weekday = re.sub(r"\d+", lambda m: _APS_DAYS[int(m.group(0)) % 7], weekday)
    minute = fields.get("minute")
    hour = fields.get("hour")
    if minute is None:  # APScheduler: fields below the largest given default to their minimum
        minute = "0" if any(fields.get(f) for f in ("hour", "day", "day_of_week", "month")) else "*"
    if hour is None:
        hour = "0" if any(fields.get(f) for f in ("day", "day_of_week", "month")) else "*"
    return (
        f"{minute} {hour} {fields.get('day') or '*'} {fields.get('month') or '*'} {weekday or '*'}"
    )


def _prompt_chars(call: ast.Call) -> int | None:
    total = 0
    for keyword in call.keywords:
        if keyword.arg in _PROMPT_KEYWORDS:
            total += sum(len(s) for s in _prompt_strings(keyword.value))
    return total or None


def _prompt_strings(node: ast.expr) -> Iterator[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.List | ast.Tuple):
        for item in node.elts:
            yield from _prompt_strings(item)
    elif isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values, strict=True):
            if isinstance(key, ast.Constant) and key.value in {"content", "text", "system"}:
                yield from _prompt_strings(value)


def _max_output(call: ast.Call) -> int | None:
    for node in ast.walk(call):
        pairs: list[tuple[str | None, ast.expr]] = []
        if isinstance(node, ast.Call):
            pairs = [(k.arg, k.value) for k in node.keywords]
        elif isinstance(node, ast.Dict):
            pairs = [
                (k.value if isinstance(k, ast.Constant) and isinstance(k.value, str) else None, v)
                for k, v in zip(node.keys, node.values, strict=True)
            ]
        for key, value in pairs:
            if (
                key in _MAX_OUTPUT_KEYS
                and isinstance(value, ast.Constant)
                and type(value.value) is int
            ):
                return value.value
    return None


def read(module: PyModule, repo: Repository) -> None:
    """The second pass over one module (see the module's docstring); fills ``module``."""
    reader = _Reader(module, repo)
    reader.visit(module.tree)
    reader.finish()
    if module.uses_batch:
        module.calls = [_with_batch(call) for call in module.calls]


def _with_batch(call: Call) -> Call:
    return replace(call, already_batch=True)


def digest(*parts: str) -> str:
    """A short stable hash of text parts (fingerprints)."""
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()[:32]
