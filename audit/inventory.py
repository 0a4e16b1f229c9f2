"""The inventory file format (SPEC.md, "Inventory CSV"): parsing, validation and writing.

A file is accepted whole or not at all: every problem is collected with its line and column
before anything is returned, so callers never store half a file.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final, TextIO, TypeVar

import yaml

from batchscout.audit.latency import Freshness, Mode, Reader, Trigger
from batchscout.audit.names import clean_name, control_problem, name_key
from batchscout.audit.numbers import (
    ACCEPTED,
    MAX_MONTHLY_REQUESTS,
    SHARE_ACCEPTED,
    NumberError,
    cost_problem,
    read_number,
    read_share,
    tokens_problem,
    volume_problem,
)
from batchscout.audit.pricing import Provider
from batchscout.audit.savings import Per, monthly_requests
from batchscout.audit.usage import API_KEY_ID, PROJECT_ID, provider_of_id

COLUMNS: tuple[str, ...] = (
    "name",
    "description",
    "owner",
    "provider",
    "model",
    "requests",
    "per",
    "input_tokens",
    "output_tokens",
    "cost_per_request",
    "trigger",
    "reader",
    "freshness",
    "mode",
    "usage_project",
    "usage_api_key",
    "cached_share",
)
REQUIRED_COLUMNS = ("name", "requests")
MAX_NAME = 80
MAX_DESCRIPTION = 500
#: Problems written out in an error's text (all stay in ``problems``).
MAX_PROBLEMS_LISTED = 100
#: Header cells past which a file is not an inventory (a 10 MB header is refused in one line).
MAX_HEADER_CELLS = 100
MAX_ROWS = 200_000
SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")
SLACK_TEAM_ID = re.compile(r"^[TE][A-Z0-9]{2,20}$")
SLACK_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,20}$")

E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True, slots=True)
class WorkflowSpec:
    """One workflow as a user described it: the inventory row, validated."""

    name: str
    requests: Decimal
    per: Per
    trigger: Trigger
    reader: Reader
    freshness: Freshness
    mode: Mode = Mode.SYNC
    description: str = ""
    owner: str | None = None
    provider: Provider | None = None
    model: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_per_request: Decimal | None = None
    usage_project: str | None = None
    usage_api_key: str | None = None
    cached_share: Decimal | None = None
    """The share (0 to 1) of each request's input tokens that is a prefix repeated across
    requests (a system prompt, shared context): what a prompt cache can serve."""
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an inventory file."""

    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class InventoryError(ValueError):
    """An inventory was rejected; ``problems`` lists every reason, by line and column."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(
            problems, key=lambda p: (p.line, COLUMNS.index(p.column) if p.column in COLUMNS else -1)
        )
        count = len(self.problems)
        shown = [f"- {p}" for p in self.problems[:MAX_PROBLEMS_LISTED]]
        if count > MAX_PROBLEMS_LISTED:
            shown.append(f"- … and {count - MAX_PROBLEMS_LISTED:,} more")
        super().__init__(
            f"The file was rejected ({count:,} problem{'s' if count != 1 else ''}); nothing was "
            "stored:\n" + "\n".join(shown)
        )


def _choices(enum: type[StrEnum]) -> str:
    return ", ".join(f"`{member.value}`" for member in enum)


class _Row:
    """Validates one row's cells, collecting problems instead of stopping at the first."""

    def __init__(self, line: int, cells: Mapping[str, Any], problems: list[Problem]) -> None:
        self.line = line
        self.cells = cells
        self.problems = problems

    def text(self, column: str) -> str:
        value = self.cells.get(column)
        if value is None:
            return ""
        text = str(value)
        problem = control_problem(text)
        if problem is not None:
            self.fail(column, problem)
            return ""
        # Export wrote a leading ' before a cell a spreadsheet would run as a formula
        # (to_csv): that quote is ours, not part of the value.
        if text[:1] == "'" and text[1:2] in FORMULA_STARTS:
            text = text[1:]
        return text.strip()

    def fail(self, column: str, message: str) -> None:
        self.problems.append(Problem(self.line, column, message))

    def choice(self, column: str, enum: type[E], default: E | None = None) -> E | None:
        raw = self.text(column).lower()
        if not raw:
            if default is None:
                self.fail(column, f"is required; use one of {_choices(enum)}")
            return default
        try:
            return enum(raw)
        except ValueError:
            self.fail(column, f"“{self.text(column)}” is not allowed; use one of {_choices(enum)}")
            return default

    def number(self, column: str) -> Decimal | None:
        """The cell as a non-negative number (:func:`read_number`), or ``None`` when empty."""
        value = self.cells.get(column)
        if isinstance(value, bool):  # YAML's yes/no
            self.fail(column, f"“{self.text(column)}” is not a number; use {ACCEPTED}")
            return None
        if isinstance(value, float):  # YAML wrote 1e-05 or .inf: read what it printed
            value = repr(value)
        typed = ("" if value is None else str(value)).strip()
        if not typed:
            return None
        try:
            return read_number(typed.removeprefix("$").replace("_", ""), exponent=True)
        except NumberError as error:
            self.fail(column, str(error))
            return None

    def requests(self, per: Per | None) -> Decimal | None:
        value = self.number("requests")
        if value is None:
            if not self.text("requests"):
                self.fail("requests", "is required")
            return None
        problem = volume_problem(value)
        if problem is None and value <= MAX_MONTHLY_REQUESTS and per is not None:
            problem = volume_problem(monthly_requests(value, per))
            if problem is not None:
                problem = f"{problem}: {self.text('requests')} per {per.value} is too many"
        if problem is not None:
            self.fail("requests", problem)
            return None
        return value

    def cost(self) -> Decimal | None:
        value = self.number("cost_per_request")
        problem = None if value is None else cost_problem(value)
        if problem is not None:
            self.fail("cost_per_request", problem)
            return None
        return value

    def share(self, column: str) -> Decimal | None:
        """The cell as a share of 0 to 1 (``80%`` is 0.8), or ``None`` when empty."""
        value = self.cells.get(column)
        if isinstance(value, bool):
            self.fail(column, f"“{self.text(column)}” is not a share; use {SHARE_ACCEPTED}")
            return None
        typed = (repr(value) if isinstance(value, float) else self.text(column)).strip()
        if not typed:
            return None
        try:
            return read_share(typed)
        except NumberError as error:
            self.fail(column, str(error))
            return None

    def tokens(self, column: str) -> int | None:
        value = self.number(column)
        problem = None if value is None else tokens_problem(value)
        if problem is not None:
            self.fail(column, f"{problem} (got “{self.text(column)}”)")
            return None
        return None if value is None else int(value)


