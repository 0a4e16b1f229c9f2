"""TypeScript, JavaScript and Go sources read with ast-grep (tree-sitter grammars shipped in
its wheels: nothing is downloaded, nothing is run).

A client is followed within the file: imported from the SDK's package, made with ``new``
(``const openai = new OpenAI()``, ``this.client = new Anthropic()``), then called
(``openai.chat.completions.create({...})``). Go's official SDKs are recognised by their
import path and call shape (``client.Chat.Completions.New``, ``client.Responses.New``,
``client.Messages.New``).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field, replace

from ast_grep_py import SgNode, SgRoot

from batchscout.scan.model import Call
from batchscout.scan.sdks import KINDS

MODULE = "<module>"
#: JavaScript packages → {imported name (``default`` for the default export) → kind}.
JS_CONSTRUCTORS: dict[str, dict[str, str]] = {
    "openai": {"default": "openai", "OpenAI": "openai", "AzureOpenAI": "openai"},
    "@anthropic-ai/sdk": {"default": "anthropic", "Anthropic": "anthropic"},
    "@anthropic-ai/bedrock-sdk": {"default": "anthropic", "AnthropicBedrock": "anthropic"},
    "@anthropic-ai/vertex-sdk": {"default": "anthropic", "AnthropicVertex": "anthropic"},
    "@google/genai": {"GoogleGenAI": "google-genai"},
    "@aws-sdk/client-bedrock-runtime": {"BedrockRuntimeClient": "bedrock-runtime"},
}
JS_LANGCHAIN_PREFIX = "@langchain/"
#: Bedrock runtime commands (``client.send(new ConverseCommand({...}))``) → the call's name.
BEDROCK_COMMANDS = {
    "InvokeModelCommand": "invoke_model",
    "ConverseCommand": "converse",
    "ConverseStreamCommand": "converse_stream",
    "InvokeModelWithResponseStreamCommand": "invoke_model_with_response_stream",
}
BEDROCK_BATCH_COMMANDS = frozenset({"CreateModelInvocationJobCommand"})
#: JavaScript's camelCase spellings of the Python shapes in :data:`KINDS`.
JS_ALIASES = {
    "models.generateContent": "models.generate_content",
    "models.generateContentStream": "models.generate_content_stream",
    "models.embedContent": "models.embed_content",
    "generateContent": "generate_content",
    "batches.create": "batches.create",
}
_HTTP_METHODS = frozenset({"get", "post", "put", "delete", "patch", "all", "head", "options"})
_NEXT_VERBS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
_BOLT = frozenset({"command", "message", "event", "action", "view", "shortcut", "options"})
_NEXT_ROUTE = re.compile(r"(?:^|/)app/(?:.*/)?route\.[cm]?[jt]sx?$")
_NEXT_PAGES_API = re.compile(r"(?:^|/)pages/api/")
_MAX_OUTPUT = re.compile(
    r"\b(?:max_tokens|maxTokens|max_output_tokens|maxOutputTokens|max_completion_tokens)"
    r"\s*:\s*(\d+)"
)
_GO_MODEL = re.compile(r"\bModel\s*:\s*(?:\w+\.F\()?\"([^\"]+)\"")
_FUNCTION_KINDS = frozenset(
    {
        "function_declaration",
        "function_expression",
        "arrow_function",
        "method_definition",
        "generator_function_declaration",
    }
)


@dataclass
class CodeFile:
    """One TypeScript, JavaScript or Go file's calls and the repository files it imports."""

    path: str
    calls: list[Call] = field(default_factory=list)
    imports: list[str] = field(default_factory=list)
    uses_batch: bool = False


def language_of(path: str) -> tuple[str, str] | None:
    """(ast-grep's grammar, the finding's ``language``) for a file name, or ``None``."""
    suffix = posixpath.splitext(path)[1].lower()
    if suffix in {".ts", ".mts", ".cts"}:
        return "typescript", "typescript"
    if suffix == ".tsx":
        return "tsx", "typescript"
    if suffix in {".js", ".jsx", ".mjs", ".cjs"}:
        return "javascript", "javascript"
    if suffix == ".go":
        return "go", "go"
    return None


def read(path: str, text: str) -> CodeFile:
    """The calls in one TypeScript, JavaScript or Go file."""
    grammar, language = language_of(path) or ("", "")
    root = SgRoot(text, grammar).root()
    if language == "go":
        return _read_go(path, root)
    return _JsReader(path, language, root).read()


