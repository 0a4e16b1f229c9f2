"""Plain questions typed to the bot, read by keywords: which of the common questions a
message asks (savings, the list, one workflow, one person's workflows, opportunities, usage,
history, a model's prices), for answers without an LLM.

Pure: the caller gives the workspace's workflow names and whether a model name is known to
the price catalog.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum


class IntentKind(StrEnum):
    """What a question asks for: each is answered by one read-only tool."""

    SAVINGS = "savings"
    LIST = "list_workflows"
    OWNER = "owner"
    SHOW = "show_workflow"
    OPPORTUNITIES = "opportunities"
    USAGE = "usage_report"
    HISTORY = "history"
    PRICES = "prices"


@dataclass(frozen=True, slots=True)
class Intent:
    """A recognised question: its kind and what it names (a workflow, a person, a model and a
    request shape)."""

    kind: IntentKind
    name: str | None = None
    owner: str | None = None
    model: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    usage: bool = False
    """A question about one workflow that asks about its usage ("is X verified?")."""


_QUESTION_WORDS = frozenset(
    [
        "how",
        "what",
        "which",
        "who",
        "whose",
        "whom",
        "where",
        "when",
        "why",
        "is",
        "are",
        "was",
        "were",
        "does",
        "do",
        "did",
        "can",
        "could",
        "should",
        "would",
        "will",
        "show",
        "list",
        "tell",
        "give",
    ]
)
_USER_ID = re.compile(r"(?<![A-Za-z0-9])([UW][A-Z0-9]{6,20})(?![A-Za-z0-9])")
_WORD = re.compile(r"[a-z0-9]+")
_MODEL = re.compile(r"(?<![\w.])([a-z][a-z0-9]*(?:[-.:/][a-z0-9]+)+|[a-z]+\d[a-z0-9]*)(?![\w])")
_TOKENS = re.compile(
    r"(\d[\d,]*(?:\.\d+)?)\s*(k)?\s*(input|in|prompt|output|out|completion)\b(?:\s*tokens?)?"
)

_PRICE_WORDS = ("cost", "price", "prices", "priced", "pricing", "per request", "per token")
_OWNER_WORDS = ("own", "owns", "owner", "owned", "workflows", "responsible")
_OPPORTUNITY_WORDS = ("opportunit", "quick win", "should we move", "to move", "move first",
                      "move to batch")  # fmt: skip
_USAGE_WORDS = ("usage", "billed", "the bill", "invoice", "verified", "not migrated", "drift")
_HISTORY_WORDS = ("history", "trend", "last week", "this week", "week over week", "progress",
                  "ledger", "over time")  # fmt: skip
_SAVINGS_WORDS = ("save", "saving", "savings", "spend", "spending", "how much", "batch", "flex")
_LIST_WORDS = ("list", "workflows", "inventory", "what do we have", "what runs", "registered")


def fold(text: str) -> str:
    """Text for matching: NFKC, case-folded, curly quotes straightened."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')


def _has(text: str, words: Sequence[str]) -> bool:
    return any(re.search(rf"(?<![a-z]){re.escape(w)}", text) for w in words)


def _stem(word: str) -> str:
    return word[:5]


def find_workflow(text: str, names: Sequence[str]) -> str | None:
    """The workflow ``text`` names: a name written in full, else the one whose significant
    words (first five letters each) are most of them in the text; ``None`` when none fits."""
    folded = fold(text)
    whole = [n for n in names if fold(n) in folded]
    if whole:
        return max(whole, key=len)
    said = {_stem(w) for w in _WORD.findall(folded) if len(w) > 2}
    best: tuple[float, str] | None = None
    for name in names:
        words = {_stem(w) for w in _WORD.findall(fold(name)) if len(w) > 2}
        if not words:
            continue
        matched = len(words & said)
        share = matched / len(words)
        # Two words of the name at least (or a one-word name), and most of them.
        if share >= 0.6 and matched >= min(2, len(words)) and (best is None or share > best[0]):
            best = (share, name)
    return best[1] if best else None


def _request_shape(text: str) -> tuple[int | None, int | None]:
    given: dict[str, int] = {}
    for number, thousands, side in _TOKENS.findall(text):
        value = float(number.replace(",", "")) * (1000 if thousands else 1)
        given["in" if side in ("input", "in", "prompt") else "out"] = int(value)
    return given.get("in"), given.get("out")


def read_intent(
    text: str, names: Sequence[str], *, known_model: Callable[[str], bool]
) -> Intent | None:
    """Which common question ``text`` asks, or ``None``. ``names`` are the workspace's
    workflows; ``known_model`` says whether the price catalog knows a model name."""
    folded = fold(text)
    owner = _USER_ID.search(text)
    if owner and _has(folded, _OWNER_WORDS):
        return Intent(IntentKind.OWNER, owner=owner.group(1))
    if _has(folded, _PRICE_WORDS):
        candidates = [m for m in _MODEL.findall(folded) if any(c.isdigit() for c in m)]
        model = next((m for m in candidates if known_model(m)), None)
        if model is None and candidates:
            model = candidates[0]
        if model is not None:
            tokens_in, tokens_out = _request_shape(folded)
            return Intent(IntentKind.PRICES, model=model, input_tokens=tokens_in,
                          output_tokens=tokens_out)  # fmt: skip
    name = find_workflow(text, names)
    if name is not None:
        return Intent(IntentKind.SHOW, name=name, usage=_has(folded, _USAGE_WORDS))
    for kind, words in (
        (IntentKind.OPPORTUNITIES, _OPPORTUNITY_WORDS),
        (IntentKind.USAGE, _USAGE_WORDS),
        (IntentKind.HISTORY, _HISTORY_WORDS),
        (IntentKind.SAVINGS, _SAVINGS_WORDS),
        (IntentKind.LIST, _LIST_WORDS),
    ):
        if _has(folded, words):
            return Intent(kind)
    return None


def looks_like_question(text: str) -> bool:
    """Whether a message asks something: it ends with a question mark or starts with a
    question word ("how", "what", "list", "show"…). A greeting is not a question."""
    stripped = text.strip()
    if not stripped:
        return False
    if stripped.endswith("?"):
        return True
    first = _WORD.findall(fold(stripped)[:40])
    return bool(first) and first[0] in _QUESTION_WORDS
