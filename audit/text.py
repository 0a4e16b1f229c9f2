"""Matching what people type: the one text normaliser."""

from __future__ import annotations

import re

_NOT_WORD = re.compile(r"[^0-9a-z]+")


def normalise_text(text: str) -> str:
    """Words only, lower-cased: case, punctuation and spacing do not matter when matching."""
    return " ".join(_NOT_WORD.sub(" ", text.casefold()).split())
