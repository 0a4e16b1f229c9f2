"""The scan: read the files, find the calls and the schedules, connect them, advise.

"Reached" follows the repository's own code. A node is a function of a Python module
(``<module>`` for its top level) or a whole TypeScript, JavaScript or Go file. Edges: a
function to what it calls or names (its own module's functions, what it imports from the
repository, ``self.method``, and for ``obj.method()`` the methods of that name in its own and
its imported modules' classes), a module to the modules it imports (importing runs them), a
file to the files it imports. A schedule's entry nodes are what it runs; every node reached
from them is scheduled, with the most frequent schedule reaching it.
"""

from __future__ import annotations

import gc
import posixpath
from collections import Counter, deque
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

from batchscout.scan import python, structural
from batchscout.scan.advice import advise
from batchscout.scan.commands import Target, TargetKind, command_targets
from batchscout.scan.files import SourceFile, source_files
from batchscout.scan.model import Call, Context, Finding, ScanResult, Schedule, Skipped
from batchscout.scan.schedules import config_handlers, config_schedules, package_scripts

Node = tuple[str, str]
MODULE = python.MODULE
_SCRIPT_SUFFIXES = (".py", ".ts", ".js", ".mjs", ".cjs", ".tsx", ".jsx", ".mts", ".go")


class _Graph:
    def __init__(self) -> None:
        self.edges: dict[Node, set[Node]] = {}

    def add(self, source: Node, target: Node) -> None:
        if source != target:
            self.edges.setdefault(source, set()).add(target)

    def reach(self, starts: Iterable[Node]) -> set[Node]:
        seen = set(starts)
        queue = deque(seen)
        while queue:
            for target in self.edges.get(queue.popleft(), ()):
                if target not in seen:
                    seen.add(target)
                    queue.append(target)
        return seen


