"""Names people type or files carry, made comparable: two names that look the same to a person
are one name.

A name is cleaned before it is stored (:func:`clean_name`): Unicode NFKC normalisation (full-width
letters, decomposed accents and compatibility spaces become their plain forms), invisible and
bidirectional-control characters removed (a right-to-left override would reverse the figures
after the name in a digest), every run of spaces made one space. Names are compared by
:func:`name_key`: the cleaned name, case-folded (``ß`` and ``ss`` are one name). Length limits
apply to the key, the longest stored form (folding can grow a name: ``ß`` → ``ss``).
"""

from __future__ import annotations

import unicodedata

#: Characters that change how text is laid out without being seen: zero-width spaces and
#: joiners, the byte-order mark, the soft hyphen, and every bidirectional control.
INVISIBLE = frozenset(
    "\u00ad\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064"
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
)


class TextProblem(ValueError):
    """Text that cannot be stored (a NUL byte or another control character); says why."""


def control_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored, or ``None``: NUL bytes and control characters other than
    tab and line breaks are refused (PostgreSQL cannot store a NUL; the others hide text)."""
    for char in text:
        if char == "\x00":
            return "contains a NUL byte (is it a binary or UTF-16 file?)"
        if unicodedata.category(char) == "Cc" and char not in "\t\n\r":
            return f"contains the control character U+{ord(char):04X}"
    return None


def clean_name(text: str) -> str:
    """``text`` as stored: NFKC, without invisible or format characters, single-spaced."""
    normal = unicodedata.normalize("NFKC", text)
    visible = "".join(
        char
        for char in normal
        if (char not in INVISIBLE and unicodedata.category(char) not in ("Cf", "Cc"))
        or char in "\t\n\r"
    )
    return " ".join(visible.split())


def name_key(text: str) -> str:
    """What two names are compared by: the cleaned name, case-folded (and normalised again,
    since folding can undo NFKC)."""
    return unicodedata.normalize("NFKC", clean_name(text).casefold())
