"""Block Kit: small, limit-aware building bricks, and one builder module per message kind.

Slack refuses a message whose blocks break its limits, and a refused message is a message the
user never sees. Every builder goes through these bricks, which clip text to Slack's limits
(without cutting an escaped ``&amp;`` in half); tests check whole messages against the limits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Block = dict[str, Any]

#: Slack's limits (https://docs.slack.dev/reference/block-kit/blocks).
MAX_MESSAGE_BLOCKS = 50
MAX_HOME_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_FIELDS = 10
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_VALUE = 2000
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTIONS_ELEMENTS = 25
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_OPTIONS = 100
MAX_FALLBACK_TEXT = 3000  # a notification's text; Slack allows more, people read less


@dataclass(frozen=True, slots=True)
class Message:
    """A message to send: the notification ``text`` and its ``blocks``."""

    text: str
    blocks: list[Block] = field(default_factory=list)

    def as_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``chat.postMessage``, ``chat.update`` or ``respond``."""
        return {"text": clip(self.text, MAX_FALLBACK_TEXT), "blocks": self.blocks}


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis, never inside an ``&…;`` entity."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"


def plain(text: str, limit: int = MAX_SECTION_TEXT) -> dict[str, Any]:
    """A plain_text object (Slack shows it as typed: no escaping needed)."""
    return {"type": "plain_text", "text": clip(text, limit) or " ", "emoji": True}


def mrkdwn(text: str, limit: int = MAX_SECTION_TEXT) -> dict[str, Any]:
    """A mrkdwn text object; ``text`` must already have user-typed parts escaped."""
    return {"type": "mrkdwn", "text": clip(text, limit) or " "}


def header(text: str) -> Block:
    """A header block."""
    return {"type": "header", "text": plain(text, MAX_HEADER_TEXT)}


def note(text: str) -> Message:
    """A one-sentence answer: ``text`` (mrkdwn, anything typed already escaped) as the
    notification text and as the message's only section. Every short note is built here."""
    return Message(text=text, blocks=[section(text)])


def section(text: str, *, accessory: Block | None = None, block_id: str | None = None) -> Block:
    """A mrkdwn section."""
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if accessory is not None:
        block["accessory"] = accessory
    if block_id is not None:
        block["block_id"] = block_id
    return block


def fields(pairs: list[tuple[str, str]], *, text: str | None = None) -> Block:
    """A section of up to ten ``*label*\\nvalue`` fields (values already escaped)."""
    block: Block = {
        "type": "section",
        "fields": [
            mrkdwn(f"*{label}*\n{value}", MAX_FIELD_TEXT) for label, value in pairs[:MAX_FIELDS]
        ],
    }
    if text is not None:
        block["text"] = mrkdwn(text)
    return block


def context(*texts: str) -> Block:
    """A context block of small mrkdwn texts."""
    return {
        "type": "context",
        "elements": [mrkdwn(t, MAX_SECTION_TEXT) for t in texts[:MAX_CONTEXT_ELEMENTS]],
    }


def divider() -> Block:
    """A divider."""
    return {"type": "divider"}


def button(text: str, *, action_id: str, value: str = "", style: str | None = None) -> Block:
    """A button element; ``style`` is ``primary`` or ``danger``."""
    if len(value) > MAX_VALUE:
        raise ValueError("a button value is limited to 2,000 characters")
    element: Block = {
        "type": "button",
        "text": plain(text, MAX_BUTTON_TEXT),
        "action_id": action_id,
    }
    if value:
        element["value"] = value
    if style is not None:
        element["style"] = style
    return element


def actions(*elements: Block, block_id: str | None = None) -> Block:
    """An actions block of up to 25 elements."""
    block: Block = {"type": "actions", "elements": list(elements[:MAX_ACTIONS_ELEMENTS])}
    if block_id is not None:
        block["block_id"] = block_id
    return block


def option(text: str, value: str) -> dict[str, Any]:
    """An option for a select menu."""
    if len(value) > MAX_OPTION_VALUE:
        raise ValueError("an option value is limited to 150 characters")
    return {"text": plain(text, MAX_OPTION_TEXT), "value": value}
