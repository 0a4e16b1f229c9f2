"""The layers' arrows point down and never loop (README, "Architecture").

Read from the source with :mod:`ast`, so the check needs no import and sees imports inside
functions and ``TYPE_CHECKING`` blocks too.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
FOLDERS: dict[str, str] = PYPROJECT["tool"]["setuptools"]["package-dir"]
"""Import name of each layer → its folder (``batchscout`` → ``base``)."""

# Which layers each layer may import (besides itself). The base, ``batchscout`` itself, is
# open to everyone and imports no other layer.
ALLOWED: dict[str, set[str]] = {
    "batchscout": set(),
    "batchscout.audit": {"batchscout"},
    "batchscout.storage": {"batchscout", "batchscout.audit"},
    "batchscout.delivery": {"batchscout", "batchscout.audit", "batchscout.storage"},
    "batchscout.services": {
        "batchscout",
        "batchscout.audit",
        "batchscout.storage",
        "batchscout.delivery",
    },
    "batchscout.bot": {
        "batchscout",
        "batchscout.audit",
        "batchscout.storage",
        "batchscout.delivery",
        "batchscout.services",
    },
    "batchscout.jobs": {
        "batchscout",
        "batchscout.audit",
        "batchscout.storage",
        "batchscout.delivery",
        "batchscout.services",
    },
    "batchscout.cli": {
        "batchscout",
        "batchscout.audit",
        "batchscout.storage",
        "batchscout.delivery",
        "batchscout.services",
        "batchscout.bot",
        "batchscout.jobs",
        "batchscout.scan",
        "batchscout.assist",
    },
    # The assistants' entry point (MCP server, synchronous chat adapters): beside bot and jobs,
    # never importing them; only the command line imports it.
    "batchscout.assist": {
        "batchscout",
        "batchscout.audit",
        "batchscout.storage",
        "batchscout.delivery",
        "batchscout.services",
    },
    # The code scanner: no Slack, no database, no services (the inventory format and the
    # flex prices come from audit).
    "batchscout.scan": {"batchscout", "batchscout.audit"},
}

THIRD_PARTY_BANNED = {
    # The domain stays pure: no Slack, no database, no network.
    "batchscout.audit": {
        "slack_sdk",
        "slack_bolt",
        "sqlmodel",
        "sqlalchemy",
        "openai",
        "anthropic",
        "httpx",
        "httpx2",
    },
    # The scanner reads code; it never talks to Slack, a database or a provider.
    "batchscout.scan": {
        "slack_sdk",
        "slack_bolt",
        "sqlmodel",
        "sqlalchemy",
        "openai",
        "anthropic",
        "httpx",
        "httpx2",
    },
}


def layer_of(module: str) -> str | None:
    """The layer a dotted module name belongs to (the longest mapped prefix)."""
    best = None
    for name in FOLDERS:
        if (module == name or module.startswith(name + ".")) and (
            best is None or len(name) > len(best)
        ):
            best = name
    return best


def imports_of(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.lineno, node.module))
            # ``from batchscout import cli`` names a layer in its imported names.
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def layer_files() -> list[tuple[str, Path]]:
    files = []
    for layer, folder in FOLDERS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            files.append((layer, path))
    return files


def test_every_package_folder_is_installed() -> None:
    """A new subpackage must be listed in pyproject.toml or it is missing from the wheel."""
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    found = set()
    for layer, folder in FOLDERS.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder).parts
            found.add(".".join((layer, *relative)))
    assert found == listed


#: The top-level folders (from pyproject's mapping): importing one by its folder name is wrong.
FOLDER_NAMES = frozenset(FOLDERS.values())


def test_the_arrows_point_down() -> None:
    wrong = []
    for layer, path in layer_files():
        for line, module in imports_of(path):
            head = module.split(".")[0]
            if head in FOLDER_NAMES:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {module} by its folder name")
                continue
            target = layer_of(module)
            if target is None or target == layer:
                continue
            if path.name == "__main__.py" and target == "batchscout.cli":
                continue  # ``python -m batchscout`` is the command line's other entry point
            if target not in ALLOWED[layer]:
                wrong.append(f"{path.relative_to(ROOT)}:{line} ({layer}) imports {module}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("layer", sorted(THIRD_PARTY_BANNED))
def test_the_domain_stays_pure(layer: str) -> None:
    banned = THIRD_PARTY_BANNED[layer]
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for owner, path in layer_files()
        if owner == layer
        for line, module in imports_of(path)
        if module.split(".")[0] in banned
    ]
    assert not wrong, "\n".join(wrong)


def test_tests_and_benches_import_the_installed_name() -> None:
    """``import audit`` would load a second copy of a module beside ``batchscout.audit``."""
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for folder in ("tests", "bench")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for line, module in imports_of(path)
        if module.split(".")[0] in FOLDER_NAMES
    ]
    assert not wrong, "\n".join(wrong)


def test_the_command_line_starts_without_heavy_libraries() -> None:
    """``batchscout --help`` loads none of the SDKs, matplotlib or Bolt (issue: CLI start-up)."""
    heavy = ["openai", "anthropic", "matplotlib", "slack_bolt", "slack_sdk", "sqlalchemy"]
    code = (
        "import atexit, sys\n"
        f"heavy = {heavy!r}\n"
        "atexit.register(lambda: sys.stderr.write("
        "'LOADED:' + ','.join(m for m in heavy if m in sys.modules) + '\\n'))\n"
        "from batchscout.cli import main\n"
        "sys.argv = ['batchscout', '--help']\n"
        "main()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert "Commands" in result.stdout
    assert "LOADED:\n" in result.stderr, result.stderr


def test_the_root_help_matches_each_command() -> None:
    """The root lists each command's help without importing it; keep the two in step."""
    from batchscout.cli import COMMANDS

    for name, lazy in COMMANDS.items():
        command = lazy.load(name)
        first = (command.help or "").strip().split("\n\n")[0].replace("\n", " ")
        assert first == lazy.help, name