def _spec_from_cells(
    line: int, cells: Mapping[str, Any], problems: list[Problem]
) -> WorkflowSpec | None:
    row = _Row(line, cells, problems)
    before = len(problems)
    name = clean_name(row.text("name"))
    if not name:
        row.fail("name", "is required")
    elif len(name_key(name)) > MAX_NAME:
        row.fail("name", f"is longer than {MAX_NAME} characters")
    description = row.text("description")
    if len(description) > MAX_DESCRIPTION:
        row.fail("description", f"is longer than {MAX_DESCRIPTION} characters")
    owner = row.text("owner") or None
    if owner is not None and not SLACK_USER_ID.match(owner):
        row.fail("owner", f"“{owner}” is not a Slack user id (like U0123ABCD)")
    per = row.choice("per", Per, Per.MONTH)
    requests = row.requests(per)
    provider = row.choice("provider", Provider) if row.text("provider") else None
    model = row.text("model") or None
    input_tokens = row.tokens("input_tokens")
    output_tokens = row.tokens("output_tokens")
    cost = row.cost()
    if cost is None and not row.text("cost_per_request"):
        if provider is None:
            row.fail(
                "provider",
                f"is required when cost_per_request is empty; use one of {_choices(Provider)}",
            )
        elif provider is Provider.OTHER:
            row.fail(
                "cost_per_request", "is required for provider `other` (the catalog cannot price it)"
            )
        if model is None:
            row.fail("model", "is required when cost_per_request is empty")
        if input_tokens is None and not row.text("input_tokens"):
            row.fail("input_tokens", "is required when cost_per_request is empty")
        if output_tokens is None and not row.text("output_tokens"):
            row.fail("output_tokens", "is required when cost_per_request is empty")
    trigger = row.choice("trigger", Trigger)
    reader = row.choice("reader", Reader)
    freshness = row.choice("freshness", Freshness)
    mode = row.choice("mode", Mode, Mode.SYNC)
    if mode is Mode.PRIORITY and row.text("cost_per_request"):
        row.fail("mode", PRIORITY_NEEDS_TOKENS)
    cached_share = row.share("cached_share")
    usage_project, usage_api_key = _usage_link(row)
    if len(problems) > before:
        return None
    assert requests is not None and per and trigger and reader and freshness and mode
    return WorkflowSpec(
        name=name,
        description=description,
        owner=owner,
        provider=provider,
        model=model,
        requests=requests,
        per=per,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cost_per_request=cost,
        trigger=trigger,
        reader=reader,
        freshness=freshness,
        mode=mode,
        usage_project=usage_project,
        usage_api_key=usage_api_key,
        cached_share=cached_share,
        line=line,
    )


