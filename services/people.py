"""People as Slack shows them: names for the texts where a mention would ping every week, and
people who went away: an owner Slack reports as deactivated (``users.info`` → ``deleted``) is
treated as no owner, so a digest never @-mentions someone who cannot act.

One :class:`Directory` per digest asks ``users.info`` once per person, whatever it is asked."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from batchscout.delivery.posting import slack_error
from batchscout.logs import get_logger

log = get_logger(__name__)

UNKNOWN = "user_not_found"


class Directory:
    """``users.info`` answers for one piece of work (a digest), each person looked up once.

    A person is a dict (Slack's ``user`` object), or Slack's error code when it refused."""

    def __init__(self, client: WebClient) -> None:
        self._client = client
        self._people: dict[str, dict[str, Any] | str] = {}

    def _person(self, user_id: str) -> dict[str, Any] | str:
        if user_id not in self._people:
            try:
                self._people[user_id] = dict(
                    self._client.users_info(user=user_id).get("user") or {}
                )
            except SlackApiError as error:
                self._people[user_id] = slack_error(error)
            except (SlackClientError, OSError) as error:
                self._people[user_id] = type(error).__name__
            if isinstance(self._people[user_id], str):
                log.info("user not looked up", user_id=user_id, error=self._people[user_id])
        return self._people[user_id]

    def deactivated(self, user_ids: Iterable[str]) -> frozenset[str]:
        """Of ``user_ids``, those Slack reports deleted (or does not know: ``user_not_found``).
        A lookup that fails otherwise keeps the person: a transient error never drops an
        owner."""
        gone = set()
        for user_id in sorted(set(user_ids)):
            person = self._person(user_id)
            if person == UNKNOWN or (isinstance(person, dict) and person.get("deleted")):
                gone.add(user_id)
        return frozenset(gone)

    def display_names(self, user_ids: Iterable[str]) -> dict[str, str]:
        """Each user's name as Slack shows it (display name, else real name), by user id. A
        person Slack will not describe is left out: the text then names nobody rather than an
        id."""
        names: dict[str, str] = {}
        for user_id in dict.fromkeys(user_ids):
            person = self._person(user_id)
            if not isinstance(person, dict):
                continue
            profile = person.get("profile") or {}
            name = (
                profile.get("display_name") or person.get("real_name") or profile.get("real_name")
            )
            if name:
                names[user_id] = str(name)
        return names