class Scanner:
    """One scan of one repository (see :func:`scan`)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.skipped: list[Skipped] = []
        self.files: dict[str, SourceFile] = {}
        self.modules: list[python.PyModule] = []
        self.code: list[structural.CodeFile] = []
        self.calls: list[Call] = []
        self.graph = _Graph()
        self.found: list[tuple[Schedule, list[Target]]] = []

    def run(self) -> ScanResult:
        for file in source_files(self.root, self.skipped):
            self.files[file.path] = file
        self._read_python()
        self._read_structural()
        self.found = list(config_schedules(list(self.files.values())))
        for module in self.modules:
            self.found += module.schedules
        self._python_edges()
        self._file_edges()
        findings = self._findings()
        return ScanResult(
            findings=tuple(findings),
            skipped=tuple(sorted(self.skipped, key=lambda s: s.path)),
            files_read=len(self.files),
            schedules=tuple(sorted({s for s, _ in self.found}, key=lambda s: (s.source, s.line))),
        )

    # -- reading -------------------------------------------------------------------------------

    def _read_python(self) -> None:
        for path, file in self.files.items():
            if file.suffix != ".py":
                continue
            try:
                self.modules.append(python.parse(path, file.text))
            except (SyntaxError, ValueError, RecursionError) as error:
                where = f" (line {error.lineno})" if isinstance(error, SyntaxError) else ""
                self.skipped.append(Skipped(path, f"not valid Python{where}"))
        self.repo = python.Repository(self.modules)
        for module in self.modules:
            try:
                python.read(module, self.repo)
            except RecursionError:
                self.skipped.append(Skipped(module.path, "too deeply nested to read"))
                continue
            self.calls += module.calls

    def _read_structural(self) -> None:
        for path, file in self.files.items():
            if structural.language_of(path) is None:
                continue
            try:
                found = structural.read(path, file.text)
            except Exception as error:
                self.skipped.append(Skipped(path, f"cannot be parsed ({type(error).__name__})"))
                continue
            self.code.append(found)
            self.calls += found.calls

    # -- the graph -----------------------------------------------------------------------------

    def _repo_module(self, dotted: str) -> tuple[python.PyModule, str] | None:
        """The longest repository module ``dotted`` starts with, and the rest of it."""
        parts = dotted.split(".")
        for cut in range(len(parts), 0, -1):
            module = self.repo.by_name.get(".".join(parts[:cut]))
            if module is not None:
                return module, ".".join(parts[cut:])
        return None

    def _function_nodes(self, module: python.PyModule, rest: str, depth: int = 0) -> list[Node]:
        if not rest:
            return [(module.path, MODULE)]
        if rest in module.functions:
            return [(module.path, rest)]
        head = rest.split(".")[0]
        if head in module.classes:
            methods = module.classes[head]
            if rest == head:
                return [(module.path, f"{head}.{m}") for m in methods if m == "__init__"]
            return [(module.path, rest)] if rest in module.functions else []
        if head in module.imports and depth < 5:  # a re-export
            found = self._repo_module(module.imports[head] + rest[len(head) :])
            if found is not None:
                return self._function_nodes(found[0], found[1], depth + 1)
        return []

    def _python_edges(self) -> None:
        self.by_path = {m.path: m for m in self.modules}
        for module in self.modules:
            imported = {
                found[0].path
                for value in module.imports.values()
                if (found := self._repo_module(value)) is not None
            }
            for path in imported:
                self.graph.add((module.path, MODULE), (path, MODULE))
            neighbours = [module] + [self.by_path[p] for p in sorted(imported)]
            for function in module.functions:
                for nested in module.functions:
                    if nested.startswith(function + ".") or (
                        function == MODULE and nested in module.commands
                    ):
                        self.graph.add((module.path, function), (module.path, nested))
            for function, refs in module.refs.items():
                source = (module.path, function)
                for ref in refs:
                    if ref.startswith("*."):
                        method = ref[2:]
                        for other in neighbours:
                            for cls, methods in other.classes.items():
                                if method in methods:
                                    self.graph.add(source, (other.path, f"{cls}.{method}"))
                        continue
                    found = self._repo_module(ref)
                    if found is None:
                        continue
                    for target in self._function_nodes(*found):
                        self.graph.add(source, target)

    def _file_edges(self) -> None:
        go_module = self._go_module()
        go_folders: dict[str, list[str]] = {}
        for path in self.files:
            if path.endswith(".go"):
                go_folders.setdefault(posixpath.dirname(path), []).append(path)
        for file in self.code:
            folder = posixpath.dirname(file.path)
            if file.path.endswith(".go"):
                packages = [folder]  # one package: the files of its folder
                packages += [
                    imported[len(go_module) + 1 :]
                    for imported in file.imports
                    if go_module and imported.startswith(go_module + "/")
                ]
                for package in packages:
                    for other in go_folders.get(package, []):
                        self.graph.add((file.path, MODULE), (other, MODULE))
                continue
            for specifier in file.imports:
                target = self._js_file(posixpath.normpath(posixpath.join(folder, specifier)))
                if target is not None:
                    self.graph.add((file.path, MODULE), (target, MODULE))

    def _go_module(self) -> str | None:
        go_mod = self.root / "go.mod"
        try:
            for line in go_mod.read_text(encoding="utf-8").splitlines():
                if line.startswith("module "):
                    return line.split()[1]
        except OSError:
            return None
        return None

    def _js_file(self, base: str) -> str | None:
        stem = base
        for ending in (".js", ".mjs", ".cjs", ".jsx"):
            if base.endswith(ending):
                stem = base[: -len(ending)]
        candidates = (
            [base]
            + [stem + suffix for suffix in (".ts", ".tsx", ".mts", ".js", ".jsx", ".mjs", ".cjs")]
            + [f"{base}/index{suffix}" for suffix in (".ts", ".tsx", ".js", ".mjs")]
        )
        return next((c for c in candidates if c in self.files), None)

    # -- schedules to nodes --------------------------------------------------------------------

    def _file_nodes(self, path: str) -> list[Node]:
        """A script, or a folder's scripts (``go run ./cmd/x``); a container's absolute path
        (``/srv/app/scripts/x.py``) matches the repository's file it ends with."""
        parts = path.removeprefix("./").strip("/").split("/")
        for cut in range(len(parts)):
            candidate = "/".join(parts[cut:])
            if candidate in self.files:
                return [(candidate, MODULE)]
            inside = [
                p
                for p in self.files
                if posixpath.dirname(p) == candidate and p.endswith(_SCRIPT_SUFFIXES)
            ]
            if inside and candidate:
                return [(p, MODULE) for p in inside]
        return []

    def _entries(self, target: Target, depth: int = 0) -> list[tuple[Node, bool]]:
        """The nodes a target runs, each with whether it outranks a request handler (a cron
        calling a route is the route's caller; a worker's ``scheduled`` is not its ``fetch``)."""
        if target.kind is TargetKind.FILE:
            return [(n, target.function is None) for n in self._file_nodes(target.value)]
        if target.kind is TargetKind.MODULE:
            found = self.repo.by_name.get(target.value) or self.repo.by_name.get(
                f"{target.where.replace('/', '.')}.{target.value}".strip(".")
            )
            main = self.repo.by_name.get(f"{target.value}.__main__")
            return [((m.path, MODULE), True) for m in (found, main) if m is not None]
        if target.kind is TargetKind.TASK:
            nodes = [
                ((m.path, qualname), True)
                for m in self.modules
                for name, qualname in m.tasks.items()
                if name == target.value
            ]
            return nodes or self._entries(Target(TargetKind.FUNCTION, target.value), depth)
        if target.kind is TargetKind.FUNCTION:
            if target.function is not None:  # a handler "path/module" + function
                for suffix in _SCRIPT_SUFFIXES:
                    if target.value + suffix in self.files:
                        node = (
                            target.value + suffix,
                            target.function if suffix == ".py" else MODULE,
                        )
                        return [(node, True)]
                return []
            symbol = self._repo_module(target.value)
            if symbol is None:  # a task named after a module path that differs (src/ layouts)
                module_name, _, function = target.value.rpartition(".")
                matches = [m for m in self.modules if m.name.endswith("." + module_name)]
                return [((m.path, function), True) for m in matches if function in m.functions]
            return [(n, True) for n in self._function_nodes(symbol[0], symbol[1])]
        if target.kind is TargetKind.NPM_SCRIPT and depth < 3:
            scripts = self.scripts.get(target.where, {})
            command = scripts.get(target.value)
            if command is None:
                return []
            return [
                entry
                for inner in command_targets(command, target.where)
                for entry in self._entries(inner, depth + 1)
            ]
        if target.kind is TargetKind.ROUTE:
            route = target.value.strip("/")
            base = f"{target.where}/" if target.where else ""
            candidates = [
                f"{base}{prefix}{route}{ending}"
                for prefix in ("app/", "src/app/")
                for ending in ("/route.ts", "/route.js", "/route.tsx", "/route.mjs")
            ] + [
                f"{base}{prefix}{route}{ending}"
                for prefix in ("pages/", "src/pages/", "")
                for ending in (".ts", ".js", "/index.ts", "/index.js", ".py", ".go")
            ]
            routes = [c for c in candidates if c in self.files]
            # A Python function (Vercel's api/*.py) serves the route from its handler class.
            return [
                ((path, function), True)
                for path in routes
                for function in (self.by_path[path].functions if path in self.by_path else {MODULE})
            ]
        return []

    # -- findings ------------------------------------------------------------------------------

    def _findings(self) -> list[Finding]:
        self.scripts = package_scripts(self.files)
        handlers = {(m.path, h) for m in self.modules for h in m.handlers}
        for target in config_handlers(list(self.files.values())):
            handlers.update(node for node, _ in self._entries(target))
        direct: dict[Node, Schedule] = {}
        reached: dict[Node, Schedule] = {}
        for found, targets in self.found:
            entries = [e for t in targets for e in self._entries(t)]
            for node, outranks in entries:
                if outranks:
                    _keep_most_frequent(direct, node, found)
            for node in self.graph.reach(node for node, _ in entries):
                _keep_most_frequent(reached, node, found)
        from_handlers = self.graph.reach(handlers)
        findings: list[Finding] = []
        seen: Counter[tuple[str, str, str]] = Counter()
        for call in sorted(self.calls, key=lambda c: (c.path, c.line)):
            node = (call.path, call.function if call.language == "python" else MODULE)
            in_handler = call.request_handler or any(
                call.path == path and (call.function == h or call.function.startswith(h + "."))
                for path, h in handlers
            )
            schedule: Schedule | None = None
            if node in direct:
                context, schedule = Context.SCHEDULED, direct[node]
            elif in_handler:
                context = Context.REQUEST
            elif node in reached:
                context, schedule = Context.SCHEDULED, reached[node]
            elif node in from_handlers:
                context = Context.REQUEST
            else:
                context = Context.UNKNOWN
            key = (call.path, call.function, call.text)
            seen[key] += 1
            fingerprint = python.digest(*key, str(seen[key]))
            findings.append(
                Finding(call, context, schedule, advise(call, context, schedule), fingerprint)
            )
        return findings


def _keep_most_frequent(table: dict[Node, Schedule], node: Node, schedule: Schedule) -> None:
    current = table.get(node)
    if current is None or _runs(schedule) > _runs(current):
        table[node] = schedule


def _runs(schedule: Schedule) -> Decimal:
    return schedule.runs_per_month if schedule.runs_per_month is not None else Decimal(-1)


def scan(root: Path) -> ScanResult:
    """Scan the repository at ``root``: every LLM call, its context, schedule and advice.

    Never imports or runs the scanned code. Raises :class:`NotADirectoryError` when ``root``
    is not a folder (a single file is scanned as a folder of one is not supported).
    """
    if not root.is_dir():
        raise NotADirectoryError(str(root))
    # Every module's syntax tree stays alive until the graph is built: millions of objects
    # the cyclic garbage collector would walk again and again (a 5,000-file scan took several
    # times longer with it on). Trees hold no cycles; reference counting frees them.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return Scanner(root).run()
    finally:
        if collecting:
            gc.enable()