#: Why mode ``priority`` is refused on a workflow given as a cost per request.
PRIORITY_NEEDS_TOKENS: Final = (
    "`priority` is priced from the catalog's priority price for a model and its tokens: "
    "give provider, model and tokens instead of a cost_per_request, or use `sync`"
)


def usage_link_problem(column: str, value: str) -> str | None:
    """Why ``value`` is not a valid ``usage_project`` / ``usage_api_key``, or ``None``."""
    if column == "usage_project" and not PROJECT_ID.match(value):
        return (
            f"“{value}” is not a usage project: use an OpenAI project id (proj_…) "
            "or an Anthropic workspace id (wrkspc_…)"
        )
    if column == "usage_api_key" and not API_KEY_ID.match(value):
        if value.startswith("sk-"):
            return "is a secret API key: give the key's id (key_… or apikey_…), never the key"
        return (
            f"“{value}” is not an API key id: use an OpenAI key id (key_…) "
            "or an Anthropic key id (apikey_…)"
        )
    return None


def _usage_link(row: _Row) -> tuple[str | None, str | None]:
    """The optional usage columns, validated, and from the same provider."""
    values: dict[str, str | None] = {}
    for column in ("usage_project", "usage_api_key"):
        value = row.text(column) or None
        problem = usage_link_problem(column, value) if value else None
        if problem:
            row.fail(column, problem)
            value = None
        values[column] = value
    project, key = values["usage_project"], values["usage_api_key"]
    if project and key and provider_of_id(project) is not provider_of_id(key):
        row.fail("usage_api_key", f"“{key}” and “{project}” belong to different providers")
    return project, key


def _validated(
    rows: Iterable[tuple[int, Mapping[str, Any]]], problems: list[Problem]
) -> Iterator[WorkflowSpec]:
    """Each row's spec as it is validated, while ``problems`` is empty (after the first
    problem the rest are only checked); at the end :class:`InventoryError` when there were
    any, or when there were no rows."""
    first_line: dict[str, int] = {}
    count = 0
    for line, cells in rows:
        count += 1
        if count > MAX_ROWS:
            raise InventoryError(
                [Problem(1, None, f"has more than {MAX_ROWS:,} workflows; split the file")]
            )
        name = str(cells.get("name") or "").strip()
        key = name_key(name)
        if key and key in first_line:
            problems.append(
                Problem(
                    line, "name", f"“{clean_name(name)}” already appears on line {first_line[key]}"
                )
            )
        elif key:
            first_line[key] = line
        spec = _spec_from_cells(line, cells, problems)
        if spec is not None and not problems:
            yield spec
    if problems:
        raise InventoryError(problems)
    if not count:
        raise InventoryError([Problem(1, None, "has no workflows")])


