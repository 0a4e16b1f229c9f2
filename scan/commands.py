"""What a scheduled shell command runs: the scripts and modules named on its command line.

Read, never run: ``python scripts/x.py``, ``python -m pkg.mod``, ``uv run``/``poetry run``/
``pipenv run`` before either, ``node x.js``, ``npx tsx x.ts``, ``ts-node``, ``bun``,
``deno run``, ``go run ./cmd/x``, ``npm run NAME`` (looked up in ``package.json`` by the
caller), with ``cd DIR &&`` changing the folder the paths are relative to.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass
from enum import StrEnum


class TargetKind(StrEnum):
    """What a schedule runs."""

    FILE = "file"  # a script (Python, JavaScript, TypeScript) or a Go file or folder
    MODULE = "module"  # a Python module by dotted name (``python -m``)
    FUNCTION = "function"  # a Python function: ``module:function`` or a path and a name
    TASK = "task"  # a Celery task's name
    NPM_SCRIPT = "npm-script"  # ``npm run NAME``: a package.json script in ``where``
    ROUTE = "route"  # an HTTP path a cron service calls (Vercel)


@dataclass(frozen=True, slots=True)
class Target:
    """One thing a schedule runs; ``where`` is the folder its path is relative to."""

    kind: TargetKind
    value: str
    where: str = ""
    function: str | None = None


_PYTHON = re.compile(r"^(?:.*/)?python(?:\d(?:\.\d+)?)?$")
_RUNNERS = {"uv", "poetry", "pipenv", "pdm", "hatch", "rye", "npx", "bunx", "env", "exec", "time"}
_JS_RUNNERS = {"node", "tsx", "ts-node", "bun", "deno", "esno", "esr"}
_SPLIT = re.compile(r"&&|\|\||;|\n|\|")


def _words(part: str) -> list[str]:
    try:
        return shlex.split(part, comments=True)
    except ValueError:  # an unbalanced quote: read what is there
        return part.split()


def _strip_runner(words: list[str]) -> list[str]:
    while words:
        if "=" in words[0] and not words[0].startswith("-"):  # FOO=bar before the command
            words = words[1:]
        elif words[0] in _RUNNERS:
            words = words[1:]
            if words and words[0] in {"run", "exec", "--"}:
                words = words[1:]
        else:
            break
    return words


def command_targets(command: str, where: str = "") -> list[Target]:
    """The targets a shell command line runs, relative to ``where`` (a folder of the
    repository, ``""`` for its root)."""
    targets: list[Target] = []
    for part in _SPLIT.split(command):
        words = _strip_runner(_words(part.strip()))
        if not words:
            continue
        head = words[0]
        if head == "cd" and len(words) > 1:
            where = posixpath.normpath(posixpath.join(where, words[1])).lstrip("/")
            where = "" if where == "." else where
            continue
        if _PYTHON.match(head):
            targets += _python_targets(words[1:], where)
        elif head in _JS_RUNNERS:
            files = [w for w in words[1:] if re.search(r"\.(?:[cm]?[jt]sx?)$", w)]
            targets += [Target(TargetKind.FILE, _join(where, files[0]))] if files else []
        elif head == "go" and len(words) > 2 and words[1] == "run":
            paths = [w for w in words[2:] if not w.startswith("-")]
            targets += [Target(TargetKind.FILE, _join(where, paths[0]))] if paths else []
        elif head in {"npm", "pnpm", "yarn", "bun"} and len(words) > 1:
            name = words[2] if words[1] in {"run", "run-script"} and len(words) > 2 else words[1]
            targets.append(Target(TargetKind.NPM_SCRIPT, name, where))
        elif re.search(r"\.(?:py|[cm]?[jt]s)$", head):
            targets.append(Target(TargetKind.FILE, _join(where, head)))
    return targets


def _python_targets(arguments: list[str], where: str) -> list[Target]:
    index = 0
    while index < len(arguments):
        word = arguments[index]
        if word == "-m" and index + 1 < len(arguments):
            return [Target(TargetKind.MODULE, arguments[index + 1], where)]
        if word == "-c":
            return []
        if word.startswith("-"):
            index += 1
            continue
        return [Target(TargetKind.FILE, _join(where, word))]
    return []


def _join(where: str, path: str) -> str:
    joined = posixpath.normpath(posixpath.join(where, path)) if not path.startswith("/") else path
    return joined.removeprefix("./")
