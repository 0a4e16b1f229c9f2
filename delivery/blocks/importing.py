"""Messages about importing an inventory file: how to, what came in, what was wrong."""

from __future__ import annotations

import math
from collections.abc import Sequence
from enum import StrEnum

from batchscout.audit.inventory import COLUMNS, Problem
from batchscout.audit.latency import Freshness, Mode, Reader, Trigger
from batchscout.audit.money import format_monthly
from batchscout.audit.pricing import Provider
from batchscout.audit.savings import Per, Portfolio
from batchscout.audit.text import plural
from batchscout.delivery import messages
from batchscout.delivery.blocks import (
    MAX_SECTION_TEXT,
    Block,
    Message,
    clip,
    context,
    note,
    section,
)
from batchscout.delivery.mrkdwn import escape

#: Problems listed in a rejection; the rest are counted. 40 clipped lines fit in a few sections.
MAX_PROBLEMS_SHOWN = 40
MAX_PROBLEM_TEXT = 300
MAX_FILE_NAME = 100
_MB = 1024 * 1024


def _values(enum: type[StrEnum]) -> str:
    return ", ".join(f"`{member.value}`" for member in enum)


def _file(name: str | None) -> str:
    """A file's name as typed by its owner, quoted and escaped."""
    return f"“{escape(clip(name, MAX_FILE_NAME))}”" if name else messages.IMPORT_UNNAMED_FILE


def _megabytes(size: int) -> str:
    """``2 MB``, ``2.1 MB``: rounded up, so a file just over the limit never shows as at it."""
    tenths = math.ceil(size * 10 / _MB)
    return f"{tenths / 10:.1f}".removesuffix(".0") + " MB"


def how_to_import(*, team_id: str, max_bytes: int) -> Message:
    """``/batchscout import``: where to upload the file, its columns, the exact format."""
    how = messages.IMPORT_HOW.format(limit=_megabytes(max_bytes))
    columns = messages.IMPORT_COLUMNS.format(
        columns=", ".join(f"`{c}`" for c in COLUMNS),
        per=_values(Per),
        providers=_values(Provider),
        triggers=_values(Trigger),
        readers=_values(Reader),
        freshness=_values(Freshness),
        modes=_values(Mode),
    )
    pointer = messages.IMPORT_FORMAT_POINTER.format(team=escape(team_id))
    return Message(text=how, blocks=[section(how), section(columns), context(pointer)])


def imported(name: str, *, created: int, updated: int, figures: Portfolio) -> Message:
    """An import that went in: the counts, and the workspace's new headline figures."""
    count = created + updated
    done = messages.IMPORTED.format(
        count=plural(count, "workflow"),
        created=f"{created:,}",
        updated=f"{updated:,}",
        name=_file(name),
    )
    headline = messages.IMPORT_HEADLINE.format(
        spend=format_monthly(figures.monthly_spend),
        migrate_now=format_monthly(figures.migrate_now),
        to_challenge=format_monthly(figures.to_challenge),
        realised=format_monthly(figures.realised),
    )
    return Message(text=done, blocks=[section(done), section(headline)])


def rejected(name: str, problems: Sequence[Problem]) -> Message:
    """A rejected file: every problem by line and column (the first ones, if there are many)."""
    count = len(problems)
    intro = messages.IMPORT_REJECTED.format(
        name=_file(name), count=f"{count:,} problem{'s' if count != 1 else ''}"
    )
    lines = [
        "• " + clip(escape(str(problem)), MAX_PROBLEM_TEXT)
        for problem in problems[:MAX_PROBLEMS_SHOWN]
    ]
    blocks: list[Block] = [section(intro)]
    blocks += [section(text) for text in _packed(lines)]
    if count > MAX_PROBLEMS_SHOWN:
        blocks.append(context(messages.IMPORT_MORE_PROBLEMS.format(count=count - len(lines))))
    blocks.append(context(messages.IMPORT_FORMAT_HINT))
    return Message(text=intro, blocks=blocks)


def _packed(lines: Sequence[str]) -> list[str]:
    """Lines joined into as few section texts as Slack's length limit allows."""
    texts: list[str] = []
    for line in lines:
        if texts and len(texts[-1]) + 1 + len(line) <= MAX_SECTION_TEXT:
            texts[-1] += "\n" + line
        else:
            texts.append(line)
    return texts


def too_large(name: str, size: int | None, *, max_bytes: int) -> Message:
    """A file over the size cap (``size`` unknown when it only showed while downloading)."""
    limit = _megabytes(max_bytes)
    shown = _megabytes(size) if size is not None else f"more than {limit}"
    return about_file(messages.IMPORT_TOO_LARGE, name, size=shown, limit=limit)


def about_file(template: str, name: str | None, **values: str) -> Message:
    """A one-section note about a file; ``template`` takes ``{name}`` and ``values``."""
    text = template.format(name=_file(name), **values)
    return note(text)


def not_an_inventory(names: Sequence[str]) -> Message:
    """``import`` said of files that are not CSV or YAML: which names are accepted."""
    text = messages.IMPORT_NOT_AN_INVENTORY.format(names=", ".join(_file(n) for n in names))
    return note(text)
