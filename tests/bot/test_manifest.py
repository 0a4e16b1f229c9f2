"""manifest.yml says what the code does: the command, the scopes it uses, the events it handles."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from batchscout.bot.app import BOT_SCOPES, SLASH_COMMAND
from batchscout.bot.listeners.commands.dispatch import SUBCOMMANDS
from batchscout.bot.listeners.events import SUBSCRIBED_EVENTS
from tests.bot.slack_user import SlackUsers
from tests.fakes.slack_api import FakeSlack

MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"
SETUP_DOC = MANIFEST.parent / "docs" / "slack-setup.md"

#: The scope each Web API method the bot calls needs (chat.postEphemeral and chat.update
#: come with chat:write; views.publish and auth.test need none).
METHOD_SCOPES: dict[str, str | tuple[str, ...] | None] = {
    "chat.postMessage": "chat:write",
    "chat.postEphemeral": "chat:write",
    "chat.update": "chat:write",
    "conversations.open": "im:write",
    "views.publish": None,
    "auth.test": None,
    "conversations.info": ("channels:read", "groups:read"),  # is the bot in the channel?
    "conversations.history": ("channels:history", "groups:history"),  # settle a crashed post
    "users.info": "users:read",  # the subscriber's time zone
    "reactions.add": "reactions:write",  # grading a knowledge-check answer
    "files.getUploadURLExternal": "files:write",  # the digest's chart
    "files.completeUploadExternal": "files:write",
    "files.info": "files:read",  # an inventory file shared in the DM
    "file_download": "files:read",  # GET its url_private_download (the fake records it so)
}
EVENT_SCOPES = {
    "message.im": "im:history",
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "app_home_opened": None,
    "app_uninstalled": None,
    "tokens_revoked": None,
    "member_joined_channel": "channels:read",
    "channel_unarchive": "channels:read",
    "group_unarchive": "groups:read",
}


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    data = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_the_slash_command(manifest: dict[str, Any]) -> None:
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == SLASH_COMMAND
    assert command["url"].endswith("/slack/events")
    assert command["should_escape"] is False
    for subcommand in SUBCOMMANDS.values():
        assert subcommand.usage in command["usage_hint"]


def test_scopes_are_what_the_code_uses(manifest: dict[str, Any]) -> None:
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    assert scopes == list(BOT_SCOPES)
    assert "user" not in manifest["oauth_config"]["scopes"]
    needed = (
        {"commands"}
        | {s for v in METHOD_SCOPES.values() if v for s in ((v,) if isinstance(v, str) else v)}
        | {s for s in EVENT_SCOPES.values() if s}
    )
    assert set(scopes) == needed


def test_the_setup_guide_names_the_same_scopes_and_events() -> None:
    """docs/slack-setup.md lists each scope and event once (a table row), and says how many."""
    text = SETUP_DOC.read_text(encoding="utf-8")
    scope_rows = re.findall(r"^\| `([a-z:]+)` \| scope \|", text, re.M)
    event_rows = re.findall(r"^\| `([a-z_.]+)` \| event \|", text, re.M)
    assert scope_rows == list(BOT_SCOPES)
    assert sorted(event_rows) == sorted(SUBSCRIBED_EVENTS)
    assert f"asks for {len(BOT_SCOPES)} bot scopes" in text
    assert f"subscribes to {len(SUBSCRIBED_EVENTS)} events" in text
    assert "mpim:" not in text.replace("no `mpim:", "")  # group DMs: explained, not asked for


def test_events_are_the_ones_handled(manifest: dict[str, Any]) -> None:
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    assert sorted(events) == sorted(SUBSCRIBED_EVENTS) == sorted(EVENT_SCOPES)


def test_home_interactivity_and_socket_mode(manifest: dict[str, Any]) -> None:
    features, settings = manifest["features"], manifest["settings"]
    assert features["app_home"]["home_tab_enabled"] and features["app_home"]["messages_tab_enabled"]
    assert features["app_home"]["messages_tab_read_only_enabled"] is False
    assert features["bot_user"]["display_name"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["interactivity"]["request_url"].endswith("/slack/events")
    assert settings["interactivity"]["message_menu_options_url"].endswith("/slack/events")
    assert settings["socket_mode_enabled"] is True
    # Socket Mode has no install flow: no placeholder redirect for Slack to accept.
    assert "redirect_urls" not in manifest["oauth_config"]
    assert "redirect_urls:\n#     - https://YOUR-HOST/slack/oauth_redirect" in MANIFEST.read_text()
    info = manifest["display_information"]
    assert len(info["description"]) <= 140 and 175 <= len(info["long_description"]) <= 4000


def test_every_method_the_bot_calls_has_its_scope(users: SlackUsers, slack: FakeSlack) -> None:
    """Run a conversation and a few commands; every Web API method used is covered above."""
    users.command("register")
    users.say("Scoped")
    users.command("help")
    users.event({"type": "app_home_opened", "user": "U0TEST", "tab": "home"})
    users.say("<@UBOT> register", channel="C0CHAN")
    users.say("typo-free", extra={"bot_id": "B0OTHER"})
    users.say("oops", user="U0TEST", channel="C0CHAN")
    used = {call.method for call in slack.calls() if call.method != "response_url"}
    assert used <= set(METHOD_SCOPES), used - set(METHOD_SCOPES)