def parse_csv(text: str) -> list[WorkflowSpec]:
    """Parse and validate an inventory CSV; raise :class:`InventoryError` listing every problem."""
    return list(read_csv(io.StringIO(text, newline="")))


def read_csv(stream: TextIO) -> Iterator[WorkflowSpec]:
    """Validate an inventory CSV as it is read (``stream`` opened with ``newline=""``),
    yielding each workflow while no problem has been found.

    At the end, :class:`InventoryError` lists every problem (the header's at once, before
    any row). Memory stays flat whatever the file's length: a consumer that stores as it
    reads does so in one transaction and rolls it back on the error, so that nothing is
    stored unless every row is valid.
    """
    reader = csv.DictReader(stream)
    try:
        yield from _read_csv(reader)
    except csv.Error as error:  # a cell over the csv module's size limit, say
        line = max(reader.reader.line_num, 1)  # the physical line it failed on
        raise InventoryError([Problem(line, None, f"cannot be read as CSV ({error})")]) from error


_SEPARATORS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}


def _header_problems(header: list[str]) -> list[Problem]:
    """What is wrong with a CSV header, with a hint when it uses another separator."""
    problems: list[Problem] = []
    for separator, name in _SEPARATORS.items():
        if len(header) == 1 and separator in header[0]:
            return [
                Problem(
                    1,
                    None,
                    f"the header looks separated by {name}, not commas; save the file as "
                    f"comma-separated CSV (columns: {', '.join(COLUMNS)})",
                )
            ]
    for position, column in enumerate(header, start=1):
        if not column:
            problems.append(
                Problem(1, None, f"column {position} has no name; columns are {', '.join(COLUMNS)}")
            )
        elif column not in COLUMNS:
            problems.append(Problem(1, column, f"unknown column; columns are {', '.join(COLUMNS)}"))
    for column in REQUIRED_COLUMNS:
        if column not in header:
            problems.append(Problem(1, column, "required column is missing from the header"))
    return problems


def _read_csv(reader: csv.DictReader[str]) -> Iterator[WorkflowSpec]:
    problems: list[Problem] = []
    header = [h.removeprefix("\ufeff").strip().lower() for h in (reader.fieldnames or [])]
    if not any(header):
        raise InventoryError([Problem(1, None, "the file is empty; it needs a header row")])
    # Spreadsheets write empty trailing header cells (",,"): ignored while no data is under them.
    named = len(header)
    while not header[named - 1]:
        named -= 1
    unnamed = len(header) - named
    header = header[:named]
    if len(header) > MAX_HEADER_CELLS:
        raise InventoryError(
            [
                Problem(
                    1,
                    None,
                    f"the header has {len(header):,} columns; columns are {', '.join(COLUMNS)}",
                )
            ]
        )
    reader.fieldnames = header
    problems = _header_problems(header)
    if problems:
        raise InventoryError(problems)

    def records() -> Iterator[tuple[int, Mapping[str, Any]]]:
        for record in reader:
            line = reader.line_num
            extra = record.pop(None, None)
            if extra is not None and (len(extra) > unnamed or any(v.strip() for v in extra)):
                if len(extra) > unnamed:
                    message = f"has more cells than the header's {len(header) + unnamed}"
                else:
                    message = "has a value under a column with no name in the header"
                problems.append(Problem(line, None, message))
                continue
            if all(not (v or "").strip() for v in record.values()):
                continue  # blank line
            yield line, record

    yield from _validated(records(), problems)


#: The most characters a YAML inventory may have, and the most YAML events (scalars,
#: mappings...) parsing may produce: bounds on memory and time whatever the file holds.
MAX_YAML_CHARS: Final = 5_000_000
MAX_YAML_EVENTS: Final = 1_000_000


