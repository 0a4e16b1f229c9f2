"""Modal submissions (``view_submission``/``view_closed``).

Batchscout has no modals yet: the registration is a conversation, not a form. A later
subcommand that needs one (the digest subscription) registers its view listeners here.
"""

from __future__ import annotations

from slack_bolt import App


def register(app: App) -> None:
    """Wire view listeners (none yet)."""
