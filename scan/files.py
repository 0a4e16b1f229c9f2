"""Which files a scan reads: the repository's own text, never vendored or generated trees.

Skipped folders are never entered: ``.git``, ``node_modules``, virtual environments (by name,
or any folder holding a ``pyvenv.cfg``), vendored and build trees. Files over
:data:`MAX_BYTES` are skipped, and so are binary files and files that are not UTF-8: each is
listed with its reason, never fatal. Symbolic links are not followed (a link could lead out
of the repository, or round in a loop).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from batchscout.scan.model import Skipped

MAX_BYTES = 1_000_000
SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "site-packages",
        "vendor",
        "vendored",
        "third_party",
        "third-party",
        "dist",
        "build",
        ".next",
        ".nuxt",
        ".svelte-kit",
        ".vercel",
        ".serverless",
        ".aws-sam",
        ".terraform",
        "bower_components",
        "generated",
        "__generated__",
        "coverage",
    }
)
CODE_SUFFIXES = frozenset(
    {".py", ".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs", ".go"}
)
CONFIG_SUFFIXES = frozenset({".yml", ".yaml", ".toml", ".json", ".cron", ".crontab"})
CONFIG_NAMES = frozenset({"crontab", "Crontab"})
#: Generated sources: never hand-written, never where a call is decided.
GENERATED_ENDINGS = (".min.js", ".d.ts", "_pb2.py", "_pb2_grpc.py", ".pb.go", ".gen.go")
GENERATED_MARK = b"DO NOT EDIT"


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A file to read: its path relative to the root (``/``-separated) and its text."""

    path: str
    text: str

    @property
    def suffix(self) -> str:
        return os.path.splitext(self.path)[1].lower()


def _wanted(name: str, parent: str) -> bool:
    suffix = os.path.splitext(name)[1].lower()
    if name.endswith(GENERATED_ENDINGS):
        return False
    return (
        suffix in CODE_SUFFIXES
        or suffix in CONFIG_SUFFIXES
        or name in CONFIG_NAMES
        or os.path.basename(parent) in {"cron.d", "crontabs"}
    )


def source_files(root: Path, skipped: list[Skipped]) -> Iterator[SourceFile]:
    """Each file a scan reads under ``root``, in a stable order; appends the ones it cannot
    read (with why) to ``skipped``."""
    for directory, dirs, names in os.walk(root, followlinks=False):
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in SKIPPED_DIRS
            and not d.endswith(".egg-info")
            and not os.path.exists(os.path.join(directory, d, "pyvenv.cfg"))
            and not os.path.islink(os.path.join(directory, d))
        )
        relative_dir = os.path.relpath(directory, root)
        for name in sorted(names):
            if not _wanted(name, directory):
                continue
            full = os.path.join(directory, name)
            relative = name if relative_dir == "." else f"{relative_dir}/{name}"
            relative = relative.replace(os.sep, "/")
            if os.path.islink(full):
                continue
            found = _read(full, relative, skipped)
            if found is not None:
                yield found


def _read(full: str, relative: str, skipped: list[Skipped]) -> SourceFile | None:
    try:
        status = os.stat(full)
        if not stat.S_ISREG(status.st_mode):  # a FIFO or a device would block or never end
            skipped.append(Skipped(relative, "not a regular file"))
            return None
        size = status.st_size
        if size > MAX_BYTES:
            skipped.append(Skipped(relative, f"larger than {MAX_BYTES // 1_000_000} MB"))
            return None
        with open(full, "rb") as stream:
            data = stream.read()
    except OSError as error:
        skipped.append(Skipped(relative, f"unreadable ({error.strerror or error})"))
        return None
    if b"\x00" in data[:8192]:
        skipped.append(Skipped(relative, "binary"))
        return None
    if GENERATED_MARK in data[:1024] and b"generated" in data[:1024].lower():
        return None  # "Code generated … DO NOT EDIT." (Go's convention, and others')
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        skipped.append(Skipped(relative, "not UTF-8 text"))
        return None
    return SourceFile(relative, text)
