"""Slack, as the bot sees it from its HTTP endpoint: people typing commands, pressing buttons
and writing messages. Requests are signed like Slack's; what the bot sends back is recorded
by the fake Web API (``tests.fakes.slack_api.FakeSlack``)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.fakes.signing import JSON, event_body, interactivity_body, post, slash_command_body
from tests.fakes.slack_api import Call, FakeSlack

SECRET = "test-signing-secret"
TEAM = "T0TEST"


@dataclass(frozen=True)
class Posted:
    """A message the bot posted (or an ephemeral reply), as a person would see it."""

    channel: str
    ts: str
    blocks: list[dict[str, Any]]
    text: str
    thread_ts: str | None = None
    response_url: str | None = None

    @property
    def mrkdwn(self) -> str:
        """Every text of the blocks, joined: what a person reads."""
        return "\n".join(_texts(self.blocks))

    @property
    def formatted(self) -> str:
        """Only the texts Slack parses for mentions and links (mrkdwn, and the message text)."""
        return "\n".join([self.text, *_texts(self.blocks, only="mrkdwn")])

    def buttons(self) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """(block, element) for every button."""
        return [
            (block, element)
            for block in self.blocks
            if block.get("type") in ("actions", "section")
            for element in (
                block.get("elements", []) + ([block["accessory"]] if "accessory" in block else [])
            )
            if element.get("type") == "button"
        ]

    def button(self, label: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The button whose text is ``label`` or ends with ``. label`` (numbered choices)."""
        for block, element in self.buttons():
            text = element["text"]["text"]
            if text == label or text.endswith(f". {label}"):
                return block, element
        shown = [element["text"]["text"] for _, element in self.buttons()]
        raise AssertionError(f"no button {label!r}; buttons: {shown}")


def _texts(value: Any, only: str | None = None) -> list[str]:
    if isinstance(value, dict):
        found = []
        if isinstance(value.get("text"), str) and (only is None or value.get("type") == only):
            found.append(value["text"])
        for key, item in value.items():
            if key != "text" or not isinstance(item, str):
                found += _texts(item, only)
        return found
    if isinstance(value, list):
        return [t for item in value for t in _texts(item, only)]
    return []


