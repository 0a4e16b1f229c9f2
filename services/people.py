"""People who went away: an owner Slack reports as deactivated (``users.info`` → ``deleted``)
is treated as no owner, so a digest never @-mentions someone who cannot act."""

from __future__ import annotations

from collections.abc import Iterable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from batchscout.delivery.posting import slack_error
from batchscout.logs import get_logger

log = get_logger(__name__)


def deactivated(client: WebClient, user_ids: Iterable[str]) -> frozenset[str]:
    """Of ``user_ids``, those Slack reports deleted (or does not know: ``user_not_found``).
    A lookup that fails otherwise keeps the person: a transient error never drops an owner."""
    gone: set[str] = set()
    for user_id in sorted(set(user_ids)):
        try:
            user = client.users_info(user=user_id).get("user") or {}
        except SlackApiError as error:
            if slack_error(error) == "user_not_found":
                gone.add(user_id)
            else:
                log.info("owner not checked", user_id=user_id, error=slack_error(error))
            continue
        if user.get("deleted"):
            gone.add(user_id)
    return frozenset(gone)