def _unquote(text: str) -> str:
    return text[1:-1] if len(text) >= 2 and text[0] in "'\"`" and text[-1] == text[0] else text


def _normalise(text: str) -> str:
    return re.sub(r"\s+", "", text)


class _JsReader:
    def __init__(self, path: str, language: str, root: SgNode) -> None:
        self.file = CodeFile(path)
        self.language = language
        self.root = root
        self.imported: dict[str, tuple[str, str]] = {}  # local name → (package, name)
        self.bindings: dict[str, tuple[str, str | None]] = {}  # name → (kind, model)
        self.constants: dict[str, str] = {}
        self.bolt = False
        self.worker = False

    def read(self) -> CodeFile:
        self._imports()
        self._declarations()
        for call in self.root.find_all(kind="call_expression"):
            self._call(call)
        if self.file.uses_batch:
            self.file.calls = [replace(c, already_batch=True) for c in self.file.calls]
        return self.file

    def _imports(self) -> None:
        for statement in self.root.find_all(kind="import_statement"):
            source = statement.field("source")
            if source is None:
                continue
            package = _unquote(source.text())
            self._package(package)
            clause = next((c for c in statement.children() if c.kind() == "import_clause"), None)
            if clause is None:
                continue
            for child in clause.children():
                if child.kind() == "identifier":
                    self.imported[child.text()] = (package, "default")
                elif child.kind() == "namespace_import":
                    names = [n for n in child.children() if n.kind() == "identifier"]
                    if names:
                        self.imported[names[-1].text()] = (package, "*")
                elif child.kind() == "named_imports":
                    for spec in child.find_all(kind="import_specifier"):
                        name = spec.field("name")
                        alias = spec.field("alias")
                        if name is not None:
                            local = (alias or name).text()
                            self.imported[local] = (package, name.text())
        for call in self.root.find_all(kind="call_expression"):
            function = call.field("function")
            if function is None or function.text() not in {"require", "import"}:
                continue
            arguments = call.field("arguments")
            strings = [] if arguments is None else arguments.find_all(kind="string")
            if not strings:
                continue
            package = _unquote(strings[0].text())
            self._package(package)
            declarator = call.parent()
            if declarator is not None and declarator.kind() == "variable_declarator":
                name = declarator.field("name")
                if name is not None and name.kind() == "identifier":
                    self.imported[name.text()] = (package, "default")
                elif name is not None:
                    for item in name.find_all(kind="shorthand_property_identifier_pattern"):
                        self.imported[item.text()] = (package, item.text())

    def _package(self, package: str) -> None:
        if package.startswith("."):
            self.file.imports.append(package)
        if package == "@slack/bolt":
            self.bolt = True

    def _kind_of_constructor(self, name: str) -> str | None:
        found = self.imported.get(name)
        if found is None:
            return None
        package, imported = found
        if package.startswith(JS_LANGCHAIN_PREFIX) and imported.startswith("Chat"):
            return "langchain"
        return JS_CONSTRUCTORS.get(package, {}).get(imported)

    def _model(self, node: SgNode | None, keys: tuple[str, ...] = ("model",)) -> str | None:
        if node is None:
            return None
        for pair in node.find_all(kind="pair"):
            key = pair.field("key")
            value = pair.field("value")
            if key is None or value is None or _unquote(key.text()) not in keys:
                continue
            if value.kind() == "string":
                return _unquote(value.text())
            if value.kind() == "identifier":
                return self.constants.get(value.text())
        return None

    def _declarations(self) -> None:
        for declarator in self.root.find_all(kind="variable_declarator"):
            name = declarator.field("name")
            value = declarator.field("value")
            if name is None or value is None:
                continue
            if value.kind() == "string" and declarator.parent() is not None:
                self.constants[name.text()] = _unquote(value.text())
            binding = self._binding(value)
            if binding is not None:
                self.bindings[name.text()] = binding
        for assignment in self.root.find_all(kind="assignment_expression"):
            left = assignment.field("left")
            right = assignment.field("right")
            if left is None or right is None:
                continue
            binding = self._binding(right)
            if binding is not None:
                self.bindings[_normalise(left.text())] = binding
        field_kind = (
            "field_definition" if self.language == "javascript" else "public_field_definition"
        )
        for field_definition in self.root.find_all(kind=field_kind):
            name = field_definition.field("name") or field_definition.field("property")
            value = field_definition.field("value")
            if name is not None and value is not None:
                binding = self._binding(value)
                if binding is not None:
                    self.bindings[f"this.{name.text()}"] = binding

    def _binding(self, value: SgNode) -> tuple[str, str | None] | None:
        while value.kind() in {"await_expression", "parenthesized_expression"}:
            inner = [c for c in value.children() if c.is_named()]
            if not inner:
                return None
            value = inner[-1]
        if value.kind() == "new_expression":
            constructor = value.field("constructor")
            kind = self._kind_of_constructor(constructor.text()) if constructor else None
            if kind is not None:
                return kind, self._model(value.field("arguments"))
        if value.kind() == "call_expression":  # vertexAI.getGenerativeModel({model: …})
            function = value.field("function")
            if function is not None and function.text().endswith("getGenerativeModel"):
                return "vertex-model", self._model(value.field("arguments"))
        return None

    def _call(self, call: SgNode) -> None:
        function = call.field("function")
        if function is None or function.kind() != "member_expression":
            return
        chain = _normalise(function.text()).replace("?.", ".").replace("!.", ".")
        parts = chain.split(".")
        arguments = call.field("arguments")
        if parts[-1] == "send" and arguments is not None:
            self._bedrock_send(call, arguments)
            return
        for split in range(len(parts) - 1, 0, -1):
            binding = self.bindings.get(".".join(parts[:split]))
            if binding is not None:
                self._match(call, binding, ".".join(parts[split:]))
                return

    def _bedrock_send(self, call: SgNode, arguments: SgNode) -> None:
        for new in arguments.find_all(kind="new_expression"):
            constructor = new.field("constructor")
            name = constructor.text() if constructor is not None else ""
            package = self.imported.get(name, ("", ""))[0]
            if (
                package != "@aws-sdk/client-bedrock-runtime"
                and package != "@aws-sdk/client-bedrock"
            ):
                continue
            if name in BEDROCK_BATCH_COMMANDS:
                self.file.uses_batch = True
            elif name in BEDROCK_COMMANDS:
                self._add(
                    call,
                    "bedrock",
                    BEDROCK_COMMANDS[name],
                    self._model(new.field("arguments"), ("modelId",)),
                    streaming="stream" in BEDROCK_COMMANDS[name],
                )
            return

    def _match(self, call: SgNode, binding: tuple[str, str | None], path: str) -> None:
        kind_name, model = binding
        kind = KINDS[kind_name]
        path = JS_ALIASES.get(path, path)
        if path in kind.batch:
            self.file.uses_batch = True
            return
        if path not in kind.calls:
            return
        arguments = call.field("arguments")
        streaming = path in kind.streaming or bool(
            arguments is not None and re.search(r"\bstream\s*:\s*true\b", arguments.text())
        )
        self._add(
            call,
            kind.provider,
            kind.label + path,
            self._model(arguments) or model,
            streaming=streaming,
        )

    def _add(
        self, call: SgNode, provider: str, name: str, model: str | None, *, streaming: bool
    ) -> None:
        function, handler = self._enclosing(call)
        text = call.text()
        maximum = _MAX_OUTPUT.search(text)
        self.file.calls.append(
            Call(
                path=self.file.path,
                line=call.range().start.line + 1,
                language=self.language,
                provider=provider,
                call=name,
                model=model,
                streaming=streaming,
                already_batch=False,
                function=function,
                text=_normalise(text),
                request_handler=handler,
                prompt_chars=self._prompt_chars(call),
                max_output=int(maximum.group(1)) if maximum else None,
            )
        )

    def _prompt_chars(self, call: SgNode) -> int | None:
        total = 0
        for pair in call.find_all(kind="pair"):
            key = pair.field("key")
            value = pair.field("value")
            if key is None or value is None:
                continue
            keys = {"content", "system", "input", "prompt", "contents", "text"}
            if _unquote(key.text()) in keys and value.kind() == "string":
                total += len(_unquote(value.text()))
        return total or None

    def _enclosing(self, call: SgNode) -> tuple[str, bool]:
        """The enclosing functions' names (outermost first) and whether one is a handler."""
        names: list[str] = []
        handler = False
        path = self.file.path
        for ancestor in call.ancestors():
            kind = ancestor.kind()
            if kind not in _FUNCTION_KINDS:
                continue
            name = ancestor.field("name")
            label = name.text() if name is not None else None
            parent = ancestor.parent()
            if label is None and parent is not None:
                if parent.kind() == "variable_declarator":
                    declared = parent.field("name")
                    label = declared.text() if declared is not None else None
                elif parent.kind() == "pair":
                    key = parent.field("key")
                    label = key.text() if key is not None else None
                elif parent.kind() == "arguments":
                    handler = handler or self._route_callback(parent)
            if kind == "method_definition" and label == "fetch":
                handler = True  # a Worker's fetch handler: a person's request
            names.append(label or "<anonymous>")
        names.reverse()
        top = names[0] if names else MODULE
        if (_NEXT_ROUTE.search(path) and top in _NEXT_VERBS) or _NEXT_PAGES_API.search(path):
            handler = True
        return ".".join(names) or MODULE, handler

    def _route_callback(self, arguments: SgNode) -> bool:
        """Whether a callback is passed to ``app.get("/x", …)`` or a Bolt listener."""
        owner = arguments.parent()
        if owner is None or owner.kind() != "call_expression":
            return False
        function = owner.field("function")
        if function is None or function.kind() != "member_expression":
            return False
        method = function.field("property")
        name = method.text() if method is not None else ""
        first = next((c for c in arguments.children() if c.is_named()), None)
        route = first is not None and first.kind() == "string" and _unquote(first.text())[:1] == "/"
        return (name in _HTTP_METHODS and route) or (self.bolt and name in _BOLT)


