"""The one mrkdwn escaper: user-typed text goes through here before it reaches Slack."""

from __future__ import annotations

import re


def escape(text: str) -> str:
    """Escape ``&``, ``<`` and ``>`` so typed text can never become a mention or a link.

    A workflow named ``<!channel>`` is shown as text and pings no one.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_MENTION = re.compile(r"<([@#!])([A-Za-z0-9^_-]+)(?:\|([^>]*))?>")
_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")


def unescape(text: str) -> str:
    """Undo Slack's escaping of ``&``, ``<`` and ``>`` in text it sends us."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def typed_text(text: str) -> str:
    """What a person typed, from the text of a Slack message or slash command.

    Slack rewrites ``@someone`` as ``<@U0123ABCD>`` and links as ``<https://…|label>``, and
    escapes ``&``, ``<`` and ``>``. This gives back the user id, the label (or the URL) and the
    plain characters, so answers are parsed as typed and stored unescaped.
    """

    def mention(match: re.Match[str]) -> str:
        kind, target, label = match.groups()
        if kind == "@":
            return target
        if kind == "#":
            return f"#{label}" if label else target
        return f"@{label or target}"

    text = _MENTION.sub(mention, text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    return unescape(text)
