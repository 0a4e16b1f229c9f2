"""Reading ``/batchscout …`` text tolerantly: any case, extra spaces, quotes around names."""

from __future__ import annotations

import re
from dataclasses import dataclass

from batchscout.delivery.mrkdwn import typed_text

_SPACES = re.compile(r"\s+")
_QUOTES = "\"'`“”‘’«»„‟‚"


@dataclass(frozen=True, slots=True)
class CommandLine:
    """A subcommand (lower-cased, empty when none was given) and what followed it."""

    name: str
    argument: str


def unquote(text: str) -> str:
    """``"Nightly summaries"`` or ``“Nightly summaries”`` → ``Nightly summaries``."""
    text = text.strip()
    while len(text) >= 2 and text[0] in _QUOTES and text[-1] in _QUOTES:
        text = text[1:-1].strip()
    return text


def parse_command_text(text: str) -> CommandLine:
    """Split the text of a slash command into a subcommand and its argument.

    Spaces of any kind are collapsed, the subcommand is case-insensitive, a repeated
    ``/batchscout`` is dropped and quotes around the argument are removed.
    """
    cleaned = _SPACES.sub(" ", typed_text(text).replace("\u00a0", " ")).strip()
    if cleaned.lower().startswith("/batchscout"):
        cleaned = cleaned[len("/batchscout") :].strip()
    word, _, rest = cleaned.partition(" ")
    return CommandLine(name=word.strip(_QUOTES).lower(), argument=unquote(rest))
