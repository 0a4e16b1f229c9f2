"""The one mrkdwn escaper: user-typed text goes through here before it reaches Slack."""

from __future__ import annotations


def escape(text: str) -> str:
    """Escape ``&``, ``<`` and ``>`` so typed text can never become a mention or a link.

    A workflow named ``<!channel>`` is shown as text and pings no one.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