def _yaml_problems(text: str) -> list[Problem]:
    """What an inventory YAML must not contain, each on its line: anchors and aliases (an
    inventory never needs them; nested aliases make a few bytes a billion values), merge keys
    and repeated keys. Read as a stream of events, so nothing is expanded or built."""
    problems: list[Problem] = []
    keys: list[set[str] | None] = []  # per open collection: the keys seen (None: a sequence)
    expecting_key: list[bool] = []
    for count, event in enumerate(yaml.parse(text, Loader=yaml.SafeLoader)):
        line = event.start_mark.line + 1 if event.start_mark is not None else 1
        if count > MAX_YAML_EVENTS:
            return [Problem(line, None, f"has more than {MAX_YAML_EVENTS:,} YAML values")]
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            if not problems or problems[-1].line != line:  # one problem a line
                problems.append(
                    Problem(
                        line, None, "uses a YAML anchor or alias (`&` / `*`); write each value out"
                    )
                )
            if isinstance(event, yaml.AliasEvent):
                if expecting_key and keys[-1] is not None:
                    expecting_key[-1] = not expecting_key[-1]
                continue
        if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            if expecting_key and keys[-1] is not None:
                expecting_key[-1] = not expecting_key[-1]
            keys.append(set() if isinstance(event, yaml.MappingStartEvent) else None)
            expecting_key.append(True)
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            keys.pop()
            expecting_key.pop()
        elif isinstance(event, yaml.ScalarEvent) and expecting_key and keys[-1] is not None:
            seen = keys[-1]
            if expecting_key[-1]:
                key = str(event.value)
                if key == "<<" and event.style is None:
                    problems.append(
                        Problem(line, None, "uses a YAML merge key (`<<`); write each field out")
                    )
                elif key.lower() in seen:
                    problems.append(Problem(line, key, "is given twice in one workflow"))
                seen.add(key.lower())
            expecting_key[-1] = not expecting_key[-1]
    return problems


def parse_yaml(text: str) -> list[WorkflowSpec]:
    """Parse and validate a YAML inventory: a list of mappings, or ``{workflows: [...]}``.

    Untrusted: anchors, aliases, merge keys and repeated keys are problems on their line
    (:func:`_yaml_problems`), found before anything is built; the text's size is bounded."""
    if len(text) > MAX_YAML_CHARS:
        raise InventoryError(
            [
                Problem(
                    1, None, f"is over {MAX_YAML_CHARS:,} characters; split it into smaller files"
                )
            ]
        )
    try:
        refused = _yaml_problems(text)
        if refused:
            raise InventoryError(refused)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise InventoryError(
            [Problem(line, None, f"not valid YAML ({getattr(error, 'problem', error)})")]
        ) from error
    items_node = root
    if items_node is None:
        raise InventoryError([Problem(1, None, "the file is empty; it needs a list of workflows")])
    if isinstance(data, dict) and "workflows" in data:
        data = data["workflows"]
        items_node = next(v for k, v in items_node.value if k.value == "workflows")
    if not isinstance(data, list):
        raise InventoryError(
            [Problem(1, None, "expected a list of workflows (or a `workflows:` list)")]
        )
    problems: list[Problem] = []
    rows: list[tuple[int, Mapping[str, Any]]] = []
    for node, item in zip(items_node.value, data, strict=True):
        line = node.start_mark.line + 1
        if not isinstance(item, dict):
            problems.append(Problem(line, None, "each workflow must be a mapping of column: value"))
            continue
        for key in item:
            if str(key).lower() not in COLUMNS:
                problems.append(
                    Problem(line, str(key), f"unknown field; fields are {', '.join(COLUMNS)}")
                )
        cells = {str(k).lower(): v for k, v in item.items()}
        # Never turned into text: aliases can make a few bytes of YAML a list of billions.
        nested = [k for k, v in cells.items() if isinstance(v, list | dict)]
        for key in nested:
            problems.append(Problem(line, key, "must be a single value, not a list or a mapping"))
        if not nested:
            rows.append((line, cells))
    return _finish(rows, problems)


