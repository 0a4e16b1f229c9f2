"""Matching what people type: the one text normaliser."""

from __future__ import annotations

import re
from collections.abc import Sequence

_NOT_WORD = re.compile(r"[^0-9a-z]+")


def normalise_text(text: str) -> str:
    """Words only, lower-cased: case, punctuation and spacing do not matter when matching."""
    return " ".join(_NOT_WORD.sub(" ", text.casefold()).split())


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``1 workflow``, ``2 workflows``, ``1,200 entries``: the count with its noun agreeing.

    ``plural_form`` is for nouns that do not just take an ``s`` (``opportunity`` →
    ``opportunities`` is handled; pass others explicitly)."""
    if count == 1:
        return f"1 {singular}"
    if plural_form is None:
        plural_form = (
            singular[:-1] + "ies"
            if singular.endswith("y") and singular[-2:-1] not in tuple("aeiou")
            else singular + "s"
        )
    return f"{count:,} {plural_form}"


def and_list(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
