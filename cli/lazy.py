"""A Typer root whose commands are imported only when they run.

``batchscout --help`` must answer at once, but the commands behind it need SQLAlchemy, Bolt,
the provider SDKs and matplotlib. Each command module builds its own ``typer.Typer`` and
imports what it needs at the top; the root names the module and a one-line help for each
command, and loads a module only when its command (or its ``--help``) is asked for.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
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
            return group
        command = group.get_command(typer.Context(group), name)
        if command is None:
            raise LookupError(f"{self.module} has no command {name!r}")
        return command


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