def _finish(
    rows: list[tuple[int, Mapping[str, Any]]], problems: list[Problem]
) -> list[WorkflowSpec]:
    return list(_validated(rows, problems))


def parse_inventory(text: str, filename: str) -> list[WorkflowSpec]:
    """Parse a CSV or YAML inventory, chosen by the file name's extension."""
    return list(read_inventory(io.StringIO(text, newline=""), filename))


def read_inventory(stream: TextIO, filename: str) -> Iterator[WorkflowSpec]:
    """:func:`read_csv`, or :func:`parse_yaml` of the whole stream for a ``.yaml``/``.yml``
    file name (YAML is read whole; CSV streams)."""
    if filename.lower().endswith((".yaml", ".yml")):
        return iter(parse_yaml(stream.read()))
    return read_csv(stream)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value.normalize():f}" if value == value.to_integral_value() else f"{value:f}"
    return str(value)


def spec_cells(spec: WorkflowSpec) -> dict[str, str]:
    """A spec as inventory cells (strings), in column order."""
    values = {f.name: getattr(spec, f.name) for f in fields(spec)}
    return {column: _cell(values[column]) for column in COLUMNS}


#: First characters that make a spreadsheet read a cell as a formula (CSV injection).
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


def inert_cell(cell: str) -> str:
    """A cell a spreadsheet shows as text: one starting like a formula gets a leading ``'``
    (which :func:`parse_csv` removes again)."""
    return f"'{cell}" if cell[:1] in FORMULA_STARTS else cell


def to_csv(specs: Iterable[WorkflowSpec]) -> str:
    """Write specs in the inventory CSV format; :func:`parse_csv` reads it back unchanged.
    Cells that would start a formula are written with a leading ``'`` (:func:`inert_cell`)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for spec in specs:
        writer.writerow({k: inert_cell(v) for k, v in spec_cells(spec).items()})
    return out.getvalue()


#: Columns holding numbers: YAML writes them as numbers (``requests: 100000``), not strings.
NUMBER_COLUMNS: Final = (
    "requests",
    "input_tokens",
    "output_tokens",
    "cost_per_request",
    "cached_share",
)


def _yaml_value(column: str, cell: str) -> str | int | float:
    """A cell for YAML: numbers as numbers when YAML can hold them exactly, else the text."""
    if column not in NUMBER_COLUMNS:
        return cell
    value = Decimal(cell)
    if value == value.to_integral_value():
        return int(value)
    as_float = float(value)
    return as_float if Decimal(repr(as_float)) == value else cell


def to_yaml(specs: Iterable[WorkflowSpec]) -> str:
    """Write specs as a YAML inventory (empty cells left out, numbers as numbers)."""
    items = [
        {k: _yaml_value(k, v) for k, v in spec_cells(spec).items() if v != ""} for spec in specs
    ]
    return yaml.safe_dump({"workflows": items}, sort_keys=False, allow_unicode=True)


def file_kind_problem(head: bytes) -> str | None:
    """Why a file whose first bytes are ``head`` is not an inventory, or ``None``: empty, an
    Excel workbook (XLSX, a zip) or an old XLS, UTF-16, or binary — whatever its name says."""
    if not head.strip():
        return "is empty; an inventory needs a header row and one workflow a row"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0"):
        return (
            "is an Excel workbook (or another binary file), not CSV; in your spreadsheet "
            "choose File → Save As → CSV UTF-8, and share that"
        )
    # UTF-16 without a byte-order mark: every other byte of Latin text is a NUL. A stray NUL
    # in text is a problem on its cell's line instead.
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head.count(b"\x00") * 4 > len(head):
        return "is UTF-16 text (or binary), not UTF-8; save it as CSV UTF-8 and share it again"
    return None
