"""Signed Slack requests for driving the HTTP endpoint from tests.

Slack signs each request it sends to an app: ``v0=`` + HMAC-SHA256 of
``v0:{timestamp}:{body}`` with the signing secret. These helpers build the bodies Slack
sends (slash commands, interactivity, Events API) and post them signed::

    body = slash_command_body(text="help")
    status, headers, payload = post(url, body, SECRET)
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlencode

__all__ = [
    "FORM",
    "JSON",
    "event_body",
    "interactivity_body",
    "post",
    "signed_headers",
    "slash_command_body",
]

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

_SLASH_COMMAND_DEFAULTS: dict[str, str] = {
    "token": "verification-token",
    "team_id": "T0TEST",
    "team_domain": "fake-team",
    "channel_id": "C0TEST",
    "channel_name": "general",
    "user_id": "U0TEST",
    "user_name": "tester",
    "command": "/batchscout",
    "text": "",
    "api_app_id": "A0TEST",
    "is_enterprise_install": "false",
    "response_url": "https://hooks.slack.com/commands/T0TEST/1/fake",
    "trigger_id": "1.2.fake-trigger",
}


def signed_headers(
    body: str,
    secret: str,
    *,
    timestamp: int | None = None,
    content_type: str = FORM,
) -> dict[str, str]:
    """Headers Slack would send with ``body``: content type, timestamp and v0 signature.

    ``timestamp`` defaults to now; pass an old one to test replay protection.
    """
    ts = int(time.time()) if timestamp is None else timestamp
    base = f"v0:{ts}:{body}".encode()
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": f"v0={digest}",
    }


def slash_command_body(**fields: str) -> str:
    """A form-encoded slash command; ``fields`` override realistic defaults.

    Defaults: ``/batchscout`` with empty text from ``U0TEST`` in ``C0TEST`` of
    ``T0TEST``. Pass ``response_url=slack.response_url()`` to capture ``respond()``.
    """
    return urlencode({**_SLASH_COMMAND_DEFAULTS, **fields})


def interactivity_body(payload: Mapping[str, Any]) -> str:
    """A form-encoded interactivity request: ``payload=`` and the payload as JSON."""
    return urlencode({"payload": json.dumps(payload)})


def event_body(
    event: Mapping[str, Any],
    *,
    team_id: str,
    event_id: str,
    api_app_id: str = "A0TEST",
    bot_user_id: str = "UBOT",
) -> str:
    """A JSON Events API ``event_callback`` envelope around ``event``."""
    envelope = {
        "token": "verification-token",
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": dict(event),
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-fake-{event_id}",
    }
    return json.dumps(envelope)


def post(
    url: str,
    body: str,
    secret: str,
    *,
    content_type: str = FORM,
    timestamp: int | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 10.0,
) -> tuple[int, dict[str, str], bytes]:
    """POST ``body`` signed with ``secret``; returns status, headers and body bytes.

    Never raises on an HTTP error status: a 401 or 500 is returned like a 200, so the
    test can assert on it. ``headers`` are added last and may override the signed ones.
    """
    all_headers = signed_headers(body, secret, timestamp=timestamp, content_type=content_type)
    all_headers.update(headers or {})
    request = urllib.request.Request(url, data=body.encode(), headers=all_headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers.items()), response.read()
    except HTTPError as error:
        with error:
            return error.code, dict(error.headers.items()), error.read()