class SlackUsers:
    """Drives the bot's endpoint as Slack would, for any person in any workspace."""

    def __init__(self, url: str, slack: FakeSlack, *, secret: str = SECRET) -> None:
        self.url = url
        self.slack = slack
        self.secret = secret
        self._ids = itertools.count(1)

    # -- sending ---------------------------------------------------------------------------

    def command(
        self, text: str, *, user: str = "U0TEST", team: str = TEAM, channel: str = "C0TEST"
    ) -> Posted:
        """``/batchscout text``; returns the (ephemeral) reply sent to the response URL."""
        return self.reply(self.send_command(text, user=user, team=team, channel=channel))

    def send_command(
        self, text: str, *, user: str = "U0TEST", team: str = TEAM, channel: str = "C0TEST"
    ) -> str:
        """``/batchscout text`` without waiting for a reply; returns the response URL's name."""
        name = f"cmd-{next(self._ids)}"
        body = slash_command_body(
            text=text, user_id=user, team_id=team, channel_id=channel,
            response_url=self.slack.response_url(name),
        )  # fmt: skip
        status, _, _ = post(f"{self.url}/slack/events", body, self.secret)
        assert status == 200, status
        return name

    def reply(self, name: str) -> Posted:
        """The latest post to the response URL ``name``."""
        call = self.slack.wait_for("response_url", lambda c: c.path.endswith(f"/{name}"))
        calls = [c for c in self.slack.calls("response_url") if c.path.endswith(f"/{name}")]
        return _posted_from_response(calls[-1] if calls else call, name)

    def click(
        self,
        message: Posted,
        label: str,
        *,
        user: str = "U0TEST",
        team: str = TEAM,
    ) -> str:
        """Press a button on ``message``; returns the response URL name the bot may answer to."""
        block, element = message.button(label)
        return self.act(
            message,
            {
                "type": "button",
                "action_id": element["action_id"],
                "block_id": block.get("block_id", "b"),
                "value": element.get("value", ""),
                "text": element["text"],
                "action_ts": "1700000000.1",
            },
            user=user,
            team=team,
        )

    def select(self, message: Posted, value: str, *, user: str = "U0TEST", team: str = TEAM) -> str:
        """Pick ``value`` in the message's external select menu."""
        block = next(
            b for b in message.blocks if b.get("elements", [{}])[0].get("type") == "external_select"
        )
        element = block["elements"][0]
        return self.act(
            message,
            {
                "type": "external_select",
                "action_id": element["action_id"],
                "block_id": block["block_id"],
                "selected_option": {"text": {"type": "plain_text", "text": value}, "value": value},
                "action_ts": "1700000000.1",
            },
            user=user,
            team=team,
        )

    def act(self, message: Posted, action: dict[str, Any], *, user: str, team: str) -> str:
        name = f"act-{next(self._ids)}"
        container: dict[str, Any] = {
            "type": "message",
            "message_ts": message.ts,
            "channel_id": message.channel,
            "is_ephemeral": message.response_url is not None,
        }
        if message.thread_ts:
            container["thread_ts"] = message.thread_ts
        payload = {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower(), "team_id": team},
            "api_app_id": "A0TEST",
            "token": "verification-token",
            "container": container,
            "trigger_id": "1.2.fake",
            "team": {"id": team, "domain": "fake"},
            "channel": {"id": message.channel, "name": "x"},
            "message": {
                "type": "message",
                "ts": message.ts,
                "text": message.text,
                "blocks": message.blocks,
            }
            | ({"thread_ts": message.thread_ts} if message.thread_ts else {}),
            "response_url": self.slack.response_url(name),
            "actions": [action],
        }
        status, _, _ = post(f"{self.url}/slack/events", interactivity_body(payload), self.secret)
        assert status == 200, status
        return name

    def act_in_view(
        self,
        view: dict[str, Any],
        action: dict[str, Any],
        *,
        user: str = "U0TEST",
        team: str = TEAM,
    ) -> str:
        """An action in a published view (the Home tab): ``view`` as ``views.publish`` got it,
        its ``private_metadata`` included; no message, no response URL."""
        payload = {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower(), "team_id": team},
            "api_app_id": "A0TEST",
            "token": "verification-token",
            "container": {"type": "view", "view_id": "V0HOME"},
            "trigger_id": "1.2.fake",
            "team": {"id": team, "domain": "fake"},
            "view": {"id": "V0HOME", "type": "home", **view},
            "actions": [{"action_ts": "1700000000.1", "block_id": "b", **action}],
        }
        status, _, _ = post(f"{self.url}/slack/events", interactivity_body(payload), self.secret)
        assert status == 200, status
        return "view"

    def options(
        self, message: Posted, query: str, *, user: str = "U0TEST", team: str = TEAM
    ) -> list[dict[str, Any]]:
        """What the message's external select offers for ``query``."""
        block = next(
            b for b in message.blocks if b.get("elements", [{}])[0].get("type") == "external_select"
        )
        payload = {
            "type": "block_suggestion",
            "user": {"id": user, "team_id": team},
            "team": {"id": team, "domain": "fake"},
            "api_app_id": "A0TEST",
            "token": "verification-token",
            "container": {
                "type": "message",
                "message_ts": message.ts,
                "channel_id": message.channel,
            },
            "channel": {"id": message.channel},
            "action_id": block["elements"][0]["action_id"],
            "block_id": block["block_id"],
            "value": query,
        }
        status, _, raw = post(f"{self.url}/slack/events", interactivity_body(payload), self.secret)
        assert status == 200, status
        return list(json.loads(raw)["options"])

    def say(
        self,
        text: str,
        *,
        user: str = "U0TEST",
        team: str = TEAM,
        channel: str | None = None,
        thread_ts: str | None = None,
        event_id: str | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> int:
        """A person writes ``text`` (in their DM with the bot unless ``channel`` is given)."""
        channel = channel or f"D{user}"
        event: dict[str, Any] = {
            "type": "message",
            "channel": channel,
            "user": user,
            "text": text,
            "ts": f"1700001{next(self._ids):03d}.000100",
            "team": team,
            "channel_type": "im"
            if channel.startswith("D")
            else ("group" if channel.startswith("G") else "channel"),
        }
        if thread_ts:
            event["thread_ts"] = thread_ts
        event.update(extra or {})
        body = event_body(event, team_id=team, event_id=event_id or f"Ev{next(self._ids):06d}")
        status, _, _ = post(
            f"{self.url}/slack/events", body, self.secret, content_type=JSON, headers=headers
        )
        return status

    def event(self, event: dict[str, Any], *, team: str = TEAM, event_id: str | None = None) -> int:
        """Any Events API event."""
        body = event_body(event, team_id=team, event_id=event_id or f"Ev{next(self._ids):06d}")
        status, _, _ = post(f"{self.url}/slack/events", body, self.secret, content_type=JSON)
        return status

    # -- what the bot sent -----------------------------------------------------------------

    def posts(
        self, channel: str | None = None, *, thread_ts: str | None = None, original: bool = False
    ) -> list[Posted]:
        """Messages the bot posted (chat.postMessage), oldest first, as last updated (or as
        first posted, with ``original``)."""
        updates = {
            (c.params["channel"], c.params["ts"]): c
            for c in self.slack.calls("chat.update")
            if c.ok
        }
        found = []
        for call in self.slack.calls("chat.postMessage"):
            if not call.ok:
                continue
            posted_channel = str(call.response["channel"])
            if channel is not None and posted_channel != channel:
                continue
            if thread_ts is not None and call.params.get("thread_ts") != thread_ts:
                continue
            ts = str(call.response["ts"])
            latest = call if original else updates.get((posted_channel, ts), call)
            found.append(
                Posted(
                    channel=posted_channel,
                    ts=ts,
                    blocks=list(latest.params.get("blocks") or []),
                    text=str(latest.params.get("text", "")),
                    thread_ts=call.params.get("thread_ts"),
                )
            )
        return found

    def last_post(self, channel: str | None = None, *, thread_ts: str | None = None) -> Posted:
        posts = self.posts(channel, thread_ts=thread_ts)
        assert posts, (
            f"the bot posted nothing in {channel}; calls: {[c.method for c in self.slack.calls()]}"
        )
        return posts[-1]

    def ephemerals(self, user: str) -> list[str]:
        """Texts of ephemeral messages sent to ``user`` with chat.postEphemeral."""
        return [
            str(c.params.get("text", ""))
            for c in self.slack.calls("chat.postEphemeral")
            if c.params.get("user") == user
        ]

    def wait(self, method: str, predicate: Callable[[Call], bool] | None = None) -> Call:
        return self.slack.wait_for(method, predicate)


def _posted_from_response(call: Call, name: str) -> Posted:
    return Posted(
        channel="C0TEST",
        ts="1700000000.000001",
        blocks=list(call.params.get("blocks") or []),
        text=str(call.params.get("text", "")),
        response_url=name,
    )
