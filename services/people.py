"""People as Slack shows them: names for the texts where a mention would ping every week."""

from __future__ import annotations

from collections.abc import Iterable

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from batchscout.logs import get_logger

log = get_logger(__name__)


def display_names(client: WebClient, user_ids: Iterable[str]) -> dict[str, str]:
    """Each user's name as Slack shows it (display name, else real name), by user id, from
    ``users.info``. A person Slack will not describe is left out (and logged): the text then
    names nobody rather than an id."""
    names: dict[str, str] = {}
    for user_id in dict.fromkeys(user_ids):
        try:
            user = client.users_info(user=user_id).get("user") or {}
        except (SlackClientError, OSError) as error:
            reason = getattr(error, "response", None)
            log.warning(
                "user name unavailable", user_id=user_id,
                error=reason.get("error") if reason is not None else type(error).__name__,
            )  # fmt: skip
            continue
        profile = user.get("profile") or {}
        name = profile.get("display_name") or user.get("real_name") or profile.get("real_name")
        if name:
            names[user_id] = str(name)
    return names
