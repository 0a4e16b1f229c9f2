"""A Typer root whose commands are imported only when they run.

``batchscout --help`` must answer at once, but the commands behind it need SQLAlchemy, Bolt,
the provider SDKs and matplotlib. Each command module builds its own ``typer.Typer`` and
imports what it needs at the top; the root names the module and a one-line help for each
command, and loads a module only when its command (or its ``--help``) is asked for.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any, ClassVar

import typer
import typer.core
import typer.main

# Typer ships click (vendored from 0.22 on); its types are reached through Typer's own classes
# and annotated ``Any`` here so this works with either.


@dataclass(frozen=True)
class LazyCommand:
    """A command (or group of commands) living in ``module``'s ``app``."""

    module: str
    help: str
    group: bool = False

    def load(self, name: str) -> Any:
        """The click command for ``name``, importing its module."""
        app = importlib.import_module(self.module).app
        if not isinstance(app, typer.Typer):
            raise TypeError(f"{self.module}.app is not a typer.Typer")
        group = typer.main.get_group(app)
        if self.group:
            group.name = name
            _plain_help(group)
            return group
        command = group.get_command(typer.Context(group), name)
        if command is None:
            raise LookupError(f"{self.module} has no command {name!r}")
        _plain_help(command)
        return command


#: What a value is called in help, by its annotation, when the option does not say.
_METAVARS: dict[Any, str] = {int: "N", float: "SECONDS", Decimal: "DOLLARS", Path: "FILE"}


def _plain_help(command: Any) -> None:
    """Help like the root's: plain text without Typer's type names (``<bool>``, ``<str>``,
    ``<int range>``, ``{file}``): each value gets a name (``TEAM``, ``N``, ``FILE``), ranges
    read as words; a group's commands too."""
    command.rich_markup_mode = None
    for param in getattr(command, "params", []):
        _name_value(param)
    for child in getattr(command, "commands", {}).values():
        _plain_help(child)


def _name_value(param: Any) -> None:
    low, high = getattr(param, "min", None), getattr(param, "max", None)
    if low is not None or high is not None:
        words = (
            f"{low:,} to {high:,}"
            if low is not None and high is not None
            else f"at least {low:,}"
            if low is not None
            else f"at most {high:,}"
        )
        param._get_number_range_help_str = lambda: words
    if param.param_type_name == "argument":
        shown = (param.name or "value").upper()
        # Not Typer's "{file}" usage nor its "<file>" type column: the argument's name.
        param._usage_display_name = lambda: shown
        param.display_type_rich = lambda ctx: None
    if getattr(param, "is_flag", False) or param.metavar:
        return
    annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        param.metavar = "|".join(str(member.value) for member in annotation)
    elif param.param_type_name == "argument":
        param.metavar = (param.name or "value").upper()
    else:
        long_names = [o for o in param.opts if o.startswith("--")]
        own = long_names[0].removeprefix("--").upper().replace("-", "_") if long_names else ""
        param.metavar = _METAVARS.get(annotation) or own or "VALUE"


_HelpFormatter: Any = typer.Context.formatter_class
_KEEP_HYPHEN = re.compile(r"(?<=[\w-])-(?=\w)")


class WholeWordsFormatter(_HelpFormatter):  # type: ignore[misc]
    """Help wrapped between words only: never ``--flex-`` / ``input`` nor ``googl`` / ``e``.

    Hyphens inside words become non-breaking while text is wrapped, and plain again when the
    help is read out; both are one character wide, so the layout is the same."""

    def write_text(self, text: str) -> None:
        super().write_text(_KEEP_HYPHEN.sub("\u2011", text))

    def write_dl(self, rows: Any, *args: Any, **kwargs: Any) -> None:
        rows = [(_KEEP_HYPHEN.sub("\u2011", a), _KEEP_HYPHEN.sub("\u2011", b)) for a, b in rows]
        super().write_dl(rows, *args, **kwargs)

    def getvalue(self) -> str:
        return str(super().getvalue()).replace("\u2011", "-")


# Set where Typer's click defines it, so every command's context uses it.
_context_class: Any
for _context_class in typer.Context.__mro__:
    if "formatter_class" in vars(_context_class):
        _context_class.formatter_class = WholeWordsFormatter


class LazyGroup(typer.core.TyperGroup):
    """A group whose ``lazy_commands`` load on first use; the listing reads only their help."""

    lazy_commands: ClassVar[dict[str, LazyCommand]] = {}

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *self.lazy_commands]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        lazy = self.lazy_commands.get(cmd_name)
        if lazy is not None:
            return lazy.load(cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = [(name, lazy.help) for name, lazy in self.lazy_commands.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)