_GO_CALLS = {
    "Chat.Completions.New": ("openai", False),
    "Chat.Completions.NewStreaming": ("openai", True),
    "Responses.New": ("openai", False),
    "Responses.NewStreaming": ("openai", True),
    "Messages.New": ("anthropic", False),
    "Messages.NewStreaming": ("anthropic", True),
}
_GO_BATCH = ("Batches.New", "Messages.Batches.New")
_GO_SDKS = {
    "openai": "github.com/openai/openai-go",
    "anthropic": "github.com/anthropics/anthropic-sdk-go",
}
_GO_HANDLER = re.compile(r"http\.ResponseWriter|\*gin\.Context|echo\.Context|\*fiber\.Ctx")


def _read_go(path: str, root: SgNode) -> CodeFile:
    file = CodeFile(path)
    imports = [
        _unquote(literal.text())
        for spec in root.find_all(kind="import_spec")
        if (literal := spec.field("path")) is not None
    ]
    file.imports = imports
    providers = {p for p, prefix in _GO_SDKS.items() if any(i.startswith(prefix) for i in imports)}
    for call in root.find_all(kind="call_expression"):
        function = call.field("function")
        if function is None:
            continue
        chain = function.text()
        if any(chain.endswith("." + b) for b in _GO_BATCH) and providers:
            file.uses_batch = True
            continue
        for shape, (provider, streaming) in _GO_CALLS.items():
            if chain.endswith("." + shape) and provider in providers:
                model = _GO_MODEL.search(call.text())
                enclosing = next(
                    (
                        a
                        for a in call.ancestors()
                        if a.kind() in {"function_declaration", "method_declaration"}
                    ),
                    None,
                )
                name_node = enclosing.field("name") if enclosing is not None else None
                parameters = enclosing.field("parameters") if enclosing is not None else None
                file.calls.append(
                    Call(
                        path=path,
                        line=call.range().start.line + 1,
                        language="go",
                        provider=provider,
                        call=shape,
                        model=model.group(1) if model else None,
                        streaming=streaming,
                        already_batch=False,
                        function=name_node.text() if name_node is not None else MODULE,
                        text=_normalise(call.text()),
                        request_handler=bool(
                            parameters is not None and _GO_HANDLER.search(parameters.text())
                        ),
                        max_output=_max_go(call.text()),
                    )
                )
                break
    if file.uses_batch:
        file.calls = [replace(c, already_batch=True) for c in file.calls]
    return file


def _max_go(text: str) -> int | None:
    found = re.search(r"\bMaxTokens\s*:\s*(?:\w+\.(?:F|Int)\()?(?:int64\()?(\d+)", text)
    return int(found.group(1)) if found else None
